#!/usr/bin/env bash
# Integration: the client's directory code against fake authorities, so it
# does not depend on the authority implementation.  Three relays and an
# exit run from INI files written here; tests/dir_fakeauth signs consensus
# documents listing them with three authority keys derived from a seed,
# and python's http.server on loopback serves them as /tord/consensus.
#   - a good consensus: the client bootstraps in phases, curl works, the
#     consensus is cached (0600) and the guard written to guard-state;
#   - restart with the fake authorities down: the cache is used, the guard
#     is the same;
#   - consensus signed by an unknown key, tampered after signing, expired,
#     signed by 1 of 3: refused with the reason, no bootstrap, no cache;
#   - one authority down and one answering garbage: the third is used;
#     one that never answers times out, and rounds repeat with backoff;
#     a SIGHUP that moves an authority makes the client ask it there at once;
#   - short validity (10 s fresh): refetched; an older one is refused as
#     a rollback; a newer one without our guard replaces the guard;
#   - a guard relay that is stopped is replaced after repeated failures.
# TAP output.  Loopback only; everything started is stopped by pid.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import http.server' 2>/dev/null || PY=/usr/bin/python3
TORD=$top_builddir/src/tord
FAKE=$top_builddir/tests/dir_fakeauth
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
[ -x "$TORD" ] && [ -x "$FAKE" ] || { echo "1..0 # SKIP build src/tord and tests/dir_fakeauth first"; exit 0; }

# Ports from the pid so parallel suites (normal + sanitizer) do not collide.
BASE=$((36000 + ($$ % 45) * 20))
SOCKS=$((BASE + 19))
D=$(mktemp -d /tmp/tord-dirc.XXXXXX)
chmod 700 "$D"
declare -A PIDS=()	# name -> pid of everything we started
client_pid=

