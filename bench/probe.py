#!/usr/bin/python3
"""bench/probe.py: the client side of bench/run.

One process drives every measurement that needs finer timing than curl
gives, the same way for every target (direct, microsocks, tord, Tor):

  probe.py perf --target HOST:PORT --path /5m --size N --sha HEX --runs R
               [--socks HOST:PORT] [--fresh] [--marks 51200,1048576,...]
      OnionPerf-style downloads, one after another: time to first byte and
      time to the marks (body bytes) for each run, from the moment the
      client starts connecting.  With --fresh every run gets a new SOCKS
      username, so a proxy that isolates by credentials (tord, Tor) puts
      it on a circuit no earlier stream used.
  probe.py concurrent --target ... --path /1k --size N --sha HEX --n N
               [--socks HOST:PORT] [--timeout S]
      N requests started together, each on its own connection (stream).
  probe.py hold --target ... --n N [--socks HOST:PORT] [--users K]
      Opens N streams (SOCKS CONNECT done) and keeps them open; prints
      "held OK FAILED" and waits until stdin closes, then closes them.
      With --users K the streams use K SOCKS usernames (K circuits).
  probe.py circtimes --control HOST:PORT
      Tor only (stem): prints the build time of every circuit that
      reports BUILT, from its TIME_CREATED, until killed.
  probe.py newnym (--control HOST:PORT | --control-socket PATH) [--timeout S] [--keep K]
      (stem, for tord and Tor alike) SIGNAL NEWNYM, then waits until the
      circuits that no stream may use any more have closed: at most K
      (20) are left, or S (45) seconds passed.  Prints
      "circuits_before N", "circuits_after N" and "newnym_settle_s S".
      bench/run calls it before holding 10,000 streams, so that the
      memory figure is that of the streams and not of the 1,000
      isolated circuits an earlier measurement left.

Every transfer is checked: HTTP 200, exact body size and sha256 of the
body.  A run that fails prints "fail REASON" and is not counted.  Output
lines are "METRIC VALUE"; bench/run prefixes them with the target.
Loopback only: the harness passes 127.0.0.0/8 addresses.
"""
import argparse
import asyncio
import hashlib
import ipaddress
import os
import signal
import socket
import statistics
import struct
import sys
import time


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def socks_addr(host, port):
    ip = ipaddress.ip_address(host)
    return (b"\x01" if ip.version == 4 else b"\x04") + ip.packed + struct.pack("!H", port)


def socks_greeting(user):
    if user is None:
        return b"\x05\x01\x00"
    return b"\x05\x01\x02"


def socks_auth(user):
    u = user.encode()
    return bytes([1, len(u)]) + u + b"\x01x"


# ---- blocking client (perf) ------------------------------------------------

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed during the SOCKS handshake")
        b += c
    return b


def socks_connect_blocking(s, target, user):
    s.sendall(socks_greeting(user))
    r = recv_exact(s, 2)
    if r[0] != 5:
        raise ValueError("not SOCKS5")
    if user is not None:
        if r[1] != 2:
            raise ValueError("proxy refused user/password auth")
        s.sendall(socks_auth(user))
        if recv_exact(s, 2)[1] != 0:
            raise ValueError("auth refused")
    elif r[1] != 0:
        raise ValueError("proxy wants auth")
    s.sendall(b"\x05\x01\x00" + socks_addr(*target))
    r = recv_exact(s, 4)
    if r[1] != 0:
        raise ValueError("SOCKS reply %d" % r[1])
    recv_exact(s, {1: 6, 4: 18}.get(r[3], 0) or 6)


