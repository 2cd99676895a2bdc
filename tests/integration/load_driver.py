#!/usr/bin/env python3
"""Load driver and target for tests/integration/net_load.sh (asyncio).

load_driver.py serve --bind IP --port-file F [--state-file S]
    A target: "GET /bytes/N/SEED" answers an HTTP head and N bytes that
    depend on SEED (see body()); "PING" answers "PONG" and then holds the
    connection, reading until the peer closes.  S, if given, always
    holds "open=N" (connections open now).

load_driver.py fetch --socks PORT --target IP:PORT --streams N --size B
                     [--users U] [--user-prefix P] [--timeout T]
    N concurrent SOCKS5 streams through the client, user P(i % U), each
    fetching B bytes with its own seed; every byte checked by sha256.
    Prints "ok=.. bad=.. err=.. secs=.." and exits 0 iff all are ok.

load_driver.py hold --socks PORT --target IP:PORT --streams N [--users U]
                    [--batch K] [--timeout T] --ready-file F
    Open N streams (K handshakes at a time), each proving itself with a
    PING/PONG, then hold them all open.  Writes
    "ok=.. refused=.. closed=.. hung=.. secs=.." to F (refused: a SOCKS
    error reply; closed: the proxy closed or reset the connection; hung:
    no answer within T seconds), then holds until SIGTERM arrives (or
    --hold-max seconds pass), closes everything and exits.

Every loop is bounded by count and time.  Connects to and binds
127.0.0.0/8 only.
"""
import argparse, asyncio, hashlib, ipaddress, os, resource, signal, socket, struct, sys, time


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def loopback(ip):
    if not ipaddress.ip_address(ip).is_loopback:
        sys.exit("load_driver.py: %s is not a loopback address" % ip)


def block(seed):
    return hashlib.sha256(b"tord-load-%d" % seed).digest() * 2048	# 64 KiB


def body_sha(n, seed):
    h = hashlib.sha256()
    b = block(seed)
    while n > 0:
        k = min(n, len(b))
        h.update(b[:k])
        n -= k
    return h.hexdigest()


# ---- serve ------------------------------------------------------------------

