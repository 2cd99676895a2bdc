#!/usr/bin/env python3
"""pagesrv.py: a loopback web server for the real-client tests.

  pagesrv.py --bind IP --port-file FILE --log FILE

GET /        an HTML page whose paragraph is filled in by JavaScript: the
             marker "rendered-by-js" and the page's host name appear only
             in a DOM that a browser has rendered, never in the bytes sent
GET /plain   text/plain "plain-page-ok HOST" (HOST from the Host header)
Each request is appended to the log as "METHOD PATH HOST" so a test can
see which name a client asked for.  Binds 127.0.0.0/8 only; exits by
itself after --lifetime seconds (600).
"""
import argparse
import http.server
import ipaddress
import os
import socketserver
import sys
import threading

PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>tord test page</title></head>
<body>
<p id="m">static text, no script ran</p>
<script>
document.getElementById("m").textContent =
    ["rendered", "by", "js"].join("-") + " host=" + location.hostname;
</script>
</body></html>
"""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = None

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        host = (self.headers.get("Host") or "-").rsplit(":", 1)[0]
        with open(self.log_path, "a") as f:
            f.write("GET %s %s\n" % (self.path, host))
        if self.path == "/":
            body, ctype = PAGE, "text/html; charset=utf-8"
        elif self.path == "/plain":
            body, ctype = ("plain-page-ok %s\n" % host).encode(), "text/plain"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=600)
    a = ap.parse_args()
    if not ipaddress.ip_address(a.bind).is_loopback:
        sys.exit("pagesrv: refusing to bind a non-loopback address")
    Handler.log_path = a.log
    open(a.log, "a").close()
    srv = Server((a.bind, 0), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    threading.Timer(a.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
