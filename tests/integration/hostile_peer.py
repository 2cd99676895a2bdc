#!/usr/bin/env python3
"""Hostile clients against one listening port (tests/integration/net_hostile.sh).

hostile_peer.py KIND ADDR [--trickle N] [--interval S] [--duration S]
                [--ready FILE] [--flood-bytes N]

KIND is what listens at ADDR: socks, http (HTTP CONNECT), dir (directory
HTTP), control (ADDR is a Unix socket path or host:port) or or (TLS link).
Every connection plays one scenario:

  garbage    4 KiB of random bytes at once, then wait
  flood      random bytes as fast as the server takes them (up to
             --flood-bytes), then wait
  truncated  the start of a valid handshake, then silence
  trickle    a valid handshake that never ends: one byte (or, for KIND or,
             one VPADDING cell inside TLS) every --interval seconds; the
             slow-loris attack, which an inactivity timeout alone misses
  hello      (or only) the TLS ClientHello itself trickled byte by byte

It runs until the server has closed every connection or --duration
passes, then prints one JSON object: per scenario the connections opened,
closed by the server, still open, the longest any stayed open (s), and
for flood the bytes the server accepted.  --ready FILE is written once all
trickle connections are open, so the caller can sample memory then.
"""
import argparse
import json
import os
import selectors
import socket
import ssl
import sys
import time

VPADDING = b"\x00\x00\x80\x00\x00"	# CircID[2]=0 VPADDING, Length 0


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_hello():
    """The bytes a TLS client sends first."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = tls_context().wrap_bio(inc, out)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def prefixes(kind):
    """(truncated prefix, endless trickle generator) for kind."""
    if kind == "socks":
        trunc = b"\x05\x01\x00\x05\x01\x00\x03\x20abcde"
        body = b"\x05\x01\x00" + b"\x05\x01\x00\x03\xff" + b"a" * 255 + b"\x00\x50"
    elif kind == "http":
        trunc = b"CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n"
        body = b"CONNECT 127.0.0.1:80 HTTP/1.1\r\nX-Slow: " + b"a" * 100000
    elif kind == "dir":
        trunc = b"GET /tor/status-vote/current/consensus HTTP/1.0\r\n"
        body = b"GET /tor/status-vote/current/consensus HTTP/1.0\r\nX-Slow: " + b"a" * 100000
    elif kind == "control":
        trunc = b"PROTOCOLINFO"
        body = b"\r\n" * 100000	# empty lines: ignored, even before auth
    elif kind == "or":
        hello = client_hello()
        trunc = hello[: len(hello) // 2]
        body = hello
    else:
        raise SystemExit("unknown kind " + kind)

    def gen():
        for i in range(len(body)):
            yield body[i:i + 1]
    return trunc, gen


class Conn:
    def __init__(self, scen, sock, now):
        self.scen = scen
        self.sock = sock
        self.opened = now
        self.closed = None
        self.pending = b""
        self.gen = None
        self.next_at = now
        self.sent = 0


def connect(addr, timeout=10):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind")
    ap.add_argument("addr")
    ap.add_argument("--trickle", type=int, default=20)
    ap.add_argument("--truncated", type=int, default=3)
    ap.add_argument("--garbage", type=int, default=3)
    ap.add_argument("--flood", type=int, default=1)
    ap.add_argument("--flood-bytes", type=int, default=8 << 20)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--duration", type=float, default=70.0)
    ap.add_argument("--ready")
    a = ap.parse_args()

    trunc, trickle_gen = prefixes(a.kind)
    plan = [("garbage", a.garbage), ("flood", a.flood), ("truncated", a.truncated),
            ("trickle", a.trickle)]
    if a.kind == "or":
        plan.append(("hello", max(1, a.truncated)))
    sel = selectors.DefaultSelector()
    conns, failed = [], {}
    start = time.monotonic()
    for scen, n in plan:
        for _ in range(n):
            now = time.monotonic()
            try:
                s = connect(a.addr)
                if a.kind == "or" and scen == "trickle":
                    # TLS up, then VPADDING cells, never VERSIONS.
                    s = tls_context().wrap_socket(s)
            except (OSError, ssl.SSLError):
                failed[scen] = failed.get(scen, 0) + 1
                continue
            s.setblocking(False)
            c = Conn(scen, s, now)
            if scen == "garbage":
                c.pending = os.urandom(4096)
            elif scen == "flood":
                c.pending = os.urandom(64 * 1024)
            elif scen == "truncated":
                c.pending = trunc
            elif scen == "trickle" and a.kind == "or":
                c.gen = iter(lambda: VPADDING, None)
            else:	# trickle, hello
                c.gen = trickle_gen()
            conns.append(c)
            sel.register(s, selectors.EVENT_READ, c)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % sum(1 for c in conns if c.scen == "trickle"))

    def close(c, now):
        if c.closed is None:
            c.closed = now
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()

    deadline = start + a.duration
    while time.monotonic() < deadline:
        live = [c for c in conns if c.closed is None]
        if not live:
            break
        now = time.monotonic()
        for c in live:
            # What is due to send now.
            if not c.pending and c.gen is not None and now >= c.next_at:
                c.pending = next(c.gen, b"")
                c.next_at = now + a.interval
            if c.scen == "flood" and not c.pending and c.sent < a.flood_bytes:
                c.pending = os.urandom(64 * 1024)
            if c.pending:
                try:
                    n = c.sock.send(c.pending)
                    c.sent += n
                    c.pending = c.pending[n:]
                except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
                except (OSError, ssl.SSLError):
                    close(c, now)
        for key, _ in sel.select(timeout=0.05 if any(c.scen == "flood" and c.closed is None
                                                       for c in conns) else 0.5):
            c = key.data
            try:
                b = c.sock.recv(65536)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except (OSError, ssl.SSLError):
                b = b""
            if not b:
                close(c, time.monotonic())
    end = time.monotonic()
    out = {}
    for scen, n in plan:
        cs = [c for c in conns if c.scen == scen]
        done = [c for c in cs if c.closed is not None]
        out[scen] = {
            "opened": len(cs),
            "connect_failed": failed.get(scen, 0),
            "closed": len(done),
            "still_open": len(cs) - len(done),
            "max_open_s": round(max([c.closed - c.opened for c in done] or [0]), 1),
            "min_open_s": round(min([c.closed - c.opened for c in done] or [0]), 1),
            "bytes_sent": sum(c.sent for c in cs),
        }
    out["elapsed_s"] = round(end - start, 1)
    for c in conns:
        close(c, end)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
