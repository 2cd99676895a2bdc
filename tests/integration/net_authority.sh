#!/usr/bin/env bash
# Integration: three directory authorities on loopback (no relays, no
# testnet): they publish a consensus signed by all three; a fake relay
# (dirauth_tool) registers by challenge-response, is tested for
# reachability and listed, and leaves once it stops answering; with one
# authority stopped the consensus goes on with 2 signatures; with two
# stopped no new one is made, the old one is still served and the log
# says why; a restarted authority serves its saved consensus at once.
# Also: HTTP error codes, single-use challenges, allow-list, slow senders,
# the connection cap.  TAP output.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
TORD=$top_builddir/src/tord
TOOL=$top_builddir/tests/integration/dirauth_tool
PY=/usr/bin/python3
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }
"$PY" -c 'import cryptography' 2>/dev/null || { echo "1..0 # SKIP python3 cryptography missing"; exit 0; }
[ -x "$TORD" ] && [ -x "$TOOL" ] || { echo "1..0 # SKIP tord or dirauth_tool not built"; exit 0; }

INTERVAL=10		# voting_interval, seconds
# Each authority on its own loopback address (127.90.N.1), so that none
# can meet an ephemeral port of 127.0.0.1; the port is unique per run.
PORT=$((37000 + $$ % 1000))
D=$(mktemp -d /tmp/tord-auth.XXXXXX)
declare -a PID=("" "" "" "")
relay_pid=

