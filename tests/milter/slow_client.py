#!/usr/bin/env python3
"""slow_client.py HOST PORT MILTER_PID - send a message in DATA, kill the
milter (SIGKILL) before the final dot, finish the message and print the
server's final reply as "final: CODE TEXT"."""
import os, signal, socket, sys, time

host, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
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
s.sendall(b"From: k1@example.org\r\nSubject: half\r\n\r\nKILLED-MID-MESSAGE first half\r\n")
time.sleep(0.5)
os.kill(pid, signal.SIGKILL)
time.sleep(0.5)
s.sendall(b"second half\r\n.\r\n")
print("final:", reply())
cmd("QUIT")