stop() {	# name
	local p=${PIDS[$1]:-}
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PIDS[$1]"
}
cleanup() {
	local k
	for k in "${!PIDS[@]}"; do stop "$k"; done
	rm -rf "$D"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# Poll (bounded) until a command succeeds: secs cmd...
wait_for() { local s=$1 i; shift; for i in $(seq 1 $((s * 5))); do "$@" && return 0; sleep 0.2; done; return 1; }

echo "1..39"

# ---- relays ----------------------------------------------------------------
AUTH_IP=(127.75.0.1 127.75.0.2 127.75.0.3)
AUTH_PORT=$((BASE + 10))
i=0
for fp in $("$FAKE" fingerprints --seed trusted); do
	i=$((i + 1))
	echo "authority = auth$i ${AUTH_IP[$((i - 1))]}:$AUTH_PORT $fp"
done >"$D/authorities"

write_relay() {	# name ip role
	mkdir -p "$D/$1"
	chmod 700 "$D/$1"
	{
		printf '[node]\nnickname = %s\nrole = %s\ndata_directory = %s/%s\n' "$1" "$3" "$D" "$1"
		printf 'log_level = info\nlog_target = %s/%s/log\n' "$D" "$1"
		printf '\n[relay]\nor_listen = %s:%s\n' "$2" "$BASE"
		[ "$3" = exit ] && printf '\n[exit]\npolicy = accept 127.0.0.0/8:*\npolicy = reject *:*\n'
		printf '\n[authorities]\n'
		cat "$D/authorities"
	} >"$D/$1.ini"
}
write_relay relay1 127.71.0.1 relay
write_relay relay2 127.72.0.1 relay
write_relay relay3 127.73.0.1 relay
write_relay exit1 127.74.0.1 exit
: >"$D/relays"
for r in relay1 relay2 relay3 exit1; do
	line=$("$TORD" --relay-line -f "$D/$r.ini" 2>>"$D/setup.log") || break
	if [ "$r" = exit1 ]; then
		echo "$line Exit,Fast,Stable,Running,Valid accept 1-65535"
	else
		echo "$line Guard,Fast,Stable,Running,Valid reject 1-65535"
	fi >>"$D/relays"
	"$TORD" --foreground -f "$D/$r.ini" >"$D/$r/stderr" 2>&1 </dev/null &
	PIDS[$r]=$!
done
relays_up() { local r; for r in relay1 relay2 relay3 exit1; do grep -q 'started role=' "$D/$r/log" 2>/dev/null || return 1; done; }
if [ "$(wc -l <"$D/relays")" = 4 ] && wait_for 30 relays_up; then
	ok "3 relays and an exit start from INI files"
else
	notok "3 relays and an exit start from INI files"
	sed 's/^/# /' "$D/setup.log" "$D"/*/stderr 2>/dev/null | tail -n 20
fi
fp_of() { awk -v n="$1" '$1 == n { print $3 }' "$D/relays"; }

"$PY" "$top_srcdir/tests/integration/httpd.py" --bind 127.76.0.1 --port-file "$D/httpd.port" \
    >"$D/httpd.log" 2>&1 &
PIDS[httpd]=$!
wait_for 10 test -s "$D/httpd.port"
HP=$(cat "$D/httpd.port" 2>/dev/null)

# ---- fake authorities --------------------------------------------------------
for i in 1 2 3; do mkdir -p "$D/www$i/tord"; done
auth_up() {	# i
	[ -n "${PIDS[auth$1]:-}" ] && return 0
	"$PY" -m http.server --bind "${AUTH_IP[$(($1 - 1))]}" --directory "$D/www$1" "$AUTH_PORT" \
	    >>"$D/www$1.log" 2>&1 &
	PIDS[auth$1]=$!
	wait_for 10 sh -c "curl -s -o /dev/null http://${AUTH_IP[$(($1 - 1))]}:$AUTH_PORT/"
}
auth_down() { stop "auth$1"; }
# serve FILE on authorities i...  (atomic: the client never reads half)
serve() {
	local f=$1 i
	shift
	for i in "$@"; do
		cp "$f" "$D/www$i/tord/consensus.tmp"
		mv "$D/www$i/tord/consensus.tmp" "$D/www$i/tord/consensus"
	done
}
# make NAME [dir_fakeauth options]: a consensus of the relays
make_cons() {
	local name=$1
	shift
	"$FAKE" consensus --seed trusted "$@" "$D/relays" >"$D/$name.cons" 2>>"$D/setup.log"
}

# ---- clients ------------------------------------------------------------------
write_client() {	# dir
	mkdir -p "$D/$1"
	chmod 700 "$D/$1"
	{
		printf '[node]\nrole = client\ndata_directory = %s/%s\n' "$D" "$1"
		printf 'log_level = info\nlog_target = %s/%s/log\n' "$D" "$1"
		printf '\n[client]\nsocks_listen = 127.0.0.1:%s\n' "$SOCKS"
		printf 'enforce_distinct_subnets = yes\ncircuit_build_timeout = 10s\ndirectory_timeout = 5s\n'
		printf '\n[authorities]\n'
		cat "$D/authorities"
	} >"$D/$1.ini"
}
# start_client dir: remember where its log starts, so checks see this run only
start_client() {
	[ -f "$D/$1/log" ] && LOGSTART=$(($(wc -l <"$D/$1/log") + 1)) || LOGSTART=1
	"$TORD" --foreground -f "$D/$1.ini" >>"$D/$1/stderr" 2>&1 </dev/null &
	PIDS[client]=$!
	CDIR=$1
}
stop_client() { stop client; }
runlog() { tail -n +"$LOGSTART" "$D/$CDIR/log" 2>/dev/null; }
logged() { runlog | grep -Eq "$1"; }
bootstrapped() { logged 'bootstrapped 100%: a circuit is established'; }
fetch_ok() {
	local exp got
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha 65536)
	got=$(curl -s --max-time 60 --socks5-hostname "127.0.0.1:$SOCKS" \
	    "http://127.76.0.1:$HP/bytes/65536" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$exp" ] || { echo "# expected $exp got $got"; return 1; }
}
show_log() { runlog | grep -E 'notice|warn|err' | tail -n "${1:-15}" | sed 's/^/# /'; }

# ---- 1. a good consensus ------------------------------------------------------
make_cons good --valid-after -60 --fresh 3600 --valid 10800
serve "$D/good.cons" 1 2 3
for i in 1 2 3; do auth_up $i; done
write_client c1
start_client c1
if wait_for 60 bootstrapped; then ok "client bootstraps from a consensus signed by 3 of 3"; else notok "client bootstraps from a consensus signed by 3 of 3"; show_log; fi
phases() {
	runlog | grep -o 'bootstrapped [0-9]*%' | awk '{ print $2 }' | tr '\n' ' '
}
p=$(phases)
check "bootstrap phases in order: $p" [ "$p" = "0% 5% 10% 40% 80% 100% " ]
check "the log says the consensus was accepted, with its relays" \
    logged 'consensus from auth[123] accepted: .* 4 relays \(1 exits\), signed by 3'
check "curl through the client works" fetch_ok
check "the consensus is cached, mode 0600" sh -c "[ \"\$(stat -c %a '$D/c1/cached-consensus')\" = 600 ]"
check "the cache holds the consensus served" cmp -s "$D/good.cons" "$D/c1/cached-consensus"
guard1=$(awk '$1 == "guard" { print $2 }' "$D/c1/guard-state" 2>/dev/null)
is_relay_guard() { case " $(fp_of relay1) $(fp_of relay2) $(fp_of relay3) " in *" $1 "*) [ -n "$1" ];; *) false;; esac; }
check "guard-state names one of the Guard relays" is_relay_guard "$guard1"
check "guard-state is mode 0600" sh -c "[ \"\$(stat -c %a '$D/c1/guard-state')\" = 600 ]"

# ---- 2. restart with the authorities down: the cache and the guard -------------
stop_client
for i in 1 2 3; do auth_down $i; done
start_client c1
if wait_for 60 bootstrapped; then ok "restart with every authority down bootstraps from the cache"; else notok "restart with every authority down bootstraps from the cache"; show_log; fi
check "the log names the cache as the source" logged 'consensus from the cache accepted'
check "curl works on the cached consensus" fetch_ok
check "the guard is the same after the restart" \
    sh -c "[ \"\$(awk '\$1 == \"guard\" { print \$2 }' '$D/c1/guard-state')\" = '$guard1' ]"
check "the guard was loaded, not chosen again" sh -c "! (tail -n +$LOGSTART '$D/c1/log' | grep -q 'guard chosen') && tail -n +$LOGSTART '$D/c1/log' | grep -q 'guard .* loaded from'"
check "with a live cache the next fetch waits for the refetch window" \
    logged 'next consensus fetch in [0-9]+ s \(refetch'
stop_client

# ---- 3. consensuses that must be refused ----------------------------------------
for i in 1 2 3; do auth_up $i; done
refused() {	# name reason-regex
	local name=$1 why=$2 dir="c_$1"
	serve "$D/$name.cons" 1 2 3
	write_client "$dir"
	start_client "$dir"
	if ! wait_for 30 logged "consensus from auth[123] refused: .*$why"; then
		echo "# no refusal for $name matching '$why'"
		show_log 8
		stop_client
		return 1
	fi
	# Give it a moment to do anything wrong with it.
	sleep 1
	stop_client
	if logged 'bootstrapped (40|80|100)%' || [ -e "$D/$dir/cached-consensus" ]; then
		echo "# $name was used"
		return 1
	fi
}
make_cons rogue --seed rogue
check "a consensus signed by unknown keys is refused (signed by 0 of 3, need 2)" \
    refused rogue 'signed by 0 of 3 trusted authorities, need 2'
make_cons tampered --tamper
check "a consensus tampered after signing is refused (bad signature)" \
    refused tampered 'bad signature from [0-9A-F]{64}; signed by 0 of 3'
make_cons expired --valid-after -200000 --fresh 3600 --valid 10800
check "an expired consensus is refused (expired at ...)" refused expired 'expired at 20'
make_cons one --sign 1
check "a consensus signed by 1 of 3 is refused (need 2)" \
    refused one 'signed by 1 of 3 trusted authorities, need 2'
make_cons future --valid-after 3600
check "a consensus not yet valid is refused" refused future 'not valid until'
check "the client says its clock may be slow (a consensus an hour ahead of it)" \
    logged "consensus from auth[123]: it starts [0-9]+ (h [0-9]+ )?min after this machine's clock: is the clock slow\\?"

# ---- 4. failover: one authority down, one answering garbage ----------------------
auth_down 1
echo "this is not a consensus" >"$D/garbage.cons"
serve "$D/garbage.cons" 2
serve "$D/good.cons" 3
write_client c3
start_client c3
if wait_for 60 bootstrapped; then ok "with auth1 down and auth2 answering garbage, the client bootstraps"; else notok "with auth1 down and auth2 answering garbage, the client bootstraps"; show_log; fi
check "... from auth3" logged 'consensus from auth3 accepted'
stop_client
# Nothing usable: one authority accepts but never answers, one is down, one
# answers garbage.  Each is logged with its reason; rounds repeat with backoff.
"$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
s.settimeout(1)
held, end = [], time.time() + 120
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
' "${AUTH_IP[0]}" "$AUTH_PORT" &
PIDS[hang]=$!
auth_down 2
serve "$D/garbage.cons" 3
write_client c4
start_client c4
check "garbage is refused as malformed" wait_for 30 logged 'consensus from auth3 refused: malformed'
check "an authority that is down is logged by name" wait_for 30 logged 'consensus fetch from auth2 failed: '
check "an authority that never answers times out (directory_timeout)" \
    wait_for 30 logged 'consensus fetch from auth1 failed: timed out'
check "a round with nothing usable is retried with backoff" \
    wait_for 30 logged 'no usable consensus from any of the 3 authorities \(round 2\); retrying in'
# SIGHUP with a changed [authorities]: auth3 moved to 127.75.0.4, which
# serves the good consensus.  The client, in backoff, trusts the new set at
# once: it asks auth3 at its new address and bootstraps.
mkdir -p "$D/www4/tord"
cp "$D/good.cons" "$D/www4/tord/consensus"
"$PY" -m http.server --bind 127.75.0.4 --directory "$D/www4" "$AUTH_PORT" >>"$D/www4.log" 2>&1 &
PIDS[auth4]=$!
wait_for 10 sh -c "curl -s -o /dev/null http://127.75.0.4:$AUTH_PORT/"
sed -i "s/ ${AUTH_IP[2]}:$AUTH_PORT / 127.75.0.4:$AUTH_PORT /" "$D/c4.ini"
kill -HUP "${PIDS[client]}"
check "after SIGHUP with auth3 moved, the client asks it at its new address at once" \
    wait_for 20 logged "fetching the consensus from auth3 at 127.75.0.4:$AUTH_PORT"
if wait_for 60 bootstrapped; then ok "... and bootstraps from it"; else notok "... and bootstraps from it"; show_log; fi
stop_client
stop hang
stop auth4

# ---- 5. short validity: refetch, rollback, a guard dropped from the consensus ------
auth_up 1
auth_up 2
make_cons short --valid-after -60 --fresh 10 --valid 90
serve "$D/short.cons" 1 2 3
write_client c5
start_client c5
if wait_for 60 bootstrapped; then ok "client bootstraps from a consensus with a 10 s fresh interval"; else notok "client bootstraps from a consensus with a 10 s fresh interval"; show_log; fi
guard5=$(awk '$1 == "guard" { print $2 }' "$D/c5/guard-state" 2>/dev/null)
# An older one (still within its own validity) is a rollback.
make_cons older --valid-after -300 --fresh 10 --valid 1000
serve "$D/older.cons" 1 2 3
check "an older consensus is refused as a rollback at the next fetch" \
    wait_for 60 logged 'consensus from auth[123] refused: older than the consensus we hold .*rollback refused'
# A newer one without our guard: accepted, and the guard replaced.
grep -v -- " $guard5 " "$D/relays" >"$D/relays.noguard"
"$FAKE" consensus --seed trusted --valid-after -5 --fresh 10 --valid 600 "$D/relays.noguard" \
    >"$D/newer.cons" 2>>"$D/setup.log"
serve "$D/newer.cons" 1 2 3
check "a newer consensus is fetched and accepted (3 relays)" \
    wait_for 60 logged 'consensus from auth[123] accepted: .* 3 relays'
check "the guard that left the consensus is replaced, with a log line" \
    logged "guard .*$guard5\) replaced: no longer listed in the consensus"
check "curl works after the guard was replaced" fetch_ok
new_guard() {
	local g
	g=$(awk '$1 == "guard" { print $2 }' "$D/c5/guard-state" 2>/dev/null)
	[ -n "$g" ] && [ "$g" != "$guard5" ] && is_relay_guard "$g"
}
# Circuits built before keep working; the next one drawn picks the new guard.
check "guard-state names the new guard once a circuit is drawn" wait_for 60 new_guard
stop_client

# ---- 6. a guard that stops answering is passed over -----------------------------------------------
serve "$D/good.cons" 1 2 3
write_client c6
start_client c6
wait_for 60 bootstrapped
guard6=$(awk '$1 == "guard" { print $2 }' "$D/c6/guard-state" 2>/dev/null)
dead=$(awk -v f="$guard6" '$3 == f { print $1 }' "$D/relays")
if [ -n "$dead" ]; then
	stop "$dead"
	# Tor's primary-guard rule: while the guard does not answer, circuits
	# start at a backup guard and the guard is retried every 60 s; it is
	# replaced only after failures in a row over a longer time (unit test:
	# test_dirfetch's guard rule), so an outage does not cost the guard.
	check "a guard that stops answering is passed over for a backup guard" \
	    wait_for 90 logged "guard .*did not answer: circuits start at a backup guard"
	check "curl works through the backup guard" fetch_ok
	g=$(awk '$1 == "guard" { print $2 }' "$D/c6/guard-state" 2>/dev/null)
	check "guard-state keeps the guard through a short outage" sh -c "[ '$g' = '$guard6' ]"
else
	for i in 1 2 3; do notok "no guard to stop (guard-state: '$guard6')"; done
fi
stop_client

check "no node logged a BUG" sh -c "! grep -l 'BUG\|AddressSanitizer\|LeakSanitizer\|runtime error' '$D'/*/log '$D'/*/stderr 2>/dev/null"
[ $fails = 0 ]
