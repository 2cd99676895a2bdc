#!/usr/bin/env bash
# Integration: faults on a whole loopback network (scripts/testnet: 3
# authorities, 4 relays, 3 exits, a client), TAP output.
#
#  1. kill -9 the middle, then the exit, then the guard of a circuit
#     carrying a 256 MiB download: the download ends with an error within
#     2 s of the kill; a server-paced download on a circuit that does not
#     use the killed relay completes byte-exact (for the guard every
#     circuit of the client starts there, so that download must end with
#     an error within 2 s as well); the next request succeeds on a new
#     circuit without the dead relay; the client holds no stream after.
#  2. each killed relay is restarted with the same keys right after its
#     test: same fingerprint from `tord --fingerprint` and GETINFO
#     fingerprint as before the kill, and (at the end of the script, once
#     it is back in the consensus) each carries a circuit of the client.
#  3. freeze the exit of a circuit in use (SIGSTOP): a request on that
#     circuit gets no answer, the stream timeout retires the circuit and
#     the request succeeds elsewhere, on a circuit without that circuit's
#     middle and exit; new circuits through the frozen
#     relay hit the build timeout (or the authorities' reachability test
#     drops it from the consensus first) and requests still succeed;
#     after SIGCONT the relay carries traffic again.
#  4. misbehaving targets (fault_target.py): a target that closes
#     mid-transfer (END reason DONE, curl sees a short body: exit 18), one
#     that resets (END reason CONNRESET, curl 18 or 56), one that accepts
#     and never answers (SOCKS success, curl times out: 28; the exit then
#     closes its connection to the target), and a blackholed connect
#     (SOCKS reply 0x06 after the client's tries; no connect left pending
#     at the exit); the client's stream count is back to 0 after each.
#
# Which relays a circuit uses comes from `torctl --json circuits` and the
# client's info log ("stream=N attached to circ=M"); SOCKS usernames give
# distinct circuits (isolation).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import hashlib, asyncio' 2>/dev/null || PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }

# Ports unique per run so parallel suites (normal + sanitizer) do not collide.
off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-faults.XXXXXX)
export TESTNET_SOCKS_PORT=$((20016 + off))
export TESTNET_BASE_PORT=$((5200 + off))
export TESTNET_BOOT_TIMEOUT=60
# Three exits: when the guard is itself an exit (the consensus may give
# every relay every flag) and one exit is killed, a third still serves.
export TESTNET_EXITS=3
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
D=$TESTNET_DIR
TORD=$top_builddir/src/tord
TORCTL=$top_builddir/src/torctl
TESTNET=$top_srcdir/scripts/testnet
httpd_pid=
target_pid=
bh_pid=
. "$top_srcdir/tests/integration/tap.sh"
frozen_pid=
bg_pids=

cleanup() {
	local p
	if [ "${fails:-0}" != 0 ] && [ -f "$D/client/log" ]; then
		echo "# last lines of the client's log:"
		tail -n 60 "$D/client/log" | sed 's/^/#   /'
		[ -n "${TORD_TEST_KEEP:-}" ] && cp -r "$D" "$TORD_TEST_KEEP"
	fi
	[ -n "$frozen_pid" ] && kill -CONT "$frozen_pid" 2>/dev/null
	for p in $bg_pids $bh_pid; do kill "$p" 2>/dev/null; done
	"$TESTNET" down >/dev/null 2>&1
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	[ -n "$target_pid" ] && kill "$target_pid" 2>/dev/null
	watchdog_stop
	rm -rf "$D"
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 1' INT TERM
# Bounded in time whatever happens: the trap above stops everything.
watchdog_start 400

NTESTS=38
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }	# seconds since $1
lt() { [ "$(echo "$1 < $2" | bc)" = 1 ]; }

echo "1..$NTESTS"
if ! "$TESTNET" up --detach --no-build --build-dir "$top_builddir" \
    --log-level info >"$D/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$D/up.log" | tail -n 30
	for i in $(seq 2 $NTESTS); do notok "skipped: no network"; done
	exit 1
