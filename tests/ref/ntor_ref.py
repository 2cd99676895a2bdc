#!/usr/bin/env python3
"""Independent reference model of tord's ntor handshake (protocol-notes §3).

Written from the specification, not from the C code, on top of
python3-cryptography.  Used by tests/crypto_ref.sh to check the C
implementation on random inputs, and to produce the fixed tord vector in
tests/vectors/ntor_tord.txt:

    ntor_ref.py vector      print the fixed-key tord vector
"""
import hashlib
import hmac
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TORD_PROTOID = b"tord-ntor-curve25519-sha256-1"
TOR_PROTOID = b"ntor-curve25519-sha256-1"


def pub(secret):
    """X25519 public key bytes of a 32-byte secret."""
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


def exp(secret, peer):
    """X25519(secret, peer); refuse the all-zero result as the spec demands."""
    out = X25519PrivateKey.from_private_bytes(secret).exchange(
        X25519PublicKey.from_public_bytes(peer))
    if out == bytes(32):
        raise ValueError("degenerate DH result")
    return out


def H(msg, tag):
    return hmac.new(tag, msg, hashlib.sha256).digest()


def derive(protoid, dh1, dh2, node_id, B, X, Y, keylen):
    """Return (AUTH, key material) given both DH results."""
    t_mac = protoid + b":mac"
    t_key = protoid + b":key_extract"
    t_verify = protoid + b":verify"
    m_expand = protoid + b":key_expand"
    secret_input = dh1 + dh2 + node_id + B + X + Y + protoid
    verify = H(secret_input, t_verify)
    auth_input = verify + node_id + B + Y + X + protoid + b"Server"
    auth = H(auth_input, t_mac)
    keys = HKDF(algorithm=hashes.SHA256(), length=keylen, salt=t_key,
                info=m_expand).derive(secret_input)
    # Cross-check HKDF against a hand-written RFC 5869 expand, as Tor's
    # ntor_ref.py spells it: PRK = H(secret_input, t_key).
    prk = H(secret_input, t_key)
    out, last, i = b"", b"", 1
    while len(out) < keylen:
        last = hmac.new(prk, last + m_expand + bytes([i]), hashlib.sha256).digest()
        out += last
        i += 1
    assert out[:keylen] == keys
    return auth, keys


def server(protoid, b, y, node_id, X, keylen=92):
    """Relay side: return (reply = Y | AUTH, keys)."""
    B, Y = pub(b), pub(y)
    auth, keys = derive(protoid, exp(y, X), exp(b, X), node_id, B, X, Y, keylen)
    return Y + auth, keys


def client(protoid, x, node_id, B, reply, keylen=92):
    """Client side: return keys, or raise ValueError if AUTH does not match."""
    X, Y, auth = pub(x), reply[:32], reply[32:64]
    want, keys = derive(protoid, exp(x, Y), exp(x, B), node_id, B, X, Y, keylen)
    if not hmac.compare_digest(want, auth):
        raise ValueError("AUTH mismatch")
    return keys


def fixed_vector(protoid, idlen):
    b, x, y = b"\x42" * 32, b"\x11" * 32, b"\x22" * 32
    node_id = bytes(range(1, idlen + 1))
    reply, keys = server(protoid, b, y, node_id, pub(x))
    assert client(protoid, x, node_id, pub(b), reply) == keys
    return node_id, reply, keys


def main(argv):
    if len(argv) == 2 and argv[1] == "vector":
        node_id, reply, keys = fixed_vector(TORD_PROTOID, 32)
        print("# tord ntor: PROTOID %s, ID = 01..20, b = 42*32, x = 11*32, "
              "y = 22*32" % TORD_PROTOID.decode())
        print("ID   " + node_id.hex())
        print("B    " + pub(b"\x42" * 32).hex())
        print("X    " + pub(b"\x11" * 32).hex())
        print("Y    " + reply[:32].hex())
        print("AUTH " + reply[32:].hex())
        print("KEYS " + keys.hex())
        # Self-check against protocol-notes A.2 (Tor's PROTOID, 20-byte ID).
        _, treply, tkeys = fixed_vector(TOR_PROTOID, 20)
        assert treply[32:].hex() == \
            "fa244bacdee9b7ece02f10ddc018b246d4078ba7a0b48fdd613dca9dd0f5d081"
        assert tkeys[:20].hex() == "8edad9392ee6efd66075d89b89863f9af07dd70b"
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
