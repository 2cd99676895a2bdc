#!/usr/bin/env python3
"""Descriptor uploads for the directory tests: replays and forgeries.

  desc_upload.py raw AUTH FILE
      POST FILE to AUTH (host:port) as it is (a replay when FILE is an
      upload that already went through).
  desc_upload.py resign AUTH FILE SEEDFILE|random OUT
      Ask AUTH for a fresh challenge, put it and the current time into
      the descriptor in FILE, sign it with the Ed25519 seed in SEEDFILE
      (32 raw bytes, a relay's keys/identity_ed25519) or with a random
      key ("random": a forgery, the fingerprint line still names the
      relay), write the document to OUT and POST it.

Prints "STATUS reason" (the authority's one-line answer).  Loopback only.
"""
import base64, hashlib, http.client, ipaddress, re, sys, time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX = b"tord router descriptor signature v1"
SIGKW = b"router-sig-ed25519 "


def conn(auth):
    host, port = auth.rsplit(":", 1)
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("loopback addresses only")
    return http.client.HTTPConnection(host, int(port), timeout=15)


def request(auth, method, path, body=None):
    c = conn(auth)
    c.request(method, path, body=body, headers={"Connection": "close"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def post(auth, doc):
    status, data = request(auth, "POST", "/tord/descriptor", doc)
    line = data.decode("ascii", "replace").splitlines()
    print(status, line[0] if line else "")


def resign(auth, doc, seed, out):
    status, data = request(auth, "GET", "/tord/challenge")
    m = re.fullmatch(rb"nonce ([0-9a-f]{64})\n", data)
    if status != 200 or not m:
        sys.exit("no challenge: %d %r" % (status, data[:80]))
    body = doc[:doc.index(SIGKW) + len(SIGKW)]
    body = re.sub(rb"(?m)^challenge [0-9a-fA-F]+$", b"challenge " + m.group(1), body)
    # One second ahead: strictly newer than the relay's own upload this second.
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 1)).encode()
    body = re.sub(rb"(?m)^published .*$", b"published " + now, body)
    key = (Ed25519PrivateKey.generate() if seed == "random" else
           Ed25519PrivateKey.from_private_bytes(open(seed, "rb").read()))
    sig = key.sign(hashlib.sha256(PREFIX + body).digest())
    signed = body + base64.b64encode(sig) + b"\n"
    open(out, "wb").write(signed)
    post(auth, signed)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "raw":
        post(sys.argv[2], open(sys.argv[3], "rb").read())
    elif len(sys.argv) == 6 and sys.argv[1] == "resign":
        resign(sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4], sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