fi
ok "network comes up (3 authorities, 4 relays, 3 exits, client)"

"$PY" "$top_srcdir/tests/integration/httpd.py" --bind 127.60.0.1 --port-file "$D/httpd.port" &
httpd_pid=$!
"$PY" "$top_srcdir/tests/integration/fault_target.py" --bind 127.60.0.2 \
    --port-file "$D/target.ports" --state-file "$D/target.state" &
target_pid=$!
for i in $(seq 1 100); do [ -f "$D/httpd.port" ] && [ -f "$D/target.ports" ] && break; sleep 0.1; done
P=$(cat "$D/httpd.port")
read -r RESET_PORT SILENT_PORT BH_PORT <<<"$(sed 's/[a-z]*=//g' "$D/target.ports")"
TARGET=127.60.0.1

# ---- helpers -------------------------------------------------------------
info_json() { "$TESTNET" info --json; }
# Field $2 of node $1 from `testnet info --json`.
node_field() {
	info_json | "$PY" -c '
import json, sys
for nd in json.load(sys.stdin)["nodes"]:
    if nd["name"] == sys.argv[1]:
        v = nd.get(sys.argv[2])
        print("" if v is None else v)' "$1" "$2"
}
node_pid() { node_field "$1" pid; }
ctl() { "$TORCTL" --control "$D/client/control" --cookie "$D/client/control_auth_cookie" "$@"; }
nctl() { local nd=$1; shift; "$TORCTL" --control "$(node_field "$nd" control)" \
    --cookie "$(node_field "$nd" data_directory)/control_auth_cookie" "$@"; }
