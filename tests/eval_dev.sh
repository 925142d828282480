#!/bin/sh
# eval_dev.sh MAILSIFT EVAL_DIR OUT - score the shipped rulesets on the
# labelled dev set (../shared/eval-dev) for positives carried in the body,
# headers and HTML, print the scorer's table, and fail under the floors:
# every category with positives in scope P >= 0.97 and R >= 0.95 (pci
# P >= 0.995, R >= 0.99), macro-F1 >= 0.95, no card number leaked, no
# message missing from the output. Positives inside documents and archives
# are scored on every carrier by attach_eval.sh.
set -eu
mailsift=$1 eval=$2 out=$3
rules="$(dirname "$0")/../rulesets"
"$mailsift" scan --rules "$rules" --format ndjson "$eval/messages" > "$out" || [ $? -eq 1 ]
score() {
    python3 "$eval/score.py" --labels "$eval/labels.json" --meta "$eval/meta.json" \
        --pred "$out" --via body,header,html "$@"
}
score
score --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
bad = []
for cat in r["macro_over"]:
    c = r["categories"][cat]
    p_floor, r_floor = (0.995, 0.99) if cat == "pci" else (0.97, 0.95)
    if (c["precision"] or 0) < p_floor or c["recall"] < r_floor:
        bad.append("%s P %s R %.3f (floors %.3f / %.3f)" % (cat, c["precision"], c["recall"],
                                                            p_floor, r_floor))
for cat in ("classification", "chain_letter", "harassment", "credentials"):
    if cat not in r["macro_over"]:
        bad.append("%s has no positives in scope" % cat)
if r["macro_f1"] < 0.95:
    bad.append("macro-F1 %.3f < 0.95" % r["macro_f1"])
if r["leaks"]:
    bad.append("%d card numbers leaked in full" % r["leaks"])
if r["missing"] or r["bad_lines"]:
    bad.append("%d messages missing, %d bad lines" % (r["missing"], r["bad_lines"]))
sys.exit("below the floor: " + "; ".join(bad) if bad else 0)
'
