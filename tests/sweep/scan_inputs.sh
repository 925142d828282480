#!/bin/sh
# scan_inputs.sh - what `mailsift scan` and `mailsift sweep` are given
# besides files and directories, and stores that link back into
# themselves (run by tests/test_sweep.sh):
#   - standard input (`-`, /dev/stdin from a pipe or a file) and a FIFO are
#     read as a message or an mbox, never passed over with exit 0;
#   - a Maildir with `cur/a -> .` (and a link back to the top) is walked
#     once, the loop reported on stderr, in NDJSON and in sweep's report.
#   scan_inputs.sh MAILSIFT
set -eu
MS=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'From: a@example.com\nTo: b@example.com\nSubject: order\n\nPay with 4111 1111 1111 1111, thanks.\n' > "$T/msg.eml"
# verdict SOURCE FILE: FILE holds exactly one verdict line, for SOURCE, a reject
verdict() {
    [ "$(grep -c '"verdict"' "$2")" -eq 1 ] || fail "$1: want one verdict line, got: $(cat "$2")"
    grep -q "^{\"source\":\"$1\",\"verdict\":\"reject\"" "$2" || fail "$1: verdict line: $(cat "$2")"
}

# 1. standard input and FIFOs
rc=0; cat "$T/msg.eml" | "$MS" scan - > "$T/o" || rc=$?
[ $rc -eq 1 ] || fail "cat msg | scan -: exit $rc, want 1"
verdict - "$T/o"
rc=0; cat "$T/msg.eml" | "$MS" scan /dev/stdin > "$T/o" || rc=$?
[ $rc -eq 1 ] || fail "cat msg | scan /dev/stdin: exit $rc, want 1"
verdict /dev/stdin "$T/o"
rc=0; "$MS" scan /dev/stdin < "$T/msg.eml" > "$T/o" || rc=$?
[ $rc -eq 1 ] || fail "scan /dev/stdin < msg: exit $rc, want 1"
verdict /dev/stdin "$T/o"
mkfifo "$T/fifo"
timeout 30 sh -c 'cat "$1" > "$2"' - "$T/msg.eml" "$T/fifo" &
rc=0; timeout 30 "$MS" scan "$T/fifo" > "$T/o" || rc=$?
wait
[ $rc -eq 1 ] || fail "scan FIFO: exit $rc, want 1"
verdict "$T/fifo" "$T/o"
# an mbox on a pipe, its first bytes written apart from the rest
{ printf 'Fr'; sleep 0.2; printf 'om a\n'; cat "$T/msg.eml"; printf '\nFrom b\n'; cat "$T/msg.eml"; } |
    "$MS" scan - > "$T/o" || [ $? -eq 1 ] || fail "mbox on a pipe: exit status"
[ "$(grep -c '"source":"-:[12]","verdict":"reject"' "$T/o")" -eq 2 ] || fail "mbox on a pipe: $(cat "$T/o")"
# a clean message on stdin is scanned too: a verdict line, exit 0
rc=0; printf 'Subject: hi\n\nhello\n' | "$MS" scan - > "$T/o" || rc=$?
[ $rc -eq 0 ] && grep -q '"source":"-","verdict":"accept"' "$T/o" || fail "clean stdin: exit $rc: $(cat "$T/o")"
# sweep lists stores: it refuses a pipe rather than skipping it
rc=0; cat "$T/msg.eml" | "$MS" sweep - > "$T/o" 2> "$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q 'standard input cannot be swept' "$T/err" || fail "sweep -: exit $rc"
echo "ok: stdin, /dev/stdin and a FIFO give a verdict"

# 2. a Maildir linking back into itself
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
cp "$T/msg.eml" "$T/md/cur/1000.A:2,S"
ln -s . "$T/md/cur/a"
ln -s .. "$T/md/new/up"
rc=0; timeout 30 "$MS" scan "$T/md" > "$T/o" 2> "$T/err" || rc=$?
[ $rc -eq 2 ] || fail "scan loop: exit $rc, want 2 (the loops are reported)"
[ "$(grep -c '"verdict"' "$T/o")" -eq 1 ] || fail "scan loop: want 1 verdict, got $(grep -c '"verdict"' "$T/o")"
grep -q "$T/md/cur/a: directory loop: the same directory as $T/md/cur; not followed" "$T/err" ||
    fail "scan loop: stderr: $(cat "$T/err")"
grep -q "$T/md/new/up: directory loop: the same directory as $T/md;" "$T/err" ||
    fail "scan loop up: stderr: $(cat "$T/err")"
grep -q "\"source\":\"$T/md/cur/a\",\"error\":\"directory loop" "$T/o" || fail "scan loop: no NDJSON error line"
# a second link to a directory already walked is followed once as well
mkdir -p "$T/two/x"
cp "$T/msg.eml" "$T/two/x/m.eml"
ln -s x "$T/two/y"
rc=0; timeout 30 "$MS" scan "$T/two" > "$T/o" 2> "$T/err" || rc=$?
[ "$(grep -c '"verdict"' "$T/o")" -eq 1 ] && grep -q "$T/two/y: the same directory as one walked already" "$T/err" ||
    fail "second link: exit $rc: $(cat "$T/o" "$T/err")"
rc=0; timeout 30 "$MS" sweep --jobs 2 --report "$T/r.json" "$T/md" > "$T/o" 2> "$T/err" || rc=$?
[ $rc -eq 2 ] || fail "sweep loop: exit $rc, want 2"
[ "$(grep -c '"verdict"' "$T/o")" -eq 1 ] || fail "sweep loop: want 1 verdict"
grep -q "$T/md/cur/a: directory loop" "$T/err" || fail "sweep loop: stderr: $(cat "$T/err")"
python3 - "$T/r.json" "$T/md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); d = sys.argv[2]
loops = sorted(e["source"] for e in r["errors"] if e["error"].startswith("directory loop"))
if loops != [d + "/cur/a", d + "/new/up"]:
    sys.exit("FAIL: sweep report errors: %r" % r["errors"])
if r["totals"]["messages"] != 1 or r["totals"]["errors"] != 2:
    sys.exit("FAIL: sweep report totals: %r" % r["totals"])
PY
echo "ok: directory loops walked once and reported"
