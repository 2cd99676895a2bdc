#!/usr/bin/env bash
# Integration: properties of the onion data path on a whole loopback network
# (scripts/testnet: 3 authorities, 4 relays, 2 exits, a client), TAP output.
#
#  1. only two neighbours: with debug logs and safe_logging = no everywhere,
#     the guard of the circuit a fetch used never logs the target, the middle
#     logs neither the target nor the client, the exit never logs the client;
#  2. wrong identity refused: a second client whose static list puts relay3's
#     identity at relay1's address refuses the link, gets nothing through,
#     and the real network keeps working;
#  3. stream isolation: two SOCKS usernames get two circuits, one username
#     reuses its circuit;
#  4. stalled reader: an application that stops reading a 1 GiB download
#     does not make any relay, exit or the client grow without bound;
#  5. HTTP CONNECT port: CONNECT works, any other method gets 405;
#  6. bandwidth_rate: set and lifted by SIGHUP; a limited network is no
#     faster than the limit, and the relays report holding reading back.
#
# What "the client's address" means here.  On loopback every node opens its
# outgoing links from 127.0.0.1 (links are not bound to the node's own
# 127.X.0.1), so the bare IP 127.0.0.1 is in every relay's log and does not
# single out the client.  What is checkable, and checked:
#  * a relay that accepts a link from a non-relay logs "peer client at
#    ADDR:PORT" (link.c, debug); the client's link endpoint 127.0.0.1:X is
#    taken from the guard's log;
#  * no node but the guard logs "peer client" at all, and no node but the
#    guard logs the endpoint 127.0.0.1:X;
#  * the target 127.60.0.1 (a loopback address used by nothing else) appears
#    in the exit's log (positive control: logs are verbose and unscrubbed)
#    and in no guard's or middle's log.
# The "peer ... at ADDR" part of link.c's debug line "link=N open" exists for
# this test; it goes through log_scrub(), so it shows only with
# safe_logging = no.
#
# Wrong identity: the TLS identity check in link.c is the first line of
# defence (checked by its log line); the ntor handshake with relay3's onion
# key would fail anyway, so "no circuit" alone would not prove the check.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import hashlib' 2>/dev/null || PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }

# Ports unique per run so parallel suites (normal + sanitizer) do not collide.
off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-props.XXXXXX)
export TESTNET_SOCKS_PORT=$((20003 + off))
export TESTNET_BASE_PORT=$((26000 + off))
export TESTNET_BOOT_TIMEOUT=40
HC_PORT=$((20004 + off))
BAD_SOCKS_PORT=$((20005 + off))
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
D=$TESTNET_DIR
TORD=$top_builddir/src/tord
TORCTL=$top_builddir/src/torctl
httpd_pid=
bad_pid=
stall_pid=
. "$top_srcdir/tests/integration/tap.sh"

