#!/usr/bin/python3
"""bench/sink.py ADDR PORT: an HTTP upload sink for bench/run.

Accepts POST (or PUT) with a Content-Length, reads the body in 1 MiB
chunks, and answers 200 with the body's length and sha256 as
"LENGTH HEX", so the client verifies every byte it sent.  One thread per
connection; loopback only (the harness passes a 127.0.0.0/8 address).
"""
import hashlib
import socket
import socketserver
import sys


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        s.settimeout(300)
        head = b""
        while b"\r\n\r\n" not in head:
            c = s.recv(65536)
            if not c:
                return
            head += c
            if len(head) > 65536:
                return
        hdr, rest = head.split(b"\r\n\r\n", 1)
        length = None
        for line in hdr.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        if length is None:
            s.sendall(b"HTTP/1.0 411 Length Required\r\nContent-Length: 0\r\n\r\n")
            return
        h = hashlib.sha256(rest)
        got = len(rest)
        buf = bytearray(1 << 20)
        mv = memoryview(buf)
        while got < length:
            n = s.recv_into(buf, min(len(buf), length - got))
            if n == 0:
                break
            h.update(mv[:n])
            got += n
        body = ("%d %s\n" % (got, h.hexdigest())).encode()
        s.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    with Server((addr, port), Handler) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
