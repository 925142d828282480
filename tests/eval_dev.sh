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
score --json | python3 "$(dirname "$0")/eval_floor.py" --precision 0.97 --recall 0.95 \
    --pci-precision 0.995 --pci-recall 0.99 --macro-f1 0.95 \
    --require classification,chain_letter,harassment,credentials