def perf_run(a, user):
    """One download.  Returns dict of times (ms) or raises."""
    target = hostport(a.target)
    marks = sorted(int(m) for m in a.marks.split(",")) if a.marks else []
    t0 = time.perf_counter()
    s = socket.create_connection(hostport(a.socks) if a.socks else target, timeout=a.timeout)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if a.socks:
            socks_connect_blocking(s, target, user)
        t_socks = time.perf_counter()
        s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (a.path, target[0])).encode())
        buf = bytearray(256 * 1024)
        mv = memoryview(buf)
        head = b""
        t_first = None
        body = 0
        h = hashlib.sha256()
        got = {}
        mi = 0
        while True:
            n = s.recv_into(buf)
            if n == 0:
                break
            if t_first is None:
                t_first = time.perf_counter()
            chunk = mv[:n]
            if head is not None:
                head += bytes(chunk)
                i = head.find(b"\r\n\r\n")
                if i < 0:
                    if len(head) > 16384:
                        raise ValueError("no end of headers")
                    continue
                status = head.split(b"\r\n", 1)[0]
                if b" 200 " not in status + b" ":
                    raise ValueError("HTTP status %r" % status[:40])
                chunk = memoryview(head[i + 4:])
                head = None
            h.update(chunk)
            body += len(chunk)
            now = time.perf_counter()
            while mi < len(marks) and body >= marks[mi]:
                got[marks[mi]] = now
                mi += 1
        t_end = time.perf_counter()
    finally:
        s.close()
    if t_first is None:
        raise ValueError("no response")
    if body != a.size:
        raise ValueError("body %d bytes, expected %d" % (body, a.size))
    if h.hexdigest() != a.sha:
        raise ValueError("sha256 mismatch")
    out = {"ttfb_ms": (t_first - t0) * 1e3, "socks_ms": (t_socks - t0) * 1e3,
           "ttlb_ms": (t_end - t0) * 1e3}
    for m in marks:
        out["t%s_ms" % mark_name(m)] = (got[m] - t0) * 1e3
    return out


def mark_name(m):
    if m % (1024 * 1024) == 0:
        return "%dm" % (m // (1024 * 1024))
    return "%dk" % (m // 1024)


def cmd_perf(a):
    tag = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 10**9)
    fails = 0
    for i in range(a.runs):
        user = ("bench-%s-%d" % (tag, i)) if a.fresh else None
        try:
            r = perf_run(a, user)
        except Exception as e:  # a failed run is reported, never counted
            fails += 1
            print("fail %s" % str(e).replace("\n", " ")[:200], flush=True)
            continue
        for k, v in r.items():
            print("%s %.3f" % (k, v), flush=True)
        if a.gap:
            time.sleep(a.gap)
    print("failures %d" % fails)


# ---- asyncio client (concurrent, hold) ------------------------------------

async def aio_socks(reader, writer, target, user):
    writer.write(socks_greeting(user))
    r = await reader.readexactly(2)
    if user is not None:
        if r[1] != 2:
            raise ValueError("auth method refused")
        writer.write(socks_auth(user))
        if (await reader.readexactly(2))[1] != 0:
            raise ValueError("auth refused")
    elif r != b"\x05\x00":
        raise ValueError("bad greeting reply")
    writer.write(b"\x05\x01\x00" + socks_addr(*target))
    r = await reader.readexactly(4)
    if r[1] != 0:
        raise ValueError("SOCKS reply %d" % r[1])
    await reader.readexactly(6 if r[3] == 1 else 18)


async def aio_open(a, user):
    target = hostport(a.target)
    host, port = hostport(a.socks) if a.socks else target
    reader, writer = await asyncio.open_connection(host, port)
    if a.socks:
        await aio_socks(reader, writer, target, user)
    return reader, writer


async def one_request(a, lat):
    t0 = time.perf_counter()
    reader, writer = await aio_open(a, None)
    try:
        writer.write(("GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % a.path).encode())
        data = await reader.read(-1)
    finally:
        writer.close()
    i = data.find(b"\r\n\r\n")
    if i < 0 or b" 200 " not in data[:i].split(b"\r\n", 1)[0] + b" ":
        raise ValueError("bad HTTP response")
    body = data[i + 4:]
    if len(body) != a.size or hashlib.sha256(body).hexdigest() != a.sha:
        raise ValueError("body size or sha256 mismatch")
    lat.append((time.perf_counter() - t0) * 1e3)


async def concurrent_main(a):
    lat = []
    reasons = {}

    async def guarded():
        try:
            await asyncio.wait_for(one_request(a, lat), a.timeout)
        except Exception as e:
            k = type(e).__name__ + (": " + str(e)[:60] if str(e) else "")
            reasons[k] = reasons.get(k, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(guarded() for _ in range(a.n)))
    wall = time.perf_counter() - t0
    fails = a.n - len(lat)
    print("wall_s %.3f" % wall)
    print("failures %d" % fails)
    if lat:
        lat.sort()
        print("req_median_ms %.3f" % statistics.median(lat))
        print("req_max_ms %.3f" % lat[-1])
    for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])[:5]:
        print("concurrent %d: %d failed: %s" % (a.n, v, k), file=sys.stderr)


async def hold_main(a):
    conns = []
    fails = 0
    sem = asyncio.Semaphore(a.parallel)

    async def one(i):
        nonlocal fails
        user = ("hold-%d" % (i % a.users)) if a.users else None
        async with sem:
            try:
                conns.append(await asyncio.wait_for(aio_open(a, user), a.timeout))
            except Exception:
                fails += 1

    await asyncio.gather(*(one(i) for i in range(a.n)))
    print("held %d %d" % (len(conns), fails), flush=True)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(1))
    loop.add_reader(sys.stdin.fileno(), lambda: stop.done() or stop.set_result(1))
    try:
        await asyncio.wait_for(stop, a.max_hold)
    except asyncio.TimeoutError:
        pass
    for _, w in conns:
        w.close()


