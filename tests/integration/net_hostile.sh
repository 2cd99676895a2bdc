#!/usr/bin/env bash
# Integration: hostile clients on every listening port of a loopback
# network (scripts/testnet), TAP output.
#
# Ports: the client's SOCKS and HTTP CONNECT ports, its control socket, a
# relay's OR (TLS) port, and an authority's directory HTTP port when one
# is listening.  On each, tests/integration/hostile_peer.py opens at once:
#   garbage    3 connections sending 4 KiB of random bytes;
#   flood      1 connection sending up to 8 MiB as fast as it is taken;
#   truncated  3 connections sending half a handshake, then nothing;
#   trickle    slow-loris connections sending a never-ending valid
#              handshake one byte (OR: one VPADDING cell in TLS) every 2 s,
#              which resets any inactivity timer: 200 on SOCKS, 30 on HTTP
#              CONNECT and the directory, 50 on the OR port, 8 on control
#              (it allows 16 connections in all);
#   hello      (OR) the TLS ClientHello itself one byte every 2 s.
# Checked: every connection is closed by the node (garbage and floods at
# once or by the handshake timeout, the rest by the 30 s handshake
# deadline; nothing still open after 70 s), a flood is cut off before
# 4 MiB, RSS of the client and of the relay while every slow client is
# connected stays within a per-connection bound, every node still runs,
# a fetch works afterwards, the control port serves its operator again,
# and no sanitizer reported anything.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import ssl, selectors' 2>/dev/null || PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
[ -x "$top_builddir/src/tord" ] || { echo "1..0 # SKIP tord not built"; exit 0; }

off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-hostile.XXXXXX)
export TESTNET_SOCKS_PORT=$((20007 + off))
export TESTNET_BASE_PORT=$((14000 + off))
export TESTNET_BOOT_TIMEOUT=60
HC_PORT=$((20008 + off))
D=$TESTNET_DIR
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
RELAY=relay1
RELAY_OR=127.11.0.1:$TESTNET_BASE_PORT
AUTH_DIR=127.1.0.1:$((TESTNET_BASE_PORT + 1))
WEB=http://127.50.0.1:$((TESTNET_BASE_PORT + 11))/
TORCTL=$top_builddir/src/torctl
peer_pids=
watchdog_pid=

cleanup() {
	local p
	for p in $peer_pids; do kill "$p" 2>/dev/null; done
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	if [ -n "$watchdog_pid" ]; then
		kill "$watchdog_pid" 2>/dev/null
		[ -f "$D/watchdog.pid" ] && kill "$(cat "$D/watchdog.pid")" 2>/dev/null
	fi
	rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
( sleep 200 & echo $! >"$D/watchdog.pid"; wait $!
  echo "# watchdog: test took too long"; kill -TERM $$ ) 2>/dev/null &
watchdog_pid=$!

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || echo 0; }
pid_of() { cat "$D/$1/pid" 2>/dev/null; }
fetch() { curl -s -o /dev/null --max-time 20 --socks5-hostname "$SOCKS" "$WEB"; }
# field FILE SCENARIO KEY: a number from hostile_peer.py's JSON
field() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d.get(sys.argv[2], {}).get(sys.argv[3], -1))' "$1" "$2" "$3" 2>/dev/null || echo -1
}

# Ports, their kind, address and trickle count.
PORTS="socks http control or"
declare -A KIND=([socks]=socks [http]=http [control]=control [or]=or [dir]=dir)
declare -A ADDR=([socks]=$SOCKS [http]=127.0.0.1:$HC_PORT [control]=$D/client/control
    [or]=$RELAY_OR [dir]=$AUTH_DIR)
declare -A TRICKLE=([socks]=200 [http]=30 [control]=8 [or]=50 [dir]=30)
declare -A NAME=([socks]="SOCKS port" [http]="HTTP CONNECT port" [control]="control socket"
    [or]="$RELAY OR port (TLS)" [dir]="auth1 directory port")
PER_PORT=4	# checks per port below (5 for the OR port: hello)
NTESTS=$((1 + 4 * PER_PORT + 1 + PER_PORT + 2 + 4))

echo "1..$NTESTS"
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --http-connect-port "$HC_PORT" >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	for i in $(seq 2 $NTESTS); do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up"
# The directory port is tested once the authority serves HTTP on it.
if (exec 3<>"/dev/tcp/${AUTH_DIR%:*}/${AUTH_DIR#*:}") 2>/dev/null; then
	PORTS="$PORTS dir"
	have_dir=1
else
	have_dir=0
fi

CP=$(pid_of client)
RP=$(pid_of $RELAY)
base_c=$(rss_kb "$CP")
base_r=$(rss_kb "$RP")

