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
# once, within 5 s; the rest by the handshake deadline, 30 s on our
# ports, 10 s on the directory's; nothing open after 70 s), a flood is
# cut off before 4 MiB, RSS of the client and of the relay while every slow client is
# connected stays within a per-connection bound, every node still runs,
# a fetch works afterwards, the control port serves its operator again,
# and no sanitizer reported anything.
#
# Before the network, two stand-alone relays meet a hand-made OR client
# (tests/integration/or_peer.py: TLS, VERSIONS, NETINFO, CREATE2 ntor):
#   ra (create_rate = 2, create_burst = 20): 200 pipelined CREATE2 from one
#      address get 20 circuits (plus what 2/s refills meanwhile) and
#      DESTROY RESOURCELIMIT for the rest; another source address gets its
#      own burst; after 2 s the first address is served again; the relay
#      logs the flood with the address scrubbed;
#   rb (max_circuits_per_link = 5, no rate limit): 12 CREATE2 on one link
#      get 5 circuits, on two links 10;
#   a SENDME the relay never asked for closes the circuit (DESTROY
#      PROTOCOL), where a DROP before it did not.
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
HC_PORT=$((20001 + off))
D=$TESTNET_DIR
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
RELAY=relay1
RELAY_OR=127.11.0.1:$TESTNET_BASE_PORT
AUTH_DIR=127.1.0.1:$((TESTNET_BASE_PORT + 1))
WEB=http://127.50.0.1:$((TESTNET_BASE_PORT + 11))/
TORCTL=$top_builddir/src/torctl
peer_pids=
. "$top_srcdir/tests/integration/tap.sh"

