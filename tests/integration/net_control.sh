#!/usr/bin/env bash
# Integration: the control port and torctl on a whole loopback network
# (scripts/testnet: 3 authorities, 4 relays, 2 exits, a client).  TAP.
#
#  - A controller written with Debian's python3-stem authenticates by
#    SAFECOOKIE and reads GETINFO circuit-status after a curl went through
#    the SOCKS port: a BUILT circuit of three distinct relays; its STREAM
#    events parse as stem objects.
#  - torctl golden output for status, circuits, streams, relays, newnym,
#    reload, events and top (one frame), volatile fields normalised and
#    columns checked for alignment; every --json parsed and checked.
#  - torctl newnym: streams before it share one circuit, streams after it
#    use another.
#  - Every byte torctl and stem exchange with the node, captured through a
#    recording proxy, holds neither the cookie nor its hex.
#
# The test only uses the SOCKS port, `scripts/testnet info --json` (to find
# the client's control socket) and the control port, so it does not care
# whether the client's relays come from a consensus or a static list.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=/usr/bin/python3
TORCTL=$top_builddir/src/torctl
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
[ -x "$TORCTL" ] || { echo "1..0 # SKIP torctl not built"; exit 0; }
"$PY" -c 'import stem.control' 2>/dev/null || { echo "1..0 # SKIP python3-stem not installed"; exit 0; }

# Ports unique per run, apart from the other network tests' ranges.
off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-ctl.XXXXXX)
export TESTNET_SOCKS_PORT=$((20008 + off))
export TESTNET_BASE_PORT=$((34000 + off))
export TESTNET_BOOT_TIMEOUT=90
D=$TESTNET_DIR
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
pids=
. "$top_srcdir/tests/integration/tap.sh"

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	watchdog_stop
	rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
# Bounded in time whatever happens: the traps above stop everything.
watchdog_start 400

NTESTS=37
# Compare a normalised output with its golden; show the difference.
golden() { # name golden-file output-file
	if diff -u "$2" "$3" >"$D/diff"; then
		ok "$1"
	else
		notok "$1"
		sed 's/^/# /' "$D/diff"
	fi
}

echo "1..$NTESTS"
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --log-level info >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	while [ $n -lt $NTESTS ]; do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up"

# The client's control socket, from testnet's own description of the network.
S=$("$top_srcdir/scripts/testnet" info --json | "$PY" -c '
import json, sys
for node in json.load(sys.stdin)["nodes"]:
    if node["role"] == "client":
        print(node["control"])
')
CLIENT_PID=$("$top_srcdir/scripts/testnet" info --json | "$PY" -c '
import json, sys
print([n for n in json.load(sys.stdin)["nodes"] if n["role"] == "client"][0]["pid"])
')
T() { "$TORCTL" --control "$S" "$@"; }

"$PY" "$top_srcdir/tests/integration/httpd.py" --bind 127.60.0.1 --port-file "$D/httpd.port" &
pids="$pids $!"
for i in $(seq 1 100); do [ -s "$D/httpd.port" ] && break; sleep 0.1; done
P=$(cat "$D/httpd.port")
fetch() { # size -> 0 if the bytes arrived intact
	local exp got
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha "$1")
	got=$(curl -s --max-time 60 --socks5-hostname "$SOCKS" "http://127.60.0.1:$P/bytes/$1" |
	    sha256sum | cut -d' ' -f1)
	[ "$got" = "$exp" ]
}
check "a curl goes through the SOCKS port" fetch 4096

# A recording proxy in front of the control socket: every byte, both ways.
cat >"$D/tap.py" <<'EOF'
import socket, sys, threading, time
listen, target, log, ready = sys.argv[1:5]
lock = threading.Lock()
out = open(log, "ab", buffering=0)
srv = socket.socket(socket.AF_UNIX)
srv.bind(listen)
srv.listen(16)
srv.settimeout(0.5)
open(ready, "w").close()
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            with lock:
                out.write(d)
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
end = time.time() + 300
while time.time() < end:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    u = socket.socket(socket.AF_UNIX)
    u.connect(target)
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pump, args=(a, b), daemon=True).start()
EOF
"$PY" "$D/tap.py" "$D/tap.sock" "$S" "$D/tap.bytes" "$D/tap.ready" &
pids="$pids $!"
for i in $(seq 1 100); do [ -e "$D/tap.ready" ] && break; sleep 0.05; done

