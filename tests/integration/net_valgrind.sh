#!/usr/bin/env bash
# Integration: a client and a relay under valgrind on a loopback network,
# TAP output.
#
# The network (scripts/testnet) runs as usual; beside it a relay "vrelay"
# and a client "vclient" run under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
# vclient's static relay list makes vrelay its only guard (middle relay2,
# exit exit1), so every byte it fetches crosses both valgrind'd processes:
# TLS links, CREATE2/EXTEND2, relay crypto, SOCKS, streams, SENDMEs.
# A few fetches (1 KiB, 1 MiB, 4 in parallel, a refused port) are checked
# by sha256; then both get SIGTERM and must exit 0 (not 99) with
# "ERROR SUMMARY: 0 errors" (no invalid read/write, no use of
# uninitialised memory, no definite leak) in their valgrind logs.
# Skipped for ASan builds (valgrind and ASan do not mix) and when valgrind
# is not installed (scripts/deps test installs it).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import hashlib' 2>/dev/null || PY=/usr/bin/python3
TORD=$top_builddir/src/tord
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
command -v valgrind >/dev/null || { echo "1..0 # SKIP valgrind not installed (scripts/deps test)"; exit 0; }
[ -x "$TORD" ] || { echo "1..0 # SKIP tord not built"; exit 0; }
if nm "$TORD" 2>/dev/null | grep -q __asan_init; then
	echo "1..0 # SKIP ASan build: valgrind runs against the plain build"; exit 0
fi

off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-vg.XXXXXX)
export TESTNET_SOCKS_PORT=$((20014 + off))
export TESTNET_BASE_PORT=$((46000 + off))
export TESTNET_BOOT_TIMEOUT=60
VSOCKS=$((20015 + off))
D=$TESTNET_DIR
BASE=$TESTNET_BASE_PORT
DUMMY_AUTH="authority = none 127.0.0.1:1 0000000000000000000000000000000000000000000000000000000000000001"
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
    --show-leak-kinds=definite --num-callers=30)
vpids=
httpd_pid=
. "$top_srcdir/tests/integration/tap.sh"

cleanup() {
	local p
	for p in $vpids; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	watchdog_stop
	[ -n "${KEEP_TESTNET:-}" ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
watchdog_start 240

wait_port() { local i; for i in $(seq 1 $(($3 * 10))); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
node_conf() {	# name role
	mkdir -p "$D/$1"; chmod 700 "$D/$1"
	printf '[node]\nnickname = %s\nrole = %s\ndata_directory = %s\nlog_level = info\nlog_target = %s\n' \
	    "$1" "$2" "$D/$1" "$D/$1/log"
}
relay_line() {
	local f
	case $1 in exit*) f=exit,fast,stable,running,valid ;; *) f=guard,fast,stable,running,valid ;; esac
	echo "$("$TORD" --relay-line -f "$D/$1.ini" 2>/dev/null) $f"
}
vstart() {	# name
	"${VG[@]}" --log-file="$D/$1/valgrind.log" "$TORD" --foreground -f "$D/$1.ini" \
	    >"$D/$1/stderr" 2>&1 </dev/null &
	vpids="$vpids $!"
	echo $! >"$D/$1/pid"
}

NTESTS=11
echo "1..$NTESTS"
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --no-demo >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	for i in $(seq 2 $NTESTS); do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up"

"$PY" "$top_srcdir/tests/integration/httpd.py" --bind 127.60.0.1 --port-file "$D/httpd.port" &
httpd_pid=$!
for i in $(seq 1 50); do [ -f "$D/httpd.port" ] && break; sleep 0.1; done
P=$(cat "$D/httpd.port")

{ node_conf vrelay relay; printf '\n[relay]\nor_listen = 127.18.0.1:%s\n\n[authorities]\n%s\n' "$BASE" "$DUMMY_AUTH"; } >"$D/vrelay.ini"
"$TORD" --fingerprint -f "$D/vrelay.ini" >/dev/null 2>&1
vstart vrelay
{ node_conf vclient client
  printf '\n[client]\nsocks_listen = 127.0.0.1:%s\ncircuit_build_timeout = 30s\npreemptive_circuits = 1\n' "$VSOCKS"
  echo "relay = $(relay_line vrelay)"
  echo "relay = $(relay_line relay2 | sed 's/ guard,/ /')"
  echo "relay = $(relay_line exit1)"
} >"$D/vclient.ini"
vstart vclient
up=1
wait_port 127.18.0.1 "$BASE" 60 && wait_port 127.0.0.1 "$VSOCKS" 60 || up=0
check "the relay and the client start under valgrind" [ $up = 1 ]

fetch_sha() {	# size
	local exp got
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha "$1")
	got=$(curl -s --max-time 60 --socks5-hostname "127.0.0.1:$VSOCKS" "http://127.60.0.1:$P/bytes/$1" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$exp" ]
}
# The first request may wait for the (slow, valgrind'd) circuit build.
first=1
for i in 1 2 3; do fetch_sha 1024 && { first=0; break; }; done
check "1 KiB through the valgrind'd guard and client (sha256)" [ $first = 0 ]
check "1 MiB through them (sha256)" fetch_sha 1048576
par_ok() {
	local p pids= rc=0
	for p in 1 2 3 4; do fetch_sha 65536 & pids="$pids $!"; done
	for p in $pids; do wait "$p" || rc=1; done
	return $rc
}
check "4 parallel 64 KiB fetches (sha256)" par_ok
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 --socks5-hostname "127.0.0.1:$VSOCKS" "http://127.60.0.1:9/"; echo " rc=$?")
check "a port the exit refuses fails cleanly ($code)" sh -c "case '$code' in 000*rc=97) exit 0 ;; *) exit 1 ;; esac"

# SIGTERM, then valgrind's verdict.
stop() {	# name: sets rc to the exit status of the valgrind'd node after SIGTERM
	local p i
	p=$(cat "$D/$1/pid")
	rc=0
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 1 600); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	wait "$p" || rc=$?
}
for nd in vclient vrelay; do
	stop $nd
	summary=$(grep -o 'ERROR SUMMARY: [0-9]* errors' "$D/$nd/valgrind.log" | tail -n 1)
	lost=$(grep -o 'definitely lost: [0-9,]* bytes' "$D/$nd/valgrind.log" | tail -n 1)
	echo "# $nd: exit $rc; ${summary:-no summary}; ${lost:-definitely lost: 0 bytes (no leak report)}"
	check "$nd exits 0 after SIGTERM under valgrind (exit $rc; 99 means valgrind errors)" [ "$rc" = 0 ]
	if grep -q 'ERROR SUMMARY: 0 errors' "$D/$nd/valgrind.log"; then
		ok "$nd: valgrind reports no invalid access and no definite leak"
	else
		notok "$nd: valgrind reports errors"
		grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in .* definitely)' \
		    "$D/$nd/valgrind.log" | head -n 20 | sed 's/^/#   /'
		grep -A12 -m3 'definitely lost in\|Invalid' "$D/$nd/valgrind.log" | head -n 40 | sed 's/^/#   /'
	fi
done
vpids=
check "the rest of the network is still up (exit1 runs)" kill -0 "$(cat "$D/exit1/pid")"

[ $n = $NTESTS ] || { echo "# planned $NTESTS, ran $n"; notok "test count"; }
[ $fails = 0 ]
