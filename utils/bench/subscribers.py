#!/usr/bin/python3
"""Pub/sub subscribers for the benchmark harness: opens N connections to
PORT, subscribes each to CHANNEL, prints "ready <client ids>" once every
subscription is confirmed, then reads everything that arrives, as fast as
it arrives, until stdin closes; it then prints the bytes it received.

The harness runs it pinned to the client CPUs, so delivering messages to
readers that keep up is part of what the server does, and a subscriber
that falls behind (the kernel's socket buffer full) slows the server the
same way on both sides.

  subscribers.py PORT N CHANNEL
"""
import select
import selectors
import socket
import sys


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def main():
    port, n, channel = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    socks, ids = [], []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(command("CLIENT", "ID"))
        ids.append(int(s.recv(64).split(b"\r\n")[0][1:]))
        s.sendall(command("SUBSCRIBE", channel))
        confirmation = b""
        while not confirmation.endswith(b":1\r\n"):
            confirmation += s.recv(4096)
        s.setblocking(False)
        socks.append(s)
    print("ready " + " ".join(map(str, ids)), flush=True)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    received = 0
    while True:
        # Stop when the harness closes our stdin.
        if select.select([sys.stdin], [], [], 0)[0] and not sys.stdin.buffer.read1(1):
            break
        for key, _ in sel.select(timeout=0.05):
            try:
                data = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fileobj)
                continue
            received += len(data)
    print(f"received {received}", flush=True)


if __name__ == "__main__":
    main()
