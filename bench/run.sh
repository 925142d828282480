#!/bin/sh
# bench/run.sh - the benchmark, end to end, in one command
#
#   bench/run.sh [MESSAGES]      MESSAGES in the synthetic corpus (default 2000)
#
# 1. builds Release in build-bench/ (ms_bench, ms_gen_corpus, mailsift);
# 2. writes the synthetic corpus to build-bench/corpus and 64 MiB of English
#    text to build-bench/english.txt (both deterministic, seed 1);
# 3. runs ms_bench on the synthetic corpus and on the real-mail corpus
#    $MS_SHARED_DIR/corpus (default ../shared from the repository root), and
#    the Hyperscan stage on one stream of real text: the decoded text parts
#    of that corpus one after another (ms_bench --save-text), also with
#    only the direct rules and only the anchors in the database (--split);
#    then on the generated English prose as a second one-stream input;
# 3b. runs ms_bench again with a stress ruleset: the shipped rules and 5,000
#    generated word-list entries (bench/gen_stress.py), so breadth is measured;
# 4. runs ms_bench --big-part (memory stays bounded for a huge text part);
# 5. times `mailsift scan` over the real corpus, output to /dev/null, and
#    prints the median messages/s (file reading included): hyperfine if it
#    is installed, else a loop timed with date.
#
# Environment: MS_SHARED_DIR; RUNS (default 5, at least 5); BIG_GIB (default
# 1, 0 skips step 4). Every command is printed before it runs. Everything is
# single-threaded: the machine may be shared.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/common.sh
shared=${MS_SHARED_DIR:-../shared}
build="build-bench"
messages=${1:-2000}
runs=${RUNS:-5}
big=${BIG_GIB:-1}

machine

quiet cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMS_TESTS=OFF
quiet cmake --build "$build" -j2 --target ms_bench ms_gen_corpus mailsift

rm -rf "$build/corpus"
run "$build/bench/ms_gen_corpus" "$build/corpus" "$messages" 1
run "$build/bench/ms_gen_corpus" --text "$build/english.txt" 64M 1

run "$build/bench/ms_bench" --save-text "$build/real-text.txt" "$shared/corpus"

echo
run "$build/bench/ms_bench" --runs "$runs" --split --text "$build/real-text.txt" "$build/corpus" \
    "$shared/corpus"
echo
run "$build/bench/ms_bench" --runs "$runs" --text "$build/english.txt"

# breadth: the same stages with 5,000 more word-list entries (bench/gen_stress.py)
echo
run python3 bench/gen_stress.py rulesets "$build/stress-rules" 5000
run "$build/bench/ms_bench" --runs "$runs" --split --rules "$build/stress-rules" \
    --text "$build/real-text.txt" "$shared/corpus"

if [ "$big" != 0 ]; then
    echo
    run "$build/bench/ms_bench" --big-part "$big"
fi

# mailsift scan: file reading, parsing, matching and NDJSON output, as a user runs it
echo
scan="$build/mailsift scan $shared/corpus"
count=$("$build/mailsift" scan "$shared/corpus" 2>/dev/null | wc -l) || true
echo "+ $scan | wc -l    -> $count messages"
times=$build/scan-times.txt
: >"$times"
if command -v hyperfine >/dev/null 2>&1; then
    run hyperfine --runs "$runs" --warmup 1 --ignore-failure --export-csv "$build/hyperfine.csv" \
        "$scan >/dev/null 2>&1"
    awk -F, 'NR == 2 { print $4 }' "$build/hyperfine.csv" >"$times"
else
    echo "+ $scan >/dev/null 2>&1    ($runs runs, timed with date; hyperfine is not installed)"
    "$build/mailsift" scan "$shared/corpus" >/dev/null 2>&1 || true # warm the page cache
    i=0
    while [ "$i" -lt "$runs" ]; do
        t0=$(date +%s.%N)
        status=0
        "$build/mailsift" scan "$shared/corpus" >/dev/null 2>&1 || status=$?
        t1=$(date +%s.%N)
        echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }' >>"$times"
        [ "$status" -le 1 ] || echo "   (run $((i + 1)): exit status $status, errors on stderr)"
        i=$((i + 1))
    done
    echo "   seconds per run: $(tr '\n' ' ' <"$times")"
fi
secs=$(median <"$times")
echo "mailsift scan over $shared/corpus: $count messages, median $secs s of $runs runs" \
    "-> $(echo "$count $secs" | awk '{ printf "%.0f", $1 / $2 }') messages/s" \
    "(file reading and output included, one process)"