cleanup() {
	[ -n "$stall_pid" ] && kill "$stall_pid" 2>/dev/null
	[ -n "$bad_pid" ] && kill "$bad_pid" 2>/dev/null
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	watchdog_stop
	rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
# Bounded in time whatever happens: the trap above stops everything.
watchdog_start 150

NTESTS=24
# A known tord bug: TAP TODO (automake: XFAIL / XPASS), never a silent pass.
check_todo() {
	local why=$1 d=$2; shift 2
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d # TODO $why"; else echo "not ok $n - $d # TODO $why"; fi
}

echo "1..$NTESTS"
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --log-level debug --unsafe-logging --http-connect-port "$HC_PORT" >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	for i in $(seq 2 $NTESTS); do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up (debug logs, safe_logging = no, HTTP CONNECT port)"

"$PY" "$top_srcdir/tests/integration/httpd.py" --bind 127.60.0.1 --port-file "$D/httpd.port" &
httpd_pid=$!
for i in $(seq 1 50); do [ -f "$D/httpd.port" ] && break; sleep 0.1; done
P=$(cat "$D/httpd.port")
TARGET=127.60.0.1

ctl() { "$TORCTL" --control "$D/client/control" --cookie "$D/client/control_auth_cookie" "$@"; }
fetch_ok() {	# size [curl proxy args...]
	local size=$1 exp got
	shift
	[ $# -gt 0 ] || set -- --socks5-hostname "$SOCKS"
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha "$size")
	got=$(curl -s --max-time 20 "$@" "http://$TARGET:$P/bytes/$size" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$exp" ] || { echo "# size $size: expected $exp got $got"; return 1; }
}
# The circuit the client attached its last stream to, from the client's log
# ("stream=N attached to circ=M"), considering only lines after line $1.
last_circ() {
	tail -n +"$(($1 + 1))" "$D/client/log" | sed -n 's/.*stream=[0-9]* attached to circ=\([0-9]*\).*/\1/p' | tail -n 1
}
loglines() { wc -l <"$D/client/log"; }
# Node names (= nicknames in testnet) of circuit $1's path, space separated.
circ_path() {
	ctl --json circuits | "$PY" -c '
import json, sys
for c in json.load(sys.stdin):
    if str(c["id"]) == sys.argv[1]:
        print(" ".join(h["nickname"] if isinstance(h, dict) else h.split("~", 1)[1]
                       for h in c["path"]))' "$1"
}

# ---- 1. only two neighbours ---------------------------------------------
l0=$(loglines)
check "1 KiB fetched through the client (sha256)" fetch_ok 1024
circ=$(last_circ "$l0")
path=$(circ_path "$circ")
read -r G M E <<<"$path"
echo "# fetch used circ=$circ: guard=$G middle=$M exit=$E"
if [ -n "${E:-}" ] && [ -f "$D/$G/log" ] && [ -f "$D/$M/log" ] && [ -f "$D/$E/log" ]; then
	cl_ep=$(sed -n 's/.*peer client at \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$D/$G/log" | tail -n 1)
	echo "# the guard saw the client's link from ${cl_ep:-nothing}"
	check "guard $G logged the client's link (positive control)" [ -n "$cl_ep" ]
	check "exit $E logged the target $TARGET:$P (positive control)" grep -q "begin $TARGET:$P" "$D/$E/log"
	bad=
	for nd in "$D"/relay*/log "$D"/exit*/log; do
		nm=$(basename "$(dirname "$nd")")
		case $nm in "$E") continue ;; esac
		grep -q "$TARGET" "$nd" && bad="$bad $nm"
	done
	check "no node but the exit logged the target (guard, middle, others)${bad:+: leaked by$bad}" [ -z "$bad" ]
	bad=
	for nd in "$D"/relay*/log "$D"/exit*/log; do
		nm=$(basename "$(dirname "$nd")")
		[ "$nm" = "$G" ] && continue
		if grep -q "peer client" "$nd" || grep -qF "${cl_ep:-none}" "$nd"; then bad="$bad $nm"; fi
	done
	# Every circuit's first hop has a link from the client; the exit and the
	# middle of this circuit must not.  (Other circuits may use another guard.)
	check "middle $M and exit $E never linked with or logged the client ($cl_ep)" \
	    sh -c "! grep -q 'peer client' '$D/$M/log' '$D/$E/log' && ! grep -qF '${cl_ep:-none}' '$D/$M/log' '$D/$E/log'"
	echo "# nodes other than the guard that logged a client link:${bad:- none}"
else
	echo "# cannot find the circuit of the fetch (circ=$circ path=$path)"
	for i in 1 2 3 4; do notok "skipped: no circuit path"; done
fi

# ---- 2. wrong identity refused ---------------------------------------------
# badclient's static list: relay3's identity and onion key at relay1's
# address (an impostor, or a relay that changed keys), plus the two exits.
mkdir -p "$D/badclient"
chmod 700 "$D/badclient"
# (The test network's client uses the consensus; badclient gets a static
# list made from the relays' own configs.)
relay_line() { "$TORD" --relay-line -f "$D/$1.ini" 2>/dev/null; }
r1addr=$(relay_line relay1 | cut -d' ' -f2)
{
	cat <<EOF
[node]
nickname = badclient
role = client
data_directory = $D/badclient
log_level = debug
log_target = $D/badclient/log
safe_logging = no
pid_file = $D/badclient/pid
control_socket = $D/badclient/control
control_auth = cookie

[client]
socks_listen = 127.0.0.1:$BAD_SOCKS_PORT
enforce_distinct_subnets = yes
circuit_build_timeout = 3s
EOF
	relay_line relay3 | sed "s/^relay3 [^ ]* /relay = relay3 $r1addr /; s/\$/ guard,fast,stable,running,valid/"
	for x in exit1 exit2; do echo "relay = $(relay_line $x) exit,fast,stable,running,valid"; done
	echo
	sed -n '/^\[authorities\]/,$p' "$D/client.ini"
} >"$D/badclient.ini"
setsid "$TORD" --foreground -f "$D/badclient.ini" >>"$D/badclient/stderr" 2>&1 </dev/null &
bad_pid=$!
echo $bad_pid >"$D/badclient/pid"
for i in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$BAD_SOCKS_PORT") 2>/dev/null && break; sleep 0.1; done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 12 --socks5-hostname "127.0.0.1:$BAD_SOCKS_PORT" \
    "http://$TARGET:$P/bytes/1024"; echo " rc=$?")
echo "# request through badclient: http_code/rc $code"
check "request through the misconfigured client fails" sh -c "case '$code' in 200*) exit 1 ;; esac"
check "badclient refused relay1: \"did not prove the identity we expected\"" \
    grep -q "did not prove the identity we expected" "$D/badclient/log"
built=$("$TORCTL" --control "$D/badclient/control" --cookie "$D/badclient/control_auth_cookie" circuits 2>&1 | grep -c BUILT)
check "badclient built no circuit through the impostor (BUILT: $built)" [ "$built" = 0 ]
kill "$bad_pid" 2>/dev/null
bad_pid=
real_ok() { kill -0 "$(cat "$D/relay1/pid")" && fetch_ok 1024; }
check "the real network still serves requests, relay1 still runs" real_ok

# ---- 3. stream isolation by SOCKS credentials -------------------------------
iso_circ() {	# user:pass
	local l
	l=$(loglines)
	fetch_ok 1024 -x "socks5h://$1@$SOCKS" >/dev/null || { echo fail; return; }
	last_circ "$l"
}
a1=$(iso_circ alice:x)
a2=$(iso_circ alice:x)
b1=$(iso_circ bob:y)
a3=$(iso_circ alice:z)
echo "# circuits: alice:x $a1 then $a2, bob:y $b1, alice:z $a3"
check "same SOCKS username reuses its circuit (alice:x: $a1, $a2)" \
    sh -c "[ -n '$a1' ] && [ '$a1' != fail ] && [ '$a1' = '$a2' ]"
check "another username gets another circuit (alice $a1, bob $b1)" \
    sh -c "[ -n '$b1' ] && [ '$b1' != fail ] && [ '$a1' != '$b1' ]"
check "another password gets another circuit (alice:x $a1, alice:z $a3)" \
    sh -c "[ -n '$a3' ] && [ '$a3' != fail ] && [ '$a3' != '$a1' ] && [ '$a3' != '$b1' ]"

# ---- 4. stalled reader, bounded memory -----------------------------------
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || echo 0; }
NODES=$(cd "$D" && ls -d relay* exit* client 2>/dev/null | grep -v '\.ini' | tr '\n' ' ')
declare -A base
for nd in $NODES; do base[$nd]=$(rss_kb "$(cat "$D/$nd/pid")"); done
cat >"$D/stall.py" <<'EOF'
import socket, struct, sys, time
port, host, hport = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"\x05\x01\x00"); assert s.recv(2) == b"\x05\x00"
s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode() + struct.pack("!H", hport))
r = s.recv(10); assert r[1] == 0, r
s.sendall(b"GET /bytes/1073741824 HTTP/1.1\r\nHost: x\r\n\r\n")
got = 0
while got < 65536:
    b = s.recv(65536)
    if not b:
        break
    got += len(b)
