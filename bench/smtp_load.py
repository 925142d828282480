#!/usr/bin/env python3
"""smtp_load.py HOST PORT SESSIONS MESSAGES DIR [RCPT] - send real messages

Sends MESSAGES messages over SESSIONS parallel SMTP sessions, one message a
connection as a mail client does (connect, EHLO, MAIL/RCPT/DATA pipelined,
the message, QUIT), taking the files of DIR in name order and cycling
through them. The envelope is load@example.org to RCPT (default
r@example.net, an external recipient). Prints one line of key=value:
  messages, seconds (wall clock, first connect to last reply), per_s,
  ok (250 after the data), tempfail (4xx anywhere), reject (5xx),
  p50_ms, p99_ms, max_ms (connect to the reply after the data)
"""
import os, socket, sys, threading, time

host, port = sys.argv[1], int(sys.argv[2])
sessions, total = int(sys.argv[3]), int(sys.argv[4])
msgdir = sys.argv[5]
rcpt = sys.argv[6] if len(sys.argv) > 6 else "r@example.net"


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"From "):  # mbox separator line
        data = data[data.find(b"\n") + 1:]
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = b"".join((b"." if l.startswith(b".") else b"") + l + b"\r\n" for l in lines)
    return out + b".\r\n"


names = sorted(os.listdir(msgdir))
messages = [load(os.path.join(msgdir, n)) for n in names if not n.startswith(".")]
lock = threading.Lock()
next_index = 0
latencies, codes = [], {"ok": 0, "tempfail": 0, "reject": 0}


def reply(f):
    while True:
        line = f.readline()
        if not line:
            return b"421"
        if line[3:4] != b"-":
            return line[:3]


def send_one(msg):
    t0 = time.monotonic()
    with socket.create_connection((host, port)) as s:
        f = s.makefile("rb")
        code = reply(f)
        if code == b"220":
            s.sendall(b"EHLO load.example.org\r\n")
            code = reply(f)
        if code == b"250":
            s.sendall(b"MAIL FROM:<load@example.org>\r\nRCPT TO:<%s>\r\nDATA\r\n" % rcpt.encode())
            mail, rc, data = reply(f), reply(f), reply(f)
            code = data if mail == b"250" and rc == b"250" else (mail if mail != b"250" else rc)
            if data == b"354":
                s.sendall(msg)
                code = reply(f)
        t = time.monotonic() - t0
        try:
            s.sendall(b"QUIT\r\n")
            reply(f)
        except OSError:
            pass
    return t, code


def worker():
    global next_index
    while True:
        with lock:
            i = next_index
            next_index += 1
        if i >= total:
            return
        t, code = send_one(messages[i % len(messages)])
        kind = "ok" if code == b"250" else "tempfail" if code[:1] == b"4" else "reject"
        with lock:
            latencies.append(t)
            codes[kind] += 1


start = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - start
latencies.sort()
q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
print("messages=%d seconds=%.3f per_s=%.1f ok=%d tempfail=%d reject=%d p50_ms=%.2f p99_ms=%.2f "
      "max_ms=%.2f" % (total, wall, total / wall, codes["ok"], codes["tempfail"], codes["reject"],
                       q(0.50), q(0.99), latencies[-1] * 1000))
