#!/usr/bin/env bash
# Integration: real clients through a whole loopback network.
#
# The exits resolve names with a test DNS server (testdns.py on
# 127.53.0.53) that alone knows the zone onion-test.example (every name in
# it is 127.60.0.1, where pagesrv.py serves a page).  The client host
# cannot resolve those names, so a page that loads proves the name travelled
# to the exit as a name; the exit's log (debug, unsafe logging) and the DNS
# server's query log show each name arriving there.  Clients: curl with
# --socks5-hostname and --socks4a (and --socks5, to show why not);
# proxychains4 wrapping python's urllib and a plain curl, neither of which
# knows about SOCKS; headless Chromium loading a page whose text is set by
# JavaScript, read back from the rendered DOM.  TAP output.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
[ -x "$top_builddir/src/tord" ] || { echo "1..0 # SKIP tord not built"; exit 0; }
# Clients must reach the network only through what each check configures.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY

off=$(( ($$ % 200) * 20 ))
T=$(mktemp -d /tmp/tord-clients.XXXXXX)
export TESTNET_DIR=$T/net
export TESTNET_SOCKS_PORT=$((20017 + off))
export TESTNET_BASE_PORT=$((18000 + off))
export TESTNET_BOOT_TIMEOUT=90
SOCKS=127.0.0.1:$TESTNET_SOCKS_PORT
DNS_IP=127.53.0.53
DNS_PORT=$((20018 + off))
ZONE=onion-test.example
WEB_IP=127.60.0.1
pids=""

