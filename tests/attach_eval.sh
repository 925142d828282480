#!/bin/sh
# attach_eval.sh MAILSIFT EVAL_DIR OUT - score the dev set (no --via filter)
# and demand P >= 0.97, R >= 0.95 for attachment and pci; for classification
# and credentials too once their rulesets produce findings.
set -eu
"$1" scan --rules "$(dirname "$0")/../rulesets" "$2/messages" > "$3" || [ $? -eq 1 ]
python3 "$2/score.py" --labels "$2/labels.json" --meta "$2/meta.json" --pred "$3" --json |
python3 -c '
import json, sys
r = json.load(sys.stdin)["categories"]
bad = []
for cat in ("attachment", "pci", "classification", "credentials"):
    c = r[cat]
    print("%-15s P %s R %.3f" % (cat, c["precision"], c["recall"]))
    if c["tp"] + c["fp"] == 0 and cat in ("classification", "credentials"):
        continue  # no ruleset for it yet
    if (c["precision"] or 0) < 0.97 or c["recall"] < 0.95:
        bad.append(cat)
sys.exit("below target: " + ", ".join(bad) if bad else 0)
'
