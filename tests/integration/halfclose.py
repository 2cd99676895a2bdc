#!/usr/bin/env python3
"""Half-close through SOCKS: send an HTTP request, shut down the write
side, then read the whole response.  Prints the sha256 of the body.

halfclose.py SOCKS_PORT HOST PORT PATH
"""
import hashlib, socket, struct, sys


def main():
    sport, host, port, path = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.create_connection(("127.0.0.1", sport), timeout=60)
    s.sendall(b"\x05\x01\x00")
    assert s.recv(2) == b"\x05\x00"
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode() + struct.pack("!H", port))
    rep = s.recv(10)
    if len(rep) < 2 or rep[1] != 0:
        sys.exit("socks reply %r" % rep)
    s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
    s.shutdown(socket.SHUT_WR)          # the half-close under test
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    head, _, body = data.partition(b"\r\n\r\n")
    print(hashlib.sha256(body).hexdigest())


if __name__ == "__main__":
    main()