class Serve:
    def __init__(self, state_file):
        self.open = 0
        self.state_file = state_file
        self.write_state()

    def write_state(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("open=%d\n" % self.open)
        os.replace(tmp, self.state_file)

    async def handle(self, reader, writer):
        self.open += 1
        self.write_state()
        try:
            line = await asyncio.wait_for(reader.readline(), 60)
            if line.startswith(b"GET /bytes/"):
                parts = line.split()[1].split(b"/")
                n, seed = int(parts[2]), int(parts[3])
                while (await asyncio.wait_for(reader.readline(), 60)) not in (b"\r\n", b"\n", b""):
                    pass
                writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
                b = block(seed)
                while n > 0:
                    k = min(n, len(b))
                    writer.write(b[:k])
                    await writer.drain()
                    n -= k
            elif line.startswith(b"PING"):
                writer.write(b"PONG\n")
                await writer.drain()
                while await reader.read(65536):
                    pass
        except (OSError, ValueError, IndexError, asyncio.TimeoutError):
            pass
        finally:
            self.open -= 1
            self.write_state()
            writer.close()


async def serve(a):
    loopback(a.bind)
    s = Serve(a.state_file)
    srv = await asyncio.start_server(s.handle, a.bind, 0, backlog=4096)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    os.replace(tmp, a.port_file)
    await asyncio.Event().wait()


# ---- SOCKS client -----------------------------------------------------------

class Refused(Exception):
    pass


async def socks_open(port, host, tport, user):
    """A SOCKS5 stream to host:tport; raises Refused(rep) on an error reply."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        u = user.encode()
        writer.write(b"\x05\x01\x02")
        if await reader.readexactly(2) != b"\x05\x02":
            raise Refused("method")
        writer.write(bytes([1, len(u)]) + u + b"\x01x")
        if (await reader.readexactly(2))[1] != 0:
            raise Refused("auth")
        writer.write(b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack("!H", tport))
        r = await reader.readexactly(10)
        if r[1] != 0:
            raise Refused("rep=%02x" % r[1])
    except BaseException:
        writer.close()
        raise
    return reader, writer


async def one_fetch(a, host, tport, i):
    w = None
    try:
        r, w = await socks_open(a.socks, host, tport, "%s%d" % (a.user_prefix or "load", i % a.users))
        w.write(b"GET /bytes/%d/%d HTTP/1.0\r\n\r\n" % (a.size, i))
        head = await r.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.0 200"):
            return "bad"
        h = hashlib.sha256()
        got = 0
        while got < a.size:
            b = await r.read(65536)
            if not b:
                break
            h.update(b)
            got += len(b)
        return "ok" if got == a.size and h.hexdigest() == body_sha(a.size, i) else "bad"
    except (OSError, Refused, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return "err"
    finally:
        if w is not None:
            w.close()


async def fetch(a):
    host, tport = a.target.rsplit(":", 1)
    loopback(host)
    t0 = time.monotonic()
    tasks = [asyncio.create_task(asyncio.wait_for(one_fetch(a, host, int(tport), i), a.timeout))
             for i in range(a.streams)]
    res = {"ok": 0, "bad": 0, "err": 0}
    for t in tasks:
        try:
            res[await t] += 1
        except asyncio.TimeoutError:
            res["err"] += 1
    print("ok=%d bad=%d err=%d secs=%.1f" % (res["ok"], res["bad"], res["err"], time.monotonic() - t0))
    return 0 if res["ok"] == a.streams else 1


# ---- hold -------------------------------------------------------------------

async def one_hold(a, host, tport, i, held):
    try:
        r, w = await socks_open(a.socks, host, tport, "%s%d" % (a.user_prefix or "hold", i % a.users))
    except Refused as e:
        return "refused" if str(e).startswith("rep=") else "closed"
    except (OSError, asyncio.IncompleteReadError):
        return "closed"
    try:
        w.write(b"PING\n")
        if await r.readline() != b"PONG\n":
            w.close()
            return "closed"
    except (OSError, asyncio.IncompleteReadError):
        w.close()
        return "closed"
    held.append(w)
    return "ok"


async def hold(a):
    host, tport = a.target.rsplit(":", 1)
    loopback(host)
    held = []
    res = {"ok": 0, "refused": 0, "closed": 0, "hung": 0}
    t0 = time.monotonic()
    for start in range(0, a.streams, a.batch):
        tasks = [asyncio.create_task(asyncio.wait_for(one_hold(a, host, int(tport), i, held), a.timeout))
                 for i in range(start, min(start + a.batch, a.streams))]
        for t in tasks:
            try:
                res[await t] += 1
            except asyncio.TimeoutError:
                res["hung"] += 1
    tmp = a.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("ok=%d refused=%d closed=%d hung=%d secs=%.1f\n" % (
            res["ok"], res["refused"], res["closed"], res["hung"], time.monotonic() - t0))
    os.replace(tmp, a.ready_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), a.hold_max)
    except asyncio.TimeoutError:
        pass
    for w in held:
        w.close()
    await asyncio.sleep(0.2)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--bind", default="127.60.0.3")
    p.add_argument("--port-file", required=True)
    p.add_argument("--state-file")
    for name in ("fetch", "hold"):
        p = sub.add_parser(name)
        p.add_argument("--socks", type=int, required=True)
        p.add_argument("--target", required=True)
        p.add_argument("--streams", type=int, default=1000)
        p.add_argument("--users", type=int, default=8)
        p.add_argument("--user-prefix", help="SOCKS usernames are PREFIX0 .. PREFIX(U-1)")
        p.add_argument("--timeout", type=float, default=120)
        if name == "fetch":
            p.add_argument("--size", type=int, default=65536)
        else:
            p.add_argument("--batch", type=int, default=500)
            p.add_argument("--ready-file", required=True)
            p.add_argument("--hold-max", type=float, default=300)
    a = ap.parse_args()
    raise_nofile()
    fn = {"serve": serve, "fetch": fetch, "hold": hold}[a.cmd]
    try:
        return asyncio.run(fn(a)) or 0
    except KeyboardInterrupt:
        return 1


if __name__ == "__main__":
    sys.exit(main())
