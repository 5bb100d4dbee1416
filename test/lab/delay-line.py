#!/usr/bin/env python3
"""A delay line for the network lab, which has no netem on this kernel.

    delay-line.py NS_A TAP_A NS_B TAP_B DELAY_MS

Opens a TAP device named TAP_A inside network namespace NS_A and one named TAP_B inside NS_B (both
namespaces as `ip netns` names them), and carries every Ethernet frame from one to the other after
DELAY_MS milliseconds, in order, in both directions: a cable with that one-way delay. The lab then
addresses and bridges the two devices as it would the ends of a veth. Prints `ready` once both
exist. A line `delay MS` on stdin changes the delay (frames already in flight keep theirs). Exits
when stdin closes or its parent dies, and the devices go with it.

Standard library only (Python 3.11 has no os.setns: it is called through ctypes).
"""
import collections
import ctypes
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
# Frames held at once per direction: a bound on memory (about 15 MB of full frames); past it a
# frame is dropped, as a router's full buffer would.
MAX_IN_FLIGHT = 10000

libc = ctypes.CDLL(None, use_errno=True)


def enter_namespace(name):
    fd = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {name} failed")
    finally:
        os.close(fd)


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def main():
    ns_a, tap_a, ns_b, tap_b, delay_ms = sys.argv[1:6]
    libc.prctl(PR_SET_PDEATHSIG, 9)
    if os.getppid() == 1:
        return
    enter_namespace(ns_a)
    fd_a = open_tap(tap_a)
    enter_namespace(ns_b)
    fd_b = open_tap(tap_b)
    delay = float(delay_ms) / 1000
    # For each device: the frames read from it, waiting to be written to the other one.
    queues = {fd_a: collections.deque(), fd_b: collections.deque()}
    other = {fd_a: fd_b, fd_b: fd_a}
    dropped = 0
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    pending_input = b""
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        due = [q[0][0] for q in queues.values() if q]
        timeout = max(0.0, min(due) - now) if due else None
        readable, _, _ = select.select([fd_a, fd_b, stdin], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            if fd == stdin:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    return
                pending_input += chunk
                while b"\n" in pending_input:
                    line, pending_input = pending_input.split(b"\n", 1)
                    words = line.split()
                    if len(words) == 2 and words[0] == b"delay":
                        delay = float(words[1]) / 1000
                continue
            queue = queues[fd]
            while True:
                try:
                    frame = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break  # the device is down
                if len(queue) >= MAX_IN_FLIGHT:
                    dropped += 1
                    continue
                queue.append((now + delay, frame))
        for fd, queue in queues.items():
            target = other[fd]
            while queue and queue[0][0] <= now:
                frame = queue.popleft()[1]
                try:
                    os.write(target, frame)
                except OSError:
                    pass  # the other end is down or its queue is full: the frame is lost


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
