#!/usr/bin/env bash
# Integration: load on a whole loopback network (scripts/testnet: 3
# authorities, 4 relays, 2 exits, a client), TAP output.
#
#  1. 1,000 concurrent streams through the client (8 SOCKS usernames, so
#     8 circuits), each fetching its own pseudo-random body, every byte
#     checked by sha256 (load_driver.py fetch);
#  2. 10,000 idle streams held open through the client, each proven with
#     a PING/PONG; the client's and the relays' RSS growth per stream is
#     printed and bounded (< 64 KiB per stream); closing them leaves no
#     stream at the client and no connection at the target;
#  3. file descriptors exhausted at the client (its soft RLIMIT_NOFILE
#     lowered with prlimit): connections beyond the limit are closed at
#     once (none hangs), the client does not spin (CPU time over 3 s of
#     connection attempts stays small), and once descriptors free up a
#     request succeeds under the same limit;
#  4. the same at both exits: streams they cannot open get a SOCKS error
#     reply (none hangs), no spinning, service resumes.
#
# The 10,000 streams need about 10,100 descriptors in the client, the
# driver and the target each: the soft limit is raised to the hard limit,
# and part 2 is skipped (TAP "# SKIP") only if the hard limit is below
# that.  TORD_TEST_SCALE (default 1) divides the body size of part 1
# (slow builds); the stream counts and every check stay.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import hashlib, asyncio, resource' 2>/dev/null || PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
command -v prlimit >/dev/null || { echo "1..0 # SKIP prlimit (util-linux) not installed"; exit 0; }

HOLD_N=10000
# Sanitizer builds: freed memory waits in ASan's quarantine (256 MB by
# default) and large blocks are unmapped when they leave it, so RSS would
# say little about memory per stream.  A small quarantine keeps
# use-after-free detection and makes the growth mean something.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
ulimit -S -n "$(ulimit -H -n)" 2>/dev/null
NOFILE=$(ulimit -n)
SCALE=${TORD_TEST_SCALE:-1}
case $SCALE in '' | *[!0-9]* | 0) SCALE=1 ;; esac

# Ports unique per run so parallel suites (normal + sanitizer) do not collide.
off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-load.XXXXXX)
export TESTNET_SOCKS_PORT=$((20009 + off))
export TESTNET_BASE_PORT=$((1100 + off))
export TESTNET_BOOT_TIMEOUT=60
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
D=$TESTNET_DIR
TORCTL=$top_builddir/src/torctl
TESTNET=$top_srcdir/scripts/testnet
DRIVER=$top_srcdir/tests/integration/load_driver.py
serve_pid=
hold_pid=
. "$top_srcdir/tests/integration/tap.sh"

