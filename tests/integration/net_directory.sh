#!/usr/bin/env bash
# Integration: the directory on a loopback network started from INI files
# written here: 3 authorities (voting every 10 s, allow-list of the 8
# relays), 5 relays, 3 exits, a relay not on the allow-list, and clients.
# Checks: a consensus signed by all three lists exactly the 8 relays with
# the right exit summaries; the client bootstraps from it and curl through
# it is byte-exact; replayed and forged descriptor uploads are refused
# with the right codes; a killed relay leaves the consensus and, restarted
# with its data directory, comes back with its fingerprint; with one
# authority down the consensus goes on and a new client bootstraps; with
# two down no new consensus is made, and a new client says why.  TAP.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
TORD=$top_builddir/src/tord
PY=${PYTHON3:-/usr/bin/python3}
"$PY" -c 'import cryptography' 2>/dev/null || PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
"$PY" -c 'import cryptography' 2>/dev/null || { echo "1..0 # SKIP python3 cryptography missing"; exit 0; }

VI=10				# voting interval, seconds
D=$(mktemp -d /tmp/tord-dir.XXXXXX)
# Every node has its own loopback address (127.101.0.1 ...), so none of
# them can meet an ephemeral port of 127.0.0.1; they all use the same
# port, unique per run so that parallel suites do not collide
# (NET_DIRECTORY_PORT chooses it).
PORT=${NET_DIRECTORY_PORT:-$((40000 + $$ % 3000))}
AUTHS="auth1 auth2 auth3"
RELAYS="relay1 relay2 relay3 relay4 relay5 exit1 exit2 exit3"
ALL="$AUTHS $RELAYS outsider"
declare -A PID FP
httpd_pid=

node_ip() {
	case $1 in
	auth*) echo "127.10${1#auth}.0.1" ;;
	relay*) echo "127.11${1#relay}.0.1" ;;
	exit*) echo "127.13${1#exit}.0.1" ;;
	outsider) echo "127.140.0.1" ;;
	client*) echo "127.12${1#client}.0.1" ;;
	esac
}
node_role() {
	case $1 in
	auth*) echo authority ;; exit*) echo exit ;; client*) echo client ;; *) echo relay ;;
	esac
}

cleanup() {
	local p
	for p in "${PID[@]}" $httpd_pid; do kill "$p" 2>/dev/null; done
	for p in "${PID[@]}" $httpd_pid; do wait "$p" 2>/dev/null; done
	if [ "${KEEP:-0}" = 1 ]; then echo "# kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# wait_for SECONDS CMD...: poll CMD every half second until it succeeds.
wait_for() {
	local limit=$1 end; shift
	end=$((SECONDS + limit))
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.5
	done
	"$@"
}
show_log() { [ -f "$D/$1.log" ] && tail -n "${2:-15}" "$D/$1.log" | sed "s/^/# $1: /"; }

# ---- configuration ----------------------------------------------------------

authorities_section() {
	local a
	echo "[authorities]"
	for a in $AUTHS; do
		echo "authority = $a $(node_ip $a):$PORT ${FP[$a]:-$(printf 'A%.0s' $(seq 64))}"
	done
}

write_conf() {	# name
	local name=$1 role ip r
	role=$(node_role "$name")
	ip=$(node_ip "$name")
	{
		printf '[node]\nrole = %s\ndata_directory = %s/%s\nlog_level = info\n' \
		    "$role" "$D" "$name"
		printf 'log_target = %s/%s.log\n' "$D" "$name"
		[ "$role" = client ] || printf 'nickname = %s\n' "$name"
		case $role in
		authority)
			printf '\n[authority]\ndir_listen = %s:%s\nvoting_interval = %ss\n' \
			    "$ip" "$PORT" "$VI"
			printf 'consensus_validity = 30s\nfast_min_bandwidth = 0\n'
			printf 'guard_min_bandwidth = 0\nstable_min_uptime = 0\nguard_min_uptime = 0\n'
			for r in $RELAYS; do
				[ -n "${FP[$r]:-}" ] && printf 'allow_list = %s\n' "${FP[$r]}"
			done
			;;
		relay|exit)
			printf '\n[relay]\nor_listen = %s:%s\ndescriptor_interval = 5s\n' "$ip" "$PORT"
			# The shortest rotation allowed, so that one happens during the test.
			[ "$name" = relay5 ] &&
			    printf 'onion_key_rotation = 1m\nonion_key_grace = 15s\n'
			;;
		client)
			printf '\n[client]\nsocks_listen = %s:%s\n' "$ip" "$PORT"
			;;
		esac
		if [ "$role" = exit ]; then
			printf '\n[exit]\npolicy = accept 127.0.0.0/8:*\n  reject *:*\n'
		fi
		echo
		authorities_section
	} >"$D/$name.ini"
}

