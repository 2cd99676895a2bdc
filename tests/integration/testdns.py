#!/usr/bin/env python3
"""testdns.py: a tiny authoritative DNS server for integration tests.

  testdns.py --bind IP --port N --zone NAME --answer IP4 --log FILE [--ready FILE]

Answers UDP queries (and TCP, length-prefixed) for NAME and every name
under it: A with IP4, AAAA with no data (NOERROR, empty answer); every
other name is NXDOMAIN.  Each query is appended to FILE as
"QNAME QTYPE PEERIP" so a test can see which names reached the server.
Binds 127.0.0.0/8 only; exits by itself after --lifetime seconds (600).
"""
import argparse
import ipaddress
import os
import selectors
import socket
import struct
import sys
import time


def parse_question(msg):
    """Return (id, flags, qname, qtype, end of question) or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1 or flags & 0x8000:
        return None
    labels, i = [], 12
    while True:
        if i >= len(msg):
            return None
        n = msg[i]
        i += 1
        if n == 0:
            break
        if n & 0xC0 or i + n > len(msg):
            return None
        labels.append(msg[i:i + n].decode("ascii", "replace"))
        i += n
    if i + 4 > len(msg):
        return None
    qtype, _qclass = struct.unpack("!HH", msg[i:i + 4])
    return qid, flags, ".".join(labels), qtype, i + 4


def answer(msg, zone, addr, log, peer):
    q = parse_question(msg)
    if q is None:
        return None
    qid, flags, qname, qtype, end = q
    with open(log, "a") as f:
        f.write("%s %d %s\n" % (qname.lower(), qtype, peer))
    name = qname.lower().rstrip(".")
    inzone = name == zone or name.endswith("." + zone)
    rd = flags & 0x0100
    an = b""
    if inzone and qtype == 1:
        # Pointer to the question name, type A, class IN, TTL 5.
        an = struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + addr
    rcode = 0 if inzone else 3
    hdr = struct.pack("!HHHHHH", qid, 0x8400 | rd | rcode, 1, 1 if an else 0, 0, 0)
    return hdr + msg[12:end] + an


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--answer", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready")
    ap.add_argument("--lifetime", type=float, default=600)
    a = ap.parse_args()
    if not ipaddress.ip_address(a.bind).is_loopback:
        sys.exit("testdns: refusing to bind a non-loopback address")
    zone = a.zone.lower().rstrip(".")
    addr = socket.inet_aton(a.answer)
    open(a.log, "a").close()

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((a.bind, a.port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((a.bind, a.port))
    tcp.listen(8)
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ)
    sel.register(tcp, selectors.EVENT_READ)
    if a.ready:
        with open(a.ready + ".tmp", "w") as f:
            f.write("%s:%d\n" % (a.bind, a.port))
        os.rename(a.ready + ".tmp", a.ready)

    deadline = time.monotonic() + a.lifetime
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is udp:
                msg, peer = udp.recvfrom(4096)
                r = answer(msg, zone, addr, a.log, peer[0])
                if r is not None:
                    udp.sendto(r, peer)
                continue
            c, peer = tcp.accept()
            c.settimeout(5)
            try:
                n = struct.unpack("!H", c.recv(2, socket.MSG_WAITALL))[0]
                r = answer(c.recv(n, socket.MSG_WAITALL), zone, addr, a.log, peer[0])
                if r is not None:
                    c.sendall(struct.pack("!H", len(r)) + r)
            except (OSError, struct.error):
                pass
            finally:
                c.close()


if __name__ == "__main__":
    main()
