# tests/integration/tap.sh: sourced by the network tests.  TAP counters
# (ok, notok, check) and a watchdog that bounds a test's run time: after
# SECONDS it sends SIGTERM to the test, whose EXIT trap stops everything.
# Needs $D (the test's temporary directory) before watchdog_start.
n=0
fails=0
watchdog_pid=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }

watchdog_start() {	# seconds
	( sleep "$1" & echo $! >"$D/watchdog.pid"; wait $!
	  echo "# watchdog: test took too long"; kill -TERM $$ ) 2>/dev/null &
	watchdog_pid=$!
}
# From the EXIT trap: the watchdog and its sleep go away with the test.
watchdog_stop() {
	if [ -n "$watchdog_pid" ]; then
		kill "$watchdog_pid" 2>/dev/null
		[ -f "$D/watchdog.pid" ] && kill "$(cat "$D/watchdog.pid")" 2>/dev/null
	fi
	return 0
}
