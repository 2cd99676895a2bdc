#!/usr/bin/env bash
# Integration: security properties, each tried, TAP output.
#
#  1. No core dumps, no debugger: a node started with `ulimit -c unlimited`
#     has a core limit of 0, and is non-dumpable (its /proc/PID/status is
#     owned by root while it runs as an ordinary user; an ordinary process
#     of that user is the positive control).  Skipped for ASan builds,
#     which stay dumpable for LeakSanitizer.
#  2. Key files: a node whose identity or onion key file is readable by
#     group or others refuses to start and names the file and its mode
#     (the library is unit-tested in tests/unit/test_keys.c; this is the
#     daemon's start path).
# On a loopback network (scripts/testnet, debug logs, default
# safe_logging):
#  3. A relay that flips a bit in every cell it relays (TORD_TEST_FLIP_BIT,
#     --enable-test-hooks builds only): the exit finds the cell's digest
#     wrong ("unrecognized cell at last hop"), destroys the circuit, the
#     request fails cleanly (curl error, no hang); the tampering relay's
#     client keeps running and, once the relay stops tampering, gets
#     through on new circuits; the rest of the network never noticed.
#  4. Exit policy defaults: an exit with no policy configured refuses
#     127.0.0.1, 10.0.0.1, 192.168.1.1 and "localhost" (resolved at the
#     exit) with SOCKS reply 0x02 (END EXITPOLICY), logs the refusals and
#     never connects (no "connecting to" line, a listener on the loopback
#     target sees nothing), while a RESOLVE through it works.
#  5. No relay or exit log, at debug level with default settings, holds
#     a destination or a client's address: the fetched target never
#     appears, client links show as [scrubbed], and no line holds both.
#  6. Secrets are not in logs: no node's log or stderr holds any of its
#     secret key bytes (hex or base64) or its control cookie.
#  7. The control port refuses everything before authentication: GETINFO,
#     GETCONF, SETEVENTS, SIGNAL SHUTDOWN and an unknown command each get
#     "514 Authentication required." and a closed connection; the node
#     keeps running.
# TLS peers with the wrong identity being refused is tested in
# tests/integration/net_props.sh (test 2).
# KEEP_TESTNET=1 keeps the directory (configs, logs) for a look afterwards.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import ssl' 2>/dev/null || PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
[ -x "$top_builddir/src/tord" ] || { echo "1..0 # SKIP tord not built"; exit 0; }

off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-sec.XXXXXX)
export TESTNET_SOCKS_PORT=$((20010 + off))
export TESTNET_BASE_PORT=$((36000 + off))
export TESTNET_BOOT_TIMEOUT=60
FLIP_SOCKS=$((20011 + off))
POL_SOCKS=$((20012 + off))
SINK_PORT=$((20013 + off))
D=$TESTNET_DIR
chmod 755 "$D"
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
BASE=$TESTNET_BASE_PORT
WEB=http://127.50.0.1:$((BASE + 11))/
TORD=$top_builddir/src/tord
DUMMY_AUTH="authority = none 127.0.0.1:1 0000000000000000000000000000000000000000000000000000000000000001"
extra_pids=
. "$top_srcdir/tests/integration/tap.sh"