cleanup() {
	local i
	for i in 1 2 3; do
		[ -n "${PID[$i]}" ] && kill "${PID[$i]}" 2>/dev/null
	done
	[ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null
	for i in 1 2 3; do
		[ -n "${PID[$i]}" ] && wait "${PID[$i]}" 2>/dev/null
	done
	[ -n "$relay_pid" ] && wait "$relay_pid" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }

ip() { echo "127.90.$1.1"; }
url() { echo "http://$(ip "$1"):$PORT/tord/$2"; }

# --- configuration --------------------------------------------------------
for i in 1 2 3; do
	mkdir -m 700 "$D/a$i"
	cat >"$D/a$i.ini" <<EOF
[node]
nickname = auth$i
role = authority
data_directory = $D/a$i
log_level = info
log_target = $D/a$i.log

[authority]
dir_listen = $(ip "$i"):$PORT
voting_interval = ${INTERVAL}s
consensus_validity = 60s
fast_min_bandwidth = 0
guard_min_bandwidth = 0
stable_min_uptime = 0
guard_min_uptime = 0
reachability_timeout = 2s
descriptor_max_age = 5m
dir_timeout = 2s
dir_max_connections = 24
EOF
	FP[$i]=$("$TORD" -f "$D/a$i.ini" --fingerprint) || { echo "Bail out! no fingerprint"; exit 1; }
done
# auth3 admits only one relay, which is not ours.
echo "allow_list = $(printf 'AB%.0s' $(seq 32))" >>"$D/a3.ini"
for i in 1 2 3; do
	{
		echo "[authorities]"
		for j in 1 2 3; do echo "authority = auth$j $(ip "$j"):$PORT ${FP[$j]}"; done
	} >>"$D/a$i.ini"
done

start_auth() {
	"$TORD" --foreground -f "$D/a$1.ini" 2>>"$D/a$1.stderr" &
	PID[$1]=$!
}
stop_auth() {
	kill "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	PID[$1]=
}

# Check a consensus file: prints "VA SIGS RELAYS" where SIGS counts the
# directory-signature lines that verify (Ed25519, by one of the three
# authorities, over SHA-256(prefix | body through "directory-signature ")).
cat >"$D/verify.py" <<'EOF'
import base64, calendar, hashlib, sys, time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
doc = open(sys.argv[1], 'rb').read()
trusted = {bytes.fromhex(fp) for fp in sys.argv[2:]}
body = doc[:doc.index(b'directory-footer\n') + len(b'directory-footer\n')]
digest = hashlib.sha256(b'tord network-status signature v1' + body + b'directory-signature ').digest()
good = set()
for line in doc[len(body):].decode().splitlines():
    kw, fp, sig = line.split(' ')
    assert kw == 'directory-signature'
    key = bytes.fromhex(fp)
    if key not in trusted:
        continue
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(base64.b64decode(sig), digest)
        good.add(key)
    except Exception:
        pass
va = [l for l in body.decode().splitlines() if l.startswith('valid-after ')][0][12:]
va = calendar.timegm(time.strptime(va, '%Y-%m-%d %H:%M:%S'))
relays = sum(1 for l in body.decode().splitlines() if l.startswith('r '))
print(va, len(good), relays)
EOF

# "VA SIGS RELAYS" of the consensus authority $1 serves, or "none".
consensus_of() {
	local f="$D/c$1.$$"
	if curl -s -f -o "$f" --max-time 5 "$(url "$1" consensus)"; then
		"$PY" "$D/verify.py" "$f" "${FP[1]}" "${FP[2]}" "${FP[3]}" 2>/dev/null || echo bad
	else
		echo none
	fi
}

# Wait (bounded) until authority $1 serves a consensus matching the awk
# condition $2 over $1=VA $2=SIGS $3=RELAYS; prints the last answer.
wait_consensus() {
	local a=$1 cond=$2 limit=${3:-60} i got
	for i in $(seq 1 $((limit * 2))); do
		got=$(consensus_of "$a")
		if [ "$got" != none ] && [ "$got" != bad ] && echo "$got" | awk "{ exit !($cond) }"; then
			echo "$got"
			return 0
		fi
		sleep 0.5
	done
	echo "$got"
	return 1
}

# Raw HTTP exchange: prints the status code of the answer.
raw_status() {
	"$PY" - "$(ip "$1")" "$PORT" "$2" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(eval(sys.argv[3]))
data = b''
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except socket.timeout:
    pass
print(data.split(b' ')[1].decode() if data.startswith(b'HTTP/1.0 ') else 'none')
EOF
}

echo "1..30"
t0=$(date +%s)
for i in 1 2 3; do start_auth "$i"; done
for i in 1 2 3; do
	for j in $(seq 1 100); do
		curl -s -f -o /dev/null --max-time 2 "$(url "$i" challenge)" && break
		sleep 0.1
	done
	if ! curl -s -f -o /dev/null --max-time 2 "$(url "$i" challenge)"; then
		echo "Bail out! auth$i does not answer"
		sed 's/^/# /' "$D/a$i.log" "$D/a$i.stderr" | tail -n 20
		exit 1
	fi
done

# --- 1. three authorities agree ----------------------------------------------
got=$(wait_consensus 1 '$2 == 3' 60)
check "3 authorities publish a consensus signed by all 3 (got: $got)" test $? -eq 0
echo "# first consensus after $(( $(date +%s) - t0 )) s (voting interval $INTERVAL s)"
for i in 2 3; do
	got=$(wait_consensus "$i" '$2 == 3' 20)
	check "auth$i serves it too with 3 valid signatures (got: $got)" test $? -eq 0
done

# --- 2. HTTP ----------------------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
check "unknown path: 404" test "$(code "$(url 1 nothing/here)")" = 404
check "GET on the upload path: 405" test "$(code "$(url 1 descriptor)")" = 405
check "POST on the consensus: 405" test "$(code -X POST --data x "$(url 1 consensus)")" = 405
check "PUT: 405" test "$(raw_status 1 "b'PUT /tord/consensus HTTP/1.0\r\nContent-Length: 0\r\n\r\n'")" = 405
check "garbage: 400" test "$(raw_status 1 "b'\x16\x03\x01hello there\r\n\r\n'")" = 400
check "over-long head: 431" test "$(raw_status 1 "b'GET / HTTP/1.0\r\n' + b'X: ' + b'y' * 2000 + b'\r\n' + (b'Z: ' + b'z' * 1000 + b'\r\n') * 9 + b'\r\n'")" = 431
check "over-long request line: 414" test "$(raw_status 1 "b'GET /' + b'a' * 5000 + b' HTTP/1.0\r\n\r\n'")" = 414
check "POST without Content-Length: 411" test "$(raw_status 1 "b'POST /tord/descriptor HTTP/1.0\r\n\r\n'")" = 411
check "body over 8 KiB: 413" test "$(raw_status 1 "b'POST /tord/descriptor HTTP/1.0\r\nContent-Length: 9000\r\n\r\n' + b'a' * 9000")" = 413
check "bad vote period: 400" test "$(code "$(url 1 vote/12x)")" = 400

slowloris() {
	"$PY" - "$(ip 1)" "$PORT" <<'EOF'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
t = time.time()
try:
    # one byte per 0.5 s: never idle long enough for an idle timeout
    for c in b'GET /tord/consensus HTTP/1.0\r\nX-Slow: ' + b'a' * 200:
        s.send(bytes([c]))
        time.sleep(0.5)
        if time.time() - t > 25:
            break
    s.settimeout(1)
    print('open' if s.recv(1) else 'closed', round(time.time() - t, 1))
except (ConnectionResetError, BrokenPipeError, socket.timeout) as e:
    print('closed' if not isinstance(e, socket.timeout) else 'open', round(time.time() - t, 1))
EOF
}
got=$(slowloris)
check "a slow sender is cut off by the request deadline (dir_timeout 2s; $got s)" \
    sh -c "echo '$got' | awk '{ exit !(\$1 == \"closed\" && \$2 < 10) }'"

capped() {
	"$PY" - "$(ip 1)" "$PORT" <<'EOF'
import socket, sys
socks = []
for i in range(40):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    socks.append(s)
s = socks[-1]
try:
    data = s.recv(200)
except socket.timeout:
    data = b''
for s in socks:
    s.close()
print('503' if data.startswith(b'HTTP/1.0 503') else 'none')
EOF
}
check "over dir_max_connections: 503" test "$(capped)" = 503
check "still serving after the connection flood" test "$(code "$(url 1 consensus)")" = 200

# --- 3. registration ------------------------------------------------------------
SEED=$(printf '5e%.0s' $(seq 32))
RFP=$("$TOOL" fp "$SEED")
"$TOOL" serve "$SEED" 0 "$D/relay.port" &
relay_pid=$!
for i in $(seq 1 50); do [ -s "$D/relay.port" ] && break; sleep 0.1; done
RPORT=$(cat "$D/relay.port")

upload() {	# AUTH FILE: "<status> <body>"
	local code
	code=$(curl -s -o "$D/answer" -w '%{http_code}' --max-time 10 --data-binary @"$2" \
	    "$(url "$1" descriptor)")
	echo "$code $(head -c 200 "$D/answer")"
}
challenge() { curl -s --max-time 10 "$(url "$1" challenge)" | awk '$1 == "nonce" { print $2 }'; }

nonce=$(challenge 1)
"$TOOL" desc "$SEED" "$nonce" "$RPORT" >"$D/desc1"
r1=$(upload 1 "$D/desc1")
r2=$(upload 1 "$D/desc1")
check "upload with a fresh challenge accepted ($r1)" test "${r1%% *}" = 200
check "the same upload again refused: challenge is single-use ($r2)" \
    sh -c "echo '$r2' | grep -q '^400 .*challenge already used'"
"$TOOL" desc "$SEED" "$(printf '00%.0s' $(seq 32))" "$RPORT" >"$D/desc2"
r=$(upload 1 "$D/desc2")
check "upload with a challenge never issued refused ($r)" sh -c "echo '$r' | grep -q '^400 .*unknown challenge'"
nonce=$(challenge 2)
"$TOOL" desc "$SEED" "$nonce" "$RPORT" | sed 's/^uptime 60$/uptime 61/' >"$D/desc3"
r=$(upload 2 "$D/desc3")
check "a descriptor changed after signing is refused ($r)" sh -c "echo '$r' | grep -q '^400 .*signature'"
nonce=$(challenge 3)
"$TOOL" desc "$SEED" "$nonce" "$RPORT" >"$D/desc4"
r=$(upload 3 "$D/desc4")
check "an authority with an allow-list refuses other relays: 403 ($r)" test "${r%% *}" = 403
nonce=$(challenge 2)
"$TOOL" desc "$SEED" "$nonce" "$RPORT" >"$D/desc5"
r=$(upload 2 "$D/desc5")
[ "${r%% *}" = 200 ] || echo "# upload to auth2: $r"
check "the accepted descriptor is served back byte for byte" \
    sh -c "curl -s --max-time 10 '$(url 1 "descriptor/$RFP")' | cmp -s - '$D/desc1'"

# An impostor: its descriptor names another identity, but the OR port it
# lists answers with the first relay's certificate.
SEED2=$(printf '6f%.0s' $(seq 32))
RFP2=$("$TOOL" fp "$SEED2")
imp_ok=0
for a in 1 2; do
	nonce=$(challenge "$a")
	"$TOOL" desc "$SEED2" "$nonce" "$RPORT" >"$D/desc-imp$a"
	r=$(upload "$a" "$D/desc-imp$a")
	[ "${r%% *}" = 200 ] && imp_ok=$((imp_ok + 1)) || echo "# impostor upload to auth$a: $r"
done
tu=$(date +%s)

# Listed by auth1 and auth2 (2 of 3 votes): in the consensus once reachable.
got=$(wait_consensus 1 "\$3 >= 1 && \$2 == 3 && \$1 >= $tu + $INTERVAL" 60)
check "the reachable relay is listed in the consensus ($got)" \
    sh -c "curl -s --max-time 5 '$(url 1 consensus)' | grep -q '^r fakerelay $RFP '"
check "a relay whose OR port proves another identity is not ($imp_ok uploads accepted)" \
    sh -c "[ $imp_ok = 2 ] || exit 1; curl -s --max-time 5 '$(url 1 consensus)' | grep -q '^r fakerelay $RFP2 ' && exit 1 || exit 0"
kill "$relay_pid"; wait "$relay_pid" 2>/dev/null; relay_pid=
t1=$(date +%s)
got=$(wait_consensus 1 '$3 == 0' 60)
check "a relay that stops answering leaves the consensus ($got, after $(( $(date +%s) - t1 )) s)" test $? -eq 0
grep -q "fakerelay at 127.0.0.1:$RPORT is not reachable" "$D/a1.log" ||
    echo "# auth1 did not log the failed reachability test"

# --- 4. reload, then one authority down ----------------------------------------------
prev=$(consensus_of 1 | awk '{ print $1 }')
for i in 1 2 3; do kill -HUP "${PID[$i]}"; done
got=$(wait_consensus 1 "\$1 > $prev && \$2 == 3" 40)
check "after SIGHUP the three go on publishing together ($got)" test $? -eq 0
prev=$(consensus_of 1 | awk '{ print $1 }')
stop_auth 3
got=$(wait_consensus 1 "\$1 > $prev && \$2 == 2" 60)
check "with auth3 stopped, a new consensus is published with 2 signatures ($got)" test $? -eq 0

# --- 5. two authorities down ---------------------------------------------------------
stop_auth 2
last=$(consensus_of 1 | awk '{ print $1 }')
for i in $(seq 1 120); do
	grep -q "has 1 of 3 signatures, need 2; keeping the one from" "$D/a1.log" && break
	sleep 0.5
done
check "with 2 of 3 stopped the log says why no consensus is published" \
    grep -q "has 1 of 3 signatures, need 2; keeping the one from" "$D/a1.log"
grep "has 1 of 3 signatures" "$D/a1.log" | head -n 1 | sed 's/^/# /'
now=$(consensus_of 1 | awk '{ print $1 }')
check "and the previous consensus is still served ($last = $now)" test "$last" = "$now"

# --- 6. restart ------------------------------------------------------------------------
stop_auth 1
start_auth 1
got=$(wait_consensus 1 "\$1 == $last" 5)
check "a restarted authority serves its saved consensus at once ($got)" test $? -eq 0

for i in 1 2 3; do
	if grep -E "ERROR: AddressSanitizer|runtime error:|LeakSanitizer" "$D/a$i.stderr" >/dev/null 2>&1; then
		echo "# sanitizer report from auth$i:"; sed 's/^/# /' "$D/a$i.stderr" | head -n 20
		fails=$((fails + 1))
	fi
done
if [ "$fails" -gt 0 ]; then
	for i in 1 2 3; do echo "# --- auth$i log (tail)"; tail -n 15 "$D/a$i.log" | sed 's/^/# /'; done
fi
[ "$fails" -eq 0 ]