cleanup() {
	local p
	for p in $peer_pids ${solo_pids:-}; do kill "$p" 2>/dev/null; done
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	watchdog_stop
	rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
watchdog_start 240

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
NOR=9		# stand-alone relay checks
NTESTS=$((NOR + 1 + 4 * PER_PORT + 1 + PER_PORT + 2 + 4 + 2))

echo "1..$NTESTS"

# ---- stand-alone relays and a hand-made OR client ----------------------
TORD=$top_builddir/src/tord
ORPEER="$PY $top_srcdir/tests/integration/or_peer.py"
solo_pids=
solo() {	# name ip extra-relay-lines: write the config, start the relay
	local nm=$1 ip=$2 i
	mkdir -p "$D/$nm"; chmod 700 "$D/$nm"
	printf '[node]\nnickname = %s\nrole = relay\ndata_directory = %s\nlog_level = info\nlog_target = %s\n\n[relay]\nor_listen = %s:%s\n%s\n\n[authorities]\n; nobody listens there: the relay keeps its descriptor to itself\nauthority = none 127.0.0.1:1 %s\n' \
	    "$nm" "$D/$nm" "$D/$nm/log" "$ip" "$TESTNET_BASE_PORT" "$3" \
	    0000000000000000000000000000000000000000000000000000000000000001 >"$D/$nm.ini"
	"$TORD" --foreground -f "$D/$nm.ini" >"$D/$nm/stderr" 2>&1 &
	solo_pids="$solo_pids $!"
	echo $! >"$D/$nm/pid"
	for i in $(seq 1 100); do (exec 3<>"/dev/tcp/$ip/$TESTNET_BASE_PORT") 2>/dev/null && break; sleep 0.1; done
}
# "addr id onionkey" of a stand-alone relay
solo_line() { "$TORD" --relay-line -f "$D/$1.ini" 2>/dev/null | cut -d' ' -f2-4; }
jget() { "$PY" -c 'import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    v = v.get(k, 0) if isinstance(v, dict) else 0
print("none" if v is None else v)' "$@" 2>/dev/null || echo -1; }
solo ra 127.80.0.1 "$(printf 'create_rate = 2\ncreate_burst = 20')"
solo rb 127.81.0.1 "$(printf 'max_circuits_per_link = 5\ncreate_rate = 0')"
read -r RA_ADDR RA_ID RA_KEY <<<"$(solo_line ra)"
read -r RB_ADDR RB_ID RB_KEY <<<"$(solo_line rb)"
out=$($ORPEER flood "$RA_ADDR" "$RA_ID" "$RA_KEY" --circuits 200 2>&1)
echo "# ra, 200 CREATE2 from 127.0.0.1: $out"
cr=$(jget "$out" created); rl=$(jget "$out" destroyed 5); el=$(jget "$out" elapsed_s)
check "CREATE2 flood: a burst of 20 served ($cr), the rest refused RESOURCELIMIT ($rl)" \
    awk "BEGIN { exit !($cr >= 20 && $cr <= 22 + 2 * $el && $cr + $rl == 200) }"
out=$($ORPEER flood "$RA_ADDR" "$RA_ID" "$RA_KEY" --circuits 30 --bind 127.0.0.2 2>&1)
echo "# ra, 30 CREATE2 from 127.0.0.2: $out"
cr2=$(jget "$out" created)
check "CREATE2 flood: another address has its own bucket ($cr2 of 30 served)" \
    awk "BEGIN { exit !($cr2 >= 20) }"
sleep 2
out=$($ORPEER flood "$RA_ADDR" "$RA_ID" "$RA_KEY" --circuits 3 2>&1)
cr3=$(jget "$out" created)
echo "# ra, 3 CREATE2 from 127.0.0.1 after 2 s: $out"
check "CREATE2 flood: the flooding address is served again after 2 s ($cr3 of 3)" \
    awk "BEGIN { exit !($cr3 >= 1) }"
check "the relay logged the flood with the address scrubbed" \
    grep -q 'CREATE2 flood from \[scrubbed\]' "$D/ra/log"
out=$($ORPEER flood "$RB_ADDR" "$RB_ID" "$RB_KEY" --circuits 12 2>&1)
echo "# rb, 12 CREATE2 on one link: $out"
check "max_circuits_per_link = 5: 5 of 12 circuits on one link ($(jget "$out" created)), 7 refused ($(jget "$out" destroyed 5))" \
    [ "$(jget "$out" created)/$(jget "$out" destroyed 5)" = 5/7 ]
out=$($ORPEER flood "$RB_ADDR" "$RB_ID" "$RB_KEY" --circuits 12 --links 2 2>&1)
echo "# rb, 12 CREATE2 on two links: $out"
check "max_circuits_per_link = 5: two links get 5 each ($(jget "$out" created) of 12)" \
    [ "$(jget "$out" created)" = 10 ]
out=$($ORPEER sendme "$RB_ADDR" "$RB_ID" "$RB_KEY" 2>&1)
echo "# rb, DROP then an unearned SENDME: $out"
check "a DROP leaves the circuit open (positive control)" [ "$(jget "$out" destroy_after_drop)" = none ]
check "an unearned SENDME closes the circuit: DESTROY PROTOCOL" [ "$(jget "$out" destroy_after_sendme)" = 1 ]
dead=
for nm in ra rb; do kill -0 "$(cat "$D/$nm/pid")" 2>/dev/null || dead="$dead $nm"; done
check "both stand-alone relays still run${dead:+ (dead:$dead)}" [ -z "$dead" ]
for p in $solo_pids; do kill "$p" 2>/dev/null; done
solo_pids=
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --http-connect-port "$HC_PORT" >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	for i in $(seq $((n + 1)) $NTESTS); do notok "skipped: no network"; done
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
			# Ours refuse garbage at once; the directory may wait for its timeout.
			fast=5; [ $p = dir ] && fast=50
			check "$nm: $closed/$opened garbage connections closed (longest ${mx} s, bound $fast s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && [ $closed = $opened ] && awk 'BEGIN { exit !($mx <= $fast) }'" ;;
		flood)
			check "$nm: a flood is cut off ($sent bytes taken, closed after ${mx} s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && [ $sent -lt 4194304 ]" ;;
		truncated)
			check "$nm: $closed/$opened truncated handshakes closed after a timeout (${mn}-${mx} s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && awk 'BEGIN { exit !($mx <= 50) }'" ;;
		trickle|hello)
			# Not refused at once (min >= 5 s: the trickle was taken)
			# and not kept past a handshake deadline (30 s) plus slack.
			check "$nm: $closed/$opened slow-loris ($s) connections closed at the handshake deadline (${mn}-${mx} s)" \
			    sh -c "[ $opened -gt 0 ] && [ $still = 0 ] && awk 'BEGIN { exit !($mn >= 5 && $mx <= 50) }'" ;;
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
# A bound per connection (256 KiB: input buffer, TLS, bookkeeping), not a
# speed; ASan's redzones and quarantine of freed memory get 1 MiB.
per=256
nm "$TORD" 2>/dev/null | grep -q __asan_init && per=1024
check "client memory bounded with $nslow slow clients (growth $gc kB < $((nslow * per)) kB)" \
    [ "$gc" -lt $((nslow * per)) ]