loglines() { wc -l <"$D/client/log"; }
# Circuit the client attached its last stream to, from log lines after $1.
last_circ() {
	tail -n +"$(($1 + 1))" "$D/client/log" | sed -n 's/.*stream=[0-9]* attached to circ=\([0-9]*\).*/\1/p' | tail -n 1
}
# Node names of circuit $1's path, "guard middle exit".
circ_path() {
	ctl --json circuits | "$PY" -c '
import json, sys
def nick(h):	# {"fingerprint": .., "nickname": ..} or "$FP~nick"
    return h["nickname"] if isinstance(h, dict) else h.split("~", 1)[1]
for c in json.load(sys.stdin):
    if str(c["id"]) == sys.argv[1]:
        print(" ".join(nick(h) for h in c["path"]))' "$1"
}
sha_of() { "$PY" "$top_srcdir/tests/integration/httpd.py" --sha "$1"; }
fetch_ok() {	# size [user]
	local size=$1 user=${2:-} exp got
	exp=$(sha_of "$size")
	got=$(curl -s --max-time 60 -x "socks5h://${user:+$user:x@}$SOCKS" \
	    "http://$TARGET:$P/bytes/$size" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$exp" ] || { echo "# size $size user ${user:-none}: expected $exp got $got"; return 1; }
}
# Fetch 1 KiB as user $1 and print "CIRC guard middle exit" (empty on failure).
user_circ() {
	local l c
	l=$(loglines)
	fetch_ok 1024 "$1" >/dev/null || return 0
	c=$(last_circ "$l")
	[ -n "$c" ] && echo "$c $(circ_path "$c")"
}
nstreams() { ctl --json streams 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo "?"; }
# The client holds no stream: polled, up to $1 seconds (default 5).
streams_zero() {
	local i k
	for i in $(seq 1 $(( ${1:-5} * 10 ))); do
		k=$(nstreams)
		[ "$k" = 0 ] && return 0
		sleep 0.1
	done
	echo "# client still holds $k streams"
	return 1
}
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
wait_size() {	# file bytes seconds
	local i
	for i in $(seq 1 $(($3 * 20))); do
		[ "$(fsize "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# Wait (bounded) for pid $1 to end; prints seconds since $2.
wait_gone() {
	local i
	for i in $(seq 1 600); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.02
	done
	elapsed "$2"
}

# Fingerprints before anything is killed, from each node's control port.
declare -A FP
RELAYS=$(info_json | "$PY" -c '
import json, sys
print(" ".join(nd["name"] for nd in json.load(sys.stdin)["nodes"] if nd["role"] in ("relay", "exit")))')
EXITS=$(echo "$RELAYS" | tr ' ' '\n' | grep '^exit' | tr '\n' ' ')
for nd in $RELAYS; do
	FP[$nd]=$(nctl "$nd" getinfo fingerprint 2>/dev/null | sed -n 's/^fingerprint=//p;/^[0-9A-F]\{64\}$/p' | head -n 1)
done

# ---- 1. kill -9 the middle, the exit, the guard ---------------------------
restart_node() {
	local nd=$1 cfg
	cfg=$(node_field "$nd" config)
	setsid "$TORD" --foreground -f "$cfg" >>"$D/$nd.restart.log" 2>&1 </dev/null &
	echo $! >"$(node_field "$nd" data_directory)/pid"
}
BIG=268435456
SMALL=4194304
SMALL_SHA=$(sha_of $SMALL)
killed=
ukill=0
# kill_one ROLE-INDEX ROLE-NAME: see the header.
kill_one() {
	local idx=$1 role=$2 a_line b_line a_circ b_circ a_path victim vpid u ua t0 dt rc_a rc_b
	local a_pid b_pid size_a i new_line
	# A: a circuit whose relay at idx is the victim (a middle that is not
	# an exit, so both exits live on for the exit test); B: a circuit not
	# through the victim (guard: any other circuit).
	for i in $(seq 1 16); do
		a_line=$(user_circ "k${role}a$i")
		read -r a_circ a_path <<<"$a_line"
		victim=$(echo "$a_path" | cut -d' ' -f$((idx + 1)))
		[ "$role" != middle ] && break
		case $victim in exit*) victim= ;; *) break ;; esac
	done
	ua="k${role}a$i"
	b_line=
	for i in $(seq 1 16); do
		u="k${role}b$i"
		b_line=$(user_circ "$u")
		[ -n "$b_line" ] || continue
		if [ "$role" = guard ]; then
			[ "${b_line%% *}" != "$a_circ" ] && break
		else
			case " ${b_line#* } " in *" $victim "*) ;; *) break ;; esac
		fi
		b_line=
	done
	echo "# $role: A=$ua on circ $a_line, victim $victim; B=$u on circ ${b_line:-none}"
	if [ -z "$victim" ] || [ -z "$b_line" ]; then
		notok "$role: found a circuit and a second one to compare (A: '$a_line', B: '$b_line')"
		for i in 2 3 4; do notok "$role: skipped"; done
		return
	fi
	b_circ=${b_line%% *}
	rm -f "$D/a.out" "$D/b.out"
	curl -s --max-time 120 -o "$D/a.out" -x "socks5h://$ua:x@$SOCKS" "http://$TARGET:$P/bytes/$BIG" &
	a_pid=$!
	# B is paced by the server (64 KiB per 50 ms), so curl reads at once
	# and sees the end of its stream as soon as the client closes it.
	curl -s --max-time 120 -o "$D/b.out" -x "socks5h://$u:x@$SOCKS" \
	    "http://$TARGET:$P/slow/$SMALL" &
	b_pid=$!
	bg_pids="$bg_pids $a_pid $b_pid"
	wait_size "$D/a.out" 4194304 60
	wait_size "$D/b.out" 262144 60
	vpid=$(node_pid "$victim")
	size_a=$(fsize "$D/a.out")
	t0=$(now)
	kill -9 "$vpid"
	killed="$killed $victim"
	dt=$(wait_gone "$a_pid" "$t0")
	wait "$a_pid"
	rc_a=$?
	echo "# $role $victim killed with A at $size_a bytes; A ended after $dt s, curl exit $rc_a, $(fsize "$D/a.out") bytes"
	check "$role: the download through the killed $role ($victim) ends with an error within 2 s (${dt} s, curl exit $rc_a)" \
	    sh -c "[ $rc_a != 0 ] && [ $(fsize "$D/a.out") -lt $BIG ] && [ \"\$(echo '$dt < 2.0' | bc)\" = 1 ]"
	if [ "$role" = guard ]; then
		dt=$(wait_gone "$b_pid" "$t0")
		wait "$b_pid"
		rc_b=$?
		check "guard: the other circuit's download (circ $b_circ, same guard) ends with an error within 2 s too (${dt} s, curl exit $rc_b)" \
		    sh -c "[ $rc_b != 0 ] && [ \"\$(echo '$dt < 2.0' | bc)\" = 1 ]"
	else
		dt=$(wait_gone "$b_pid" "$t0")
		wait "$b_pid"
		rc_b=$?
		got=$(sha256sum <"$D/b.out" | cut -d' ' -f1)
		check "$role: the concurrent download on circ $b_circ (not through $victim) completes byte-exact (curl $rc_b, $(fsize "$D/b.out") bytes)" \
		    [ "$got" = "$SMALL_SHA" ]
	fi
	ukill=$((ukill + 1))
	new_line=$(user_circ "k${role}next")
	echo "# $role: next request on circ ${new_line:-none}"
	check "$role: the next request succeeds on a new circuit without $victim (${new_line:-failed})" \
	    sh -c "[ -n '$new_line' ] && [ '${new_line%% *}' != '$a_circ' ] && ! echo ' ${new_line#* } ' | grep -q ' $victim '"
	check "$role: the client holds no stream afterwards" streams_zero 5
	rm -f "$D/a.out" "$D/b.out"
	# Back at once with the same keys (checked below), so it has time to
	# return to the consensus before it must carry traffic again.
	restart_node "$victim"
}
kill_one 1 middle
kill_one 2 exit
kill_one 0 guard
echo "# killed:$killed"

