#!/usr/bin/env python3
"""gen_store.py - write the mail stores tests/test_sweep.sh sweeps.

  gen_store.py small DIR   the store with exact expected counts (see below)
  gen_store.py big DIR N   N Maildir messages and an mbox of N messages, for
                           the kill-and-resume test and throughput figures

small store (counts asserted by test_sweep.sh):
  DIR/maildir            Maildir++ mailbox
    cur/ 3 messages      1 card number (pci), 2 clean
    new/ 1 message       clean, no trailing newline
    cur/broken           dangling symlink: an unreadable item (1 error)
    tmp/ 1 file          delivery in progress: skipped
    dovecot-uidlist      IMAP server file: skipped
    .Sent/cur/ 3         1 card number; over a configured limit of 2
    .Archive.2019/cur/ 2 clean
  DIR/mail.mbox          5 messages: ">From " lines (one with a card
                         number after ">From "), last without newline
  DIR/eml/ 2 .eml        1 card number
Totals: 16 messages, 4 with pci, 1 error.
"""
import os
import sys

CARD = "4111 1111 1111 1111"


def msg(i, subject, body, trailing=True):
    text = ("From: user%d@example.org\nTo: peer@example.net\nSubject: %s\n"
            "Message-ID: <%d@example.org>\n\n%s" % (i, subject, i, body))
    return text + ("\n" if trailing else "")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def small(d):
    md = os.path.join(d, "maildir")
    write(os.path.join(md, "cur", "1000.A:2,S"), msg(1, "order", "Please charge %s now." % CARD))
    write(os.path.join(md, "cur", "1001.B:2,S"), msg(2, "hello", "Nothing to see."))
    write(os.path.join(md, "cur", "1002.C:2,S"), msg(3, "lunch", "Lunch at noon?"))
    write(os.path.join(md, "new", "1003.D"), msg(4, "late", "No newline at the end", False))
    os.makedirs(os.path.join(md, "tmp"), exist_ok=True)
    write(os.path.join(md, "tmp", "1004.E"), msg(5, "partial", "Charge %s" % CARD))
    write(os.path.join(md, "dovecot-uidlist"), "3 V1 N5\n")
    os.symlink("/nonexistent/mailsift-test", os.path.join(md, "cur", "broken"))
    for k in range(3):
        body = ("Card %s for the hotel." % CARD) if k == 0 else "Sent note %d." % k
        write(os.path.join(md, ".Sent", "cur", "20%02d.S:2,S" % k), msg(10 + k, "sent", body))
    for k in range(2):
        write(os.path.join(md, ".Archive.2019", "cur", "30%02d.A:2,S" % k),
              msg(20 + k, "old", "Archived note %d." % k))
    mbox = ""
    for k in range(5):
        body = "Plain message %d.\n" % k
        if k == 1:
            body = ">From the desk of Bob: card %s\n>>From quoted twice\n" % CARD
        mbox += "From user@example.org Mon Nov 23 09:0%d:00 2026\n" % k
        mbox += msg(30 + k, "mbox %d" % k, body, trailing=True) + ("\n" if k < 4 else "")
    write(os.path.join(d, "mail.mbox"), mbox.rstrip("\n"))
    write(os.path.join(d, "eml", "a.eml"), msg(40, "invoice", "Card: %s" % CARD))
    write(os.path.join(d, "eml", "b.eml"), msg(41, "plain", "Just words."))


def big(d, n):
    md = os.path.join(d, "maildir")
    filler = "".join("line %d of a longer message body, to give it some weight.\n" % j
                     for j in range(60))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "big.mbox"), "w") as mb:
        for i in range(n):
            body = filler + (("Card %s\n" % CARD) if i % 10 == 0 else "")
            write(os.path.join(md, "cur", "%06d.M:2,S" % i), msg(i, "m%d" % i, body))
            mb.write("From user@example.org Mon Nov 23 09:00:00 2026\n")
            mb.write(msg(i, "b%d" % i, body) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "small":
        small(sys.argv[2])
    else:
        big(sys.argv[2], int(sys.argv[3]))
