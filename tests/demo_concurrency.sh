#!/bin/sh
# demo_concurrency.sh: 50 echo clients and 50 web clients at once against
# one tord-demo server; every one gets its own answers back intact.
. "${top_srcdir:-.}/tests/integration/demo_lib.sh"
demo_require

pw=$(demo_password pw 'many clients')
demo_start s --listen 127.0.0.1:0 --web-listen 127.0.0.1:0 --password-file "$pw" \
    --iterations 20000 --auth-timeout 30
N=50

cpids=""
i=1
while [ $i -le $N ]; do
	"$DEMO" client --direct --connect "$ECHO" --password-file "$pw" --timeout 60 \
	    --message "client $i first" --message "client $i second" \
	    >"$demo_tmp/c$i.out" 2>"$demo_tmp/c$i.err" &
	cpids="$cpids $!"
	i=$((i + 1))
done
demo_pids="$demo_pids $cpids"
bad=0
for p in $cpids; do wait "$p" || bad=$((bad + 1)); done
[ $bad -eq 0 ] && ok "$N concurrent echo clients all exited 0" || not_ok "$bad of $N echo clients failed"
bad=0
i=1
while [ $i -le $N ]; do
	[ "$(cat "$demo_tmp/c$i.out")" = "$(printf 'client %d first\nclient %d second' $i $i)" ] || bad=$((bad + 1))
	i=$((i + 1))
done
[ $bad -eq 0 ] && ok "each echo client got exactly its own lines back" || not_ok "$bad clients got wrong echoes"

if command -v curl >/dev/null 2>&1; then
	want=$("$PY" "$PEER" bytes 200000)
	cpids=""
	i=1
	while [ $i -le $N ]; do
		curl -sS --max-time 60 -o "$demo_tmp/w$i" "http://$WEB/bytes/200000" &
		cpids="$cpids $!"
		i=$((i + 1))
	done
	demo_pids="$demo_pids $cpids"
	for p in $cpids; do wait "$p"; done
	bad=0
	i=1
	while [ $i -le $N ]; do
		[ "$(sha256sum <"$demo_tmp/w$i" | cut -d' ' -f1)" = "$want" ] || bad=$((bad + 1))
		i=$((i + 1))
	done
	[ $bad -eq 0 ] && ok "$N concurrent downloads of /bytes/200000 intact" || not_ok "$bad downloads corrupt"
else
	ok "# SKIP curl not installed"
fi

# The server is still healthy afterwards.
check "server still answers after the burst" \
    "$DEMO" client --direct --connect "$ECHO" --password-file "$pw" --message after
demo_done