cleanup() {
	[ -n "$hold_pid" ] && kill "$hold_pid" 2>/dev/null
	"$TESTNET" down >/dev/null 2>&1
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
	watchdog_stop
	[ -n "${KEEP_TESTNET:-}" ] && echo "# kept $D" || rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
watchdog_start 400

NTESTS=22
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

echo "1..$NTESTS"
if ! "$TESTNET" up --detach --no-build --build-dir "$top_builddir" \
    --log-level notice >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	for i in $(seq 2 $NTESTS); do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up (3 authorities, 4 relays, 2 exits, client; nofile $NOFILE)"

"$PY" "$DRIVER" serve --bind 127.60.0.3 --port-file "$D/serve.port" --state-file "$D/serve.state" &
serve_pid=$!
for i in $(seq 1 100); do [ -f "$D/serve.port" ] && break; sleep 0.1; done
TARGET=127.60.0.3:$(cat "$D/serve.port")

# ---- helpers -------------------------------------------------------------
node_pid() {
	"$TESTNET" info --json | "$PY" -c '
import json, sys
for nd in json.load(sys.stdin)["nodes"]:
    if nd["name"] == sys.argv[1]:
        print(nd["pid"] or "")' "$1"
}
ctl() { "$TORCTL" --control "$D/client/control" --cookie "$D/client/control_auth_cookie" "$@"; }
nstreams() { ctl --json streams 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo "?"; }
streams_are() {	# count seconds
	local i k
	for i in $(seq 1 $(($2 * 10))); do
		k=$(nstreams)
		[ "$k" = "$1" ] && return 0
		sleep 0.1
	done
	echo "# the client holds $k streams, expected $1"
	return 1
}
target_open_zero() {
	local i
	for i in $(seq 1 300); do
		grep -q '^open=0$' "$D/serve.state" && return 0
		sleep 0.1
	done
	echo "# target: $(cat "$D/serve.state")"
	return 1
}
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || echo 0; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)
field() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" "$2"; }
# hold N USERS TIMEOUT: start the driver holding N streams; wait for it.
hold_start() {
	rm -f "$D/hold.ready"
	"$PY" "$DRIVER" hold --socks "$TESTNET_SOCKS_PORT" --target "$TARGET" --streams "$1" \
	    --users "$2" --timeout "$3" --batch 500 --hold-max 300 --ready-file "$D/hold.ready" \
	    >"$D/hold.log" 2>&1 &
	hold_pid=$!
	for i in $(seq 1 $((($3 + 60) * 10))); do
		[ -f "$D/hold.ready" ] && break
		kill -0 "$hold_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -f "$D/hold.ready" ] || { echo "# hold driver:"; sed 's/^/#   /' "$D/hold.log" | tail -n 5; return 1; }
	echo "# hold $1: $(cat "$D/hold.ready")"
}
hold_stop() {
	[ -n "$hold_pid" ] || return 0
	kill -TERM "$hold_pid" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$hold_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$hold_pid" 2>/dev/null
	wait "$hold_pid" 2>/dev/null
	hold_pid=
}
# hammer PORT SECONDS: new SOCKS requests for the target at about 30/s; prints
# "tries=N answered=A closed=C hung=H" (hung: no answer within 2 s).
hammer() {
	"$PY" - "$1" "$2" "$TARGET" <<'EOF'
import socket, struct, sys, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
host, tport = sys.argv[3].rsplit(":", 1)
t0 = time.time(); n = ans = closed = hung = 0
while time.time() - t0 < secs and n < 1000:
    n += 1
    s = None
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"\x05\x01\x00")
        r = s.recv(2)
        if r == b"\x05\x00":
            s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack("!H", int(tport)))
            r = s.recv(10)
        if r:
            ans += 1
        else:
            closed += 1
    except socket.timeout:
        hung += 1
    except OSError:
        closed += 1
    finally:
        if s is not None:
            s.close()
    time.sleep(0.03)
print("tries=%d answered=%d closed=%d hung=%d" % (n, ans, closed, hung))
EOF
}
fetch_1k() {
	"$PY" "$DRIVER" fetch --socks "$TESTNET_SOCKS_PORT" --target "$TARGET" --streams 1 --size 1024 \
	    --users 1 --timeout 60 | grep -q '^ok=1 '
}

# ---- 1. 1,000 concurrent streams, sha256 -------------------------------
SIZE=$((65536 / SCALE))
out=$("$PY" "$DRIVER" fetch --socks "$TESTNET_SOCKS_PORT" --target "$TARGET" --streams 1000 \
    --size "$SIZE" --users 8 --timeout 180)
echo "# 1000 x $SIZE bytes: $out"
check "1000 concurrent streams through one client, every byte verified by sha256 ($out)" \
    sh -c "echo '$out' | grep -q '^ok=1000 bad=0 err=0 '"
# A stall's post-mortem: what waits on what at every node (GETINFO
# tord/flow; only lines with something queued, blocked or paused).
flow_dump() {
	local nd
	for nd in client exit1 exit2 relay1 relay2 relay3 relay4; do
		echo "# flow at $nd:"
		"$TORCTL" --control "$D/$nd/control" --cookie "$D/$nd/control_auth_cookie" \
		    getinfo tord/flow 2>&1 | grep -v ' nq=0 pq=0 .* read_paused=0 \| blocked=0 above_hiwat=0 waiting=0 ' |
		    head -n 40 | sed 's/^/#   /'
	done
}
echo "$out" | grep -q '^ok=1000 ' || flow_dump
check "after the 1000 streams the client holds no stream" streams_are 0 30
check "after the 1000 streams the target holds no connection" target_open_zero

# ---- 2. 10,000 idle streams ----------------------------------------------
NODES="client exit1 exit2 relay1 relay2 relay3 relay4"
declare -A PID RSS0
for nd in $NODES; do PID[$nd]=$(node_pid "$nd"); done
if [ "$NOFILE" -lt $((HOLD_N + 400)) ]; then
	for d in "hold $HOLD_N streams" "client holds $HOLD_N" "client RSS per stream" \
	    "exits RSS per stream" "guard and middles RSS per stream" "streams closed" \
	    "target connections closed" "client memory returns"; do
		skip "$d: RLIMIT_NOFILE hard limit $NOFILE < $((HOLD_N + 400))"
	done