print("read %d" % got, flush=True)
time.sleep(120)   # stop reading; killed by the test
EOF
"$PY" "$D/stall.py" "$TESTNET_SOCKS_PORT" "$TARGET" "$P" >"$D/stall.out" 2>&1 &
stall_pid=$!
for i in $(seq 1 100); do grep -q '^read' "$D/stall.out" && break; sleep 0.1; done
check "stalled reader got its first bytes ($(head -n 1 "$D/stall.out"))" grep -q '^read [1-9]' "$D/stall.out"
sleep 5
worst=0
rss_bad=
# ASan's redzones and its quarantine of freed memory (the relays churn
# through buffers at full speed until the window closes) double the bounds;
# an unbounded buffer would still blow through them (the download is 1 GiB).
cap=64 grow=32
nm "$TORD" 2>/dev/null | grep -q __asan_init && { cap=128; grow=64; }
for nd in $NODES; do
	now=$(rss_kb "$(cat "$D/$nd/pid")")
	g=$((now - ${base[$nd]}))
	echo "# RSS $nd: idle ${base[$nd]} kB, stalled $now kB, growth $g kB"
	[ $g -gt $worst ] && worst=$g
	if [ "$now" -ge $((cap * 1024)) ] || [ $g -ge $((grow * 1024)) ]; then rss_bad="$rss_bad $nd"; fi