# ---- 2. restarted with the same keys -------------------------------------
# A client circuit through node $1 carries a fetch: fresh circuits until
# one goes through it (a relay that was away may first have to be back in
# the consensus), at most 150 tries or 90 s.
carries_traffic() {
	local nd=$1 i line end=$((SECONDS + 90))
	for i in $(seq 1 150); do
		line=$(user_circ "r${nd}$i")
		case " ${line#* } " in *" $nd "*) echo "# $nd carries circ ${line%% *} (try $i)"; return 0 ;; esac
		[ $SECONDS -lt $end ] || break
		sleep 0.3
	done
	echo "# no circuit through $nd in $i tries"
	return 1
}
for nd in $killed; do
	for i in $(seq 1 100); do [ -S "$(node_field "$nd" control)" ] && break; sleep 0.1; done
	fpf=$("$TORD" --fingerprint -f "$(node_field "$nd" config)" 2>/dev/null)
	fpc=$(nctl "$nd" getinfo fingerprint 2>/dev/null | sed -n 's/^fingerprint=//p;/^[0-9A-F]\{64\}$/p' | head -n 1)
	check "restarted $nd: same fingerprint from --fingerprint and GETINFO (${FP[$nd]:0:16}...)" \
	    sh -c "[ -n '${FP[$nd]}' ] && [ '$fpf' = '${FP[$nd]}' ] && [ '$fpc' = '${FP[$nd]}' ]"
done
# ---- 3. freeze a relay ------------------------------------------------------
line=$(user_circ frz)
read -r f_circ f_guard f_middle f_exit <<<"$line"
echo "# freeze: user frz on circ $line; freezing exit $f_exit"
frozen_pid=$(node_pid "$f_exit")
l0=$(loglines)
kill -STOP "$frozen_pid"
t0=$(now)
check "frozen exit: a request on its circuit still succeeds (stream timeout, then another circuit)" fetch_ok 4096 frz
dt=$(elapsed "$t0")
echo "# took $dt s"
check "frozen exit: the client's stream timeout fired on circ $f_circ" \
    sh -c "tail -n +$((l0 + 1)) '$D/client/log' | grep -q 'no answer on circ=$f_circ '"
