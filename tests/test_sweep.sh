#!/bin/sh
# test_sweep.sh - `mailsift sweep` over generated stores, exact counts, and
# a sweep killed (SIGKILL, SIGTERM) half way then resumed; standard input,
# FIFOs and directory loops for scan and sweep (tests/sweep/scan_inputs.sh).
#   test_sweep.sh MAILSIFT SOURCE_DIR
set -eu
MS=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

sh "$SRC/tests/sweep/scan_inputs.sh" "$MS" || fail "scan_inputs.sh"

python3 "$SRC/tests/sweep/gen_store.py" small "$T/small"
printf 'sweep:\n  folders:\n    sent: 2\n' > "$T/cfg.yaml"

# 1. exact counts over the small store
rc=0
"$MS" sweep --jobs 2 --config "$T/cfg.yaml" --report "$T/r.json" "$T/small" > "$T/o.ndjson" 2>"$T/err" || rc=$?
[ $rc -eq 2 ] || fail "exit status $rc, want 2 (an unreadable item)"
grep -q 'cur/broken' "$T/err" || fail "unreadable item not on stderr"
[ "$(wc -l < "$T/o.ndjson")" -eq 17 ] || fail "want 16 message lines + 1 error line"
python3 - "$T/r.json" "$T/small" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t = r["totals"]; d = sys.argv[2]
def eq(what, got, want):
    if got != want:
        sys.exit("FAIL: %s = %r, want %r" % (what, got, want))
eq("messages", t["messages"], 16)
eq("pci messages", t["categories"]["pci"]["messages"], 4)
eq("flagged", t["flagged"], 4)
eq("errors", t["errors"], 1)
eq("files", t["files"], 12)
eq("folders", t["folders"], 5)
eq("mailboxes", t["mailboxes"], 3)
eq("complete", r["complete"], True)
f = {x["path"]: x for m in r["mailboxes"] for x in m["folders"]}
eq("INBOX messages", f[d + "/maildir"]["messages"], 4)
eq("INBOX items", f[d + "/maildir"]["items"], 5)
eq("INBOX name", f[d + "/maildir"]["name"], "INBOX")
eq("Sent over", f[d + "/maildir/.Sent"]["over_limit"], True)
eq("Sent limit", f[d + "/maildir/.Sent"]["item_limit"], 2)
eq("Archive name", f[d + "/maildir/.Archive.2019"]["name"], "Archive/2019")
eq("Archive limit", f[d + "/maildir/.Archive.2019"]["item_limit"], 10000)
eq("mbox messages", f[d + "/mail.mbox"]["messages"], 5)
eq("mbox pci", f[d + "/mail.mbox"]["categories"]["pci"]["messages"], 1)
eq("limits exceeded", [(x["kind"], x["name"]) for x in r["limits_exceeded"]], [("folder_items", "Sent")])
worst = [w["source"] for w in t["worst"]]
eq("worst", sorted(worst), sorted([d + "/eml/a.eml", d + "/mail.mbox:2",
   d + "/maildir/.Sent/cur/2000.S:2,S", d + "/maildir/cur/1000.A:2,S"]))
PY
# the same lines as `mailsift scan` (order aside)
"$MS" scan "$T/small" > "$T/scan.ndjson" 2>/dev/null || true
sort "$T/o.ndjson" > "$T/a"; sort "$T/scan.ndjson" > "$T/b"
cmp -s "$T/a" "$T/b" || fail "sweep NDJSON differs from scan NDJSON"
grep -q '"source":"[^"]*mail.mbox:5"' "$T/o.ndjson" || fail "last mbox message (no newline) missing"
grep -q '"source":"[^"]*new/1003.D"' "$T/o.ndjson" || fail "message without newline missing"
if grep -q 'tmp/1004' "$T/o.ndjson"; then fail "Maildir tmp/ was scanned"; fi
# --jobs 1 writes scan's order (files that cannot be listed come first)
"$MS" sweep --jobs 1 "$T/small" 2>/dev/null | grep -v '"error"' > "$T/j1.ndjson" || true
grep -v '"error"' "$T/scan.ndjson" | cmp -s - "$T/j1.ndjson" || fail "--jobs 1 order differs from scan"
# text report and a bad config value
"$MS" sweep --config "$T/cfg.yaml" --report "$T/r.txt" "$T/small" >/dev/null 2>&1 || true
grep -q 'folder .*\.Sent: 3 items, limit 2' "$T/r.txt" || fail "text report lacks the limit"
printf 'sweep:\n  folder_items: many\n' > "$T/bad.yaml"
if "$MS" sweep --config "$T/bad.yaml" "$T/small" >/dev/null 2>"$T/err"; then fail "bad config accepted"; fi
grep -q 'sweep.folder_items' "$T/err" || fail "bad config error does not name the key"

