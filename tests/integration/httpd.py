#!/usr/bin/env python3
"""Loopback HTTP server for integration tests.

GET  /bytes/N     N deterministic bytes (sha256 is reproducible by the test)
GET  /slow/N      N bytes, slowly (for stalled-reader tests)
POST /sha256      answers the sha256 of the request body
GET  /close/N     sends N bytes of a longer announced body, then closes
Writes its port to the file given by --port-file once listening.
Refuses to bind anything but 127.0.0.0/8 or ::1.
"""
import argparse, hashlib, http.server, ipaddress, os, socketserver, sys, threading, time

CHUNK = 1 << 16


def pattern(n):
    """Yield n bytes of a fixed pseudo-random pattern, chunk by chunk."""
    block = hashlib.sha256(b"tord-test").digest() * (CHUNK // 32)
    while n > 0:
        k = min(n, len(block))
        yield block[:k]
        n -= k


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        try:
            n = int(parts[1]) if len(parts) > 1 else 0
        except ValueError:
            n = -1
        if parts[0] not in ("bytes", "slow", "close") or n < 0:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n * 2 if parts[0] == "close" else n))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for chunk in pattern(n):
                self.wfile.write(chunk)
                if parts[0] == "slow":
                    time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        h = hashlib.sha256()
        while n > 0:
            b = self.rfile.read(min(n, CHUNK))
            if not b:
                break
            h.update(b)
            n -= len(b)
        body = (h.hexdigest() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--sha", type=int, help="print sha256 of /bytes/N and exit")
    a = ap.parse_args()
    if a.sha is not None:
        h = hashlib.sha256()
        for c in pattern(a.sha):
            h.update(c)
        print(h.hexdigest())
        return
    if not ipaddress.ip_address(a.bind).is_loopback:
        sys.exit("httpd.py: refusing to bind a non-loopback address")
    if ":" in a.bind:
        Server.address_family = __import__("socket").AF_INET6
    srv = Server((a.bind, a.port), Handler)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
