#!/bin/sh
# demo_replay.sh: an observer on the path (here a recording TCP forwarder,
# standing in for an exit relay) captures a whole authenticated session.
# The password never crosses the wire, and the captured answer is refused
# when replayed on a new connection.
. "${top_srcdir:-.}/tests/integration/demo_lib.sh"
demo_require

secret='s3cret-Pa55phrase-for-replay'
pw=$(demo_password pw "$secret")
demo_start s1 --listen 127.0.0.1:0 --password-file "$pw"

bg "$PY" "$PEER" record "$ECHO" "$demo_tmp/rec.port" "$demo_tmp/rec"
wait_for "$demo_tmp/rec.port" 127.0.0.1 || { echo "Bail out! recorder did not start"; exit 1; }
rec=$(cat "$demo_tmp/rec.port")
out=$("$DEMO" client --direct --connect "$rec" --password-file "$pw" --message 'observed text' 2>&1)
printf '%s\n' "$out" | grep -qx 'observed text' && ok "session through the observer succeeds" ||
    { not_ok "session through the observer"; echo "$out" | sed 's/^/# /'; }
wait_for "$demo_tmp/rec.c2s" 'observed text'
i=0; while [ ! -s "$demo_tmp/rec.s2c" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

grep -q '^RESPONSE [0-9a-f]\{64\}' "$demo_tmp/rec.c2s" && grep -q '^CHALLENGE ' "$demo_tmp/rec.s2c" &&
    ok "observer captured the challenge and the answer" || not_ok "capture incomplete"
if grep -q "$secret" "$demo_tmp/rec.c2s" "$demo_tmp/rec.s2c"; then
	not_ok "password absent from the captured bytes"
else
	ok "password absent from the captured bytes"
fi

answer=$(grep '^RESPONSE ' "$demo_tmp/rec.c2s" | head -n 1 | tr -d '\r')
for n in 1 2; do
	out=$("$PY" "$PEER" replay "$ECHO" "$answer" 2>&1)
	ch_old=$(grep '^CHALLENGE ' "$demo_tmp/rec.s2c" | awk '{print $2}')
	ch_new=$(printf '%s\n' "$out" | grep '^CHALLENGE ' | awk '{print $2}')
	[ -n "$ch_new" ] && [ "$ch_new" != "$ch_old" ] && ok "replay $n: new connection gets a new challenge" ||
	    not_ok "replay $n: challenge reused ($ch_new)"
	printf '%s\n' "$out" | tail -n 1 | grep -q '^DENIED' && ! printf '%s\n' "$out" | grep -q WELCOME &&
	    ok "replay $n: captured answer refused" ||
	    { not_ok "replay $n: captured answer refused"; echo "$out" | sed 's/^/# /'; }
done

demo_done