# (a) stem, through the recording proxy.
cat >"$D/stem_check.py" <<'EOF'
import re, sys, threading, time
import stem.connection
import stem.version
from stem.control import Controller, EventType
sock, want_pid, socks, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with Controller.from_socket_file(sock) as c:
    pi = stem.connection.get_protocolinfo(c)
    methods = sorted(m.upper() for m in pi.auth_methods)
    assert methods == ["SAFECOOKIE"], methods
    c.authenticate()          # stem picks SAFECOOKIE from PROTOCOLINFO
    assert c.is_authenticated()
    assert c.get_info("process/pid") == want_pid, c.get_info("process/pid")
    # GETINFO version reads as a Tor version stem accepts, tord's in the extra tag.
    v = c.get_version()
    assert v >= stem.version.Version("0.4.0.0") and v.extra.startswith("tord-"), v
    built = []
    for line in c.get_info("circuit-status").splitlines():
        w = line.split()
        if len(w) >= 3 and w[1] == "BUILT":
            hops = w[2].split(",")
            fps = [h.split("~")[0] for h in hops]
            if len(hops) == 3 and len(set(fps)) == 3 and all(
                    re.fullmatch(r"\$[0-9A-F]{64}~[A-Za-z0-9]{1,19}", h) for h in hops):
                built.append(w[0])
    assert built, c.get_info("circuit-status")
    print("# stem: BUILT three-hop circuits %s" % " ".join(built))
    # STREAM events reach stem and parse as StreamEvent objects.
    seen = []
    done = threading.Event()
    def on_stream(ev):
        seen.append((ev.status, ev.circ_id, ev.target_port))
        if ev.status == "CLOSED":
            done.set()
    c.add_event_listener(on_stream, EventType.STREAM)
    import subprocess
    subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "60", "--socks5-hostname",
                    socks, "http://127.60.0.1:%d/bytes/1024" % port], check=True)
    done.wait(30)
    statuses = [s for s, _, _ in seen]
    assert "SUCCEEDED" in statuses and "CLOSED" in statuses, seen
    circ = [ci for s, ci, _ in seen if s == "SUCCEEDED"][0]
    assert all(p == port for _, _, p in seen), seen
    print("# stem: stream events %s on circuit %s" % (statuses, circ))
EOF
check "stem authenticates by SAFECOOKIE, sees a BUILT circuit of three distinct relays, parses STREAM events" \
    timeout 120 "$PY" "$D/stem_check.py" "$D/tap.sock" "$CLIENT_PID" "$SOCKS" "$P"

# Normaliser for the goldens: volatile fields become placeholders, keeping
# each column's width so that alignment is still compared.
cat >"$D/norm.py" <<'EOF'
import re, sys
mode = sys.argv[1]
def keep(line, pat, repl):
    out, pos = "", 0
    for m in re.finditer(pat, line):
        out += line[pos:m.start()] + repl
        end, diff = m.end(), len(m.group(0)) - len(repl)
        if diff > 0 and end < len(line) and line[end] == " ":
            out += " " * diff
        while diff < 0 and end + 1 < len(line) and line[end] == " " and line[end + 1] == " ":
            end, diff = end + 1, diff + 1
        pos = end
    return out + line[pos:]
