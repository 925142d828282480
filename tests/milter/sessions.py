#!/usr/bin/env python3
"""sessions.py HOST PORT PID N [SETTLE_SECONDS] - hold N milter sessions
open after MAIL FROM, as an MTA with N clients in MAIL would, then close
them all; measure the milter's resident memory (PID) on the way.

Speaks the milter protocol (version 6) to the milter directly: no MTA
limits the number of sessions. Each session negotiates, sends the MAIL
macros and MAIL FROM, and reads the answer: "continue", or a reply such as
"421 4.3.2 ...". Prints, one a line:
  baseline_kib K   resident memory before the first session
  accepted A       sessions answered "continue"
  refused R CODE   sessions refused, with the first reply's code
  peak_kib K       resident memory with every session open
  after_kib K      resident memory once the sessions are closed: the
                   lowest seen while polling for SETTLE_SECONDS (default
                   120; the milter returns memory in the background) until
                   it has given back at least half of what the sessions
                   took (peak - baseline)
"""
import socket, struct, sys, time

host, port, pid, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
settle = float(sys.argv[5]) if len(sys.argv) > 5 else 120.0

SMFIF_ALL = 0x1FF  # every action up to SETSYMLIST
# skip connect, HELO and unknown commands; header values with their space
SMFIP_OFFER = 0x1 | 0x2 | 0x100 | 0x100000


def rss_kib():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def read_packet(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None, b""
        head += chunk
    size = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < size:
        chunk = s.recv(size - len(body))
        if not chunk:
            return None, b""
        body += chunk
    return body[:1], body[1:]


def session(i):
    s = socket.create_connection((host, port), timeout=120)
    s.sendall(packet(b"O", struct.pack(">III", 6, SMFIF_ALL, SMFIP_OFFER)))
    cmd, _ = read_packet(s)
    if cmd != b"O":
        raise RuntimeError("negotiation answered %r" % cmd)
    addr = b"held%d@example.org" % i
    macros = b"\0".join([b"{mail_addr}", addr, b"{client_addr}", b"127.0.0.1", b""])
    s.sendall(packet(b"D", b"M" + macros) + packet(b"M", b"<" + addr + b">\0"))
    while True:
        cmd, data = read_packet(s)
        if cmd in (b"p",):  # progress: keep reading
            continue
        break
    if cmd == b"c":
        return s, None
    s.close()
    if cmd == b"y":
        return None, data.rstrip(b"\0").decode(errors="replace")
    return None, "reply %r" % cmd


baseline = rss_kib()
held, refused = [], []
for i in range(n):
    s, reply = session(i)
    if s:
        held.append(s)
    else:
        refused.append(reply)
time.sleep(1)
peak = rss_kib()
for s in held:
    try:
        s.sendall(packet(b"A") + packet(b"Q"))
    except OSError:
        pass
    s.close()
after = rss_kib()
deadline = time.time() + settle
while time.time() < deadline and after - baseline > (peak - baseline) / 2:
    time.sleep(0.5)
    after = min(after, rss_kib())
print("baseline_kib", baseline)
print("accepted", len(held))
print("refused", len(refused), refused[0].split()[0] if refused else "-")
if refused:
    print("first_refusal", refused[0])
print("peak_kib", peak)
print("after_kib", after)
