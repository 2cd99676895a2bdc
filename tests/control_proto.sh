#!/bin/sh
# control_proto.sh: drive the control server (tests/control_testd) over
# its Unix socket with a small Python controller and print TAP.
# Covers: commands refused before authentication (514 + close), unknown
# commands (510), over-long lines (510 + close), SAFECOOKIE, wrong cookie
# and replayed AUTHENTICATE (515), the failure lockout, GETINFO (single,
# data reply, 551, 552), SETEVENTS/BW, SIGNAL, the client limit, the
# HASHEDPASSWORD challenge-response (independent S2K in Python), python3-
# stem, and that neither the cookie nor the password crosses the socket.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=${PYTHON3:-python3}
if ! "$PY" -c 'import socket, hmac, hashlib' 2>/dev/null; then
	echo "1..0 # SKIP no python3"; exit 0
fi
testd="$b/tests/control_testd"
if [ ! -x "$testd" ]; then echo "1..0 # SKIP control_testd not built"; exit 0; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tord-ctl.XXXXXX") || exit 1
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

start() { # name mode [hash]
	mkdir -p "$tmp/$1"
	"$testd" "$tmp/$1/control.sock" "$tmp/$1" "$2" "${3:-}" "$tmp/$1/ready" \
	    2>"$tmp/$1/log" &
	pids="$pids $!"
	i=0
	while [ ! -e "$tmp/$1/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
start cookie cookie
# "s3cret", salt 0102030405060708, c = 0x60: checked against Python's S2K below.
pwhash=$("$PY" - <<'EOF'
import hashlib
salt = bytes(range(1, 9)); c = 0x60; pw = b"s3cret"
count = (16 + (c & 15)) << ((c >> 4) + 6)
data = (salt + pw) * (count // len(salt + pw) + 1)
print("16:" + (salt + bytes([c]) + hashlib.sha1(data[:count]).digest()).hex().upper())
EOF
)
start pw password "$pwhash"

"$PY" - "$tmp" <<'EOF'
import hashlib, hmac, os, socket, sys, time
tmp = sys.argv[1]
n = 0
failed = 0
captured = bytearray()

def ok(cond, name):
    global n, failed
    n += 1
    print(("ok %d - %s" % (n, name)) if cond else ("not ok %d - %s" % (n, name)))
    if not cond:
        failed += 1
    sys.stdout.flush()

class C:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(5)
        self.s.connect(path)
        self.buf = b""
    def send(self, line):
        data = line if isinstance(line, bytes) else (line + "\r\n").encode()
        captured.extend(data)
        self.s.sendall(data)
    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            captured.extend(d)
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l.decode()
    def reply(self):
        lines = []
        while True:
            l = self.line()
            lines.append(l)
            if l[3:4] == "+":
                while True:
                    d = self.line()
                    lines.append(d)
                    if d == ".":
                        break
            elif l[3:4] == " ":
                return lines
    def cmd(self, line):
        self.send(line)
        return self.reply()
    def closed(self):
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
                captured.extend(d)
        except (socket.timeout, OSError):
            return False
    def close(self):
        self.s.close()

def kv(line):
    out = {}
    for w in line.split(" "):
        if "=" in w:
            k, v = w.split("=", 1)
            out[k] = v
    return out

ck = os.path.join(tmp, "cookie", "control.sock")
cookie = open(os.path.join(tmp, "cookie", "control_auth_cookie"), "rb").read()
SK = b"Tor safe cookie authentication server-to-controller hash"
CK = b"Tor safe cookie authentication controller-to-server hash"

def challenge(c, method, secret, sk, ckey):
    cn = os.urandom(32)
    r = c.cmd("AUTHCHALLENGE %s %s" % (method, cn.hex()))
    assert r[-1].startswith("250 AUTHCHALLENGE "), r
    f = kv(r[-1])
    sn = bytes.fromhex(f["SERVERNONCE"])
    if method == "HASHEDPASSWORD":
        s2k = bytes.fromhex(f["S2K"])
        salt, cc = s2k[:8], s2k[8]
        count = (16 + (cc & 15)) << ((cc >> 4) + 6)
        data = (salt + secret) * (count // len(salt + secret) + 1)
        secret = hashlib.sha1(data[:count]).digest()
    server_ok = hmac.compare_digest(
        hmac.new(sk, secret + cn + sn, hashlib.sha256).hexdigest(), f["SERVERHASH"].lower())
    return server_ok, hmac.new(ckey, secret + cn + sn, hashlib.sha256).hexdigest()

def authed(path=ck):
    c = C(path)
    c.cmd("PROTOCOLINFO 1")
    good, h = challenge(c, "SAFECOOKIE", cookie, SK, CK)
    r = c.cmd("AUTHENTICATE " + h)
    assert r == ["250 OK"], r
    return c

# PROTOCOLINFO
c = C(ck)
r = c.cmd("PROTOCOLINFO 1")
ok(r[0] == "250-PROTOCOLINFO 1" and r[-1] == "250 OK", "PROTOCOLINFO answered before auth")
ok(any(l.startswith("250-AUTH METHODS=SAFECOOKIE COOKIEFILE=\"") and "control_auth_cookie" in l
       for l in r), "PROTOCOLINFO advertises SAFECOOKIE and the cookie file")
ok(any(l.startswith("250-VERSION Tor=\"") for l in r), "PROTOCOLINFO gives the version")
r = c.cmd("GETINFO version")
ok(r == ["514 Authentication required."], "GETINFO before auth: 514")
ok(c.closed(), "... and the connection is closed")

c = C(ck)
ok(c.cmd("FROBNICATE") == ["514 Authentication required."] and c.closed(),
   "unknown command before auth: 514 and closed")
c = C(ck)
ok(c.cmd("SETEVENTS BW") == ["514 Authentication required."] and c.closed(),
   "SETEVENTS before auth: 514 and closed")
c = C(ck)
c.cmd("PROTOCOLINFO 1")
ok(c.cmd("PROTOCOLINFO 1") == ["514 Authentication required."] and c.closed(),
   "second PROTOCOLINFO before auth refused")

# Over-long line.
c = C(ck)
c.send(b"GETINFO " + b"x" * 5000 + b"\r\n")
r = c.reply()
ok(r[0].startswith("510 ") and c.closed(), "over-long line: 510 and closed")

# Good SAFECOOKIE.
c = C(ck)
c.cmd("PROTOCOLINFO 1")
good, h = challenge(c, "SAFECOOKIE", cookie, SK, CK)
ok(good, "SERVERHASH proves the server knows the cookie")
ok(c.cmd("AUTHENTICATE " + h) == ["250 OK"], "SAFECOOKIE AUTHENTICATE: 250 OK")
r = c.cmd("FROBNICATE x")
ok(r[0].startswith("510 "), "unknown command after auth: 510")
r = c.cmd("GETINFO version process/pid uptime traffic/read traffic/written")
ok(len(r) == 6 and r[0].startswith("250-version=") and r[-1] == "250 OK",
   "GETINFO of several keys")
ok(r[1].startswith("250-process/pid=") and r[1].split("=", 1)[1].isdigit(),
   "GETINFO process/pid")
r = c.cmd("GETINFO test/lines")
ok(r == ["250+test/lines=", "first", "..dotted", "last", ".", "250 OK"],
   "multi-line value as a dot-stuffed data reply")
r = c.cmd("GETINFO version no/such/key")
ok(r[0].startswith("552 ") and len(r) == 1, "unknown GETINFO key: 552 and nothing else")
ok(c.cmd("GETINFO test/fail")[0].startswith("551 "), "failing provider: 551")
r = c.cmd("GETINFO status/bootstrap-phase")
ok(r[0] == '250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"',
   "status/bootstrap-phase")
ok(c.cmd("GETCONF Nickname ControlPort") == ["250-Nickname=testnode", "250 ControlPort"],
   "GETCONF")
ok(c.cmd("GETCONF Bogus")[0].startswith("552 "), "GETCONF unknown key: 552")
ok(c.cmd("SIGNAL NEWNYM") == ["250 OK"], "SIGNAL NEWNYM")
ok(c.cmd("GETINFO test/newnyms") == ["250-test/newnyms=1", "250 OK"],
   "the registered NEWNYM handler ran")
ok(c.cmd("SIGNAL DUMP")[0].startswith("552 "), "SIGNAL without a handler: 552")
ok(c.cmd("SIGNAL BOGUS")[0].startswith("552 "), "unknown SIGNAL: 552")
ok(c.cmd("SETEVENTS FOO")[0].startswith("552 "), "unknown event: 552")
ok(c.cmd("SETEVENTS BW STATUS_CLIENT") == ["250 OK"], "SETEVENTS BW STATUS_CLIENT")
ev = c.reply()
ok(len(ev) == 1 and ev[0].startswith("650 BW ") and len(ev[0].split()) == 4,
   "a 650 BW event arrives")
c.send("SIGNAL RELOAD")
got = [c.reply() for _ in range(2)]
flat = [l for r in got for l in r if not l.startswith("650 BW")]
# A BW event may come in between: read until both are seen.
t = time.time()
while not ("250 OK" in flat and any("BOOTSTRAP PROGRESS=50" in l for l in flat)) and time.time() - t < 5:
    flat += [l for l in c.reply() if not l.startswith("650 BW")]
ok("250 OK" in flat and
   '650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=50 TAG=reloaded SUMMARY="Reloaded \\"config\\""' in flat,
   "STATUS_CLIENT bootstrap event with a quoted summary")
c.cmd("SETEVENTS")
ok(c.cmd("QUIT") == ["250 closing connection"] and c.closed(), "QUIT")

# The client limit (4): the fifth connection is refused.
cs = [C(ck) for _ in range(4)]
for x in cs:
    x.cmd("PROTOCOLINFO 1")
extra = C(ck)
ok(extra.reply()[0].startswith("451 ") and extra.closed(), "connection over the limit: 451")
for x in cs:
    x.close()
time.sleep(0.2)

# Replay of an old AUTHENTICATE against a new server nonce.
c = C(ck)
_, old = challenge(c, "SAFECOOKIE", cookie, SK, CK)
c.close()
c = C(ck)
challenge(c, "SAFECOOKIE", cookie, SK, CK)
r = c.cmd("AUTHENTICATE " + old)
ok(r[0].startswith("515 ") and c.closed(), "replayed AUTHENTICATE: 515 and closed")
# Wrong cookie.
c = C(ck)
good, h = challenge(c, "SAFECOOKIE", os.urandom(32), SK, CK)
ok(not good, "a wrong cookie does not verify SERVERHASH")
ok(c.cmd("AUTHENTICATE " + h)[0].startswith("515 ") and c.closed(), "wrong cookie: 515")
# A plain AUTHENTICATE (cookie or password on the wire) is refused.
c = C(ck)
ok(c.cmd("AUTHENTICATE " + "00" * 32)[0].startswith("515 ") and c.closed(),
   "AUTHENTICATE without AUTHCHALLENGE: 515")
# Fourth failure: even the right answer is refused for a while.
c = C(ck)
challenge(c, "SAFECOOKIE", os.urandom(32), SK, CK)
c.cmd("AUTHENTICATE " + "11" * 32)
c = C(ck)
_, h = challenge(c, "SAFECOOKIE", cookie, SK, CK)
r = c.cmd("AUTHENTICATE " + h)
ok(r[0].startswith("515 ") and "retry later" in r[0], "repeated failures lock authentication out")
time.sleep(1.2)
c = C(ck)
_, h = challenge(c, "SAFECOOKIE", cookie, SK, CK)
ok(c.cmd("AUTHENTICATE " + h) == ["250 OK"], "the lockout ends")
c.close()

# Hashed password challenge-response.
pw = os.path.join(tmp, "pw", "control.sock")
PSK = b"tord hashed password authentication server-to-controller hash"
PCK = b"tord hashed password authentication controller-to-server hash"
c = C(pw)
r = c.cmd("PROTOCOLINFO 1")
ok("250-AUTH METHODS=HASHEDPASSWORD" in r, "PROTOCOLINFO advertises HASHEDPASSWORD")
ok(c.cmd("AUTHCHALLENGE SAFECOOKIE " + "00" * 32)[0].startswith("513 "),
   "SAFECOOKIE challenge on a password node: 513")
c = C(pw)
good, h = challenge(c, "HASHEDPASSWORD", b"s3cret", PSK, PCK)
ok(good, "SERVERHASH verifies with the right password")
ok(c.cmd("AUTHENTICATE " + h) == ["250 OK"], "password challenge-response: 250 OK")
ok(c.cmd("GETINFO version")[0].startswith("250-version="), "GETINFO after password auth")
c.close()
c = C(pw)
good, h = challenge(c, "HASHEDPASSWORD", b"wrong", PSK, PCK)
ok(not good, "a wrong password does not verify SERVERHASH")
ok(c.cmd("AUTHENTICATE " + h)[0].startswith("515 ") and c.closed(), "wrong password: 515")
c = C(pw)
c.send('AUTHENTICATE "s3cret"')  # what a naive controller would do
ok(c.reply()[0].startswith("515 ") and c.closed(), "plain password AUTHENTICATE refused")
captured_wo_plain = bytes(captured).replace(b'AUTHENTICATE "s3cret"', b"")

ok(cookie not in captured and cookie.hex().encode() not in captured and
   cookie.hex().upper().encode() not in captured, "the cookie never crossed the socket")
ok(b"s3cret" not in captured_wo_plain, "the password never crossed the socket (challenge-response)")

# python3-stem authenticates by SAFECOOKIE and reads GETINFO.
try:
    import stem.control
    import stem.version
    have_stem = True
except ImportError:
    have_stem = False
if have_stem:
    try:
        with stem.control.Controller.from_socket_file(ck) as ctl:
            ctl.authenticate()
            v = ctl.get_info("version")
            p = ctl.get_info("process/pid")
        ok(v != "" and p.isdigit(), "python3-stem: SAFECOOKIE and GETINFO")
        ok(stem.version.Version(v) >= stem.version.Version("0.4.0.0") and "(tord-" in v,
           "python3-stem parses GETINFO version as a Tor version (%s)" % v)
    except Exception as e:
        ok(False, "python3-stem: %r" % (e,))
else:
    n += 1
    print("ok %d # SKIP python3-stem not installed" % n)

# SIGNAL SHUTDOWN ends the daemon after the reply.
c = authed()
ok(c.cmd("SIGNAL SHUTDOWN") == ["250 OK"], "SIGNAL SHUTDOWN answered")
ok(c.closed(), "... and the daemon closes the connection")
t = time.time()
while os.path.exists(ck) and time.time() - t < 5:
    time.sleep(0.05)
ok(not os.path.exists(ck), "the socket is removed at exit")
ok(not os.path.exists(os.path.join(tmp, "cookie", "control_auth_cookie")),
   "the cookie file is removed at exit")
print("1..%d" % n)
sys.exit(1 if failed else 0)
EOF
rc=$?
# The daemons' logs must be free of sanitizer reports (they exit at SHUTDOWN or SIGTERM).
for p in $pids; do kill "$p" 2>/dev/null; done
sleep 0.3
if grep -l -E "Sanitizer|runtime error" "$tmp"/*/log >/dev/null 2>&1; then
	echo "not ok - sanitizer report in control_testd log"
	grep -h -A20 -E "Sanitizer|runtime error" "$tmp"/*/log | sed 's/^/# /' | head -40
	rc=1
fi
exit $rc