# The next try goes around the circuit's middle and exit: the circuit that
# answered has neither, unless the client logged that no path could avoid
# them both (then it leaves out the exit if a path can, else nothing).
read -r a_circ a_tries <<<"$(tail -n +$((l0 + 1)) "$D/client/log" |
    sed -n 's/.*stream=[0-9]* connected on circ=\([0-9]*\) after \([0-9]*\) tries.*/\1 \2/p' | tail -n 1)"
a_path=$(circ_path "${a_circ:-0}")
read -r _ a_middle a_exit <<<"$a_path"
echo "# answered on circ ${a_circ:-?} ($a_path) after ${a_tries:-?} tries; the client's log:"
tail -n +$((l0 + 1)) "$D/client/log" | grep -E "no answer on|attached to|connected on|launched|failed|did not answer|no path leaves out" |
    head -n 20 | sed "s/^/#   /"
around() { [ -n "$a_exit" ] && [ "$a_exit" != "$f_exit" ] && [ "$a_middle" != "$f_exit" ] &&
    [ "$a_exit" != "$f_middle" ] && [ "$a_middle" != "$f_middle" ]; }
exit_around() { [ -n "$a_exit" ] && [ "$a_exit" != "$f_exit" ] && [ "$a_middle" != "$f_exit" ]; }
# When no path leaves out both (the restarted relays may not be back in
# the consensus yet), the retry leaves out as many of them as a path
# can, the exit that did not answer first: "it leaves out K of N".
kept=$(tail -n +$((l0 + 1)) "$D/client/log" |
    sed -n 's/.*no path leaves out the relays a request avoids: it leaves out \([0-9]*\) of.*/\1/p' | head -n 1)
if around; then
	ok "frozen exit: the retry left out its middle and exit ($f_middle, $f_exit; answered through $a_middle, $a_exit)"
elif [ "${kept:-}" = 0 ]; then
	ok "frozen exit: the retry left out its middle and exit # SKIP no other path existed"
elif [ -n "${kept:-}" ]; then
	check "frozen exit: no path left out both, the retry left out its exit ($f_exit; answered through $a_middle, $a_exit)" exit_around
else
	check "frozen exit: the retry left out its middle and exit ($f_middle, $f_exit; answered through $a_middle, $a_exit)" around
fi
# New circuits: some go through the frozen relay and must time out.
froze_builds() { tail -n +$((l0 + 1)) "$D/client/log" | grep -c "failed: build timed out"; }
fz_ok=0
fz_tot=0
# Evidence that the network noticed: a build through it timed out, the
# client left it out of paths, a stream on another circuit already open
# through it got no answer, or the authorities' reachability test failed
# and the client's consensus no longer lists it as Running (testnet votes
# every 10 s with a 2 s reachability timeout, so this can come first: the
# request above alone takes 10 s).  Which one comes first depends on
# timing and on the consensus weights, so up to 6 rounds.
froze_avoided() { tail -n +$((l0 + 1)) "$D/client/log" | grep -c "did not answer; left out of paths"; }
froze_streams() { tail -n +$((l0 + 1)) "$D/client/log" | grep -v "circ=$f_circ " | grep -c "no answer on circ=[0-9]* (exit $f_exit)"; }
# 1 once the client's consensus no longer lists it as Running (an empty
# answer because the control port failed counts as nothing).
froze_dropped() {
	local out
	out=$(ctl --json relays --nickname "$f_exit" --flag Running 2>/dev/null) || { echo 0; return; }
	case $out in *'"nickname"'*) echo 0 ;; *) echo 1 ;; esac
}
froze_seen() {
	[ "$(froze_builds)" -gt 0 ] || [ "$(froze_avoided)" -gt 0 ] ||
	    [ "$(froze_streams)" -gt 0 ] || [ "$(froze_dropped)" -gt 0 ]
}
for round in 1 2 3 4 5 6; do
	pids=
	for i in 1 2 3 4 5 6; do
		( fetch_ok 1024 "fz$round$i" >/dev/null && echo ok >"$D/fz.$round.$i" ) &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	for i in 1 2 3 4 5 6; do
		fz_tot=$((fz_tot + 1))
		[ -f "$D/fz.$round.$i" ] && fz_ok=$((fz_ok + 1))
	done
	froze_seen && break