HOP = r"[A-Za-z0-9]{1,19}~[0-9A-F]{8}"
FL = "Exit|Fast|Guard|Running|Stable|Valid"
AGE = r"\b[0-9]+(s|m[0-9]{2}s|h[0-9]{2}m|d[0-9]{2}h)\b"
lines = sys.stdin.read().splitlines()
out = []
for l in lines:
    if mode == "status":
        for key, ph in (("version", "VERSION"), ("pid", "PID"), ("uptime", "UPTIME"),
                        ("consensus", "CONSENSUS"), ("traffic", "TRAFFIC"), ("rate", "RATE"),
                        ("config", "CONFIG")):
            l = re.sub(r"^(%s +).*$" % key, r"\g<1>%s" % ph, l)
        l = re.sub(r"^(relays|links|circuits|streams)( +)[0-9]+", r"\1\2N", l)
        l = re.sub(r"^(bootstrap +100% done) \(.*\)$", r"\1 (SUMMARY)", l)
    elif mode == "circuits":
        if not (l.startswith("ID ") or " BUILT " in l):
            continue
        l = re.sub(HOP, "HOP", keep(keep(l, r"^[0-9]+", "ID"), AGE, "AGE"))
    elif mode == "streams":
        l = keep(keep(keep(l, r"^[0-9]+", "ID"), r"(?<= )[0-9]+(?= +127)", "CIRC"),
                 r":[0-9]+$", ":PORT")
    elif mode == "relays":
        if not l.startswith("NICKNAME"):
            l = keep(l, r"(?<= )[0-9A-F]{8}(?= )", "FP")
            l = keep(l, r"(?<=\.0\.1):[0-9]+", ":PORT")
            l = keep(l, r"(?<= )[0-9]+ kB/s", "BW")
            l = keep(l, r"(?<= )(%s)( (%s))*(?= )" % (FL, FL), "FLAGS")
            l = re.sub(r"(accept|reject) [0-9,-]+$", "POLICY", l)
    elif mode == "top":
        l = re.sub(r"up [0-9]+d [0-9:]+", "up UPTIME", l)
        l = re.sub(r"^bootstrap 100% done .*$", "bootstrap 100% done   CONSENSUS", l)
        l = re.sub(r"^rate .*$", "RATE TRAFFIC", l)
        l = re.sub(r"^links [0-9]+   circuits [0-9]+   streams [0-9]+$", "COUNTS", l)
        if re.match(r"^[0-9]+ ", l):
            if " BUILT " not in l:
                continue
            l = re.sub(HOP, "HOP", keep(keep(l, r"^[0-9]+", "ID"), AGE, "AGE"))
    elif mode == "events":
        l = re.sub(r"^CIRC [0-9]+ ", "CIRC ID ", l)
        l = re.sub(r"\$[0-9A-F]{64}~[A-Za-z0-9]+", "HOP", l)
        l = re.sub(r"TIME_CREATED=[0-9T:.-]+", "TIME_CREATED=TIME", l)
        l = re.sub(r"^STREAM [0-9]+ ([A-Z]+) [0-9]+ 127\.60\.0\.1:[0-9]+", r"STREAM ID \1 CIRC TARGET", l)
    out.append(l)
if mode in ("circuits", "relays"):
    out = out[:1] + sorted(set(out[1:]))
print("\n".join(out))
EOF
# Every row's columns start where the header's do.
aligned() { # file
	"$PY" - "$1" <<'EOF'
import re, sys
rows = [l for l in open(sys.argv[1]).read().splitlines() if l]
head = rows[0]
cols = [m.start() for m in re.finditer(r"(?<=  )\S", head)]
for r in rows[1:]:
    for c in cols:
        assert r[c - 1] == " " and r[c] != " ", (c, head, r)
EOF
}

# (b) torctl, command by command.
T status >"$D/status.out" 2>&1
"$PY" "$D/norm.py" status <"$D/status.out" >"$D/status.norm"
cat >"$D/status.golden" <<'EOF'
role        client
nickname    client
fingerprint -
version     VERSION
pid         PID
uptime      UPTIME
bootstrap   100% done (SUMMARY)
consensus   CONSENSUS
relays      N known
links       N open
circuits    N
streams     N
traffic     TRAFFIC
rate        RATE
config      CONFIG
EOF
golden "torctl status (golden)" "$D/status.golden" "$D/status.norm"
T --json status >"$D/status.json"
check "torctl --json status: every field, the node's pid, relays known" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["role"] == "client" and d["nickname"] == "client" and d["pid"] == int(sys.argv[2]), d
assert d["bootstrap"]["progress"] == 100 and d["version"], d
assert d["consensus"]["source"] in ("consensus", "static list") and d["consensus"]["relays"] >= 6, d
for k in ("uptime", "links", "circuits", "streams"):
    assert isinstance(d[k], int) and d[k] >= 0, k