check "$RELAY memory bounded with 56 slow TLS clients (growth $gr kB < $((56 * per)) kB)" \
    [ "$gr" -lt $((56 * per)) ]

dead=
for nd in $(cd "$D" && ls -d auth* relay* exit* client 2>/dev/null | grep -v '\.ini'); do
	kill -0 "$(pid_of "$nd")" 2>/dev/null || dead="$dead $nd"
done
check "every node still runs${dead:+ (dead:$dead)}" [ -z "$dead" ]
check "a fetch through the client works after the attack" fetch
# Clients that reset (RST) in the middle of a SOCKS or HTTP CONNECT
# handshake, or while their request is served: the socket fails under the
# front end's handshake ops, and the stream must leave every list with it
# (it used to stay listed after being freed: a use-after-free on the next
# torctl streams).
"$PY" - "${SOCKS#*:}" "$HC_PORT" "${WEB#http://}" >"$D/rst.out" 2>&1 <<'EOF'
import socket, struct, sys, time
socks, hc, web = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].rstrip("/")
host, port = web.rsplit(":", 1)
t0, done, failed = time.time(), 0, 0
def rst(port, *msgs):
    global done, failed
    s = None
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        for m in msgs:
            s.sendall(m)
            time.sleep(0.02)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        done += 1
    except OSError:
        failed += 1
    finally:
        if s is not None:
            s.close()
req = b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack("!H", int(port))
for i in range(20):
    if time.time() - t0 > 15:
        break
    rst(socks, b"\x05")                                 # greeting cut short
    rst(socks, b"\x05\x01\x00", b"\x05\x01\x00\x03")    # request cut short
    rst(socks, b"\x05\x01\x00", req)                    # reset while it is served
    rst(hc, b"CONNECT %s HTTP/1.1\r\n" % web.encode())  # head cut short
print("reset %d connections, %d failed to connect" % (done, failed))
EOF
rst_streams() {
	local i k end=$((SECONDS + 10))
	for i in $(seq 1 50); do
		[ $SECONDS -lt $end ] || break
		k=$(timeout 3 "$TORCTL" --control "$D/client/control" --cookie "$D/client/control_auth_cookie" \
		    --json streams 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
		[ "$k" = 0 ] && return 0
		sleep 0.1
	done
	echo "# the client lists ${k:-?} streams after the resets"
	return 1
}
check "clients reset mid-handshake: the client lists no stream afterwards ($(cat "$D/rst.out"))" rst_streams
check "clients reset mid-handshake: the client still runs and serves a fetch" \
    sh -c "kill -0 $CP && curl -s -o /dev/null --max-time 20 --socks5-hostname '$SOCKS' '$WEB'"
ctl_ok() { "$TORCTL" --control "$D/client/control" --cookie "$D/client/control_auth_cookie" status >/dev/null 2>&1; }
check "the control socket serves its operator again (torctl status)" ctl_ok
san=$(grep -l 'Sanitizer\|runtime error' "$D"/*/stderr "$D"/*/log 2>/dev/null | tr '\n' ' ')
check "no sanitizer report in any node's output${san:+: $san}" [ -z "$san" ]

[ $n = $NTESTS ] || { echo "# planned $NTESTS, ran $n"; notok "test count"; }
[ $fails = 0 ]
