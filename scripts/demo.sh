#!/bin/sh
# Quick start: install what is needed, build, and scan the bundled sample
# messages in examples/ with the bundled rulesets, explaining each finding.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMS_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mailsift
status=0
./build/mailsift scan --format text examples/ || status=$?
# exit 1 means "findings" (the samples hold some on purpose); 2 is an error
[ "$status" -le 1 ]