assert d["links"] >= 1 and d["circuits"] >= 1, d
assert d["traffic"]["read"] > 0 and d["traffic"]["written"] > 0, d
assert isinstance(d["rate"]["read"], int) and isinstance(d["rate"]["written"], int), d
assert d["relay"] is None and d["exit"] is None and d["authority"] is None, d
' "$D/status.json" "$CLIENT_PID"

# A relay's and an authority's status: a bootstrap of their own (the
# descriptor in a majority of the authorities; a consensus served), the
# lines of their role, and no consensus lines for a relay, which holds none.
NT() { local nd=$1; shift; "$TORCTL" --control "$D/$nd/control" "$@"; }
NT exit1 status >"$D/exit1.out" 2>&1
"$PY" "$D/norm.py" status <"$D/exit1.out" |
    sed -E 's/^(fingerprint +)[0-9A-F]{64}$/\1FP/; s/^(relayed|descriptor|exit)( +).*$/\1\2ROLE/' >"$D/exit1.norm"
cat >"$D/exit1.golden" <<'EOF'
role        exit
nickname    exit1
fingerprint FP
version     VERSION
pid         PID
uptime      UPTIME
bootstrap   100% done (SUMMARY)
links       N open
circuits    N
streams     N
traffic     TRAFFIC
rate        RATE
config      CONFIG
relayed     ROLE
descriptor  ROLE
exit        ROLE
EOF
golden "torctl status of an exit (golden)" "$D/exit1.golden" "$D/exit1.norm"
NT exit1 --json status >"$D/exit1.json"
check "torctl --json status of an exit: bootstrap done by its descriptor, accepted by a majority of the 3 authorities" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["role"] == "exit" and d["consensus"] is None and d["authority"] is None, d
b = d["bootstrap"]
assert b["progress"] == 100 and b["tag"] == "done" and b["summary"].startswith("Descriptor accepted by "), b
r = d["relay"]
# A majority at least (bootstrap says so); one upload may be failing on a loaded machine.
assert r["authorities"] == 3 and r["descriptor_accepted"] >= 2 and r["circuits_total"] >= 0, r
assert isinstance(d["exit"]["streams_opened"], int), d
' "$D/exit1.json"
NT auth1 status >"$D/auth1.out" 2>&1
"$PY" "$D/norm.py" status <"$D/auth1.out" |
    sed -E 's/^(fingerprint +)[0-9A-F]{64}$/\1FP/; s/^(authority +).*$/\1ROLE/' >"$D/auth1.norm"
cat >"$D/auth1.golden" <<'EOF'
role        authority
nickname    auth1
fingerprint FP
version     VERSION
pid         PID
uptime      UPTIME
bootstrap   100% done (SUMMARY)
consensus   CONSENSUS
relays      N known
links       N open
circuits    N
streams     N
traffic     TRAFFIC
rate        RATE
config      CONFIG
authority   ROLE
EOF
golden "torctl status of an authority (golden)" "$D/auth1.golden" "$D/auth1.norm"
NT auth1 --json status >"$D/auth1.json"
NT auth1 getinfo ns/all >"$D/auth1.ns"
check "an authority shows the consensus it serves: bootstrap done, its relays, ns/all lists them" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
b, c, a = d["bootstrap"], d["consensus"], d["authority"]
assert b["progress"] == 100 and b["summary"].startswith("Serving a consensus signed by "), b
assert c["source"] == "consensus" and c["relays"] == a["relays_listed"] >= 1, d
assert c["valid_after"] == a["last_consensus"] and d["relay"] is None, d
# ns/all is the same consensus: as many relays, all of this network.
rs = [l.split()[1] for l in open(sys.argv[2]) if l.startswith("r ")]
assert len(rs) == c["relays"] and set(rs) <= {"exit1", "exit2", "relay1", "relay2", "relay3", "relay4"}, rs
' "$D/auth1.json" "$D/auth1.ns"

