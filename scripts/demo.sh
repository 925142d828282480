#!/bin/sh
# Quick start: install what is needed, build, then
#  1. start the milter on the bundled config (etc/mailsift.yaml, with its
#     paths moved to a temporary directory and the listener on loopback)
#     behind a private Postfix on loopback (tests/milter/postfix-env.sh,
#     smtp-sink as the next hop), send one clean message and one with a
#     card number through it with swaks, and print the SMTP replies;
#  2. scan the bundled sample messages in examples/, explaining each
#     finding.
# Everything it starts it stops again; nothing outside the temporary
# directory is changed (the system's own Postfix is not touched). Part 1
# needs root (Postfix's master runs as root) and is skipped otherwise.
# MS_DEMO_SKIP_DEPS=1 skips the package installation (already done).
set -eu
cd "$(dirname "$0")/.."
SRC=$(pwd)
[ "${MS_DEMO_SKIP_DEPS:-}" ] || ./scripts/install-deps.sh
# compiled rules are cached in a temporary directory too, not in
# /var/cache/mailsift or ~/.cache (nothing outside it is changed)
MAILSIFT_CACHE_DIR=$(mktemp -d /tmp/mailsift-demo-cache.XXXXXX)
export MAILSIFT_CACHE_DIR
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMS_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mailsift

milter_demo() {
    W=$(mktemp -d /tmp/mailsift-demo.XXXXXX)
    chmod 755 "$W"
    BASE=$((20000 + $$ % 20000))
    SMTP_PORT=$BASE SINK_PORT=$((BASE + 1)) MILTER_PORT=$((BASE + 2))
    . "$SRC/tests/milter/postfix-env.sh"
    MPID= SINKPID=
    trap 'demo_stop' EXIT INT TERM

    # the bundled config, with what a demo must not touch moved to $W
    mkdir -p "$W/state" "$W/sink"
    chown nobody "$W/state"
    chown postfix "$W/sink"
    sed -e "s|^\(  listen:\).*|\1 inet:$MILTER_PORT@127.0.0.1|" \
        -e "s|^\(  user:\).*|\1 nobody|" \
        -e "s|^\(  log:\).*|\1 stderr|" \
        -e "s|^\(  pidfile:\).*|\1 $W/state/mailsift.pid|" \
        -e "s|^\(  audit_log:\).*|\1 $W/state/audit.log|" \
        -e "s|^\(  state:\) { backend: file.*|\1 { backend: file, file: $W/state/ratelimit }|" \
        etc/mailsift.yaml >"$W/mailsift.yaml"

    smtp-sink -u postfix -D "$W/sink/delivered" 127.0.0.1:$SINK_PORT 100 >"$W/sink.log" 2>&1 &
    SINKPID=$!
    pf_setup
    pf_start || { echo "postfix did not start:"; cat "$W/maillog"; return 1; }
    ./build/mailsift milter --config "$W/mailsift.yaml" --rules rulesets --foreground \
        >"$W/milter.log" 2>&1 &
    MPID=$!
    for _ in $(seq 100); do grep -q "listening on" "$W/milter.log" && break; sleep 0.1; done
    grep -q "listening on" "$W/milter.log" || { cat "$W/milter.log"; return 1; }
    echo
    echo "== mailsift milter on 127.0.0.1:$MILTER_PORT behind a private Postfix on 127.0.0.1:$SMTP_PORT"
    echo "   (main.cf: smtpd_milters = inet:127.0.0.1:$MILTER_PORT, milter_default_action = tempfail)"
    demo_send "a clean message" --h-Subject "Lunch" --body "See you at noon."
    demo_send "a message with a card number" --h-Subject "Order" \
        --body "Please charge card 4111 1111 1111 1111, expiry 12/29."
    for _ in $(seq 100); do grep -q "See you at noon" "$W/sink/delivered" 2>/dev/null && break; sleep 0.1; done
    echo
    if grep -q "See you at noon" "$W/sink/delivered" 2>/dev/null; then
        echo "The clean message reached the next hop (smtp-sink); the card number did not."
    else
        echo "The clean message has not reached the next hop yet (see $W/maillog)."
    fi
    echo "Audit log (one JSON line per message, card numbers masked):"
    sed 's/^/  /' "$W/state/audit.log"
}

demo_send() { # demo_send WHAT swaks-args...
    what=$1
    shift
    echo
    echo "-- $what: the server's reply to the end of DATA"
    swaks --server 127.0.0.1:$SMTP_PORT --from demo@example.org --to someone@example.net \
        --timeout 60 "$@" >"$W/swaks.out" 2>&1 || :
    sed -n '/^ *-> \.$/,$p' "$W/swaks.out" | grep -E '^<(-|\*\*)' | head -n 1 | sed 's/^/   /'
}

demo_stop() {
    for pid in $MPID $SINKPID; do # the milter first: it finishes what is in flight
        kill "$pid" 2>/dev/null || :
        wait "$pid" 2>/dev/null || :
        [ "$pid" = "$MPID" ] && pf_stop
    done
    rm -rf "$W"
    MPID= SINKPID=
    trap - EXIT INT TERM
}

if [ "$(id -u)" -eq 0 ]; then
    milter_demo
    demo_stop
else
    echo "(not root: skipping the milter demo, which runs a private Postfix)"
fi

echo
echo "== mailsift scan examples/"
status=0
./build/mailsift scan --format text examples/ || status=$?
rm -rf "$MAILSIFT_CACHE_DIR"
# exit 1 means "findings" (the samples hold some on purpose); 2 is an error
[ "$status" -le 1 ]
