#!/usr/bin/env python3
"""Check the C crypto against the Python reference models.

Reads the JSON printed by tests/unit/crypto_vectors on stdin and, for each
case, recomputes everything from the secrets with ntor_ref.py and
relay_crypto_ref.py.  Prints TAP: one line per ntor case and per circuit.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ntor_ref  # noqa: E402
import relay_crypto_ref as rc  # noqa: E402


def check_ntor(c):
    protoid = c["protoid"].encode()
    b, x, y, node_id = (bytes.fromhex(c[k]) for k in ("b", "x", "y", "id"))
    reply, keys = ntor_ref.server(protoid, b, y, node_id, ntor_ref.pub(x))
    if reply.hex() != c["reply"]:
        return "reply differs: model %s" % reply.hex()
    if keys.hex() != c["keys"]:
        return "keys differ: model %s" % keys.hex()
    if ntor_ref.client(protoid, x, node_id, ntor_ref.pub(b), reply) != keys:
        return "model client disagrees with model server"
    bad = bytearray(reply)
    bad[40] ^= 1
    try:
        ntor_ref.client(protoid, x, node_id, ntor_ref.pub(b), bytes(bad))
        return "model accepted a bad AUTH"
    except ValueError:
        pass
    return None


def check_relay(c):
    keys = [bytes.fromhex(c["key%d" % i]) for i in range(3)]
    client, relays = rc.Client(keys), rc.Relays(keys)
    for n, cell in enumerate(c["cells"]):
        plain, wire = bytes.fromhex(cell["plain"]), cell["wire"]
        hop = cell["hop"]
        if cell["dir"] == "f":
            got = client.originate(hop, plain)
            tag = client.hops[hop].last[rc.FWD]
            if got.hex() != wire:
                return "cell %d forward wire differs" % n
            where, out = relays.forward(got)
        else:
            got = relays.originate(hop, plain)
            tag = relays.hops[hop].last[rc.BACK]
            if got.hex() != wire:
                return "cell %d backward wire differs" % n
            where, out = client.recognize(got)
        if where != hop or out != plain:
            return "cell %d: model recognised at hop %d" % (n, where)
        if tag.hex() != cell["tag"]:
            return "cell %d SENDME digest differs" % n
    return None


def check_models(_):
    """The models themselves against protocol-notes A.2 and A.3."""
    try:
        _, reply, keys = ntor_ref.fixed_vector(ntor_ref.TOR_PROTOID, 20)
        assert reply[32:].hex() == ("fa244bacdee9b7ece02f10ddc018b246"
                                    "d4078ba7a0b48fdd613dca9dd0f5d081")
        assert keys[40:56].hex() == "8322878969409a5c470379dc0e3a67ea"
        rc.selftest()
    except AssertionError as e:
        return "model fails the fixed vectors: %r" % e
    return None


def main():
    data = json.load(sys.stdin)
    cases = [("reference models reproduce Appendix A.2 and A.3",
              check_models, None)]
    cases += [("ntor %s: C matches the model" % c["protoid"], check_ntor, c) for c in data["ntor"]]
    cases += [("tor1 circuit of %d cells: C matches the model" % len(c["cells"]), check_relay, c)
              for c in data["relay"]]
    print("1..%d" % len(cases))
    failed = 0
    for i, (name, fn, c) in enumerate(cases, 1):
        err = fn(c)
        if err is None:
            print("ok %d - %s" % (i, name))
        else:
            failed += 1
            print("not ok %d - %s: %s" % (i, name, err))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