T circuits >"$D/circuits.out" 2>&1
"$PY" "$D/norm.py" circuits <"$D/circuits.out" >"$D/circuits.norm"
cat >"$D/circuits.golden" <<'EOF'
ID     STATUS    PURPOSE  AGE     PATH
ID     BUILT     GENERAL  AGE     HOP > HOP > HOP
EOF
golden "torctl circuits (golden)" "$D/circuits.golden" "$D/circuits.norm"
check "torctl circuits: columns aligned" aligned "$D/circuits.out"
T --json circuits >"$D/circuits.json"
check "torctl --json circuits: three distinct relays per BUILT circuit, all fields" "$PY" -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
built = [c for c in d if c["status"] == "BUILT"]
assert built, d
for c in d:
    assert set(c) == {"id", "status", "purpose", "created", "age", "path", "reason"}, c
    assert isinstance(c["id"], int) and isinstance(c["age"], int) and c["age"] >= 0, c
for c in built:
    assert c["purpose"] == "GENERAL" and len(c["path"]) == 3, c
    fps = [h["fingerprint"] for h in c["path"]]
    assert len(set(fps)) == 3 and len({h["nickname"] for h in c["path"]}) == 3, c
    assert all(re.fullmatch("[0-9A-F]{64}", f) for f in fps), c
print("# %d BUILT circuits" % len(built))
' "$D/circuits.json"

# streams: one long, slow download keeps a stream open while we look.
curl -s -o /dev/null --max-time 120 --socks5-hostname "$SOCKS" "http://127.60.0.1:$P/slow/67108864" &
slow_pid=$!
pids="$pids $slow_pid"
for i in $(seq 1 300); do
	T streams 2>/dev/null | grep -q SUCCEEDED && break
	sleep 0.1
done
T streams >"$D/streams.out" 2>&1
T --json streams >"$D/streams.json" 2>&1
T top </dev/null >"$D/top.out" 2>&1; top_rc=$?
kill "$slow_pid" 2>/dev/null
"$PY" "$D/norm.py" streams <"$D/streams.out" >"$D/streams.norm"
cat >"$D/streams.golden" <<'EOF'
ID     STATUS       CIRCUIT  TARGET
ID     SUCCEEDED    CIRC     127.60.0.1:PORT
EOF
golden "torctl streams during a download (golden)" "$D/streams.golden" "$D/streams.norm"
check "torctl --json streams: the download's stream on a BUILT circuit" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
circs = {c["id"]: c for c in json.load(open(sys.argv[2]))}
s = [x for x in d if x["status"] == "SUCCEEDED"]
assert len(s) == 1 and s[0]["target"] == "127.60.0.1:%s" % sys.argv[3], d
assert set(s[0]) == {"id", "status", "circuit", "target"}, s
assert isinstance(s[0]["id"], int) and s[0]["circuit"] > 0, s
' "$D/streams.json" "$D/circuits.json" "$P"

"$PY" "$D/norm.py" top <"$D/top.out" >"$D/top.norm"
cat >"$D/top.golden" <<'EOF'
torctl top: client (client)   up UPTIME   q quits
bootstrap 100% done   CONSENSUS
RATE TRAFFIC
COUNTS

ID     STATUS    PURPOSE  AGE     PATH
ID     BUILT     GENERAL  AGE     HOP > HOP > HOP

ID     STATUS       CIRCUIT  TARGET
EOF
"$PY" -c '
import sys
l = open(sys.argv[1]).read().splitlines()
out, seen = [], set()
for x in l:
    if x.startswith("ID ") and "BUILT" in x:
        if x in seen:
            continue
        seen.add(x)
    if x.startswith("ID ") and "SUCCEEDED" in x:
        continue
    out.append(x)
print("\n".join(out))
' "$D/top.norm" >"$D/top.norm2"
esc=$(printf '\033')
if [ $top_rc -eq 0 ] && ! grep -q "$esc" "$D/top.out" && diff -u "$D/top.golden" "$D/top.norm2" >"$D/diff"; then
	ok "torctl top without a terminal: one frame (golden), no escapes, exit 0"