start_node() {
	"$TORD" -f "$D/$1.ini" --foreground 2>>"$D/$1.stderr" &
	PID[$1]=$!
}

stop_node() {	# name [signal]
	kill -"${2:-TERM}" "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	unset "PID[$1]"
}

# ---- directory queries ----------------------------------------------------------

consensus() { curl -s --max-time 5 "http://$(node_ip "${1:-auth1}"):$PORT/tord/consensus"; }
listed() { consensus "${2:-auth1}" | awk -v n="$1" '$1 == "r" && $2 == n { print $3 }'; }
n_listed() { consensus "${1:-auth1}" | grep -c '^r '; }
valid_after() { consensus "${1:-auth1}" | sed -n 's/^valid-after //p'; }
n_sigs() { consensus "${1:-auth1}" | grep -c '^directory-signature '; }
# The s and p lines of a relay's entry.
entry() {
	consensus "${2:-auth1}" | awk -v n="$1" '$1 == "r" { on = ($2 == n) } on && ($1 == "s" || $1 == "p")'
}

fetch_ok() {	# client
	local exp got
	exp=$("$PY" "$top_srcdir/tests/integration/httpd.py" --sha 1048576)
	got=$(curl -s --max-time 60 --socks5-hostname "$(node_ip "$1"):$PORT" \
	    "http://127.150.0.1:$HP/bytes/1048576" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$exp" ] || { echo "# expected $exp got $got"; return 1; }
}


# ---- 1. keys and INI files --------------------------------------------------------

keys_ok() {
	local x fp
	for x in $ALL; do
		write_conf "$x"
		fp=$("$TORD" -f "$D/$x.ini" --fingerprint 2>"$D/$x.fp.err") || {
			sed "s/^/# $x: /" "$D/$x.fp.err"; return 1; }
		FP[$x]=$fp
	done
	for x in $ALL; do write_conf "$x"; done
	write_conf client1
	write_conf client2
	write_conf client3
	for x in $ALL client1; do
		"$TORD" -f "$D/$x.ini" --verify-config >/dev/null 2>"$D/$x.verify" || {
			sed "s/^/# $x: /" "$D/$x.verify"; return 1; }
	done
}
if ! check "identity keys made and every INI file verifies" keys_ok; then
	echo "1..$n"
	exit 1
fi

"$PY" "$top_srcdir/tests/integration/httpd.py" --bind 127.150.0.1 --port-file "$D/httpd.port" &
httpd_pid=$!
wait_for 10 test -s "$D/httpd.port"
HP=$(cat "$D/httpd.port")

t0=$SECONDS
for x in $ALL client1; do start_node "$x"; done
all_alive() { local x; for x in $ALL client1; do kill -0 "${PID[$x]}" 2>/dev/null || return 1; done; }
sleep 1
check "3 authorities, 8 relays, an outsider relay and a client are running" all_alive

# ---- 2. the consensus -------------------------------------------------------------

full_consensus() { [ "$(n_listed)" = 8 ] && [ "$(n_sigs)" = 3 ]; }
if wait_for 120 full_consensus; then
	ok "a consensus signed by all 3 authorities lists the 8 relays ($((SECONDS - t0)) s after start)"
else
	notok "a consensus signed by all 3 authorities lists the 8 relays (has $(n_listed), $(n_sigs) signatures)"
	show_log auth1 30
	show_log relay1
fi

same_everywhere() {
	local c1
	c1=$(consensus auth1 | sha256sum)
	[ "$c1" = "$(consensus auth2 | sha256sum)" ] && [ "$c1" = "$(consensus auth3 | sha256sum)" ]
}
check "the three authorities serve the same consensus" wait_for $((VI + 5)) same_everywhere

registered() {
	local r
	for r in $RELAYS; do
		[ "$(grep -c 'accepted our descriptor' "$D/$r.log")" -ge 3 ] || return 1
	done
}
check "every relay's log shows its descriptor accepted by the authorities" registered

exits_ok() {
	local x e bad=0
	for x in exit1 exit2 exit3; do
		e=$(entry $x | tr '\n' ' ')
		case $e in *Exit*"p accept 1-65535"*) ;; *) echo "# $x: $e"; bad=1 ;; esac
	done
	for x in relay1 relay2 relay3 relay4 relay5; do
		e=$(entry $x | tr '\n' ' ')
		case $e in *Exit*|*accept*) echo "# $x: $e"; bad=1 ;; *"p reject 1-65535"*) ;;
		*) echo "# $x: $e"; bad=1 ;; esac
	done
	return $bad
}
check "the 3 exits (accept 127.0.0.0/8) are listed as exits accepting 1-65535, the others as non-exits" exits_ok