done
check "every relay, exit and the client stays < $cap MiB, growth < $grow MiB (worst growth $worst kB)${rss_bad:+; over:$rss_bad}" \
    [ -z "$rss_bad" ]
stall_open() { ctl --json streams | grep -q "\"target\":\"$TARGET:$P\""; }
check "the stalled stream is still open at the client (torctl streams)" stall_open
kill "$stall_pid" 2>/dev/null
wait "$stall_pid" 2>/dev/null
stall_pid=
check "after the stalled client closes, a 1 MiB fetch works" fetch_ok 1048576

# ---- 5. HTTP CONNECT port ----------------------------------------------------
check "HTTP CONNECT: 1 KiB through 127.0.0.1:$HC_PORT (sha256)" fetch_ok 1024 -p -x "http://127.0.0.1:$HC_PORT"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -x "http://127.0.0.1:$HC_PORT" "http://$TARGET:$P/bytes/16")
check "HTTP CONNECT port answers a plain GET with 405 (got $code)" [ "$code" = 405 ]

# ---- 6. bandwidth_rate -----------------------------------------------------------
# Every relay and exit limited to 1 MiB/s by a reload (SIGHUP, no restart):
# 6 MB through three of them take at least (6 MB - the 2 MiB burst) / 1 MiB/s,
# about 3.7 s (the bound checked is 3 s, which only a machine running the
# limiter wrong can beat: a slower one only takes longer), and the relays
# report reading held back.  Lifted by another reload, the limit is gone.
RELAYS=$(cd "$D" && ls -d relay* exit* 2>/dev/null | grep -v '\.ini' | tr '\n' ' ')
nget() { "$TORCTL" --control "$D/$1/control" getinfo "$2" 2>/dev/null; }
set_rate() {	# value: bandwidth_rate in every relay's and exit's config, then SIGHUP
	local nd
	for nd in $RELAYS; do
		sed -i '/^bandwidth_rate = /d' "$D/$nd.ini"
		[ "$1" = 0 ] || sed -i "s/^\[relay\]\$/[relay]\nbandwidth_rate = $1/" "$D/$nd.ini"
		kill -HUP "$(cat "$D/$nd/pid")"
	done
}
rate_is() {	# bytes/s: every relay and exit reports it, polled up to 10 s
	local i nd all
	for i in $(seq 1 100); do
		all=1
		for nd in $RELAYS; do [ "$(nget "$nd" tord/relay/bandwidth-rate)" = "$1" ] || all=0; done
		[ $all = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
throttled_sum() {
	local nd s=0 v
	for nd in $RELAYS; do v=$(nget "$nd" tord/relay/throttled); s=$((s + ${v:-0})); done
	echo $s
}
set_rate 1MB
check "bandwidth_rate = 1MB reaches every relay and exit by SIGHUP (GETINFO tord/relay/bandwidth-rate)" \
    rate_is 1048576
th0=$(throttled_sum)
t0=$(date +%s.%N)
fetch_ok 6000000 -u rl1:x --socks5-hostname "$SOCKS"
rc=$?
dt=$(echo "$(date +%s.%N) - $t0" | bc)
check "6 MB through relays limited to 1 MiB/s: byte-exact, and no faster than the limit allows (${dt} s >= 3 s)" \
    sh -c "[ $rc = 0 ] && [ \"\$(echo '$dt >= 3' | bc)\" = 1 ]"
th1=$(throttled_sum)
check "the relays report reading held back by the limit ($((th1 - th0)) times during the download)" [ $((th1 - th0)) -gt 0 ]
check "torctl status of a relay shows the limit" \
    sh -c "'$TORCTL' --control '$D/exit1/control' status | grep -q '^limit  *1.0 MiB/s relayed at most, reading held back [0-9]* times'"
set_rate 0
lifted() { rate_is 0 && ! "$TORCTL" --control "$D/exit1/control" status | grep -q '^limit'; }
check "bandwidth_rate removed by SIGHUP: no limit any more, and 6 MB fetched byte-exact" \
    sh -c "$(declare -f nget rate_is lifted fetch_ok); RELAYS='$RELAYS' D='$D' TORCTL='$TORCTL' PY='$PY' top_srcdir='$top_srcdir' TARGET='$TARGET' P='$P' SOCKS='$SOCKS'; lifted && fetch_ok 6000000"

[ $n = $NTESTS ] || { echo "# planned $NTESTS, ran $n"; notok "test count"; }
[ $fails = 0 ]