else
	notok "torctl top without a terminal: one frame (golden), no escapes, exit 0 (rc=$top_rc)"
	sed 's/^/# /' "$D/diff"
fi
check "torctl top shows the download's stream" grep -q "SUCCEEDED .*127.60.0.1:$P" "$D/top.out"

T relays >"$D/relays.out" 2>&1
"$PY" "$D/norm.py" relays <"$D/relays.out" >"$D/relays.norm"
cat >"$D/relays.golden" <<'EOF'
NICKNAME            FP       ADDRESS               BANDWIDTH  FLAGS                                EXIT POLICY
exit1               FP       127.31.0.1:PORT       BW         FLAGS                                POLICY
exit2               FP       127.32.0.1:PORT       BW         FLAGS                                POLICY
relay1              FP       127.11.0.1:PORT       BW         FLAGS                                POLICY
relay2              FP       127.12.0.1:PORT       BW         FLAGS                                POLICY
relay3              FP       127.13.0.1:PORT       BW         FLAGS                                POLICY
relay4              FP       127.14.0.1:PORT       BW         FLAGS                                POLICY
EOF
golden "torctl relays (golden)" "$D/relays.golden" "$D/relays.norm"
check "torctl relays: columns aligned" aligned "$D/relays.out"
T --json relays >"$D/relays.json"
T relays --flag Exit --json >"$D/exits.json"
T relays --exit-port 80 --json >"$D/port80.json"
check "torctl --json relays: fields; --flag Exit and --exit-port 80 give the exits" "$PY" -c '
import json, re, sys
rs = json.load(open(sys.argv[1]))
assert sorted(r["nickname"] for r in rs) == ["exit1", "exit2"] + ["relay%d" % i for i in range(1, 5)], rs
for r in rs:
    assert set(r) == {"nickname", "fingerprint", "published", "address", "ipv6_address",
                      "flags", "bandwidth", "exit_policy"}, r
    assert re.fullmatch("[0-9A-F]{64}", r["fingerprint"]) and isinstance(r["bandwidth"], int), r
    assert re.fullmatch(r"(accept|reject) [0-9,-]+", r["exit_policy"]), r
    assert ("Exit" in r["flags"]) == r["nickname"].startswith("exit"), r
for f in sys.argv[2:]:
    assert sorted(r["nickname"] for r in json.load(open(f))) == ["exit1", "exit2"], f
' "$D/relays.json" "$D/exits.json" "$D/port80.json"

check "torctl reload (golden)" test "$(T reload)" = "RELOAD: ok"
check "torctl --json reload" test "$(T --json reload)" = '{"signal":"RELOAD","result":"ok"}'
check "the node still answers after reload" test "$(T getinfo process/pid)" = "$CLIENT_PID"

