#!/bin/sh
# eval_holdout.sh MAILSIFT SCORER OUTDIR - the shipped rulesets on the
# held-out set: messages that tests/holdout/gen.py writes apart from the
# rules (other wordings, encodings and carriers than the dev set), scored
# by ../shared/eval-dev/score.py on every way of carrying. Fails under
# P >= 0.97 in every category (pci 0.995), R >= 0.85 (pci 0.98),
# macro-F1 >= 0.95, or on a leaked card number. The recall floor is lower
# than the dev set's: this set is not what the rules were written from.
set -eu
mailsift=$1 scorer=$2 out=$3
here=$(dirname "$0")
rm -rf "$out"
python3 "$here/holdout/gen.py" "$out" >/dev/null
"$mailsift" scan --rules "$here/../rulesets" "$out/messages" > "$out/pred.ndjson" || [ $? -eq 1 ]
score() {
    python3 "$scorer" --labels "$out/labels.json" --meta "$out/meta.json" \
        --pred "$out/pred.ndjson" "$@"
}
score
score --json | python3 "$here/eval_floor.py" --precision 0.97 --recall 0.85 \
    --pci-precision 0.995 --pci-recall 0.98 --macro-f1 0.95 \
    --require pci,classification,chain_letter,harassment,credentials,attachment