def cmd_circtimes(a):
    from stem.control import Controller, EventType
    from stem import CircStatus
    import datetime

    host, port = hostport(a.control)
    ctl = Controller.from_port(address=host, port=port)
    ctl.authenticate()

    def on_circ(ev):
        if ev.status == CircStatus.BUILT and ev.created is not None and len(ev.path) >= 3:
            now = datetime.datetime.utcnow()
            print("circuit_build_ms %.3f" % ((now - ev.created).total_seconds() * 1e3), flush=True)

    ctl.add_event_listener(on_circ, EventType.CIRC)
    print("listening", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    deadline = time.time() + a.max_hold
    while time.time() < deadline:
        time.sleep(0.5)


def cmd_newnym(a):
    from stem.control import Controller, Signal

    if a.control_socket:
        ctl = Controller.from_socket_file(a.control_socket)
    else:
        host, port = hostport(a.control)
        ctl = Controller.from_port(address=host, port=port)
    ctl.authenticate()

    def count():
        return sum(1 for l in ctl.get_info("circuit-status").splitlines() if l.strip())

    before = count()
    t0 = time.time()
    ctl.signal(Signal.NEWNYM)
    # tord closes idle circuits of an old identity within seconds; Tor in
    # its next expiry pass, every NewCircuitPeriod (30 s).  Both keep a
    # few clean circuits for predicted ports.
    last = before
    while time.time() - t0 < a.timeout:
        time.sleep(0.5)
        last = count()
        if last <= a.keep:
            break
    print("circuits_before %d" % before)
    print("circuits_after %d" % last)
    print("newnym_settle_s %.1f" % (time.time() - t0))
    ctl.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("perf", "concurrent", "hold"):
        p = sub.add_parser(name)
        p.add_argument("--target", required=True)
        p.add_argument("--socks")
        p.add_argument("--timeout", type=float, default=120)
        if name != "hold":
            p.add_argument("--path", required=True)
            p.add_argument("--size", type=int, required=True)
            p.add_argument("--sha", required=True)
    p = sub.choices["perf"]
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--fresh", action="store_true")
    p.add_argument("--marks", default="")
    p.add_argument("--gap", type=float, default=0.0)
    sub.choices["concurrent"].add_argument("--n", type=int, required=True)
    p = sub.choices["hold"]
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--users", type=int, default=0)
    p.add_argument("--parallel", type=int, default=1000)
    p.add_argument("--max-hold", type=float, default=600)
    p = sub.add_parser("circtimes")
    p.add_argument("--control", required=True)
    p.add_argument("--max-hold", type=float, default=1800)
    p = sub.add_parser("newnym")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--control")
    g.add_argument("--control-socket")
    p.add_argument("--timeout", type=float, default=45)
    p.add_argument("--keep", type=int, default=20)
    a = ap.parse_args()
    if a.cmd == "perf":
        cmd_perf(a)
    elif a.cmd == "concurrent":
        asyncio.run(concurrent_main(a))
    elif a.cmd == "hold":
        asyncio.run(hold_main(a))
    elif a.cmd == "newnym":
        cmd_newnym(a)
    else:
        cmd_circtimes(a)


if __name__ == "__main__":
    main()