# A reload applies the client's own settings: with safe_socks = yes a
# SOCKS request that carries only an IP address is refused (reply 0x02,
# and the log says why); back to no, the same request is served again.
CCONF=$("$top_srcdir/scripts/testnet" info --json | "$PY" -c '
import json, sys
print([n for n in json.load(sys.stdin)["nodes"] if n["role"] == "client"][0]["config"])
')
ip_probe() { "$PY" "$top_srcdir/tests/integration/socks_probe.py" "$TESTNET_SOCKS_PORT" 127.60.0.1 "$P" 2>&1; }
rep0=$(ip_probe)
cp "$CCONF" "$D/client.ini.orig"
sed -i 's/^\[client\]$/[client]\nsafe_socks = yes/' "$CCONF"
rl1=$(T reload)
rep1=$(ip_probe)
unsafe_logged=$(grep -c "refused a SOCKS5 request that carried only an IP address" "$D/client/log")
cp "$D/client.ini.orig" "$CCONF"
rl2=$(T reload)
rep2=$(ip_probe)
check "reload applies safe_socks: an IP-only request is served, refused with 0x02 after safe_socks = yes, served after going back ($rep0, $rl1 $rep1, $rl2 $rep2; $unsafe_logged refusal logged)" \
    test "$rep0 $rl1 $rep1 $rl2 $rep2 $unsafe_logged" = "rep=00 RELOAD: ok rep=02 RELOAD: ok rep=00 1"

# (c) newnym: two streams before it share a circuit; two after it share
# another one.  Circuits come from the STREAM events torctl prints.
T --json events --count 16 --duration 120 STREAM >"$D/nym.json" 2>"$D/nym.err" &
ev_pid=$!
pids="$pids $ev_pid"
sleep 1
fetch 1024 && fetch 1024
nym=$(T newnym)
fetch 1024 && fetch 1024
for i in $(seq 1 300); do kill -0 "$ev_pid" 2>/dev/null || break; sleep 0.1; done
kill "$ev_pid" 2>/dev/null	# still running: it missed events (the check fails)
wait "$ev_pid"; ev_rc=$?
check "torctl newnym (golden)" test "$nym" = "NEWNYM: ok"
check "torctl --json newnym" test "$(T --json newnym)" = '{"signal":"NEWNYM","result":"ok"}'
check "events --count 16 ended by itself with 16 JSON STREAM events (NEW, SENTCONNECT, SUCCEEDED, CLOSED for 4 streams; rc=$ev_rc)" "$PY" -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert len(ev) == 16 and all(e["event"] == "STREAM" for e in ev), ev
assert sys.argv[2] == "0", sys.argv[2]
' "$D/nym.json" "$ev_rc"
check "newnym: streams after it use a new circuit, streams before it shared one" "$PY" -c '
import json, sys
ev = [json.loads(l)["data"].split() for l in open(sys.argv[1])]
used = {}
for w in ev:
    if w[1] == "SUCCEEDED":
        used[int(w[0])] = int(w[2])
circs = [used[s] for s in sorted(used)]
assert len(circs) == 4, ev
print("# circuits used by the four streams: %s" % circs)
assert circs[0] == circs[1], "no newnym yet, yet a new circuit: %s" % circs
assert circs[2] == circs[3], "after newnym the two streams differ: %s" % circs
assert circs[2] != circs[1], "newnym did not change the circuit: %s" % circs
' "$D/nym.json"

# events (golden): a circuit built (after a newnym) and a stream's whole
# life.  Connections that never make a request (a malformed SOCKS
# greeting, one that closes mid-handshake) report nothing at all.
T events --duration 8 CIRC STREAM >"$D/events.out" 2>&1 &
ev_pid=$!
pids="$pids $ev_pid"
sleep 1
T newnym >/dev/null
"$PY" - "$TESTNET_SOCKS_PORT" <<'EOF'
import socket, sys
for greeting in (b"\x05\x00\x00", b"\x05\x01"):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(greeting)
    s.shutdown(socket.SHUT_WR)
    try:
        s.recv(16)
    except OSError:
        pass
    s.close()
EOF
fetch 1024
wait "$ev_pid"; ev_rc=$?
"$PY" "$D/norm.py" events <"$D/events.out" | grep -E '^STREAM|^CIRC ID BUILT' | sort -u >"$D/events.norm"
cat >"$D/events.golden" <<'EOF'
CIRC ID BUILT HOP,HOP,HOP PURPOSE=GENERAL TIME_CREATED=TIME
STREAM ID CLOSED CIRC TARGET REASON=DONE
STREAM ID NEW CIRC TARGET
STREAM ID SENTCONNECT CIRC TARGET
STREAM ID SUCCEEDED CIRC TARGET
EOF
if [ $ev_rc -eq 0 ]; then
	golden "torctl events CIRC STREAM for 8 s around a curl (golden)" "$D/events.golden" "$D/events.norm"
else
	notok "torctl events --duration 8 exits 0 (rc=$ev_rc)"
fi
check "every event line is well formed" "$PY" -c '
import re, sys
for l in open(sys.argv[1]).read().splitlines():
    assert re.fullmatch(r"CIRC [0-9]+ (LAUNCHED|EXTENDED|BUILT|FAILED|CLOSED)( \S+)? PURPOSE=[A-Z]+ "
                        r"TIME_CREATED=\S+( REASON=[A-Z_]+)?", l) or \
           re.fullmatch(r"STREAM [0-9]+ [A-Z]+ [0-9]+ \S+( REASON=[A-Z_]+)?", l), l
' "$D/events.out"

# Role figures and links, asked of the relays themselves: the guard of a
# built circuit relayed cells and holds a link to that circuit's middle
# relay; the exits opened the streams of the fetches above.
"$top_srcdir/scripts/testnet" info --json >"$D/info.json"
T --json circuits >"$D/circuits2.json"
"$PY" - "$D/info.json" "$D/circuits2.json" >"$D/guard" <<'EOF'
import json, sys
nodes = json.load(open(sys.argv[1]))["nodes"]
c = [c for c in json.load(open(sys.argv[2])) if c["status"] == "BUILT"][0]
by_fp = {n.get("fingerprint", "").upper(): n for n in nodes}
print(by_fp[c["path"][0]["fingerprint"]]["control"], c["path"][1]["fingerprint"])
EOF
read -r GUARD_CTL MIDDLE_FP <"$D/guard"
"$TORCTL" --control "$GUARD_CTL" --json status >"$D/guard.json" 2>&1
check "the guard's status: a relay that relayed circuits and cells" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["role"] in ("relay", "exit") and d["fingerprint"], d
r = d["relay"]
assert r["circuits_total"] >= 1 and r["cells_relayed"] > 0 and r["circuits_carried"] >= 1, r
assert isinstance(r["cells_per_second"], int), r
' "$D/guard.json"
check "the guard's orconn-status lists its link to the middle relay as CONNECTED" \
    sh -c "'$TORCTL' --control '$GUARD_CTL' getinfo orconn-status | grep -Eq '^.$MIDDLE_FP(~[A-Za-z0-9]+)? CONNECTED$'"
opened=0
for c in $("$PY" -c '
import json, sys
print(" ".join(n["control"] for n in json.load(open(sys.argv[1]))["nodes"] if n["role"] == "exit"))
' "$D/info.json"); do
	v=$("$TORCTL" --control "$c" getinfo tord/exit/streams-opened 2>/dev/null) || v=0
	opened=$((opened + v))
done
check "the exits counted the streams they opened ($opened, at least the 8 fetches)" test $opened -ge 8

# Failures against the real node.
T getinfo no/such/key >/dev/null 2>&1; rc=$?
check "an unknown key: exit 1" test $rc -eq 1
"$TORCTL" --control "$D/nonexistent" status >/dev/null 2>&1; rc=$?
check "an unreachable node: exit 3" test $rc -eq 3

# (d) the capture of everything torctl and stem said through the proxy.
"$TORCTL" --control "$D/tap.sock" status >/dev/null 2>&1
check "torctl authenticates through the recording proxy" \
    test "$("$TORCTL" --control "$D/tap.sock" getinfo process/pid 2>&1)" = "$CLIENT_PID"
COOKIE=$("$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"PROTOCOLINFO 1\r\n")
b = b""
while not b.endswith(b"250 OK\r\n"):
    b += s.recv(4096)
print(b.split(b"COOKIEFILE=\"")[1].split(b"\"")[0].decode())
' "$S")
check "neither the cookie nor its hex crossed the control socket" "$PY" -c '
import sys
b = open(sys.argv[1], "rb").read()
c = open(sys.argv[2], "rb").read()
assert len(c) == 32, len(c)
assert b.count(b"AUTHCHALLENGE SAFECOOKIE") >= 3, b.count(b"AUTHCHALLENGE SAFECOOKIE")
assert c not in b and c.hex().encode() not in b and c.hex().upper().encode() not in b
' "$D/tap.bytes" "$COOKIE"

if grep -q -E "Sanitizer|runtime error" "$D"/*/log 2>/dev/null; then
	notok "sanitizer reports in node logs"
	grep -h -E "Sanitizer|runtime error" "$D"/*/log | head -n 5 | sed 's/^/# /'
else
	ok "no sanitizer reports in node logs"
fi
[ $n -eq $NTESTS ] || { echo "# ran $n checks, planned $NTESTS"; fails=$((fails + 1)); }
[ $fails -eq 0 ]
