#!/bin/sh
# demo_web.sh: tord-demo's HTTP/1.0 pages: index, /hello (shows nothing
# about the client), /bytes/N (deterministic), errors and limits, and the
# client's --open through a SOCKS5 proxy that receives the name unresolved.
. "${top_srcdir:-.}/tests/integration/demo_lib.sh"
demo_require
command -v curl >/dev/null 2>&1 || { echo "1..0 # SKIP curl not installed"; exit 0; }

demo_start w --web-listen 127.0.0.1:0
C="curl -sS --max-time 20"

body=$($C "http://$WEB/")
printf '%s' "$body" | grep -q '<title>tord demo</title>' && printf '%s' "$body" | grep -q 'HMAC-SHA256' &&
    ok "index page explains the demo" || not_ok "index page"

body=$($C -A 'secret-agent/1.0' -H 'X-Private: do-not-echo' "http://$WEB/hello?q=1")
printf '%s' "$body" | grep -q 'hello from tord-demo' && ! printf '%s' "$body" | grep -q -e secret-agent -e do-not-echo -e 127.0.0.1 &&
    ok "/hello echoes no headers and no address" || { not_ok "/hello"; printf '%s\n' "$body" | sed 's/^/# /'; }

for n in 0 1 250 251 252 65536 1000003; do
	want=$("$PY" "$PEER" bytes $n)
	got=$($C "http://$WEB/bytes/$n" | sha256sum | cut -d' ' -f1)
	[ "$want" = "$got" ] && ok "/bytes/$n matches the reference" || not_ok "/bytes/$n: $got != $want"
done
len=$($C -I "http://$WEB/bytes/12345" | tr -d '\r' | sed -n 's/^Content-Length: //p')
[ "$len" = 12345 ] && ok "HEAD /bytes/12345: Content-Length, no body" || not_ok "HEAD: $len"

code() { $C -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://$WEB/nope")" = 404 ] && ok "unknown page: 404" || not_ok "404"
[ "$(code -X POST -d x "http://$WEB/")" = 405 ] && ok "POST: 405" || not_ok "405"
[ "$(code "http://$WEB/bytes/99999999999999")" = 404 ] && ok "/bytes beyond the cap: 404" || not_ok "bytes cap"
[ "$(code -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "http://$WEB/")" = 431 ] &&
    ok "oversized request: 431" || not_ok "431"
out=$(printf 'garbage\r\n\r\n' | timeout 10 "$PY" -c '
import socket,sys
h,p=sys.argv[1].rsplit(":",1); s=socket.create_connection((h,int(p)),timeout=5)
s.sendall(sys.stdin.buffer.read()); print(s.makefile().readline().strip())' "$WEB")
[ "$out" = "HTTP/1.0 400 Bad Request" ] && ok "malformed request: 400" || not_ok "400: $out"

# --open through a SOCKS5 proxy: the proxy must get the name, not an address.
bg "$PY" "$PEER" socks "$demo_tmp/socks.port" "$demo_tmp/socks.log"
wait_for "$demo_tmp/socks.port" 127.0.0.1 || { echo "Bail out! socks stub did not start"; exit 1; }
socks=$(cat "$demo_tmp/socks.port")
port=${WEB##*:}
cat >"$demo_tmp/browser" <<BEOF
#!/bin/sh
cp "\$1" "$demo_tmp/opened.html"
BEOF
chmod +x "$demo_tmp/browser"
path=$(BROWSER="$demo_tmp/browser" "$DEMO" client --socks "$socks" --open "http://localhost:$port/" 2>"$demo_tmp/open.err")
grep -q "atyp=3 host=localhost port=$port" "$demo_tmp/socks.log" &&
    ok "--open via SOCKS: name sent to the proxy unresolved" ||
    not_ok "--open via SOCKS: proxy saw $(cat "$demo_tmp/socks.log" 2>/dev/null)"
[ -f "$demo_tmp/opened.html" ] && grep -q '<title>tord demo</title>' "$demo_tmp/opened.html" &&
    ok "--open handed the page to \$BROWSER" || not_ok "--open browser: $(cat "$demo_tmp/open.err")"
[ -n "$path" ] && [ -f "$path" ] && [ "$(stat -c %a "$path")" = 600 ] &&
    ok "--open printed the path of a private temp file" || not_ok "--open path: $path"
[ -n "$path" ] && rm -f "$path"
path=$(BROWSER= DISPLAY= WAYLAND_DISPLAY= "$DEMO" client --direct --open "http://$WEB/hello" 2>"$demo_tmp/open2.err")
[ -f "$path" ] && grep -q 'hello from tord-demo' "$path" && grep -q 'no browser' "$demo_tmp/open2.err" &&
    ok "--open without a browser prints the saved path" || not_ok "--open no browser: $(cat "$demo_tmp/open2.err")"
[ -n "$path" ] && rm -f "$path"

demo_done
