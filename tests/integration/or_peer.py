#!/usr/bin/env python3
"""A hand-made OR client for hostile tests against one relay.

It speaks just enough of the link protocol (TLS, VERSIONS, NETINFO,
CREATE2 with ntor from tests/ref/ntor_ref.py, relay cells with tor1 from
tests/ref/relay_crypto_ref.py) to do what a real client never would.

or_peer.py flood ADDR ID ONIONKEY --circuits N [--links L] [--bind IP]
    Open L links and send N CREATE2 cells as fast as possible, spread over
    the links; wait for every answer.  Prints JSON: created, destroyed by
    reason, unanswered, elapsed seconds.
or_peer.py sendme ADDR ID ONIONKEY
    Build a one-hop circuit, send a DROP (the circuit must survive it),
    then a SENDME the relay never asked for.  Prints JSON: whether the
    circuit survived the DROP and the DESTROY reason after the SENDME.
ID is the relay's fingerprint (64 hex digits), ONIONKEY its ntor key (hex).
"""
import argparse
import json
import os
import socket
import ssl
import struct
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "ref"))
import ntor_ref  # noqa: E402
import relay_crypto_ref  # noqa: E402

CELL_LEN, PAYLOAD_LEN = 514, 509
CMD_RELAY, CMD_DESTROY, CMD_VERSIONS, CMD_NETINFO = 3, 4, 7, 8
CMD_CREATE2, CMD_CREATED2 = 10, 11
RELAY_SENDME, RELAY_DROP = 5, 10


class Link:
    def __init__(self, addr, bind=None, timeout=15):
        host, port = addr.rsplit(":", 1)
        raw = socket.create_connection((host, int(port)), timeout=timeout,
                                       source_address=(bind, 0) if bind else None)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s = ctx.wrap_socket(raw)
        self.buf = b""
        self.next_id = 0x80000001
        # VERSIONS with a 2-byte circuit id, then the peer's VERSIONS.
        self.s.sendall(struct.pack("!HBH", 0, CMD_VERSIONS, 4) + struct.pack("!HH", 4, 5))
        hdr = self._read(5)
        _, cmd, n = struct.unpack("!HBH", hdr)
        assert cmd == CMD_VERSIONS, cmd
        self._read(n)
        ip = socket.inet_aton(host)
        ni = struct.pack("!IBB", 0, 4, 4) + ip + b"\x00"
        self.send(0, CMD_NETINFO, ni)

    def _read(self, n):
        while len(self.buf) < n:
            b = self.s.recv(65536)
            if not b:
                raise EOFError("link closed")
            self.buf += b
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, circid, cmd, payload):
        self.s.sendall(self.cell(circid, cmd, payload))

    @staticmethod
    def cell(circid, cmd, payload):
        return struct.pack("!IB", circid, cmd) + payload + bytes(PAYLOAD_LEN - len(payload))

    def recv_cell(self):
        """(circid, cmd, payload) of the next cell; variable cells skipped."""
        while True:
            hdr = self._read(5)
            circid, cmd = struct.unpack("!IB", hdr)
            if cmd == 7 or cmd >= 128:
                (n,) = struct.unpack("!H", self._read(2))
                self._read(n)
                continue
            return circid, cmd, self._read(PAYLOAD_LEN)

    def alloc(self):
        c = self.next_id
        self.next_id += 1
        return c


def onionskin(node_id, B):
    x = os.urandom(32)
    X = ntor_ref.pub(x)
    return x, struct.pack("!HH", 2, 96) + node_id + B + X


def finish(x, node_id, B, payload):
    (hlen,) = struct.unpack("!H", payload[:2])
    return ntor_ref.client(ntor_ref.TORD_PROTOID, x, node_id, B, payload[2:2 + hlen])


def cmd_flood(a, node_id, B):
    links = [Link(a.addr, a.bind) for _ in range(a.links)]
    pending = {}
    t0 = time.monotonic()
    # Pipelined: all CREATE2 cells leave before any answer is read.
    batch = {id(l): [] for l in links}
    for i in range(a.circuits):
        l = links[i % len(links)]
        cid = l.alloc()
        x, skin = onionskin(node_id, B)
        pending[(id(l), cid)] = x
        batch[id(l)].append(Link.cell(cid, CMD_CREATE2, skin))
    for l in links:
        l.s.sendall(b"".join(batch[id(l)]))
    created, destroyed, bad = 0, {}, 0
    deadline = time.monotonic() + a.timeout
    for l in links:
        l.s.settimeout(max(1.0, deadline - time.monotonic()))
        want = sum(1 for k in pending if k[0] == id(l))
        got = 0
        try:
            while got < want:
                cid, cmd, p = l.recv_cell()
                if (id(l), cid) not in pending:
                    continue
                got += 1
                if cmd == CMD_CREATED2:
                    try:
                        finish(pending[(id(l), cid)], node_id, B, p)
                        created += 1
                    except ValueError:
                        bad += 1
                elif cmd == CMD_DESTROY:
                    destroyed[str(p[0])] = destroyed.get(str(p[0]), 0) + 1
        except (socket.timeout, EOFError, OSError):
            pass
    answered = created + bad + sum(destroyed.values())
    print(json.dumps({"created": created, "bad_auth": bad, "destroyed": destroyed,
                      "unanswered": a.circuits - answered,
                      "elapsed_s": round(time.monotonic() - t0, 2)}))


def cmd_sendme(a, node_id, B):
    l = Link(a.addr, a.bind)
    cid = l.alloc()
    x, skin = onionskin(node_id, B)
    l.send(cid, CMD_CREATE2, skin)
    c = 0
    while c != cid:	# the peer's NETINFO comes first
        c, cmd, p = l.recv_cell()
    assert cmd == CMD_CREATED2, cmd
    hop = relay_crypto_ref.Client([finish(x, node_id, B, p)[:72]])

    def relay(rcmd, stream, data):
        plain = struct.pack("!BHHIH", rcmd, 0, stream, 0, len(data)) + data
        plain += bytes(PAYLOAD_LEN - len(plain))
        l.send(cid, CMD_RELAY, hop.originate(0, plain))

    def destroy_within(secs):
        l.s.settimeout(secs)
        try:
            while True:
                c, cmd, p = l.recv_cell()
                if c == cid and cmd == CMD_DESTROY:
                    return p[0]
        except (socket.timeout, TimeoutError):
            return None
        except (EOFError, OSError):
            return "link closed"

    relay(RELAY_DROP, 0, b"")
    after_drop = destroy_within(1.5)
    # A v1 SENDME with a digest the relay never produced.
    relay(RELAY_SENDME, 0, b"\x01\x00\x14" + os.urandom(20))
    after_sendme = destroy_within(10)
    print(json.dumps({"destroy_after_drop": after_drop, "destroy_after_sendme": after_sendme}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["flood", "sendme"])
    ap.add_argument("addr")
    ap.add_argument("id")
    ap.add_argument("onionkey")
    ap.add_argument("--circuits", type=int, default=100)
    ap.add_argument("--links", type=int, default=1)
    ap.add_argument("--bind")
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    node_id, B = bytes.fromhex(a.id), bytes.fromhex(a.onionkey)
    if a.what == "flood":
        cmd_flood(a, node_id, B)
    else:
        cmd_sendme(a, node_id, B)
    return 0


if __name__ == "__main__":
    sys.exit(main())