outsider_ok() {
	[ -z "$(listed outsider)" ] &&
	    grep -q 'refused our descriptor: HTTP 403 .*not on the allow-list' "$D/outsider.log"
}
check "a relay not on the allow-list is not listed, and its log says why" outsider_ok

# ---- 3. the client ------------------------------------------------------------------

boot() { grep -q 'bootstrapped 100%' "$D/$1.log" 2>/dev/null; }
if wait_for 90 boot client1; then
	ok "the client bootstraps from the directory ($((SECONDS - t0)) s after start)"
else
	notok "the client bootstraps from the directory"
	show_log client1 30
fi
check "1 MiB through the client is byte-exact" fetch_ok client1

onion_key() {	# relay [authority]: the onion key of its descriptor held by the authority
	curl -s --max-time 5 "http://$(node_ip "${2:-auth1}"):$PORT/tord/descriptor/${FP[$1]}" |
	    sed -n 's/^ntor-onion-key //p'
}
k5=$(onion_key relay5)

# ---- 4. replayed and forged uploads -----------------------------------------------

A1=$(node_ip auth1):$PORT
curl -s --max-time 5 -o "$D/relay1.desc" "http://$A1/tord/descriptor/${FP[relay1]}"
upload() { "$PY" "$top_srcdir/tests/integration/desc_upload.py" "$@" 2>&1; }
r=$(upload raw "$A1" "$D/relay1.desc")
check "replaying relay1's stored upload is refused with 400 ($r)" \
    sh -c "echo '$r' | grep -Eq '^400 .*(challenge|nonce)'"
r=$(upload resign "$A1" "$D/relay1.desc" "$D/relay1/keys/identity_ed25519" "$D/fresh.desc")
check "control: the same descriptor with a fresh challenge, signed by relay1's key, is accepted ($r)" \
    sh -c "echo '$r' | grep -q '^200 '"
r=$(upload raw "$A1" "$D/fresh.desc")
check "replaying that accepted upload is refused with 400 ($r)" \
    sh -c "echo '$r' | grep -Eq '^400 .*(challenge|nonce)'"
r=$(upload resign "$A1" "$D/relay1.desc" random "$D/forged.desc")
check "a fresh upload for relay1 signed by another key is refused with 400 bad signature ($r)" \
    sh -c "echo '$r' | grep -q '^400 .*bad signature'"

# ---- 4b. a reload that changes the descriptor ----------------------------------

sed -i 's/^descriptor_interval = 5s$/&\nbandwidth = 3000000B/' "$D/relay3.ini"
kill -HUP "${PID[relay3]}"
reloaded() {
	grep -q 'descriptor changed (settings reloaded)' "$D/relay3.log" &&
	    curl -s --max-time 5 "http://$A1/tord/descriptor/${FP[relay3]}" |
	    grep -q '^bandwidth 3000000 3000000 '
}
check "SIGHUP with a new bandwidth makes relay3 upload at once; auth1 holds the new descriptor" \
    wait_for 20 reloaded

# ---- 5. a relay killed and restarted ------------------------------------------------

fp2=$(listed relay2)
tk=$SECONDS
stop_node relay2 KILL
# The others stay (one missing a reachability test on a loaded machine is tolerated).
gone() { [ -z "$(listed relay2)" ] && [ "$(n_listed)" -ge 6 ]; }
if wait_for $((3 * VI)) gone; then
	ok "relay2 killed with SIGKILL leaves the consensus ($((SECONDS - tk)) s; voting interval ${VI} s)"
