#!/bin/sh
# control_torctl.sh: torctl against the control server alone
# (tests/control_testd): golden `status` output with volatile fields
# normalised, --json parsed, getinfo, newnym, events, exit statuses
# (1 failed command, 2 usage, 3 unreachable / refused), the password
# challenge-response with a hash made by `torctl hash-password`.
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
    -e 's/^\(traffic *\)[0-9.]* [KMG]*i*B read, [0-9.]* [KMG]*i*B written$/\1TRAFFIC/' \
    "$tmp/status.out" >"$tmp/status.norm"
cat >"$tmp/status.golden" <<'EOF'
node        testnode
version     VERSION
bootstrap   100% done (Done)
uptime      UPTIME
pid         PID
traffic     TRAFFIC
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
assert d["nickname"] == "testnode", d
assert d["bootstrap"] == {"progress": 100, "tag": "done", "summary": "Done"}, d
assert isinstance(d["pid"], int) and d["pid"] > 0
assert isinstance(d["uptime"], int)
assert isinstance(d["traffic"]["read"], int) and isinstance(d["traffic"]["written"], int)
assert d["fingerprint"] is None and d["config_file"] == "/etc/tord/test.ini"
' "$tmp/status.json"

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
T relays --flag Exit >/dev/null 2>"$tmp/err"; rc=$?
check "a failing command exits 1 (no ns/all on this node)" test $rc -eq 1
check "... with the node's error" grep -q '552' "$tmp/err"
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

# events: BW lines arrive; SIGTERM ends it cleanly.
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
