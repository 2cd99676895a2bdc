#!/bin/sh
# demo_auth.sh: the tord-demo echo service admits the right password, refuses
# a wrong one after a bounded number of tries, enforces its deadline, agrees
# with an independent Python implementation, and binds loopback only.
. "${top_srcdir:-.}/tests/integration/demo_lib.sh"
demo_require

pw=$(demo_password pw 'correct horse battery staple')
bad=$(demo_password bad 'Tr0ub4dor&3')
demo_start s1 --listen 127.0.0.1:0 --password-file "$pw" --tries 3 --auth-timeout 2

out=$("$DEMO" client --direct --connect "$ECHO" --password-file "$pw" \
    --message hello --message 'with  spaces and ünïcode' 2>&1)
[ "$(printf '%s\n' "$out" | grep -v '^tord-demo:')" = "$(printf 'hello\nwith  spaces and ünïcode')" ] &&
    ok "right password: admitted, messages echoed" ||
    { not_ok "right password: admitted, messages echoed"; echo "$out" | sed 's/^/# /'; }

out=$(printf 'from stdin\nsecond\n' | "$DEMO" client --direct --connect "$ECHO" --password-file "$pw" 2>/dev/null)
[ "$out" = "$(printf 'from stdin\nsecond')" ] && ok "stdin lines echoed" || not_ok "stdin lines echoed: $out"

if "$DEMO" client --direct --connect "$ECHO" --password-file "$bad" --message x >"$demo_tmp/bad.out" 2>&1; then
	not_ok "wrong password: client fails"
else
	grep -q 'password refused' "$demo_tmp/bad.out" && ok "wrong password: client fails, says refused" ||
	    not_ok "wrong password: message: $(cat "$demo_tmp/bad.out")"
fi
[ ! -s "$demo_tmp/bad.out" ] || ! grep -q '^x$' "$demo_tmp/bad.out" && ok "wrong password: nothing echoed" ||
    not_ok "wrong password: something was echoed"

# An independent client (Python hashlib/hmac) is admitted.
out=$("$PY" "$PEER" answer "$ECHO" "$pw" 2>&1)
printf '%s\n' "$out" | grep -qx WELCOME && printf '%s\n' "$out" | grep -qx 'ping from python' &&
    ok "independent implementation admitted and echoed" ||
    { not_ok "independent implementation admitted"; echo "$out" | sed 's/^/# /'; }

# Three wrong answers: DENIED 2, DENIED 1, DENIED 0, then the server closes;
# a fresh challenge follows each of the first two.
out=$("$PY" "$PEER" answer "$ECHO" "$pw" --wrong 5 2>&1)
[ "$(printf '%s\n' "$out" | grep -c '^CHALLENGE ')" -eq 3 ] &&
    [ "$(printf '%s\n' "$out" | grep '^DENIED' | tr '\n' ' ')" = "DENIED 2 DENIED 1 DENIED 0 " ] &&
    [ "$(printf '%s\n' "$out" | tail -n 1)" = EOF ] && ! printf '%s\n' "$out" | grep -q WELCOME &&
    ok "bounded tries: 3 denials with fresh challenges, then closed" ||
    { not_ok "bounded tries"; echo "$out" | sed 's/^/# /'; }
chs=$(printf '%s\n' "$out" | grep '^CHALLENGE ' | awk '{print $2}' | sort -u | wc -l)
[ "$chs" -eq 3 ] && ok "each attempt gets a distinct challenge" || not_ok "distinct challenges: $chs"

# One wrong answer, then the right one: admitted (tries are per connection).
out=$("$PY" "$PEER" answer "$ECHO" "$pw" --wrong 2 2>&1)
printf '%s\n' "$out" | grep -qx WELCOME && ok "admitted after two wrong answers within the bound" ||
    { not_ok "admitted after wrong answers"; echo "$out" | sed 's/^/# /'; }

# Silence past --auth-timeout: TIMEOUT and close.
t0=$(date +%s)
out=$(timeout 20 "$PY" "$PEER" silent "$ECHO" 2>&1)
t1=$(date +%s)
printf '%s\n' "$out" | grep -qx TIMEOUT && [ "$(printf '%s\n' "$out" | tail -n 1)" = EOF ] &&
    [ $((t1 - t0)) -le 6 ] && ok "silent client dropped after the deadline" ||
    { not_ok "auth deadline"; echo "$out" | sed 's/^/# /'; }

# A stored key (hash-password) works on the server; the plaintext client matches it.
"$DEMO" hash-password --password-file "$pw" --iterations 20000 >"$demo_tmp/key" 2>/dev/null
chmod 600 "$demo_tmp/key"
grep -Eq '^pbkdf2-sha256\$20000\$[0-9a-f]{32}\$[0-9a-f]{64}$' "$demo_tmp/key" &&
    ! grep -q 'horse' "$demo_tmp/key" && ok "hash-password writes a stored key, not the password" ||
    not_ok "hash-password output: $(cat "$demo_tmp/key")"
demo_start s2 --listen 127.0.0.1:0 --password-file "$demo_tmp/key"
check "server with a stored key admits the password" \
    "$DEMO" client --direct --connect "$ECHO" --password-file "$pw" --message hi
if "$DEMO" client --direct --connect "$ECHO" --password-file "$bad" --message hi >/dev/null 2>&1; then
	not_ok "server with a stored key refuses a wrong password"
else
	ok "server with a stored key refuses a wrong password"
fi

# Loopback only.
for a in 0.0.0.0:0 '[::]:0' 192.0.2.1:0; do
	if timeout 5 "$DEMO" serve --listen "$a" --password-file "$pw" >"$demo_tmp/nl.out" 2>&1; then
		not_ok "refuses to listen on $a"
	else
		grep -q 'non-loopback' "$demo_tmp/nl.out" && ok "refuses to listen on $a" ||
		    not_ok "refuses to listen on $a: $(cat "$demo_tmp/nl.out")"
	fi
done

# A line longer than the limit is refused, not buffered forever.
out=$("$PY" - "$ECHO" <<'PYEOF'
import socket, sys
h, p = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((h, int(p)), timeout=10)
s.sendall(b"A" * 10000)
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print(data.decode().splitlines()[-1])
PYEOF
)
[ "$out" = "ERROR line too long" ] && ok "over-long line refused and closed" || not_ok "over-long line: $out"

demo_done
