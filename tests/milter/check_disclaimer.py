#!/usr/bin/env python3
"""check_disclaimer.py - the disclaimer test's oracle (tests/milter/run.sh)

    check_disclaimer.py DUMP SUBJECT TEXT added|unchanged [ORIGINAL.eml]

Finds the message with Subject SUBJECT in smtp-sink's dump file DUMP and
checks, with Python's own MIME parser (email, policy default):
  added      the message parses without defects, every inline text/plain
             and text/html part holds TEXT (HTML-escaped in HTML) exactly
             once, and attachments do not hold it;
  unchanged  TEXT is nowhere, and the body equals ORIGINAL's body (line
             ends aside).
Prints one line per text part; exit 0 when every check holds.
"""
import email
import email.policy
import html
import re
import sys


def messages(dump):
    data = open(dump, "rb").read().replace(b"\r\n", b"\n")
    for chunk in re.split(rb"(?m)^(?=X-Client-Addr: )", data):
        if chunk.strip():
            yield chunk


def body_of(raw):
    raw = raw.replace(b"\r\n", b"\n")
    return raw.split(b"\n\n", 1)[1] if b"\n\n" in raw else b""


def main():
    dump, subject, text, mode = sys.argv[1:5]
    found = [m for m in messages(dump)
             if re.search(rb"(?m)^Subject: " + re.escape(subject.encode()) + rb"$", m)]
    if len(found) != 1:
        print(f"{len(found)} messages with Subject {subject}")
        return 1
    raw = found[0]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    ok = True
    defects = [d for p in msg.walk() for d in p.defects]
    if defects:
        print("MIME defects:", defects)
        ok = False
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        content = part.get_content()
        want = html.escape(text, quote=True) if part.get_content_subtype() == "html" else text
        n = content.count(want)
        inline = part.get_content_disposition() != "attachment"
        expect = 1 if mode == "added" and inline else 0
        print(f"{part.get_content_type()} ({part.get('Content-Transfer-Encoding', '7bit')}, "
              f"{'inline' if inline else 'attachment'}): disclaimer {n} time(s), want {expect}")
        ok = ok and n == expect
    if mode == "unchanged" and len(sys.argv) > 5:
        orig = body_of(open(sys.argv[5], "rb").read())
        if body_of(raw).rstrip(b"\n") != orig.rstrip(b"\n"):
            print("body differs from", sys.argv[5])
            ok = False
    return 0 if ok else 1


sys.exit(main())
