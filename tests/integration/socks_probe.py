#!/usr/bin/env python3
"""Send one SOCKS request and print the reply code (hex), for reply-code tests.

socks_probe.py PROXY_PORT HOST PORT [--user U --password P] [--v4a] [--resolve]
Prints e.g. "rep=05" (SOCKS5) or "rep=5b" (SOCKS4); exits 0 if a reply came.
"""
import argparse, ipaddress, socket, struct, sys


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed after %d of %d bytes" % (len(b), n))
        b += c
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("proxy_port", type=int)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--user")
    ap.add_argument("--password", default="")
    ap.add_argument("--v4a", action="store_true")
    ap.add_argument("--resolve", action="store_true")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    s = socket.create_connection(("127.0.0.1", a.proxy_port), timeout=a.timeout)
    if a.v4a:
        s.sendall(struct.pack("!BBH", 4, 1, a.port) + bytes([0, 0, 0, 1]) +
                  (a.user or "").encode() + b"\0" + a.host.encode() + b"\0")
        r = recv_exact(s, 8)
        print("rep=%02x" % r[1])
        return
    if a.user is not None:
        s.sendall(b"\x05\x01\x02")
        assert recv_exact(s, 2) == b"\x05\x02"
        u, p = a.user.encode(), a.password.encode()
        s.sendall(bytes([1, len(u)]) + u + bytes([len(p)]) + p)
        assert recv_exact(s, 2)[1] == 0
    else:
        s.sendall(b"\x05\x01\x00")
        assert recv_exact(s, 2) == b"\x05\x00"
    try:
        ip = ipaddress.ip_address(a.host)
        addr = (b"\x01" if ip.version == 4 else b"\x04") + ip.packed
    except ValueError:
        addr = b"\x03" + bytes([len(a.host)]) + a.host.encode()
    cmd = 0xF0 if a.resolve else 1
    s.sendall(bytes([5, cmd, 0]) + addr + struct.pack("!H", a.port))
    r = recv_exact(s, 4)
    print("rep=%02x" % r[1])
    if r[3] == 1:
        b = recv_exact(s, 6)
        if a.resolve:
            print("addr=%s" % socket.inet_ntop(socket.AF_INET, b[:4]))
    elif r[3] == 4:
        b = recv_exact(s, 18)
        if a.resolve:
            print("addr=%s" % socket.inet_ntop(socket.AF_INET6, b[:16]))


if __name__ == "__main__":
    try:
        main()
    except (EOFError, OSError) as e:
        print("error=%s" % e)
        sys.exit(1)
