#!/bin/sh
# control_torctl.sh: torctl against the control server alone
# (tests/control_testd, which serves a fixed three-relay network status):
# golden `status`, `relays` (and its filters) and `top` output with
# volatile fields normalised, --json parsed, getinfo, newnym, events
# (bounded by --count / --duration), exit statuses (1 failed command, 2
# usage, 3 unreachable / refused), the password challenge-response with a
# hash made by `torctl hash-password`, and a capture of every byte torctl
# exchanges with the node, which must hold neither the password nor the
# cookie.
set -u
b=${top_builddir:-.}
testd="$b/tests/control_testd"
torctl="$b/src/torctl"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=${PYTHON3:-python3}
if [ ! -x "$testd" ] || [ ! -x "$torctl" ]; then echo "1..0 # SKIP not built"; exit 0; fi
if ! "$PY" -c 'import json' 2>/dev/null; then echo "1..0 # SKIP no python3"; exit 0; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tord-torctl.XXXXXX") || exit 1
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
unset TORCTL_PASSWORD TORCTL_CONTROL

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
check() { # name command...
	name=$1; shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
start() { # name mode [hash]
	mkdir -p "$tmp/$1"
	"$testd" "$tmp/$1/control.sock" "$tmp/$1" "$2" "${3:-}" "$tmp/$1/ready" \
	    2>"$tmp/$1/log" &
	pids="$pids $!"
	i=0
	while [ ! -e "$tmp/$1/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
start c cookie
S="$tmp/c/control.sock"
T() { "$torctl" --control "$S" "$@"; }

# status, golden with volatile fields normalised.
T status >"$tmp/status.out" 2>"$tmp/status.err"
rc=$?
sed -e 's/^\(version *\).*/\1VERSION/' -e 's/^\(uptime *\).*/\1UPTIME/' \
    -e 's/^\(pid *\)[0-9][0-9]*$/\1PID/' \
    -e 's/(age [0-9dhms]*)$/(age AGE)/' \
    -e 's/^\(traffic *\)[0-9.]* [KMG]*i*B read, [0-9.]* [KMG]*i*B written$/\1TRAFFIC/' \
    -e 's/^\(rate *\)[0-9.]* [KMG]*i*B\/s in, [0-9.]* [KMG]*i*B\/s out$/\1RATE/' \
    "$tmp/status.out" >"$tmp/status.norm"
cat >"$tmp/status.golden" <<'EOF'
role        client
nickname    testnode
fingerprint -
version     VERSION
pid         PID
uptime      UPTIME
bootstrap   100% done (Done)
consensus   valid after 2026-01-01 00:00:00 (age AGE)
relays      3 known
links       0 open
circuits    0
streams     0
traffic     TRAFFIC
rate        RATE
config      /etc/tord/test.ini
EOF
if [ $rc -eq 0 ] && diff -u "$tmp/status.golden" "$tmp/status.norm" >"$tmp/diff"; then
	ok "torctl status matches the golden output"
else
	nok "torctl status matches the golden output (rc=$rc)"
	sed 's/^/# /' "$tmp/diff" "$tmp/status.err"
fi
check "uptime is shown as Nd HH:MM:SS" grep -Eq '^uptime +0d 00:00:[0-9]{2}$' "$tmp/status.out"

T --json status >"$tmp/status.json"
check "torctl --json status parses with the expected fields" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["nickname"] == "testnode" and d["role"] == "client", d
assert d["bootstrap"] == {"progress": 100, "tag": "done", "summary": "Done"}, d
assert isinstance(d["pid"], int) and d["pid"] > 0
assert isinstance(d["uptime"], int)
assert isinstance(d["traffic"]["read"], int) and isinstance(d["traffic"]["written"], int)
assert isinstance(d["rate"]["read"], int) and isinstance(d["rate"]["written"], int)
assert d["fingerprint"] is None and d["config_file"] == "/etc/tord/test.ini"
c = d["consensus"]
assert c["source"] == "consensus" and c["relays"] == 3 and c["valid_after"] == 1767225600, c
assert c["fresh_until"] == 1767225600 + 3600 and c["age"] > 0, c
assert d["links"] == 0 and d["circuits"] == 0 and d["streams"] == 0, d
assert d["relay"] is None and d["exit"] is None and d["authority"] is None, d
' "$tmp/status.json"

# relays: the fixed network status of control_testd, filters, JSON.
T relays >"$tmp/relays.out" 2>&1
cat >"$tmp/relays.golden" <<'EOF'
NICKNAME            FP       ADDRESS               BANDWIDTH  FLAGS                                EXIT POLICY
guardA              11111111 127.10.0.1:9001       100 kB/s   Fast Guard Running Stable Valid      reject 1-65535
exitB               22222222 127.20.0.1:9001       2000 kB/s  Exit Fast Running Valid              accept 80,443
exitC               33333333 127.30.0.1:9001       5 kB/s     Exit Running Valid                   accept 22
EOF
if diff -u "$tmp/relays.golden" "$tmp/relays.out" >"$tmp/diff"; then
	ok "torctl relays matches the golden output"
else
	nok "torctl relays matches the golden output"
	sed 's/^/# /' "$tmp/diff"
fi
check "relays --flag Exit keeps the two exits" \
    test "$(T relays --flag Exit | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "exitB exitC "
check "relays --exit-port 443 keeps the exit whose policy accepts 443" \
    test "$(T relays --exit-port 443 | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "exitB "
check "relays --flag Exit --flag Fast: every flag must match" \
    test "$(T relays --flag exit --flag fast | awk 'NR > 1 { print $1 }')" = "exitB"
check "relays --exit-port 25 matches nothing" test "$(T relays --exit-port 25)" = "no relays match"
T relays --exit-port 70000 >/dev/null 2>&1; rc=$?
check "relays --exit-port 70000 is a usage error (2)" test $rc -eq 2
T relays --json --nickname exitC >"$tmp/relays.json"
check "relays --json (after the command) with every field" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 1, d
r = d[0]
assert r == {"nickname": "exitC", "fingerprint": "33" * 32, "published": "2026-01-01 00:00:00",
             "address": "127.30.0.1:9001", "ipv6_address": "[::1]:9002",
             "flags": ["Exit", "Running", "Valid"], "bandwidth": 5, "exit_policy": "accept 22"}, r
' "$tmp/relays.json"
check "getinfo ns/name/ finds one entry" \
    test "$(T getinfo ns/name/exitB | grep -c '^r ')" = 1

# top: stdout is not a terminal, so exactly one frame and no escapes.
timeout 20 "$torctl" --control "$S" top </dev/null >"$tmp/top.out" 2>&1; rc=$?
sed -e 's/up [0-9]*d [0-9:]*/up UPTIME/' -e 's/age [0-9dhms]*$/age AGE/' \
    -e 's/^rate .*/rate RATE/' "$tmp/top.out" >"$tmp/top.norm"
cat >"$tmp/top.golden" <<'EOF'
torctl top: testnode (client)   up UPTIME   q quits
bootstrap 100% done   consensus consensus, 3 relays, age AGE
rate RATE
links 0   circuits 0   streams 0

no circuits

no streams
EOF
if [ $rc -eq 0 ] && diff -u "$tmp/top.golden" "$tmp/top.norm" >"$tmp/diff"; then
	ok "top without a terminal prints one frame (golden) and exits 0"
else
	nok "top without a terminal prints one frame (golden) and exits 0 (rc=$rc)"
	sed 's/^/# /' "$tmp/diff"
fi
esc=$(printf '\033')
check "... with no escape sequences" sh -c "! grep -q '$esc' '$tmp/top.out'"
# top on a terminal (a pseudo-terminal here): q, and Control-C, end it
# with status 0 and the terminal restored (cursor shown, normal screen).
cat >"$tmp/pty_top.py" <<'EOF'
import os, pty, select, signal, sys, time
key = {"q": b"q", "ctrl-c": b"\x03"}[sys.argv[1]]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
def read_for(secs, until=None):
    global out
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                return
            if not d:
                return
            out += d
            if until is not None and until in out:
                return
read_for(15, b"torctl top:")
assert b"torctl top: testnode" in out, out[-300:]
read_for(1.5)
assert out.count(b"torctl top:") >= 2, "no refresh: %r" % out[-300:]
os.write(fd, key)
end = time.time() + 10
status = None
while time.time() < end:
    read_for(0.2)
    p, st = os.waitpid(pid, os.WNOHANG)
    if p == pid:
        status = st
        break
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    sys.exit("top did not exit on %s" % sys.argv[1])
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
assert b"\x1b[?1049h" in out and out.rstrip().endswith(b"\x1b[?25h\x1b[?1049l"), out[-80:]
EOF
check "top on a terminal: refreshes, q quits with status 0 and restores the screen" \
    timeout 40 "$PY" "$tmp/pty_top.py" q "$torctl" --control "$S" top
check "top on a terminal: Control-C quits with status 0 and restores the screen" \
    timeout 40 "$PY" "$tmp/pty_top.py" ctrl-c "$torctl" --control "$S" top

out=$(T getinfo test/lines)
check "getinfo of one multi-line key prints the raw value" \
    test "$out" = "$(printf 'first\n.dotted\nlast')"
T --json getinfo version test/lines >"$tmp/gi.json"
check "getinfo --json of two keys" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["test/lines"] == "first\n.dotted\nlast\n" and d["version"], d
' "$tmp/gi.json"
check "newnym" test "$(T newnym)" = "NEWNYM: ok"
check "the node counted the NEWNYM" test "$(T getinfo test/newnyms)" = "1"
check "reload" test "$(T --json reload)" = '{"signal":"RELOAD","result":"ok"}'

check "circuits on a node without circuits" test "$(T circuits)" = "no circuits"
check "circuits --json: an empty list" test "$(T --json circuits)" = "[]"
check "streams on a node without streams" test "$(T streams)" = "no streams"
check "status/circuit-established is 0" test "$(T getinfo status/circuit-established)" = "0"
T getinfo no/such/key >/dev/null 2>"$tmp/err"; rc=$?
check "a failing command exits 1 (unknown GETINFO key)" test $rc -eq 1
check "... with the node's error" grep -q '552' "$tmp/err"
T getinfo tord/relay/cells-per-second >/dev/null 2>"$tmp/err"; rc=$?
check "a key that does not apply to the role: 551, exit 1" \
    sh -c "[ $rc -eq 1 ] && grep -q '551 Not a relay' '$tmp/err'"
T getinfo >/dev/null 2>&1; rc=$?
check "missing argument exits 2" test $rc -eq 2
"$torctl" --control "$S" frobnicate >/dev/null 2>&1; rc=$?
check "unknown command exits 2" test $rc -eq 2
"$torctl" --control "$tmp/nonexistent.sock" status >/dev/null 2>"$tmp/err"; rc=$?
check "unreachable node exits 3" test $rc -eq 3
check "... saying why" grep -q "cannot connect" "$tmp/err"
"$torctl" --control 192.0.2.1:9051 status >/dev/null 2>"$tmp/err"; rc=$?
check "a non-loopback control address is refused (exit 3)" test $rc -eq 3
head -c 32 /dev/urandom >"$tmp/badcookie"
T --cookie "$tmp/badcookie" status >/dev/null 2>"$tmp/err"; rc=$?
check "a wrong cookie exits 3" test $rc -eq 3
check "... and torctl says the server does not know it" grep -q "does not know this cookie" "$tmp/err"

# events: bounded by --count and --duration; BW lines arrive; SIGTERM ends it cleanly.
timeout 20 "$torctl" --control "$S" events --count 2 BW >"$tmp/events.count" 2>&1; rc=$?
check "events --count 2 prints two BW events and exits 0" \
    test $rc -eq 0 -a "$(grep -Ec '^BW [0-9]+ [0-9]+$' "$tmp/events.count")" = 2
t0=$(date +%s)
timeout 20 "$torctl" --control "$S" events --duration 2 BW >/dev/null 2>&1; rc=$?
t1=$(date +%s)
check "events --duration 2 stops by itself (rc=$rc, $((t1 - t0)) s)" \
    test $rc -eq 0 -a $((t1 - t0)) -ge 1 -a $((t1 - t0)) -le 15
T events --duration nope >/dev/null 2>&1; rc=$?
check "events --duration nope is a usage error (2)" test $rc -eq 2
"$torctl" --control "$S" events BW >"$tmp/events" 2>&1 &
ep=$!
sleep 2.5
kill "$ep" 2>/dev/null
wait "$ep"; rc=$?
check "events prints BW events and exits 0 on SIGTERM" \
    sh -c "[ $rc -eq 0 ] && grep -Eq '^BW [0-9]+ [0-9]+$' '$tmp/events'"
"$torctl" --control "$S" --json events BW >"$tmp/events.json" 2>&1 &
ep=$!
sleep 1.5
kill "$ep" 2>/dev/null
wait "$ep"
check "events --json: one JSON object per line" "$PY" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines
for l in lines:
    d = json.loads(l)
    assert d["event"] == "BW" and len(d["data"].split()) == 2
' "$tmp/events.json"

# hash-password makes a hash the server accepts; password via env and file.
h=$(TORCTL_PASSWORD='pa ss"word' "$torctl" hash-password)
check "hash-password prints a 16: hash" sh -c "echo '$h' | grep -Eq '^16:[0-9A-F]{58}$'"
start p password "$h"
P="$tmp/p/control.sock"
out=$(TORCTL_PASSWORD='pa ss"word' "$torctl" --control "$P" getinfo nickname 2>&1)
check "password challenge-response with TORCTL_PASSWORD" test "$out" = "testnode"
printf 'pa ss"word\n' >"$tmp/pwfile"
out=$("$torctl" --control "$P" --password-file "$tmp/pwfile" getinfo nickname 2>&1)
check "password from --password-file" test "$out" = "testnode"
TORCTL_PASSWORD=wrong "$torctl" --control "$P" status >/dev/null 2>"$tmp/err"; rc=$?
check "a wrong password exits 3" test $rc -eq 3
check "... saying the password is wrong" grep -q "wrong password" "$tmp/err"
"$torctl" --control "$P" status </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "no password and no terminal exits 3 with advice" \
    sh -c "[ $rc -eq 3 ] && grep -q TORCTL_PASSWORD '$tmp/err'"

# Every byte between torctl and the node, through a recording proxy:
# neither the password nor the cookie (raw or hex) may be among them.
cat >"$tmp/tap.py" <<'EOF'
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
end = time.time() + 60
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
tap() { # name target
	"$PY" "$tmp/tap.py" "$tmp/$1.tap" "$2" "$tmp/$1.bytes" "$tmp/$1.ready" &
	pids="$pids $!"
	i=0
	while [ ! -e "$tmp/$1.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
tap pwtap "$P"
out=$(TORCTL_PASSWORD='pa ss"word' "$torctl" --control "$tmp/pwtap.tap" getinfo nickname 2>&1)
check "password authentication through the recording proxy" test "$out" = "testnode"
check "the password never crossed the socket" "$PY" -c '
import sys
b = open(sys.argv[1], "rb").read()
assert b"AUTHCHALLENGE HASHEDPASSWORD" in b and b"AUTHENTICATE " in b, b[:200]
assert b"pa ss" not in b and b"pa ss\"word".hex().encode() not in b
assert b"pa ss\"word".hex().upper().encode() not in b
' "$tmp/pwtap.bytes"
tap cktap "$S"
out=$("$torctl" --control "$tmp/cktap.tap" getinfo nickname 2>&1)
check "cookie authentication through the recording proxy" test "$out" = "testnode"
check "the cookie never crossed the socket" "$PY" -c '
import sys
b = open(sys.argv[1], "rb").read()
c = open(sys.argv[2], "rb").read()
assert len(c) == 32 and b"AUTHCHALLENGE SAFECOOKIE" in b, b[:200]
assert c not in b and c.hex().encode() not in b and c.hex().upper().encode() not in b
' "$tmp/cktap.bytes" "$tmp/c/control_auth_cookie"

check "shutdown" test "$(T shutdown)" = "SHUTDOWN: ok"
i=0
while [ -e "$S" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "the node stopped" test ! -e "$S"
TORCTL_CONTROL="$P" TORCTL_PASSWORD='pa ss"word' "$torctl" shutdown >/dev/null
check "TORCTL_CONTROL selects the node" sh -c "sleep 0.3; [ ! -e '$P' ]"
if grep -q -E "Sanitizer|runtime error" "$tmp"/*/log; then
	nok "sanitizer reports in control_testd logs"
fi
echo "1..$n"
[ $fails -eq 0 ]