else
	for nd in $NODES; do RSS0[$nd]=$(rss_kb "${PID[$nd]}"); done
	hold_start $HOLD_N 20 120
	check "$HOLD_N idle streams opened and proven (PING/PONG) through one client ($(cat "$D/hold.ready" 2>/dev/null))" \
	    grep -q "^ok=$HOLD_N refused=0 closed=0 hung=0" "$D/hold.ready"
	check "the client reports $HOLD_N open streams (torctl streams)" streams_are $HOLD_N 10
	# Once the burst of opening them has settled: every node gives the
	# handshakes' freed heap back within 5 s (lib/memtrim.c), and the
	# streams themselves sit in pages of their own (lib/objpool.c).
	declare -A RSS_OPEN
	for nd in $NODES; do RSS_OPEN[$nd]=$(rss_kb "${PID[$nd]}"); done
	sleep 6
	ex=0; rl=0
	for nd in $NODES; do
		g=$(( $(rss_kb "${PID[$nd]}") - ${RSS0[$nd]} ))
		echo "# RSS $nd: ${RSS0[$nd]} kB idle, +$(( ${RSS_OPEN[$nd]} - ${RSS0[$nd]} )) kB when the $HOLD_N streams were open, +$g kB 6 s later, $(nfds "${PID[$nd]}") fds"
		case $nd in exit*) ex=$((ex + g)) ;; relay*) rl=$((rl + g)) ;; client) cl=$g ;; esac
	done
	per() { echo "scale=2; $1 * 1024 / $HOLD_N" | bc; }	# kB total -> bytes per stream
	echo "# memory per idle stream (settled): client $(per "$cl") B, exits $(per "$ex") B, guard+middles $(per "$rl") B"
	# Holding the streams must show (positive control), within the bound.
	check "client memory per idle stream $(per "$cl") B: above 0 and < 64 KiB" \
	    sh -c "[ $cl -gt 0 ] && [ $((cl * 1024 / HOLD_N)) -lt 65536 ]"
	check "exits' memory per idle stream $(per "$ex") B < 64 KiB" [ $((ex * 1024 / HOLD_N)) -lt 65536 ]
	check "guard and middles' memory per idle stream $(per "$rl") B < 64 KiB" [ $((rl * 1024 / HOLD_N)) -lt 65536 ]
	hold_stop
	check "closing the $HOLD_N streams leaves none at the client" streams_are 0 60
	check "closing the $HOLD_N streams leaves no connection at the target" target_open_zero
	# The freed heap goes back to the system (lib/memtrim.c, every 5 s):
	# glibc alone keeps the high-water mark resident.  Not under ASan,
	# whose allocator keeps its own pools.
	if nm "$top_builddir/src/tord" 2>/dev/null | grep -q __asan_init; then
		skip "client memory returns after the streams close: not measured under ASan"
	else
		peak=$(rss_kb "${PID[client]}"); t0=$SECONDS
		for i in $(seq 1 200); do
			[ $(( $(rss_kb "${PID[client]}") - ${RSS0[client]} )) -lt 2048 ] && break
			sleep 0.1
		done
		now=$(rss_kb "${PID[client]}")
		check "client memory returns after the streams close: within 2 MB of the ${RSS0[client]} kB before (${peak} kB when closed, ${now} kB $((SECONDS - t0)) s later)" \
		    [ $((now - ${RSS0[client]})) -lt 2048 ]
	fi
fi

# ---- 3. descriptors exhausted at the client --------------------------------
CP=${PID[client]}
hard=$(prlimit --pid "$CP" --nofile --noheadings --output HARD --raw 2>/dev/null | tr -d ' ')
low=$(( $(nfds "$CP") + 40 ))
prlimit --pid "$CP" --nofile="$low:$hard"
echo "# client: soft RLIMIT_NOFILE $low (hard $hard), $(nfds "$CP") fds open"
hold_start 100 2 30
check "client at its descriptor limit: streams beyond it are closed at once, none hangs ($(cat "$D/hold.ready" 2>/dev/null))" \
    sh -c "f=\"$D/hold.ready\"; [ \$(sed -n 's/.*hung=\([0-9]*\).*/\1/p' \$f) = 0 ] && [ \$(sed -n 's/^ok=\([0-9]*\).*/\1/p' \$f) -gt 0 ] && [ \$(sed -n 's/.*closed=\([0-9]*\).*/\1/p' \$f) -gt 0 ]"
