#!/usr/bin/env bash
# Integration: the demo service through a whole loopback network.
#
# The demo client talks to the echo service through the client's SOCKS
# port, over a three-hop circuit.  A recording forwarder sits on the
# exit-to-service hop (the exit connects to it, it connects to the echo
# service of scripts/testnet), as an observer of the exit's stream would:
# it sees the challenge, the answer and the messages, but not the password,
# and the captured answer is refused when replayed on fresh connections.
# Also: `tord-demo client --open` fetches the demo's page through the
# network and hands it to $BROWSER.  TAP output.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
DEMO=$top_builddir/src/tools/tord-demo
PEER=$top_srcdir/tests/integration/demo_peer.py
[ -x "$top_builddir/src/tord" ] || { echo "1..0 # SKIP tord not built"; exit 0; }
[ -x "$DEMO" ] || { echo "1..0 # SKIP tord-demo not built"; exit 0; }

off=$(( ($$ % 200) * 20 ))
T=$(mktemp -d /tmp/tord-netdemo.XXXXXX)
export TESTNET_DIR=$T/net
export TESTNET_SOCKS_PORT=$((20019 + off))
export TESTNET_BASE_PORT=$((22000 + off))
export TESTNET_BOOT_TIMEOUT=90
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
pids=""

cleanup() {
	local p
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
wait_file() { local i; for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

echo "1..13"
mkdir -p "$TESTNET_DIR"
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --log-level debug --unsafe-logging >"$T/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$T/up.log" | tail -n 30
	exit 1
fi
ok "network comes up with the demo service"
info=$("$top_srcdir/scripts/testnet" info --json)
field() { printf '%s' "$info" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['demo']['$1'])"; }
ECHO=$(field echo)
WEB=$(field web)
PW=$(field password_file)
secret=$(head -n 1 "$PW")

# The observer: forwards one connection to the echo service, recording both
# directions (demo_peer.py record listens on 127.0.0.1, an address the
# test network's exit policy accepts).
"$PY" "$PEER" record "$ECHO" "$T/rec.port" "$T/rec" &
pids="$pids $!"
wait_file "$T/rec.port" || { echo "Bail out! recorder did not start"; exit 1; }
REC=$(cat "$T/rec.port")

out=$("$DEMO" client --socks "$SOCKS" --connect "$REC" --password-file "$PW" \
    --message 'observed through the exit' --message 'second line' --timeout 60 2>&1)
session_ok() {
	printf '%s\n' "$out" | grep -qx 'observed through the exit' &&
	    printf '%s\n' "$out" | grep -qx 'second line' ||
	    { printf '%s\n' "$out" | sed 's/^/# /'; return 1; }
}
check "demo client authenticates and gets its echo through the network and the observer" session_ok
check "the exit opened the stream to the observer (BEGIN $REC in an exit's log)" \
    grep -q "exit: exit circ=[0-9]* stream=[0-9]* begin $REC\$" "$TESTNET_DIR/exit1/log" "$TESTNET_DIR/exit2/log"
for i in $(seq 1 100); do grep -q 'second line' "$T/rec.c2s" 2>/dev/null && [ -s "$T/rec.s2c" ] && break; sleep 0.1; done

captured() {
	grep -q '^CHALLENGE [0-9a-f]\{64\} ' "$T/rec.s2c" && grep -q '^RESPONSE [0-9a-f]\{64\}' "$T/rec.c2s" &&
	    grep -q '^WELCOME' "$T/rec.s2c"
}
check "the observer captured the challenge, the answer and the welcome" captured
check "the observer sees the messages in clear (the stream leaves the exit unencrypted)" \
    grep -q 'observed through the exit' "$T/rec.c2s"
no_password() { [ -n "$secret" ] && ! grep -q -F "$secret" "$T/rec.c2s" "$T/rec.s2c"; }
check "the password is not in the captured bytes" no_password

answer=$(grep '^RESPONSE ' "$T/rec.c2s" | head -n 1 | tr -d '\r')
ch_old=$(grep '^CHALLENGE ' "$T/rec.s2c" | head -n 1 | awk '{print $2}')
for k in 1 2; do
	# The observer replays straight to the service, as it could from the exit.
	r=$("$PY" "$PEER" replay "$ECHO" "$answer" 2>&1)
	ch_new=$(printf '%s\n' "$r" | grep '^CHALLENGE ' | awk '{print $2}')
	fresh() { [ -n "$ch_new" ] && [ "$ch_new" != "$ch_old" ]; }
	check "replay $k: the new connection gets a new challenge" fresh
	refused() {
		printf '%s\n' "$r" | tail -n 1 | grep -q '^DENIED' && ! printf '%s\n' "$r" | grep -q WELCOME ||
		    { printf '%s\n' "$r" | sed 's/^/# /'; return 1; }
	}
	check "replay $k: the captured answer is refused" refused
done

# The same password still works: a fresh session through the network.
out=$("$DEMO" client --socks "$SOCKS" --connect "$ECHO" --password-file "$PW" --message again --timeout 60 2>&1)
check "a fresh session through the network still authenticates" sh -c "printf '%s\n' \"\$0\" | grep -qx again" "$out"

# --open: the page comes through the network and is handed to $BROWSER.
cat >"$T/browser" <<EOF
#!/bin/sh
cp "\$1" "$T/opened.html"
EOF
chmod +x "$T/browser"
# TMPDIR: the saved page goes to this test's directory, removed with it.
TMPDIR=$T BROWSER=$T/browser "$DEMO" client --socks "$SOCKS" --open "http://$WEB/" --timeout 60 >"$T/open.out" 2>&1
opened() { grep -q '<title>tord demo</title>' "$T/opened.html" 2>/dev/null || { sed 's/^/# /' "$T/open.out"; return 1; }; }
check "tord-demo client --open fetches the demo page through the network and opens it in \$BROWSER" opened
saved=$(head -n 1 "$T/open.out")
check "the page was saved in TMPDIR ($saved)" sh -c "case '$saved' in '$T'/tord-demo-*.html) [ -f '$saved' ] ;; *) false ;; esac"
[ $fails = 0 ]
