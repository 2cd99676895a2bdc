#!/usr/bin/env bash
# Integration: scripts/testnet in the foreground, the way a person runs it.
# `up --tmux` is started with no terminal, in its own process group; once
# the client has bootstrapped the test checks the live status line and the
# tmux session (one pane per node, titled, showing the node's coloured log,
# plus a status window), then sends SIGINT to the process group as a
# terminal's Ctrl-C would, and checks that every node and the demo service
# are gone, the tmux session too, and that `up` exited 0.  TAP output.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
[ -x "$top_builddir/src/tord" ] || { echo "1..0 # SKIP tord not built"; exit 0; }

off=$(( ($$ % 200) * 20 ))
export TESTNET_DIR=$(mktemp -d /tmp/tord-fg.XXXXXX)
export TESTNET_SOCKS_PORT=$((20006 + off))
export TESTNET_BASE_PORT=$((10000 + off))
export TESTNET_BOOT_TIMEOUT=90
export TESTNET_TMUX_SOCKET=tord-test-$$
unset TMUX	# a test run from inside tmux must not talk to the user's server
testnet=$top_srcdir/scripts/testnet
PY=/usr/bin/python3
sess=tord-testnet-$TESTNET_SOCKS_PORT
up_pid=

cleanup() {
	if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
		kill -TERM -- "-$up_pid" 2>/dev/null
		for i in $(seq 1 50); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- "-$up_pid" 2>/dev/null
	fi
	"$testnet" down >/dev/null 2>&1
	tmux -L "$TESTNET_TMUX_SOCKET" kill-server 2>/dev/null
	rm -rf "$TESTNET_DIR"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# poll SECONDS CMD...: run CMD every 0.2 s until it succeeds or time runs out.
poll() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.2; done
	"$@"
}
tm() { tmux -L "$TESTNET_TMUX_SOCKET" "$@"; }

echo "1..15"
# Job control gives `up` its own process group (a terminal's foreground
# job) and leaves SIGINT at its default, as in an interactive shell;
# without it bash would start the job with SIGINT ignored.  And if this
# test itself inherited SIGINT ignored (started as a background job of a
# non-interactive shell, as some CI wrappers do), bash could not trap it
# in `up`: the disposition is reset to the default before exec, as a
# terminal's shell would have it.
set -m
"$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' \
    "$testnet" up --tmux --no-build --build-dir "$top_builddir" </dev/null >"$TESTNET_DIR/up.log" 2>&1 &
up_pid=$!
set +m

up_done() { grep -q 'tord test network is up' "$TESTNET_DIR/up.log"; }
if ! poll 150 up_done; then
	notok "network comes up in the foreground"
	sed 's/^/# /' "$TESTNET_DIR/up.log" | tail -n 30
	exit 1
fi
ok "network comes up in the foreground (up still running: $(kill -0 $up_pid 2>/dev/null && echo yes || echo no))"
check "it prints what to run next (curl --socks5-hostname line)" \
    grep -q "curl --socks5-hostname 127.0.0.1:$TESTNET_SOCKS_PORT " "$TESTNET_DIR/up.log"

# Later commands find the network from its directory alone: up recorded
# its ports, node counts and build directory there.
bare() { env -u TESTNET_SOCKS_PORT -u TESTNET_BASE_PORT -u TESTNET_DIR "$testnet" "$@" --dir "$TESTNET_DIR"; }
layout_info() {
	bare info --json | "$PY" -c 'import json, sys
j = json.load(sys.stdin); nodes = {x["name"]: x for x in j["nodes"]}
sys.exit(not (j["socks"] == "127.0.0.1:" + sys.argv[1] and nodes["exit1"]["or"].endswith(":" + sys.argv[2])
    and nodes["client"]["running"]))' "$TESTNET_SOCKS_PORT" "$TESTNET_BASE_PORT"
}
check "info --dir alone reports the ports up was given (SOCKS $TESTNET_SOCKS_PORT, OR $TESTNET_BASE_PORT)" layout_info
check "ctl --dir alone reaches the client (torctl from the recorded build directory)" \
    sh -c "$(printf '%q ' env -u TESTNET_SOCKS_PORT -u TESTNET_BASE_PORT -u TESTNET_DIR "$testnet" ctl --dir "$TESTNET_DIR" status) | grep -q '^role *client'"