cleanup() {
	local p
	for p in $extra_pids; do kill "$p" 2>/dev/null; done
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	watchdog_stop
	[ -n "${KEEP_TESTNET:-}" ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
watchdog_start 240

skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
wait_port() { local i; for i in $(seq 1 100); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# start NAME: run $D/NAME.ini in the background (extra nodes, stopped by cleanup)
start() {
	"$TORD" --foreground -f "$D/$1.ini" >>"$D/$1/stderr" 2>&1 </dev/null &
	extra_pids="$extra_pids $!"
	echo $! >"$D/$1/pid"
}
node_conf() {	# name role log_level: the [node] section
	mkdir -p "$D/$1"; chmod 700 "$D/$1"
	printf '[node]\nnickname = %s\nrole = %s\ndata_directory = %s\nlog_level = %s\nlog_target = %s\ncontrol_socket = %s\n' \
	    "$1" "$2" "$D/$1" "$3" "$D/$1/log" "$D/$1/control"
}

NTESTS=27
echo "1..$NTESTS"

# ---- 1. core dumps and debugger attachment ------------------------------
{ node_conf solo relay info; printf '\n[relay]\nor_listen = 127.82.0.1:%s\n\n[authorities]\n%s\n' "$BASE" "$DUMMY_AUTH"; } >"$D/solo.ini"
"$TORD" --fingerprint -f "$D/solo.ini" >/dev/null 2>&1
asan=0
nm "$TORD" 2>/dev/null | grep -q __asan_init && asan=1
# As an ordinary user: root's /proc files are root's whatever the flag.
ASUSER=()
me=$(id -u)
if [ "$me" = 0 ] && command -v setpriv >/dev/null && getent group nogroup >/dev/null; then
	ASUSER=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	chown -R nobody "$D/solo"
	me=$(id -u nobody)
fi
( ulimit -c unlimited 2>/dev/null; exec "${ASUSER[@]}" "$TORD" --foreground -f "$D/solo.ini" ) >"$D/solo.stderr" 2>&1 &
solo_pid=$!
extra_pids="$extra_pids $solo_pid"
( exec "${ASUSER[@]}" sleep 30 ) &
ctl_pid=$!
extra_pids="$extra_pids $ctl_pid"
wait_port 127.82.0.1 "$BASE"
core=$(awk '/^Max core file size/ { print $5 "/" $6 }' "/proc/$solo_pid/limits" 2>/dev/null)
check "a node's core file limit is 0 even when started with ulimit -c unlimited (soft/hard: $core)" [ "$core" = 0/0 ]
owner=$(stat -c %u "/proc/$solo_pid/status" 2>/dev/null)
cowner=$(stat -c %u "/proc/$ctl_pid/status" 2>/dev/null)
if [ $asan = 1 ]; then
	skip "ASan build: the node stays dumpable so that LeakSanitizer can run"
else
	check "the node is non-dumpable: /proc/PID/status owned by uid $owner, not by its user $me (an ordinary process of that user: uid $cowner)" \
	    sh -c "[ '$owner' = 0 ] && [ '$cowner' = '$me' ] && [ '$me' != 0 ]"
fi
kill "$solo_pid" "$ctl_pid" 2>/dev/null
wait "$solo_pid" "$ctl_pid" 2>/dev/null
chown -R "$(id -u)" "$D/solo" 2>/dev/null

# ---- 2. key file modes ----------------------------------------------------
refused() {	# file mode: the node must refuse to start, naming both
	local rc=0
	chmod "$2" "$1"
	timeout 20 "$TORD" --foreground -f "$D/solo.ini" >"$D/keys.out" 2>&1 || rc=$?
	chmod 600 "$1"
	echo "# mode $2: exit $rc: $(grep -h -m1 "$1.*mode" "$D/keys.out" "$D/solo/log" | tail -n 1)"
	# The reason goes to the configured log (a file here), not only stderr.
	[ $rc != 0 ] && [ $rc != 124 ] && cat "$D/keys.out" "$D/solo/log" | grep -q "$1 has mode $2"
}
check "a group-readable identity key (0640) is refused at start, naming file and mode" \
    refused "$D/solo/keys/identity_ed25519" 640
check "a world-readable onion key (0644) is refused at start, naming file and mode" \
    refused "$D/solo/keys/onion_x25519" 644

# ---- the network ----------------------------------------------------------
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --log-level debug >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	for i in $(seq $((n + 1)) $NTESTS); do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up (debug logs, default safe_logging)"
fetch() {	# socks-port [url]
	curl -s -o /dev/null --max-time 25 --socks5-hostname "127.0.0.1:$1" "${2:-$WEB}"
}
# "NICK ADDR:PORT FINGERPRINT ONIONKEY FLAGS" of a testnet node for a static list
relay_line() {
	local f
	case $1 in exit*) f=exit,fast,stable,running,valid ;; *) f=guard,fast,stable,running,valid ;; esac
	echo "$("$TORD" --relay-line -f "$D/$1.ini" 2>/dev/null) $f"
}
check "a fetch through the network works" fetch "$TESTNET_SOCKS_PORT"

# ---- 3. a relay flipping bits -----------------------------------------------
if ! grep -q '^#define TORD_TEST_HOOKS 1' "$top_builddir/config.h" 2>/dev/null; then
	for i in 1 2 3 4 5 6 7; do skip "build without --enable-test-hooks: no bit-flipping relay"; done
else
	{ node_conf flipper relay debug; printf '\n[relay]\nor_listen = 127.19.0.1:%s\n\n[authorities]\n%s\n' "$BASE" "$DUMMY_AUTH"; } >"$D/flipper.ini"
	TORD_TEST_FLIP_BIT=1 start flipper
	wait_port 127.19.0.1 "$BASE"
	flip_line=$("$TORD" --relay-line -f "$D/flipper.ini" 2>/dev/null)
	# Its only path: guard relay2, middle flipper, exit exit1.
	{ node_conf flipclient client debug
	  printf '\n[client]\nsocks_listen = 127.0.0.1:%s\ncircuit_build_timeout = 10s\n' "$FLIP_SOCKS"
	  echo "relay = $(relay_line relay2)"
	  echo "relay = $flip_line fast,stable,running,valid"
	  echo "relay = $(relay_line exit1)"
	} >"$D/flipclient.ini"
	start flipclient
	wait_port 127.0.0.1 "$FLIP_SOCKS"
	rc=0
	t0=$SECONDS
	fetch "$FLIP_SOCKS" || rc=$?
	echo "# through the flipping relay: curl exit $rc after $((SECONDS - t0)) s"
	check "a request through the bit-flipping relay fails cleanly (curl exit $rc, $((SECONDS - t0)) s)" \
	    sh -c "[ $rc != 0 ] && [ $rc != 28 ]"
	check "exit1 detected the tampered cell (digest mismatch: unrecognized cell at last hop)" \
	    grep -q "closing: unrecognized cell at last hop" "$D/exit1/log"
	check "the client's circuit was destroyed (DESTROY received)" \
	    grep -q "closing: DESTROY received" "$D/flipclient/log"
	check "the client with the tampered circuit still runs" kill -0 "$(cat "$D/flipclient/pid")"
	check "the rest of the network did not notice (fetch through the main client)" fetch "$TESTNET_SOCKS_PORT"
	kill "$(cat "$D/flipper/pid")"
	for i in $(seq 1 50); do kill -0 "$(cat "$D/flipper/pid")" 2>/dev/null || break; sleep 0.1; done
	start flipper	# same keys, no tampering
	wait_port 127.19.0.1 "$BASE"
	ok_after=1
	for i in 1 2 3 4 5 6; do fetch "$FLIP_SOCKS" && { ok_after=0; break; }; sleep 2; done
	check "once the relay stops tampering, the same client gets through on new circuits" [ $ok_after = 0 ]
	san=$(grep -l 'Sanitizer\|runtime error' "$D"/flip*/stderr 2>/dev/null | tr '\n' ' ')
	check "no sanitizer report from the flipping relay or its client${san:+: $san}" [ -z "$san" ]
fi

# ---- 4. default exit policy ---------------------------------------------------
"$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
open(sys.argv[2] + ".ready", "w").close()
while True:
    c, _ = s.accept(); open(sys.argv[2], "a").write("accepted\n"); c.close()' "$SINK_PORT" "$D/sink.log" &
extra_pids="$extra_pids $!"
{ node_conf exitd exit debug; printf '\n[relay]\nor_listen = 127.39.0.1:%s\n\n[authorities]\n%s\n' "$BASE" "$DUMMY_AUTH"; } >"$D/exitd.ini"
start exitd
wait_port 127.39.0.1 "$BASE"
{ node_conf polclient client info
  printf '\n[client]\nsocks_listen = 127.0.0.1:%s\ncircuit_build_timeout = 10s\n' "$POL_SOCKS"
  echo "relay = $(relay_line relay2)"
  echo "relay = $(relay_line relay3 | sed 's/ guard,/ /')"
  echo "relay = $("$TORD" --relay-line -f "$D/exitd.ini" 2>/dev/null) exit,fast,stable,running,valid"
} >"$D/polclient.ini"
start polclient
wait_port 127.0.0.1 "$POL_SOCKS"
for i in $(seq 1 50); do [ -f "$D/sink.log.ready" ] && break; sleep 0.1; done
probe() { "$PY" "$top_srcdir/tests/integration/socks_probe.py" "$POL_SOCKS" "$@" 2>&1 | tr '\n' ' '; }
r=$(probe localhost 80 --resolve)
echo "# RESOLVE localhost through the default-policy exit: $r"
check "the default-policy exit does not reveal its loopback view (RESOLVE localhost: $r)" \
    sh -c "echo '$r' | grep -q 'rep=' && ! echo '$r' | grep -q 'addr=127\.'"
for t in "127.0.0.1 $SINK_PORT" "10.0.0.1 80" "192.168.1.1 80" "localhost $SINK_PORT"; do
	r=$(probe $t)
	check "the default exit policy refuses $t: SOCKS 0x02 not allowed ($r)" sh -c "echo '$r' | grep -q 'rep=02'"
done
nref=$(grep -c "refused by exit policy" "$D/exitd/log")
ncon=$(grep -c "connecting to" "$D/exitd/log")
check "the exit logged the refusals ($nref) and connected nowhere ($ncon connects; loopback listener saw $(cat "$D/sink.log" 2>/dev/null | wc -l))" \
    sh -c "[ $nref -ge 4 ] && [ $ncon = 0 ] && [ ! -s '$D/sink.log' ]"

# ---- 5. what relay logs hold --------------------------------------------------
fetch "$TESTNET_SOCKS_PORT" >/dev/null
logs=$(ls "$D"/relay*/log "$D"/exit*/log "$D"/flipper/log 2>/dev/null)
leak=$(grep -l "127\.50\.0\.1" $logs 2>/dev/null | tr '\n' ' ')
check "no relay or exit log names the destination 127.50.0.1 (debug, default safe_logging)${leak:+: $leak}" [ -z "$leak" ]
scrubbed=$(cat $logs | grep -c '\[scrubbed\]')
clients=$(grep -h "peer client at" $logs | grep -vc '\[scrubbed\]')
check "client links are logged scrubbed ($scrubbed [scrubbed] lines, $clients with an address)" \
    sh -c "[ $scrubbed -gt 0 ] && [ $clients = 0 ]"
both=$(grep -hE '127\.0\.0\.1:[0-9]+' $logs | grep -cE '127\.50\.0\.1|begin [^[]')
check "no relay log line holds both a client address and a destination ($both)" [ "$both" = 0 ]

# ---- 6. secrets in logs ---------------------------------------------------------
secret_hits=
for k in "$D"/*/keys/identity_ed25519 "$D"/*/keys/onion_x25519 "$D"/*/control_auth_cookie; do
	[ -f "$k" ] || continue
	nd=$(basename "$(dirname "$(dirname "$k")")")
	[ "$(basename "$(dirname "$k")")" = keys ] || nd=$(basename "$(dirname "$k")")
	hex=$(od -An -tx1 "$k" | tr -d ' \n')
	HEX=$(echo "$hex" | tr a-f A-F)
	b64=$(base64 -w0 "$k" | tr -d '=')
	for f in "$D/$nd/log" "$D/$nd/stderr"; do
		[ -f "$f" ] || continue
		if grep -qF -e "$hex" -e "$HEX" -e "$b64" -e "${hex:0:32}" -e "${HEX:0:32}" "$f"; then
			secret_hits="$secret_hits $nd:$(basename "$k")"
		fi
	done
done
nkeys=$(ls "$D"/*/keys/identity_ed25519 2>/dev/null | wc -l)
check "no node logged its secret keys or control cookie ($nkeys nodes' keys checked)${secret_hits:+: found$secret_hits}" \
    sh -c "[ $nkeys -ge 9 ] && [ -z '$secret_hits' ]"