# 2. killed half way and resumed: totals and NDJSON as an uninterrupted sweep
python3 "$SRC/tests/sweep/gen_store.py" big "$T/big" 8000
"$MS" sweep --jobs 2 --report "$T/ref.json" "$T/big" > "$T/ref.ndjson" || [ $? -eq 1 ]
totals() {
    python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
print(json.dumps([r["complete"],r["totals"]["messages"],r["totals"]["bytes"],r["totals"]["categories"],
 r["totals"]["verdicts"],r["totals"]["errors"],
 [(f["path"],f["messages"],f["bytes"],f["categories"]) for m in r["mailboxes"] for f in m["folders"]]],
 sort_keys=True))' "$1"
}
for sig in KILL TERM; do
    rm -f "$T/ck" "$T/out.ndjson"
    "$MS" sweep --jobs 1 --resume "$T/ck" --checkpoint-every 0.02 "$T/big" >> "$T/out.ndjson" 2>/dev/null &
    pid=$!
    i=0
    while [ ! -s "$T/ck" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done
    kill -$sig $pid
    rc=0; wait $pid || rc=$?
    grep -q '"complete":false' "$T/ck" || fail "$sig: the sweep finished before the signal (store too small?)"
    [ $sig = KILL ] || [ $rc -eq 143 ] || fail "SIGTERM: exit status $rc, want 143"
    n=0
    while ! grep -q '"complete":true' "$T/ck"; do
        rc=0
        "$MS" sweep --jobs 2 --resume "$T/ck" --report "$T/res.json" "$T/big" >> "$T/out.ndjson" 2>/dev/null || rc=$?
        [ $rc -le 1 ] || fail "$sig: resume exit status $rc"
        n=$((n + 1)); [ $n -lt 5 ] || fail "$sig: resume does not finish"
    done
    [ "$(totals "$T/res.json")" = "$(totals "$T/ref.json")" ] || fail "$sig: resumed totals differ"
    sort "$T/out.ndjson" > "$T/a"; sort "$T/ref.ndjson" > "$T/b"
    cmp -s "$T/a" "$T/b" || fail "$sig: resumed NDJSON differs (missing or repeated lines)"
    echo "ok: $sig half way, resumed: $(wc -l < "$T/out.ndjson") lines, totals equal"
done

# stdout on a full disk (/dev/full): scan and sweep say so and exit 2; the
# checkpoint counts nothing that was not written, so a resume into a file
# gives every line once
rc=0; "$MS" scan "$T/big" > /dev/full 2> "$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q "No space left on device" "$T/err" || fail "scan to a full disk: exit $rc"
rm -f "$T/ck" "$T/out.ndjson"
rc=0; "$MS" sweep --jobs 2 --resume "$T/ck" "$T/big" > /dev/full 2> "$T/err" || rc=$?
[ $rc -eq 2 ] && grep -q "No space left on device" "$T/err" || fail "sweep to a full disk: exit $rc"
grep -q '"complete":false' "$T/ck" || fail "sweep to a full disk: checkpoint says complete"
rc=0; "$MS" sweep --jobs 2 --resume "$T/ck" --report "$T/res.json" "$T/big" >> "$T/out.ndjson" 2>/dev/null || rc=$?
[ $rc -le 1 ] || fail "resume after a full disk: exit $rc"
[ "$(totals "$T/res.json")" = "$(totals "$T/ref.json")" ] || fail "full disk: resumed totals differ"
sort "$T/out.ndjson" > "$T/a"; sort "$T/ref.ndjson" > "$T/b"
cmp -s "$T/a" "$T/b" || fail "full disk: resumed NDJSON differs"
echo "ok: full disk reported, resumed: $(wc -l < "$T/out.ndjson") lines"
echo "ok: sweep"