# A second network on the same ports is refused before it starts anything,
# and says which ports are taken; the first one keeps running.
second=$(mktemp -d /tmp/tord-fg2.XXXXXX)
env TESTNET_DIR="$second" "$testnet" up --detach --no-build --build-dir "$top_builddir" \
    >"$second/up.log" 2>&1 </dev/null
st=$?
check "a second network on the same ports fails at once (status $st), naming them" \
    sh -c "[ $st = 1 ] && grep -q 'already in use: 127.0.0.1:$TESTNET_SOCKS_PORT .*127.1.0.1:$((TESTNET_BASE_PORT + 1))' '$second/up.log' && ! ls '$second'/*/pid >/dev/null 2>&1"
sed 's/^/# /' "$second/up.log" | tail -n 2
rm -rf "$second"

nodes=$("$testnet" info --json | /usr/bin/python3 -c \
    'import json,sys; print(" ".join(x["name"] for x in json.load(sys.stdin)["nodes"]))')
nnodes=$(echo $nodes | wc -w)
status_ok() { grep -q "nodes $nnodes/$nnodes up  client 100%  circuits [1-9][0-9]*  demo up" "$TESTNET_DIR/up.log"; }
check "live status line: all $nnodes nodes up, client at 100%, circuits built, demo up" poll 30 status_ok
grep 'nodes [0-9]*/' "$TESTNET_DIR/up.log" | tail -n 1 | sed 's/^/# /'

check "tmux session $sess exists on the private server" tm has-session -t "$sess"
panes=$(tm list-panes -t "$sess:nodes" -F '#{pane_title}' 2>/dev/null | sort | tr '\n' ' ')
want=$(echo $nodes | tr ' ' '\n' | sort | tr '\n' ' ')
check "window 'nodes' has one pane per node ($(echo $panes | wc -w) of $nnodes), titled by node" \
    [ "$panes" = "$want" ]
check "window 'status' exists" sh -c "tmux -L '$TESTNET_TMUX_SOCKET' list-windows -t '$sess' -F '#{window_name}' | grep -qx status"

# Each pane shows its node's log; notices are drawn in colour (green).  A
# small pane soon scrolls its notices away under the info lines of a relay
# re-uploading its descriptor, so the pane's scrollback is searched too.
exit_pane=$(tm list-panes -t "$sess:nodes" -F '#{pane_id} #{pane_title}' | awk '$2 == "exit1" { print $1 }')
pane_shows_log() { tm capture-pane -p -e -S -2000 -t "$exit_pane" 2>/dev/null | grep -q $'\033\[32m.*\[notice\] '; }
check "exit1's pane shows its log with notices in colour" poll 20 pane_shows_log
status_pane() { tm capture-pane -p -t "$sess:status" 2>/dev/null | grep -q "nodes $nnodes/$nnodes up"; }
check "the status window shows the live status" poll 20 status_pane

pids=""
for f in "$TESTNET_DIR"/*/pid; do pids="$pids $(cat "$f")"; done
npids=$(echo $pids | wc -w)
alive_count() { local c=0 p; for p in $pids; do kill -0 "$p" 2>/dev/null && c=$((c + 1)); done; echo $c; }
all_running() { [ "$(alive_count)" = "$npids" ] && [ "$npids" = $((nnodes + 1)) ]; }
check "before Ctrl-C: $npids processes (nodes + demo) all running" all_running

# Ctrl-C: SIGINT to the whole foreground process group.
kill -INT -- "-$up_pid"
up_gone() { ! kill -0 "$up_pid" 2>/dev/null; }
if poll 60 up_gone; then
	wait "$up_pid"
	st=$?
	check "up exits with status 0 after SIGINT (status $st)" [ "$st" = 0 ]
	up_pid=
else
	notok "up still running 60 s after SIGINT"
	# What it is doing: its process group, states and wait channels.
	ps -o pid,ppid,pgid,stat,wchan:20,etime,args -g "$up_pid" 2>&1 | sed 's/^/# /'
	grep -E '^(State|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt):' "/proc/$up_pid/status" 2>/dev/null | sed 's/^/# /'
	# up_pid stays set: cleanup stops its whole process group.
fi
check "every node and the demo service stopped ($(alive_count) of $npids left)" [ "$(alive_count)" = 0 ]
no_session() { ! tm has-session -t "$sess" 2>/dev/null; }
check "the tmux session is gone" poll 10 no_session
[ $fails = 0 ] || sed 's/^/# /' "$TESTNET_DIR/up.log" | tail -n 20
[ $fails = 0 ]