done
echo "# $(froze_builds) circuit builds timed out while $f_exit was frozen"
check "frozen exit: new circuits through it time out, it is left out of paths, streams through it time out, or the consensus drops it (timeouts $(froze_builds), avoided $(froze_avoided), stream timeouts $(froze_streams), dropped $(froze_dropped))" \
    froze_seen
check "frozen exit: $fz_ok of $fz_tot new requests succeeded around it" [ "$fz_ok" = "$fz_tot" ]
kill -CONT "$frozen_pid"
frozen_pid=

# ---- 4. misbehaving targets ---------------------------------------------
# The blackholed connect first: it takes the client's three tries (10 s
# each) while the other targets are tried.
exit_syn_sent() {	# SYN_SENT sockets of the exits toward the blackhole port
	local p inodes=
	for p in $(for e in $EXITS; do node_pid "$e"; done); do
		inodes="$inodes $(ls -l /proc/"$p"/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | tr '\n' ' ')"
	done
	awk -v p="$(printf '%04X' "$BH_PORT")" -v inodes="$inodes" '
	    BEGIN { n = split(inodes, a, " "); for (i = 1; i <= n; i++) own[a[i]] = 1 }
	    $4 == "02" { split($3, r, ":"); if (r[2] == p && ($10 in own)) k++ }
	    END { print k + 0 }' /proc/net/tcp
}
"$PY" "$top_srcdir/tests/integration/socks_probe.py" "$TESTNET_SOCKS_PORT" 127.60.0.2 "$BH_PORT" \
    --timeout 150 >"$D/bh.out" 2>&1 &
bh_pid=$!
bh_t0=$(now)
bh_seen=0
for i in $(seq 1 100); do
	bh_seen=$(exit_syn_sent)
	[ "$bh_seen" -gt 0 ] && break
	sleep 0.1
done
check "blackholed connect: an exit is stuck connecting to it (positive control: $bh_seen SYN_SENT)" \
    [ "$bh_seen" -gt 0 ]

end_reason_of_last() {	# lines after $1: reason of the last "END from the exit"
	tail -n +$(($1 + 1)) "$D/client/log" | sed -n 's/.*END from the exit: reason=\([a-z_]*\).*/\1/p' | tail -n 1
}
# Streams other than the blackholed one: none, polled up to 5 s.
others_zero() {
	local i k
	for i in $(seq 1 50); do
		k=$(ctl --json streams 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for s in json.load(sys.stdin) if not s.get("target", "").endswith(":" + sys.argv[1])))' "$BH_PORT")
		[ "$k" = 0 ] && return 0
		sleep 0.1
	done
	echo "# client holds $k streams besides the blackholed one"
	return 1
}
l0=$(loglines)
rm -f "$D/t.out"
curl -s -o "$D/t.out" --max-time 30 -x "socks5h://$SOCKS" "http://$TARGET:$P/close/1048576"
rc=$?
r=$(end_reason_of_last "$l0")
check "target closes mid-transfer: curl exit 18 with 1 MiB of 2 MiB announced, END reason done (curl $rc, $(fsize "$D/t.out") bytes, reason $r)" \
    sh -c "[ $rc = 18 ] && [ $(fsize "$D/t.out") = 1048576 ] && [ '$r' = done ]"
