#!/usr/bin/env python3
"""demo_peer.py: an independent peer for the tord-demo tests (stdlib only).

It re-implements the client side of the demo protocol (PBKDF2-HMAC-SHA256
key, HMAC-SHA256 answer) from the man page, records and replays sessions,
and plays a tiny SOCKS5 proxy that logs what it was asked for.

  answer ADDR PWFILE [--wrong N]   authenticate (after N wrong answers)
  silent ADDR                      connect, say nothing, print what arrives
  record ADDR PORTFILE OUTPREFIX   forward one connection, log both directions
  replay ADDR LINE                 send LINE as the answer to a new challenge
  socks PORTFILE LOG               SOCKS5 (no-auth, CONNECT) proxy, logs requests
  bytes N                          sha256 of the expected /bytes/N body
"""
import hashlib
import hmac
import select
import socket
import sys
import threading


def addr(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)


def lines(sock):
    f = sock.makefile("rb")
    for raw in f:
        yield raw.decode("ascii", "replace").rstrip("\r\n")


def cmd_answer(a):
    target, pwfile = a[0], a[1]
    wrong = int(a[3]) if len(a) > 3 and a[2] == "--wrong" else 0
    pw = open(pwfile, "rb").read().split(b"\n")[0].rstrip(b"\r")
    s = socket.create_connection(addr(target), timeout=20)
    it = lines(s)
    print(next(it))
    for line in it:
        print(line, flush=True)
        if line.startswith("CHALLENGE "):
            _, ch, iters, salt = line.split()
            if wrong > 0:
                wrong -= 1
                ans = hashlib.sha256(ch.encode()).hexdigest()
            else:
                key = hashlib.pbkdf2_hmac("sha256", pw, bytes.fromhex(salt),
                                          int(iters), 32)
                ans = hmac.new(key, bytes.fromhex(ch), "sha256").hexdigest()
            s.sendall(("RESPONSE %s\n" % ans).encode())
        elif line == "WELCOME":
            s.sendall(b"ping from python\n")
            print(next(it))
            break
    print("EOF" if s.recv(1) == b"" else "OPEN")


def cmd_silent(a):
    s = socket.create_connection(addr(a[0]), timeout=30)
    for line in lines(s):
        print(line, flush=True)
    print("EOF")


def pump(src, dst, log):
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            log.write(d)
            log.flush()
            dst.sendall(d)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def listen_portfile(portfile):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    ls.settimeout(60)
    with open(portfile + ".tmp", "w") as f:
        f.write("127.0.0.1:%d\n" % ls.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    return ls


def cmd_record(a):
    target, portfile, prefix = a
    ls = listen_portfile(portfile)
    c, _ = ls.accept()
    s = socket.create_connection(addr(target), timeout=30)
    with open(prefix + ".c2s", "wb") as c2s, open(prefix + ".s2c", "wb") as s2c:
        t = threading.Thread(target=pump, args=(s, c, s2c))
        t.start()
        pump(c, s, c2s)
        t.join(30)


def cmd_replay(a):
    s = socket.create_connection(addr(a[0]), timeout=20)
    it = lines(s)
    print(next(it))
    print(next(it))
    s.sendall((a[1] + "\n").encode())
    print(next(it, "EOF"))


def socks_session(c, log):
    try:
        c.settimeout(20)
        hdr = c.recv(2)
        c.recv(hdr[1])
        c.sendall(b"\x05\x00")
        req = c.recv(4)
        atyp = req[3]
        if atyp == 1:
            host = socket.inet_ntoa(c.recv(4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, c.recv(16))
        else:
            host = c.recv(c.recv(1)[0]).decode()
        port = int.from_bytes(c.recv(2), "big")
        with open(log, "a") as f:
            f.write("atyp=%d host=%s port=%d\n" % (atyp, host, port))
        s = socket.create_connection((host, port), timeout=20)
        c.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
        t = threading.Thread(target=pump, args=(s, c, open("/dev/null", "wb")))
        t.start()
        pump(c, s, open("/dev/null", "wb"))
        t.join(30)
    except OSError:
        pass
    finally:
        c.close()


def cmd_socks(a):
    ls = listen_portfile(a[0])
    while True:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            return
        threading.Thread(target=socks_session, args=(c, a[1]), daemon=True).start()


def cmd_bytes(a):
    n = int(a[0])
    h = hashlib.sha256()
    block = bytes(i % 251 for i in range(251 * 64))
    full, rest = divmod(n, len(block))
    for _ in range(full):
        h.update(block)
    h.update(block[:rest])
    print(h.hexdigest())


if __name__ == "__main__":
    cmds = {"answer": cmd_answer, "silent": cmd_silent, "record": cmd_record,
            "replay": cmd_replay, "socks": cmd_socks, "bytes": cmd_bytes}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])
