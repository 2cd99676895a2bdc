#!/usr/bin/env bash
# The daemon's life from the sample relay config: keys created with private
# modes, the fingerprint printed and stable across restarts, SIGHUP reload
# applied, a restart-only change refused, SIGTERM exits 0.  TAP output.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
TORD=$top_builddir/src/tord
D=$(mktemp -d /tmp/tord-life.XXXXXX)
port=$((40000 + $$ % 5000))
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
n=0 fails=0
check() { local d=$1; shift; n=$((n + 1)); if "$@"; then echo "ok $n - $d"; else fails=$((fails + 1)); echo "not ok $n - $d"; fi; }
wait_log() {	# pattern seconds
	local i
	for i in $(seq 1 $(($2 * 10))); do grep -q "$1" "$D/log" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
# The sample, pointed at a scratch directory and a loopback port.
sed -e "s|^data_directory = .*|data_directory = $D/data|" \
    -e "s|^log_target = .*|log_target = $D/log|" \
    -e "s|^control_socket = .*|control_socket = $D/control|" \
    -e "s|^or_listen = .*|or_listen = 127.70.0.1:$port|" \
    "$top_srcdir/etc/tord/relay.ini" >"$D/relay.ini"
echo "1..10"
check "the adapted sample config verifies" sh -c "\"$TORD\" --verify-config -f \"$D/relay.ini\" >/dev/null"
fp=$("$TORD" --fingerprint -f "$D/relay.ini" 2>"$D/err")
check "--fingerprint prints 64 hex digits" sh -c "echo '$fp' | grep -Eq '^[0-9A-F]{64}$'"
check "key files are mode 0600 in a 0700 directory" sh -c \
    "[ \$(stat -c %a '$D/data/keys') = 700 ] && [ \$(stat -c %a '$D/data/keys/identity_ed25519') = 600 ]"
"$TORD" --foreground -f "$D/relay.ini" 2>>"$D/err" &
pid=$!
check "the node starts" wait_log "started role=relay" 10
kill -HUP "$pid"
check "SIGHUP reloads the config" wait_log "reloaded" 5
sed -i "s|^or_listen = .*|or_listen = 127.70.0.2:$port|" "$D/relay.ini"
kill -HUP "$pid"
check "a change of listen address is refused until restart" wait_log "reload refused" 5
check "the node keeps running after a refused reload" kill -0 "$pid"
kill -TERM "$pid"
rc=0
for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" || rc=$?
pid=
check "SIGTERM: exit status 0 within 5 s" [ "$rc" = 0 ]
check "no sanitizer report" sh -c "! grep -q 'Sanitizer' '$D/err'"
check "the fingerprint is the same after a restart" [ "$("$TORD" --fingerprint -f "$D/relay.ini" 2>/dev/null)" = "$fp" ]
[ $fails = 0 ]