c0=$(cpu_ticks "$CP")
t0=$(date +%s.%N)
h=$(hammer "$TESTNET_SOCKS_PORT" 3)
c1=$(cpu_ticks "$CP")
dt=$(echo "$(date +%s.%N) - $t0" | bc)
cpu=$(echo "scale=3; ($c1 - $c0) / $HZ" | bc)
echo "# client over the limit for $dt s: $h; CPU $cpu s"
check "client over its limit: every new connection closed cleanly ($h)" \
    sh -c "echo '$h' | grep -q 'hung=0' && ! echo '$h' | grep -q 'closed=0 '"
check "client over its limit does not spin (CPU $cpu s in $dt s)" \
    [ "$(echo "$cpu < 0.3 * $dt" | bc)" = 1 ]
hold_stop
check "descriptors freed: a request succeeds under the same limit" fetch_1k
prlimit --pid "$CP" --nofile="$hard:$hard"
check "client holds no stream after its descriptor exhaustion" streams_are 0 30

# ---- 4. descriptors exhausted at the exits ---------------------------------
E1=${PID[exit1]}
E2=${PID[exit2]}
declare -A EHARD
for p in $E1 $E2; do
	EHARD[$p]=$(prlimit --pid "$p" --nofile --noheadings --output HARD --raw 2>/dev/null | tr -d ' ')
	prlimit --pid "$p" --nofile="$(( $(nfds "$p") + 10 )):${EHARD[$p]}"
done
echo "# exits: soft RLIMIT_NOFILE $(( $(nfds "$E1") + 10 )) and $(( $(nfds "$E2") + 10 ))"
hold_start 100 4 60
check "exits at their descriptor limit: no stream hangs, those they cannot open get a SOCKS error reply ($(cat "$D/hold.ready" 2>/dev/null))" \
    sh -c "f=\"$D/hold.ready\"; [ \$(sed -n 's/.*hung=\([0-9]*\).*/\1/p' \$f) = 0 ] && [ \$(sed -n 's/.*refused=\([0-9]*\).*/\1/p' \$f) -gt 0 ]"
c0=$(( $(cpu_ticks "$E1") + $(cpu_ticks "$E2") ))
t0=$(date +%s.%N)
h=$(hammer "$TESTNET_SOCKS_PORT" 3)
c1=$(( $(cpu_ticks "$E1") + $(cpu_ticks "$E2") ))
dt=$(echo "$(date +%s.%N) - $t0" | bc)
cpu=$(echo "scale=3; ($c1 - $c0) / $HZ" | bc)
echo "# exits over the limit for $dt s: $h; CPU $cpu s (both)"
check "exits over their limit do not spin (CPU $cpu s in $dt s, $h)" \
    sh -c "[ \"\$(echo '$cpu < 0.3 * $dt' | bc)\" = 1 ] && echo '$h' | grep -q 'hung=0'"
hold_stop
check "descriptors freed at the exits: a request succeeds under the same limit" fetch_1k
for p in $E1 $E2; do prlimit --pid "$p" --nofile="${EHARD[$p]}:${EHARD[$p]}"; done
check "at the end the client holds no stream" streams_are 0 30

# Stop every node (SIGTERM: sanitizer builds report leaks at exit), then
# no node may have printed a sanitizer report or a BUG line.
"$TESTNET" down >/dev/null 2>&1
san_clean() {
	local bad
	bad=$(grep -l -E 'ERROR: AddressSanitizer|LeakSanitizer|runtime error:| BUG: |assertion failed:' \
	    "$D"/*/log "$D"/*/stderr 2>/dev/null)
	[ -z "$bad" ] && return 0
	for f in $bad; do grep -m 3 -E 'Sanitizer|runtime error| BUG: |assertion failed:' "$f" | sed "s|^|# $(basename "$(dirname "$f")"): |"; done
	return 1
}
check "no node printed a sanitizer report or a BUG line" san_clean

[ $n = $NTESTS ] || { echo "# planned $NTESTS, ran $n"; notok "test count"; }
[ $fails = 0 ]
