#!/usr/bin/env python3
"""slow_client.py HOST PORT MILTER_PID [KILL|TERM] - send a message in DATA,
signal the milter (SIGKILL by default) before the final dot, finish the
message and print the server's final reply as "final: CODE TEXT"."""
import os, signal, socket, sys, time

host, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sig = sys.argv[4] if len(sys.argv) > 4 else "KILL"
marker = b"KILLED-MID-MESSAGE" if sig == "KILL" else b"SIGNALLED-MID-MESSAGE"
s = socket.create_connection((host, port), timeout=60)
f = s.makefile("rb")

def reply():
    while True:
        line = f.readline().decode()
        if len(line) < 4 or line[3] != "-":
            return line.strip()

def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()

reply()
cmd("EHLO client.example.org")
cmd("MAIL FROM:<k1@example.org>")
cmd("RCPT TO:<r@example.net>")
cmd("DATA")
s.sendall(b"From: k1@example.org\r\nSubject: half\r\n\r\n" + marker + b" first half\r\n")
time.sleep(0.5)
os.kill(pid, getattr(signal, "SIG" + sig))
time.sleep(0.5)
s.sendall(b"second half\r\n.\r\n")
print("final:", reply())
cmd("QUIT")