else
	notok "relay2 killed with SIGKILL leaves the consensus within $((3 * VI)) s"
fi
start_node relay2
tk=$SECONDS
back() { [ -n "$fp2" ] && [ "$(listed relay2)" = "$fp2" ]; }
if wait_for $((4 * VI)) back; then
	ok "relay2 restarted with its data directory is listed again with the same fingerprint ($((SECONDS - tk)) s)"
else
	notok "relay2 restarted comes back with fingerprint $fp2 (listed: '$(listed relay2)')"
	show_log relay2
fi

# ---- 6. one authority down ------------------------------------------------------------

va0=$(valid_after)
stop_node auth3
newer() { local va; va=$(valid_after); [ -n "$va" ] && [[ "$va" > "$va0" ]]; }
if wait_for $((3 * VI)) newer; then
	ok "with auth3 stopped a newer consensus is published ($(n_sigs) signatures, valid-after $(valid_after))"
else
	notok "with auth3 stopped a newer consensus is published (still valid-after $va0)"
	show_log auth1 20
fi
start_node client2
if wait_for 90 boot client2 && fetch_ok client2; then
	ok "a new client bootstraps with auth3 down, and curl through it is byte-exact"
else
	notok "a new client bootstraps with auth3 down, and curl through it is byte-exact"
	show_log client2 30
fi

# ---- 7. two authorities down ------------------------------------------------------------

stop_node auth2
# The period being voted when auth2 stopped may still be published; the
# one after that cannot be.
sleep $((VI + 2))
va1=$(valid_after)
vu1=$(consensus | sed -n 's/^valid-until //p')
sleep $((2 * VI))
check "with two of three authorities stopped no newer consensus is published (valid-after stays $va1)" \
    [ "$(valid_after)" = "$va1" ]
check "auth1's log says it lacks signatures" \
    grep -q 'signatures, need 2' "$D/auth1.log"
# Once the last consensus has expired a new client has nothing to use.
vu1_s=$(date -u -d "$vu1" +%s 2>/dev/null || echo 0)
while [ "$(date -u +%s)" -le "$vu1_s" ] && [ $SECONDS -lt $((t0 + 400)) ]; do sleep 1; done
start_node client3
says_why() {
	grep -q 'expired at' "$D/client3.log" 2>/dev/null &&
	    grep -q 'no usable consensus' "$D/client3.log"
}
if wait_for 30 says_why && ! boot client3; then
	ok "a new client refuses the expired consensus, does not bootstrap, and says why"
	grep -m1 'expired at' "$D/client3.log" | sed 's/^/# /'
else
	notok "a new client refuses the expired consensus, does not bootstrap, and says why"
	show_log client3 20
fi

# relay5 rotates its onion key one minute after making it (while the rest
# ran), publishes the new one, and drops the old one after 15 s.
rotated() {
	local k
	k=$(onion_key relay5)
	[ -n "$k5" ] && [ -n "$k" ] && [ "$k" != "$k5" ] &&
	    grep -q 'previous onion key dropped' "$D/relay5.log" &&
	    [ ! -e "$D/relay5/keys/onion_x25519.old" ]
}
if wait_for 90 rotated; then
	ok "relay5's onion key rotated after 1 min: auth1 holds the new key, the old one is wiped after 15 s"
else
	notok "relay5's onion key rotated after 1 min (key was $k5, now $(onion_key relay5))"
	grep 'onion key' "$D/relay5.log" | sed 's/^/# /'
fi

# Stop everything: each node must exit 0 on SIGTERM, and no node (those
# stopped earlier included) may have printed a sanitizer report.
clean_exit() {
	local x st bad=0
	for x in "${!PID[@]}"; do kill -TERM "${PID[$x]}" 2>/dev/null; done
	for x in "${!PID[@]}"; do
		wait "${PID[$x]}"
		st=$?
		[ $st = 0 ] || { echo "# $x exited with status $st"; bad=1; }
		unset "PID[$x]"
	done
	if grep -l 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$D"/*.stderr 2>/dev/null; then
		bad=1
	fi
	return $bad
}
check "every node still running exits 0 on SIGTERM, and no node printed a sanitizer report" clean_exit
echo "1..$n"
[ $fails = 0 ]