check "target closed mid-transfer: no stream left" others_zero
l0=$(loglines)
rm -f "$D/t.out"
curl -s -o "$D/t.out" --max-time 30 -x "socks5h://$SOCKS" "http://127.60.0.2:$RESET_PORT/"
rc=$?
r=$(end_reason_of_last "$l0")
check "target resets (RST): curl exit 18 or 56, END reason connreset (curl $rc, $(fsize "$D/t.out") bytes, reason $r)" \
    sh -c "{ [ $rc = 18 ] || [ $rc = 56 ]; } && [ $(fsize "$D/t.out") -lt 4194304 ] && [ '$r' = connreset ]"
check "target reset: no stream left" others_zero
r=$("$PY" "$top_srcdir/tests/integration/socks_probe.py" "$TESTNET_SOCKS_PORT" 127.60.0.2 "$SILENT_PORT" | head -n 1)
rc=0
curl -s -o /dev/null --max-time 3 -x "socks5h://$SOCKS" "http://127.60.0.2:$SILENT_PORT/" || rc=$?
check "silent target: SOCKS reply 0x00 ($r), curl gives up with exit 28 ($rc)" \
    sh -c "[ '$r' = rep=00 ] && [ $rc = 28 ]"
check "silent target: no stream left at the client" others_zero
silent_closed() {
	local i
	for i in $(seq 1 50); do
		grep -q '^open=0 accepted=[1-9]' "$D/target.state" && return 0
		sleep 0.1
	done
	sed 's/^/# target: /' "$D/target.state"
	return 1
}
check "silent target: the exit closed both of its connections to it ($(cat "$D/target.state"))" silent_closed

dt=$(wait_gone "$bh_pid" "$bh_t0")
wait "$bh_pid"
bh_pid=
r=$(head -n 1 "$D/bh.out")
check "blackholed connect: SOCKS reply 0x06 TTL expired after the client's tries ($r after $dt s)" \
    [ "$r" = rep=06 ]
check "blackholed connect: no stream left at the client" streams_zero 5
bh_clear() {
	local i
	for i in $(seq 1 100); do [ "$(exit_syn_sent)" = 0 ] && return 0; sleep 0.1; done
	return 1
}
check "blackholed connect: no connect left pending at the exits ($(exit_syn_sent) SYN_SENT)" bh_clear

# ---- 2b, 3b. the restarted and the resumed relays carry traffic --------
# (A relay a circuit could not be extended to is left out of paths for
# 30 s; by now that time is up.)
# A relay back from the dead has carried nothing lately, so bandwidth
# weighting gives it the unmeasured weight (20 kB/s) against relays that
# just moved gigabytes: being drawn is possible but rare.  What must hold
# is that it is listed and usable again: Running in the client's consensus,
# which is what a client needs to draw it again.
listed_running() {
	local nd=$1 i
	for i in $(seq 1 60); do
		ctl relays --json 2>/dev/null | "$PY" -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("nickname") == sys.argv[1] and "Running" in r.get("flags", []):
        sys.exit(0)
sys.exit(1)' "$nd" && return 0
		sleep 1
	done
	return 1
}
for nd in $killed $f_exit; do
	check "restarted or resumed $nd is listed Running in the client's consensus again" listed_running "$nd"

done
check "at the end the client holds no stream" streams_zero 10

# Stop every node (SIGTERM: sanitizer builds report leaks at exit), then
# no node may have printed a sanitizer report or a BUG line.
"$TESTNET" down >/dev/null 2>&1
san_clean() {
	local bad
	bad=$(grep -l -E 'ERROR: AddressSanitizer|LeakSanitizer|runtime error:| BUG: |assertion failed:' \
	    "$D"/*/log "$D"/*/stderr "$D"/*.restart.log 2>/dev/null)
	[ -z "$bad" ] && return 0
	for f in $bad; do grep -m 3 -E 'Sanitizer|runtime error| BUG: |assertion failed:' "$f" | sed "s|^|# $(basename "$(dirname "$f")"): |"; done
	return 1
}
check "no node printed a sanitizer report or a BUG line" san_clean

[ $n = $NTESTS ] || { echo "# planned $NTESTS, ran $n"; notok "test count"; }
[ $fails = 0 ]