# ---- 7. control port before authentication ---------------------------------------
ctl_raw() {	# one line to the client's control socket, before authenticating
	"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\r\n")
out = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            out += b"<closed>"
            break
        out += b
except socket.timeout:
    out += b"<open>"
print(out.decode(errors="replace").replace("\r\n", " "))' "$D/client/control" "$1"
}
bad=
for cmd in "GETINFO version" "GETCONF socks_listen" "SETEVENTS CIRC" "SIGNAL SHUTDOWN" "FROBNICATE"; do
	r=$(ctl_raw "$cmd")
	echo "# $cmd -> $r"
	case $r in "514 Authentication required. <closed>") ;; *) bad="$bad [$cmd]" ;; esac
done
check "the control port answers every command before AUTHENTICATE with 514 and closes${bad:+; wrong for$bad}" [ -z "$bad" ]
check "the client still runs after SIGNAL SHUTDOWN without authentication" kill -0 "$(cat "$D/client/pid")"

dead=
for nd in $(cd "$D" && ls -d auth* relay* exit* client 2>/dev/null | grep -v '\.ini'); do
	kill -0 "$(cat "$D/$nd/pid")" 2>/dev/null || dead="$dead $nd"
done
check "every node still runs${dead:+ (dead:$dead)}" [ -z "$dead" ]
san=$(grep -l 'Sanitizer\|runtime error' "$D"/*/stderr 2>/dev/null | tr '\n' ' ')
check "no sanitizer report in any node's output${san:+: $san}" [ -z "$san" ]

[ $n = $NTESTS ] || { echo "# planned $NTESTS, ran $n"; notok "test count"; }
[ $fails = 0 ]
