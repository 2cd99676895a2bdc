#!/usr/bin/env python3
"""Independent reference model of tord's "tor1" relay crypto (protocol-notes §5).

Written from the specification on top of python3-cryptography: per hop and
direction an AES-128-CTR stream (IV zero, continuing across cells) and a
running SHA-1 seeded with Df/Db.  Offsets: cmd[0] recognized[1:3]
stream[3:5] digest[5:9] length[9:11]; payloads are 509 bytes.
"""
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAYLOAD_LEN = 509
FWD, BACK = 0, 1


class Hop:
    """One hop's tor1 state, from 72 bytes Df | Db | Kf | Kb."""

    def __init__(self, keys):
        assert len(keys) >= 72
        df, db, kf, kb = keys[0:20], keys[20:40], keys[40:56], keys[56:72]
        self.cipher = [Cipher(algorithms.AES(k), modes.CTR(bytes(16))).encryptor()
                       for k in (kf, kb)]
        self.digest = []
        for seed in (df, db):
            h = hashes.Hash(hashes.SHA1())
            h.update(seed)
            self.digest.append(h)
        self.last = [bytes(20), bytes(20)]

    def crypt(self, d, cell):
        return self.cipher[d].update(bytes(cell))

    def _peek(self, d):
        return self.digest[d].copy().finalize()

    def set_digest(self, d, cell):
        cell = bytearray(cell)
        cell[1:3] = b"\0\0"
        cell[5:9] = b"\0\0\0\0"
        self.digest[d].update(bytes(cell))
        self.last[d] = self._peek(d)
        cell[5:9] = self.last[d][:4]
        return bytes(cell)

    def recognize(self, d, cell):
        """Return (recognised, cell); on a match the digest field is zeroed."""
        if cell[1:3] != b"\0\0":
            return False, cell
        zeroed = cell[:5] + bytes(4) + cell[9:]
        trial = self.digest[d].copy()
        trial.update(zeroed)
        calc = trial.copy().finalize()
        if calc[:4] != cell[5:9]:
            return False, cell
        self.digest[d] = trial
        self.last[d] = calc
        return True, zeroed


class Client:
    """A client's view of a circuit: one Hop per relay, guard first."""

    def __init__(self, keys_list):
        self.hops = [Hop(k) for k in keys_list]

    def originate(self, target, plain):
        cell = self.hops[target].set_digest(FWD, plain)
        for i in range(target, -1, -1):
            cell = self.hops[i].crypt(FWD, cell)
        return cell

    def recognize(self, cell):
        for i, hop in enumerate(self.hops):
            cell = hop.crypt(BACK, cell)
            ok, cell = hop.recognize(BACK, cell)
            if ok:
                return i, cell
        return -1, cell


class Relays:
    """The relays of the same circuit, each with its own hop state."""

    def __init__(self, keys_list):
        self.hops = [Hop(k) for k in keys_list]

    def forward(self, cell):
        for i, hop in enumerate(self.hops):
            cell = hop.crypt(FWD, cell)
            ok, cell = hop.recognize(FWD, cell)
            if ok:
                return i, cell
        return -1, cell

    def originate(self, origin, plain):
        cell = self.hops[origin].crypt(BACK, self.hops[origin].set_digest(BACK, plain))
        for i in range(origin - 1, -1, -1):
            cell = self.hops[i].crypt(BACK, cell)
        return cell


def selftest():
    """protocol-notes Appendix A.3 (keys from A.2)."""
    keys = bytes.fromhex("8edad9392ee6efd66075d89b89863f9af07dd70b"
                         "be063a4fb5129e79fbbe713587a28f473b7f50b3"
                         "8322878969409a5c470379dc0e3a67ea"
                         "db7939c66debadce352e51a3694b571e")
    client, relay = Client([keys]), Relays([keys])

    def cell(cmd, data):
        body = bytes([cmd]) + bytes(2) + b"\x00\x01" + bytes(4)
        body += len(data).to_bytes(2, "big") + data
        return body + bytes(PAYLOAD_LEN - len(body))

    c1 = client.originate(0, cell(1, b"example.com:80\0"))
    assert client.hops[0].last[FWD][:4].hex() == "0a2e0d56"
    assert c1[:32].hex() == \
        "752306576f067080c3dd521cceeda4e0b65bd76f3cf0fa388eb09f15c992e31e"
    assert relay.forward(c1) == (0, cell(1, b"example.com:80\0"))
    c2 = client.originate(0, cell(2, b"GET / HTTP/1.0\r\n\r\n"))
    assert client.hops[0].last[FWD][:4].hex() == "551e571c"
    assert c2[:32].hex() == \
        "d5c8ac678c186d586c2bf278f389c4d2942e0fe04c9c1a5d043966be6d5d189b"


if __name__ == "__main__":
    selftest()
    print("relay_crypto_ref: Appendix A.3 ok")
