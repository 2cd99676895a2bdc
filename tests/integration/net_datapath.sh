#!/usr/bin/env bash
# Integration: a whole network on loopback (3 authorities, 4 relays, 2 exits,
# a client) started with scripts/testnet; real curl transfers through the
# client's SOCKS port, checked byte for byte; SOCKS reply codes.  TAP output.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import hashlib' 2>/dev/null || PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }

# Ports unique per run so parallel suites (normal + sanitizer) do not collide.
off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-net.XXXXXX)
export TESTNET_SOCKS_PORT=$((20000 + off))
export TESTNET_BASE_PORT=$((30000 + off))
export TESTNET_BOOT_TIMEOUT=60
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
httpd_pid=
httpd6_pid=

cleanup() {
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	[ -n "$httpd6_pid" ] && kill "$httpd6_pid" 2>/dev/null
	rm -rf "$TESTNET_DIR"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }

echo "1..14"
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --log-level info >"$TESTNET_DIR/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$TESTNET_DIR/up.log" | tail -n 30
	for i in $(seq 2 14); do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up (3 authorities, 4 relays, 2 exits, client)"

"$PY" "$top_srcdir/tests/integration/httpd.py" --bind 127.60.0.1 --port-file "$TESTNET_DIR/httpd.port" &
httpd_pid=$!
"$PY" "$top_srcdir/tests/integration/httpd.py" --bind ::1 --port-file "$TESTNET_DIR/httpd6.port" &
httpd6_pid=$!
for i in $(seq 1 50); do [ -f "$TESTNET_DIR/httpd.port" ] && [ -f "$TESTNET_DIR/httpd6.port" ] && break; sleep 0.1; done
P=$(cat "$TESTNET_DIR/httpd.port")
P6=$(cat "$TESTNET_DIR/httpd6.port")

fetch_ok() {	# size [url-host]
	local size=$1 host=${2:-127.60.0.1} port=${3:-$P} exp got
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha "$size")
	got=$(curl -s --max-time 120 --socks5-hostname "$SOCKS" "http://$host:$port/bytes/$size" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$exp" ] || { echo "# size $size: expected $exp got $got"; return 1; }
}

check "1 KiB download intact (sha256)" fetch_ok 1024
check "1 MiB download intact (sha256)" fetch_ok 1048576
t0=$(date +%s.%N)
check "256 MiB download intact (sha256)" fetch_ok 268435456
echo "# 256 MiB took $(echo "$(date +%s.%N) - $t0" | bc) s"

upload_ok() {
	head -c 67108864 /dev/urandom >"$TESTNET_DIR/up.bin"
	local exp got
	exp=$(sha256sum "$TESTNET_DIR/up.bin" | cut -d' ' -f1)
	got=$(curl -s --max-time 120 --socks5-hostname "$SOCKS" -H 'Content-Type: application/octet-stream' \
	    --data-binary @"$TESTNET_DIR/up.bin" "http://127.60.0.1:$P/sha256")
	rm -f "$TESTNET_DIR/up.bin"
	[ "$got" = "$exp" ] || { echo "# upload: expected $exp got $got"; return 1; }
}
check "64 MiB upload by POST intact" upload_ok

concurrent_ok() {
	local exp i bad=0 cfg="$TESTNET_DIR/par.cfg"
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha 65536)
	: >"$cfg"
	for i in $(seq 1 200); do
		printf 'url = "http://127.60.0.1:%s/bytes/65536"\noutput = "%s/par.%s"\n' "$P" "$TESTNET_DIR" "$i" >>"$cfg"
	done
	curl -s --max-time 120 --parallel --parallel-immediate --parallel-max 100 \
	    --socks5-hostname "$SOCKS" -K "$cfg" 2>/dev/null || true
	for i in $(seq 1 200); do
		[ "$(sha256sum <"$TESTNET_DIR/par.$i" 2>/dev/null | cut -d' ' -f1)" = "$exp" ] || bad=$((bad + 1))
	done
	rm -f "$TESTNET_DIR"/par.*
	[ $bad = 0 ] || { echo "# $bad of 200 transfers bad"; return 1; }
}
check "200 concurrent downloads all intact" concurrent_ok

probe() { "$PY" "$top_srcdir/tests/integration/socks_probe.py" "$TESTNET_SOCKS_PORT" "$@" 2>&1 | head -n 1; }

# A port nothing listens on: the exit's connect is refused.
r=$(probe 127.60.0.1 1)
check "closed target port gives SOCKS reply 0x05 ($r)" [ "$r" = "rep=05" ]
r=$(probe no-such-host.invalid 80)
check "unknown host gives SOCKS reply 0x04 ($r)" [ "$r" = "rep=04" ]
r=$(probe 127.60.0.1 9)
check "port rejected by the exit policy gives SOCKS reply 0x02 ($r)" [ "$r" = "rep=02" ]
check "IPv6 literal target [::1] works" fetch_ok 4096 "[::1]" "$P6"
r=$("$PY" "$top_srcdir/tests/integration/socks_probe.py" "$TESTNET_SOCKS_PORT" localhost 80 --resolve 2>&1 | tr '\n' ' ')
check "SOCKS RESOLVE (0xF0) answers at the exit ($r)" sh -c "echo '$r' | grep -q 'rep=00 addr=127.0.0.1'"
r=$(probe 127.60.0.1 "$P" --v4a)
check "SOCKS4a request is granted ($r)" [ "$r" = "rep=5a" ]
halfclose_ok() {
	local exp got
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha 1048576)
	got=$("$PY" "$top_srcdir/tests/integration/halfclose.py" "$TESTNET_SOCKS_PORT" 127.60.0.1 "$P" /bytes/1048576)
	[ "$got" = "$exp" ] || { echo "# half-close: expected $exp got $got"; return 1; }
}
check "a client that shuts down its write side still receives the whole response" halfclose_ok

http_on_socks_ok() {
	local out
	out=$(curl -s --max-time 10 -x "http://127.0.0.1:$TESTNET_SOCKS_PORT" "http://127.60.0.1:$P/" -D - 2>&1)
	echo "$out" | head -n 1 | grep -q '^HTTP/1.[01] 501' && echo "$out" | grep -qi 'SOCKS'
}
check "plain HTTP sent to the SOCKS port gets a 501 that explains it" http_on_socks_ok
[ $fails = 0 ]
