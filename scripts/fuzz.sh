#!/bin/sh
# Run every fuzz harness in BUILD_DIR/fuzz for SECONDS each, seeded from
# ../shared/corpus and fuzz/seeds/<name>/, then replay saved crashers in
# fuzz/crashers/<name>/. Fails on any crash.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-30}
SHARED=${MS_SHARED_DIR:-../shared}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Seeds: small corpus messages (libFuzzer reads each file as one input).
mkdir -p "$WORK/seeds"
find "$SHARED/corpus" -type f -size -64k | head -n 1500 | while read -r f; do
    cp "$f" "$WORK/seeds/$(echo "$f" | md5sum | cut -c1-16)"
done
for h in "$BUILD"/fuzz/fuzz_*; do
    [ -x "$h" ] || continue
    name=$(basename "$h")
    mkdir -p "$WORK/$name"
    extra=""
    [ -d "fuzz/seeds/$name" ] && extra="fuzz/seeds/$name"
    if [ -d "fuzz/crashers/$name" ]; then
        echo "-- $name: replaying saved crashers"
        "$h" fuzz/crashers/"$name"/* >/dev/null 2>&1 || { echo "crasher replay failed: $name"; exit 1; }
    fi
    echo "-- $name: ${SECONDS_EACH}s"
    # A unit over 25 s is a hang (every parser's work is bounded to well under
    # a second in a Release build); sanitizers and a busy machine make one
    # ten times slower, so the bound is not tighter.
    "$h" -max_total_time="$SECONDS_EACH" -timeout=25 -report_slow_units=25 -rss_limit_mb=2048 \
        -print_final_stats=1 \
        -artifact_prefix="$WORK/$name-" "$WORK/$name" "$WORK/seeds" $extra 2>&1 \
        | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==.*ERROR|SUMMARY)' || true
    if ls "$WORK/$name-"* >/dev/null 2>&1; then
        echo "fuzzer $name found a crash:"; ls "$WORK/$name-"*
        mkdir -p fuzz-out && cp "$WORK/$name-"* fuzz-out/
        exit 1
    fi
done
