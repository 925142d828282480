#!/bin/sh
# attach_eval.sh MAILSIFT EVAL_DIR OUT - score the dev set on every way of
# carrying (no --via filter: documents and archives too), print the table,
# and demand P >= 0.97, R >= 0.95 in every category, macro-F1 >= 0.95, no
# leaked card number and no message missing.
set -eu
mailsift=$1 eval=$2 out=$3
"$mailsift" scan --rules "$(dirname "$0")/../rulesets" "$eval/messages" > "$out" || [ $? -eq 1 ]
score() {
    python3 "$eval/score.py" --labels "$eval/labels.json" --meta "$eval/meta.json" --pred "$out" "$@"
}
score
score --json | python3 "$(dirname "$0")/eval_floor.py" --precision 0.97 --recall 0.95 \
    --macro-f1 0.95 --require attachment,pci,classification,credentials