cleanup() {
	local p
	"$top_srcdir/scripts/testnet" down >/dev/null 2>&1
	# Any browser process left behind is found by its unique profile directory.
	for p in $(pgrep -f -- "--user-data-dir=$T/chrome" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
wait_file() { local i; for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

echo "1..21"
"$PY" "$top_srcdir/tests/integration/testdns.py" --bind $DNS_IP --port $DNS_PORT --zone $ZONE \
    --answer $WEB_IP --log "$T/dns.log" --ready "$T/dns.ready" 2>"$T/dns.err" &
pids="$pids $!"
"$PY" "$top_srcdir/tests/integration/pagesrv.py" --bind $WEB_IP --port-file "$T/page.port" \
    --log "$T/page.log" 2>"$T/page.err" &
pids="$pids $!"
"$PY" "$top_srcdir/tests/integration/pagesrv.py" --bind 127.0.0.1 --port-file "$T/lpage.port" \
    --log "$T/lpage.log" 2>"$T/lpage.err" &
pids="$pids $!"
if ! wait_file "$T/dns.ready" || ! wait_file "$T/page.port" || ! wait_file "$T/lpage.port"; then
	echo "Bail out! helper servers did not start: $(cat "$T/dns.err" "$T/page.err")"
	exit 1
fi
P=$(cat "$T/page.port")

mkdir -p "$TESTNET_DIR"
if ! "$top_srcdir/scripts/testnet" up --detach --no-build --build-dir "$top_builddir" \
    --log-level debug --unsafe-logging --exit-nameserver "$DNS_IP:$DNS_PORT" >"$T/up.log" 2>&1; then
	notok "network comes up"
	sed 's/^/# /' "$T/up.log" | tail -n 30
	exit 1
fi
ok "network comes up; the exits resolve through $DNS_IP:$DNS_PORT"

# The name arrived at an exit as a name (its BEGIN names the host) and the
# exit asked the test DNS server for it.
at_exit() {	# NAME
	grep -q "exit: exit circ=[0-9]* stream=[0-9]* begin $1:$P\$" "$TESTNET_DIR"/exit*/log ||
	    { echo "# no BEGIN for $1 in the exits' logs"; return 1; }
	grep -q "^$1 1 " "$T/dns.log" || { echo "# no A query for $1 at the test DNS server"; return 1; }
	grep -q "^GET /[a-z]* $1\$" "$T/page.log" || { echo "# the web server saw no Host: $1"; return 1; }
}
body_is() {	# FILE EXPECTED
	[ "$(cat "$1" 2>/dev/null)" = "$2" ] || { echo "# got: $(head -c 200 "$1" 2>/dev/null)"; return 1; }
}

host_cannot_resolve() { ! getent hosts "probe.$ZONE" >/dev/null 2>&1 && ! grep -q "^probe.$ZONE " "$T/dns.log"; }
check "this host cannot resolve names in $ZONE (only the exits' DNS server knows them)" host_cannot_resolve

# ---- curl
curl -s --max-time 60 --socks5-hostname "$SOCKS" "http://s5h.$ZONE:$P/plain" >"$T/s5h.out"
check "curl --socks5-hostname fetches http://s5h.$ZONE:$P/plain" body_is "$T/s5h.out" "plain-page-ok s5h.$ZONE"
check "curl --socks5-hostname: the name reached the exit and was resolved there" at_exit "s5h.$ZONE"
grep -q "socks: stream=[0-9]* request for s5h.$ZONE:$P" "$TESTNET_DIR/client/log" &&
    ok "the client received the name, not an address, from curl" ||
    notok "client log has no SOCKS request for s5h.$ZONE"

# The README's promise: any local server, by the name localhost (which the
# exit resolves from its /etc/hosts).
LP=$(cat "$T/lpage.port")
curl -s --max-time 60 --socks5-hostname "$SOCKS" "http://localhost:$LP/plain" >"$T/lh.out"
lh_at_exit() { grep -q "exit: exit circ=[0-9]* stream=[0-9]* begin localhost:$LP\$" "$TESTNET_DIR"/exit*/log; }
check "curl --socks5-hostname http://localhost:PORT/ reaches a server on 127.0.0.1" body_is "$T/lh.out" "plain-page-ok localhost"
check "the name localhost reached the exit as a name" lh_at_exit

curl -s --max-time 60 --socks4a "$SOCKS" "http://s4a.$ZONE:$P/plain" >"$T/s4a.out"
check "curl --socks4a fetches http://s4a.$ZONE:$P/plain" body_is "$T/s4a.out" "plain-page-ok s4a.$ZONE"
check "curl --socks4a: the name reached the exit and was resolved there" at_exit "s4a.$ZONE"

# --socks5 resolves locally: the made-up name fails on this host (curl
# status 6) and never reaches the exits; an IP address is carried, with a
# notice in the client's log.
curl -sS --max-time 60 --socks5 "$SOCKS" "http://s5.$ZONE:$P/plain" >/dev/null 2>"$T/s5.err"
st=$?
leak_path() {
	[ $st != 0 ] && grep -qi 'resolve' "$T/s5.err" && ! grep -q "^s5.$ZONE " "$T/dns.log" ||
	    { echo "# curl status $st: $(cat "$T/s5.err")"; return 1; }
}
check "curl --socks5 resolves on this host: the name fails here (curl status $st), never reaches the exit" leak_path
curl -s --max-time 60 --socks5 "$SOCKS" "http://$WEB_IP:$P/plain" >"$T/s5ip.out"
ip_notice() {
	body_is "$T/s5ip.out" "plain-page-ok $WEB_IP" &&
	    grep -q 'an application gave only an IP address over SOCKS5' "$TESTNET_DIR/client/log"
}
check "curl --socks5 with an address works and the client logs the DNS-leak notice" ip_notice

# ---- proxychains4 around programs that know nothing of SOCKS
if command -v proxychains4 >/dev/null; then
	cat >"$T/proxychains.conf" <<EOF
strict_chain
proxy_dns
remote_dns_subnet 224
tcp_read_time_out 30000
tcp_connect_time_out 15000
[ProxyList]
socks5 127.0.0.1 $TESTNET_SOCKS_PORT
EOF
	timeout 90 proxychains4 -q -f "$T/proxychains.conf" "$PY" -c "
import urllib.request
print(urllib.request.urlopen('http://pcpy.$ZONE:$P/plain', timeout=60).read().decode(), end='')
" >"$T/pcpy.out" 2>"$T/pcpy.err"
	check "proxychains4 + python urllib fetches http://pcpy.$ZONE:$P/plain" body_is "$T/pcpy.out" "plain-page-ok pcpy.$ZONE"
	check "proxychains4 + python: the name reached the exit and was resolved there" at_exit "pcpy.$ZONE"
	timeout 90 proxychains4 -q -f "$T/proxychains.conf" curl -s --max-time 60 \
	    "http://pccurl.$ZONE:$P/plain" >"$T/pccurl.out" 2>"$T/pccurl.err"
	check "proxychains4 + curl (no proxy options) fetches http://pccurl.$ZONE:$P/plain" \
	    body_is "$T/pccurl.out" "plain-page-ok pccurl.$ZONE"
	check "proxychains4 + curl: the name reached the exit and was resolved there" at_exit "pccurl.$ZONE"
else
	for d in "proxychains4 + python" "names at exit" "proxychains4 + curl" "names at exit"; do
		skip "$d" "proxychains4 not installed"
	done
fi

# ---- torsocks: it refuses loopback targets (so it cannot fetch from this
# test network), but it resolves names through the SOCKS port (Tor's RESOLVE
# extension), which the exit answers.
if command -v torsocks >/dev/null; then
	printf 'TorAddress 127.0.0.1\nTorPort %s\n' "$TESTNET_SOCKS_PORT" >"$T/torsocks.conf"
	r=$(TORSOCKS_CONF_FILE=$T/torsocks.conf timeout 60 torsocks "$PY" -c \
	    "import socket; print(socket.gethostbyname('ts.$ZONE'))" 2>"$T/torsocks.err")
	ts_ok() { [ "$r" = "$WEB_IP" ] && grep -q "^ts.$ZONE 1 " "$T/dns.log" ||
	    { echo "# torsocks gave '$r': $(head -n 3 "$T/torsocks.err")"; return 1; }; }
	check "torsocks: gethostbyname(ts.$ZONE) is answered by the exit ($r)" ts_ok
else
	skip "torsocks resolves through the exit" "torsocks not installed"
fi

# ---- headless Chromium
curl -s --max-time 60 --socks5-hostname "$SOCKS" "http://raw.$ZONE:$P/" >"$T/raw.html"
raw_has_no_marker() { grep -q 'getElementById' "$T/raw.html" && ! grep -q 'rendered-by-js' "$T/raw.html"; }
check "the page as sent holds the script but not the marker (only a rendered DOM has it)" raw_has_no_marker
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
	mkdir -p "$T/home" "$T/chrome"
	# The README's flags: <-loopback> keeps Chromium from going direct to
	# loopback targets; the resolver rule stops any name lookup on this host.
	HOME=$T/home timeout -k 10 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --no-default-browser-check --disable-background-networking \
	    --disable-component-update --disable-sync --disable-breakpad \
	    --user-data-dir="$T/chrome" --proxy-server="socks5://$SOCKS" \
	    --proxy-bypass-list='<-loopback>' --host-resolver-rules='MAP * ~NOTFOUND , EXCLUDE 127.0.0.1' \
	    --dump-dom "http://chrome.$ZONE:$P/" >"$T/dom.html" 2>"$T/chrome.err"
	st=$?
	dom_ok() {
		grep -q "<p id=\"m\">rendered-by-js host=chrome.$ZONE</p>" "$T/dom.html" ||
		    { echo "# chromium status $st; DOM:"; sed 's/^/#   /' "$T/dom.html" | head -n 20;
		      grep -v dbus "$T/chrome.err" | tail -n 5 | sed 's/^/# err: /'; return 1; }
	}
	check "headless Chromium through socks5:// renders the page (JavaScript ran: DOM has the marker)" dom_ok
	check "Chromium: the name reached the exit and was resolved there" at_exit "chrome.$ZONE"
	sed -n 's/.*<p id="m">\(.*\)<\/p>.*/# rendered DOM text: \1/p' "$T/dom.html"
	left=$(pgrep -f -- "--user-data-dir=$T/chrome" | wc -l)
	check "no Chromium process left running ($left)" [ "$left" = 0 ]
else
	skip "headless Chromium renders the page" "chromium not installed"
	skip "Chromium: the name reached the exit" "chromium not installed"
	skip "no Chromium process left" "chromium not installed"
fi

# The exits asked for each name exactly as the client sent it: no
# search-domain suffix appended.  (Chromium's own background requests, if
# any, also went through tord and show up as other names.)
exact_names() {
	local l bad=0
	for l in s5h s4a pcpy pccurl ts raw chrome; do
		grep "^$l\\." "$T/dns.log" | grep -v -q "^$l\\.$ZONE " && bad=1
	done
	echo "# other names the exits were asked for: $(grep -v "\\.$ZONE " "$T/dns.log" |
	    cut -d' ' -f1 | sort -u | tr '\n' ' ')"
	[ $bad = 0 ]
}
check "the exits asked the DNS server for each name exactly as sent (no search-domain suffix)" exact_names
[ $fails = 0 ] || { echo "# dns log:"; sed 's/^/#   /' "$T/dns.log" | tail -n 20; }
[ $fails = 0 ]
