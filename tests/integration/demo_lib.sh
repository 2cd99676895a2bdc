# demo_lib.sh: sourced by the tests/demo_*.sh TAP scripts.
# Starts tord-demo servers on loopback, tracks every pid it starts and
# stops them (and only them) on exit.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
DEMO=$top_builddir/src/tools/tord-demo
PEER=$top_srcdir/tests/integration/demo_peer.py
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=${PYTHON3:-python3}; fi

demo_pids=""
demo_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tord-demo-test.XXXXXX")
tap_n=0
tap_failed=0

# stop_pids: SIGTERM what we started, up to 5 s each, then SIGKILL; reap.
stop_pids()
{
	for p in $demo_pids; do kill "$p" 2>/dev/null; done
	for p in $demo_pids; do
		i=0
		while [ $i -lt 50 ]; do
			st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
			[ -z "$st" ] || [ "$st" = Z ] && break
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	demo_pids=""
}

demo_cleanup()
{
	stop_pids
	rm -rf "$demo_tmp"
}
trap demo_cleanup EXIT
trap 'exit 1' INT TERM

demo_require()
{
	if [ ! -x "$DEMO" ]; then echo "1..0 # SKIP $DEMO not built"; exit 0; fi
	if ! "$PY" -c 'import hashlib' 2>/dev/null; then
		echo "1..0 # SKIP no python3"; exit 0
	fi
}

ok()
{
	tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"
}

not_ok()
{
	tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"
}

# check DESC CMD...: one TAP line from CMD's status; output shown on failure.
check()
{
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc"; printf '%s\n' "$out" | sed 's/^/# /' | tail -n 20; fi
}

# wait_for FILE PATTERN: up to 10 s for PATTERN to appear in FILE.
wait_for()
{
	local i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# demo_start NAME ARGS...: start `tord-demo serve ARGS` in the background;
# sets ECHO and WEB to the addresses it printed.
demo_start()
{
	local name=$1
	shift
	"$DEMO" serve "$@" >"$demo_tmp/$name.out" 2>"$demo_tmp/$name.err" &
	demo_pids="$demo_pids $!"
	if ! wait_for "$demo_tmp/$name.out" 'listening on'; then
		echo "Bail out! tord-demo serve did not start: $(cat "$demo_tmp/$name.err")"
		exit 1
	fi
	case " $* " in *" --listen "*) wait_for "$demo_tmp/$name.out" 'echo service listening' ;; esac
	case " $* " in *" --web-listen "*) wait_for "$demo_tmp/$name.out" 'web pages listening' ;; esac
	ECHO=$(sed -n 's/.*echo service listening on //p' "$demo_tmp/$name.out")
	WEB=$(sed -n 's/.*web pages listening on //p' "$demo_tmp/$name.out")
}

# bg CMD...: run CMD in the background, tracked for cleanup.
bg()
{
	"$@" &
	demo_pids="$demo_pids $!"
}

demo_password()
{
	umask 077
	printf '%s\n' "$2" >"$demo_tmp/$1"
	echo "$demo_tmp/$1"
}

demo_done()
{
	# Servers exit on SIGTERM and free everything: with sanitizers on, any
	# report (leak, overflow, UB) from a server or client fails the test.
	stop_pids
	if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$demo_tmp"/*.err >"$demo_tmp/san" 2>/dev/null; then
		not_ok "no sanitizer reports from tord-demo"
		for f in $(cat "$demo_tmp/san"); do sed 's/^/# /' "$f" | head -n 40; done
	else
		ok "no sanitizer reports from tord-demo"
	fi
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}
