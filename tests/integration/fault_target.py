#!/usr/bin/env python3
"""Misbehaving TCP targets for tests/integration/net_faults.sh.

fault_target.py --bind 127.60.0.2 --port-file F [--state-file S]

Listens on three ports of one loopback address and writes
"reset=P silent=P blackhole=P" to F once all three are ready:

  reset      reads the request, answers an HTTP head announcing 4 MiB,
             sends 256 KiB of it, waits 1 s, then closes with SO_LINGER 0 (an RST)
  silent     accepts and never sends a byte; keeps reading until the
             peer closes
  blackhole  listen(0) and never accepts; its accept queue is filled by
             connections of our own, so later SYNs are dropped and a
             connect() to it neither succeeds nor fails

S, if given, always holds "open=N accepted=M" for the silent port: the
test checks that the exit closed every connection it made.
Refuses to bind anything but 127.0.0.0/8.
"""
import argparse, asyncio, ipaddress, os, socket, struct, sys

state = {"open": 0, "accepted": 0}
state_file = None


def write_state():
    if state_file is None:
        return
    tmp = state_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("open=%d accepted=%d\n" % (state["open"], state["accepted"]))
    os.replace(tmp, state_file)


async def read_head(reader, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        b = await reader.read(4096)
        if not b:
            break
        data += b
    return data


async def on_reset(reader, writer):
    try:
        await asyncio.wait_for(read_head(reader), 30)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: 4194304\r\nConnection: close\r\n\r\n")
        writer.write(b"\xa5" * (256 * 1024))
        await writer.drain()
        # An RST makes the kernel drop what the peer has not read yet:
        # give the exit time to read the data, so only the reset is tested.
        await asyncio.sleep(1.0)
    except (OSError, asyncio.TimeoutError):
        pass
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


async def on_silent(reader, writer):
    state["open"] += 1
    state["accepted"] += 1
    write_state()
    try:
        while await reader.read(65536):
            pass
    except OSError:
        pass
    finally:
        state["open"] -= 1
        write_state()
        writer.close()


async def main():
    global state_file
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", default="127.60.0.2")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state-file")
    a = ap.parse_args()
    if not ipaddress.ip_address(a.bind).is_loopback or ":" in a.bind:
        sys.exit("fault_target.py: refusing to bind a non-loopback IPv4 address")
    state_file = a.state_file
    write_state()
    reset = await asyncio.start_server(on_reset, a.bind, 0)
    silent = await asyncio.start_server(on_silent, a.bind, 0, backlog=1024)
    bh = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    bh.bind((a.bind, 0))
    bh.listen(0)
    bport = bh.getsockname()[1]
    # Fill the accept queue (backlog 0 holds one; try a few to be sure).
    fillers = []
    for _ in range(4):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((a.bind, bport))
        except BlockingIOError:
            pass
        fillers.append(s)
    await asyncio.sleep(0.2)
    ports = "reset=%d silent=%d blackhole=%d\n" % (
        reset.sockets[0].getsockname()[1], silent.sockets[0].getsockname()[1], bport)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(ports)
    os.replace(tmp, a.port_file)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