for p in $PORTS; do
	"$PY" "$top_srcdir/tests/integration/hostile_peer.py" "${KIND[$p]}" "${ADDR[$p]}" \
	    --trickle "${TRICKLE[$p]}" --interval 2 --duration 70 --ready "$D/ready.$p" \
	    >"$D/out.$p" 2>"$D/err.$p" &
	peer_pids="$peer_pids $!"
done
# RSS while every slow client is connected (all ready files written).
for i in $(seq 1 150); do
	all=1
	for p in $PORTS; do [ -f "$D/ready.$p" ] || all=0; done
	[ $all = 1 ] && break
	sleep 0.1
done
sleep 3
peak_c=$(rss_kb "$CP")
peak_r=$(rss_kb "$RP")
nfd_c=$(ls "/proc/$CP/fd" 2>/dev/null | wc -l)
for p in $peer_pids; do wait "$p"; done
peer_pids=

check_port() {	# name
	local p=$1 o="$D/out.$1" nm=${NAME[$1]} s opened closed still mx mn sent
	if [ ! -s "$o" ]; then
		echo "# hostile_peer.py ${KIND[$p]} failed:"; sed 's/^/#   /' "$D/err.$p" | tail -n 10
	else
		echo "# $nm: $(cat "$o")"
	fi
	for s in garbage flood truncated trickle hello; do
		[ $s = hello ] && [ $p != or ] && continue
		opened=$(field "$o" $s opened); closed=$(field "$o" $s closed)
		still=$(field "$o" $s still_open); mx=$(field "$o" $s max_open_s)
		mn=$(field "$o" $s min_open_s); sent=$(field "$o" $s bytes_sent)
		case $s in
		garbage)
			check "$nm: $closed/$opened garbage connections closed (longest ${mx} s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && [ $closed = $opened ]" ;;
		flood)
			check "$nm: a flood is cut off ($sent bytes taken, closed after ${mx} s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && [ $sent -lt 4194304 ]" ;;
		truncated)
			check "$nm: $closed/$opened truncated handshakes closed after a timeout (${mn}-${mx} s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && awk 'BEGIN { exit !($mx <= 50) }'" ;;
		trickle|hello)
			# Not refused at once (min >= 20 s: the trickle was accepted)
			# and not kept past the handshake deadline plus slack.
			check "$nm: $closed/$opened slow-loris ($s) connections closed at the handshake deadline (${mn}-${mx} s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && awk 'BEGIN { exit !($mn >= 20 && $mx <= 50) }'" ;;
		esac
	done
}
for p in socks http control or; do check_port $p; done
if [ $have_dir = 1 ]; then
	check_port dir
else
	for i in $(seq 1 $PER_PORT); do
		skip "authority directory port ${AUTH_DIR} not listening (no directory HTTP server in this build)"
	done
fi

gc=$((peak_c - base_c)); gr=$((peak_r - base_r))
nslow=$((200 + 30 + 8))
echo "# RSS client: idle $base_c kB, with $nslow slow clients $peak_c kB (growth $gc kB, $((gc / nslow)) kB each; $nfd_c fds open)"
echo "# RSS $RELAY: idle $base_r kB, with 50+ slow TLS clients $peak_r kB (growth $gr kB)"
# A bound per connection (256 KiB: input buffer, TLS, bookkeeping), not a speed.
check "client memory bounded with $nslow slow clients (growth $gc kB < $((nslow * 256)) kB)" \
    [ "$gc" -lt $((nslow * 256)) ]
check "$RELAY memory bounded with 56 slow TLS clients (growth $gr kB < $((56 * 256)) kB)" \
    [ "$gr" -lt $((56 * 256)) ]

dead=
for nd in $(cd "$D" && ls -d auth* relay* exit* client 2>/dev/null | grep -v '\.ini'); do
	kill -0 "$(pid_of "$nd")" 2>/dev/null || dead="$dead $nd"
done
check "every node still runs${dead:+ (dead:$dead)}" [ -z "$dead" ]
check "a fetch through the client works after the attack" fetch
ctl_ok() { "$TORCTL" --control "$D/client/control" --cookie "$D/client/control_auth_cookie" status >/dev/null 2>&1; }
check "the control socket serves its operator again (torctl status)" ctl_ok
san=$(grep -l 'Sanitizer\|runtime error' "$D"/*/stderr "$D"/*/log 2>/dev/null | tr '\n' ' ')
check "no sanitizer report in any node's output${san:+: $san}" [ -z "$san" ]

[ $n = $NTESTS ] || { echo "# planned $NTESTS, ran $n"; notok "test count"; }
[ $fails = 0 ]
