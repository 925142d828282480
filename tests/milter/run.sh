#!/bin/sh
# run.sh - the milter under a real Postfix (ctest: milter_postfix)
#
#   tests/milter/run.sh BUILD/mailsift SOURCE_DIR
#
# Starts a private Postfix on loopback (its own config, queue and data
# directories, postfix -c DIR) with smtpd_milters pointing at the milter and
# smtp-sink as the next hop, sends messages with swaks and a raw SMTP
# client, and asserts what the MTA's client sees. Needs root (Postfix's
# master runs as root); exits 77 (skipped) otherwise. Takes about a minute.
#
# No step depends on the machine's speed: every wait for the milter, Postfix
# or Redis polls for the thing awaited, with a bound (READY seconds) far
# above what a sanitizer build on a loaded machine needs, and says what it
# was waiting for when the bound is reached.
set -u
BIN=$(readlink -f "$1")
SRC=$(readlink -f "$2")
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the Postfix integration test needs root (it runs a private Postfix)"
    exit 77
fi
for t in postfix postconf smtp-sink swaks redis-server python3; do
    command -v $t >/dev/null || { echo "FAIL: $t not installed (scripts/install-deps.sh)"; exit 1; }
done
W=$(mktemp -d /tmp/mailsift-milter.XXXXXX)
chmod 755 "$W"
READY=180
export MAILSIFT_CACHE_DIR="$W/cache" # compiled rules, kept between starts
BASE=$((20000 + $$ % 20000))
SMTP_PORT=$BASE SINK_PORT=$((BASE + 1)) MILTER_PORT=$((BASE + 2)) REDIS_PORT=$((BASE + 3))
. "$SRC/tests/milter/postfix-env.sh"
FAILS=0 PASSES=0
MPID= SINKPID= REDISPID=

cleanup() {
    [ -n "$MPID" ] && kill "$MPID" 2>/dev/null
    pf_stop
    [ -n "$SINKPID" ] && kill "$SINKPID" 2>/dev/null
    [ -n "$REDISPID" ] && kill "$REDISPID" 2>/dev/null
    wait 2>/dev/null
    if [ "$FAILS" -eq 0 ]; then rm -rf "$W"; else echo "work directory kept: $W"; fi
}
trap cleanup EXIT

# within SECONDS CMD...: run CMD every 0.1 s until it succeeds; false once
# SECONDS (counted in polls, so never less than SECONDS) have gone by
within() {
    n=$(($1 * 10)); shift
    while ! "$@"; do n=$((n - 1)); [ "$n" -gt 0 ] || return 1; sleep 0.1; done
}
# port_open PORT: something accepts on 127.0.0.1:PORT
port_open() {
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null
}
# logged N PATTERN: the milter's log has N lines matching PATTERN
logged() { [ "$(grep -cE -- "$2" "$W/milter.log" 2>/dev/null || true)" -ge "$1" ]; }

ok() { PASSES=$((PASSES + 1)); echo "ok   - $1"; }
not_ok() { FAILS=$((FAILS + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && sed 's/^/       /' "$2" | tail -n 15; }
# expect NAME FILE PATTERN: FILE holds a line matching PATTERN
expect() { if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1 (no /$3/)" "$2"; fi; }
# everything smtp-sink received, one file
sink() { cat "$W"/sink/msg* >"$W/sink.out" 2>/dev/null || : >"$W/sink.out"; }
# wait_for NAME FILE PATTERN: like expect, but give delivery up to READY s
# (Postfix's queue manager is slow to pick up mail on a loaded machine)
sink_has() { sink; grep -Eq -- "$2" "$1"; }
wait_for() {
    within $READY sink_has "$2" "$3"
    expect "$@"
}
# hup: SIGHUP the milter and wait until its log says the reload is over
# (a reload may recompile the rules: slow under sanitizers)
hup() {
    before=$(grep -cE "(reloaded|reload failed)" "$W/milter.log" 2>/dev/null || true)
    kill -HUP "$MPID"
    within $READY logged $((before + 1)) "(reloaded|reload failed)" && return 0
    echo "FAIL: the milter did not finish a reload within $READY s"; tail -n 20 "$W/milter.log"; exit 1
}
expect_not() {
    sink; if grep -Eq -- "$3" "$2"; then not_ok "$1 (found /$3/)" "$2"; else ok "$1"; fi; }

send() { # send OUT swaks-args...: one message through Postfix
    out=$1; shift
    swaks --server 127.0.0.1:$SMTP_PORT --timeout 60 "$@" >"$W/$out" 2>&1
}

# milter_up: the milter runs and has logged its start number STARTS (its
# socket is open before that line)
milter_up() { kill -0 "$MPID" 2>/dev/null && logged "$STARTS" "listening on"; }
start_milter() { # start_milter CONFIG
    "$BIN" milter --config "$1" --rules "$W/rules" --foreground >>"$W/milter.log" 2>&1 &
    MPID=$!
    within $READY milter_up && return 0
    kill -0 "$MPID" 2>/dev/null && echo "FAIL: the milter did not start within $READY s" ||
        echo "FAIL: the milter exited while starting"
    tail -n 30 "$W/milter.log"; exit 1
}
STARTS=0
restart_milter() { # graceful stop (SIGTERM), start again
    kill -TERM "$MPID"; wait "$MPID" 2>/dev/null
    STARTS=$((STARTS + 1)); start_milter "$1"
}

# ---- fixtures ----------------------------------------------------------
mkdir -p "$W/rules" "$W/state"
chown nobody "$W/state"
cp -R "$SRC"/rulesets/. "$W/rules/" # word lists in rulesets/words/ too
cp "$SRC/tests/milter/test-rules.yaml" "$W/rules/zz-test.yaml"
cat >"$W/login_maps" <<'M'
# address            logins
alice@example.org    alice@example.org
@sales.example.org   bob@example.org, carol
M
conf() { # conf FILE BACKEND
    cat >"$1" <<C
internal_domains: [example.org]
policy:
  pci: { reply: "550 5.7.1 Message blocked: payment card number detected" }
milter:
  listen: inet:$MILTER_PORT@127.0.0.1
  user: nobody
  log: stderr
  failure_mode: tempfail
  login_maps: $W/login_maps
  recipient_limit: 500
  rate_limit: { messages: 3, window: 3600 }
  audit_log: $W/state/audit.log
  pidfile: $W/state/mailsift.pid
  state: $2
C
}
conf "$W/file.yaml" "{ backend: file, file: $W/state/ratelimit }"
conf "$W/redis.yaml" "{ backend: redis, host: 127.0.0.1, port: $REDIS_PORT, prefix: \"t$$:\" }"

mkdir -p "$W/sink"; chown postfix "$W/sink"
smtp-sink -u postfix -D "$W/sink/msg" 127.0.0.1:$SINK_PORT 100 >"$W/sink.log" 2>&1 &
SINKPID=$!
pf_setup
pf_start || { echo "FAIL: postfix did not start"; cat "$W/maillog"; exit 1; }
STARTS=1
start_milter "$W/file.yaml"
expect "first start compiles the rules into the cache" "$W/milter.log" "rules compiled in"
if ls "$W/cache"/* >/dev/null 2>&1; then ok "compiled rules cached in \$MAILSIFT_CACHE_DIR"
else not_ok "compiled rules cached in $W/cache"; fi

# ---- clean and tagged messages are delivered ---------------------------
send clean.out --from c1@example.org --to r@example.net --h-Subject "lunch" --body "See you at noon."
expect "clean message accepted" "$W/clean.out" "^<- +250 2.0.0 Ok: queued"
send tag.out --from c2@example.org --to r@example.net --h-Subject "tagged" --body "MSTAGME marker"
expect "tagged message accepted" "$W/tag.out" "^<- +250 2.0.0 Ok: queued"
wait_for "clean message reached the next hop" "$W/sink.out" "See you at noon"
wait_for "tagged message carries X-Mailsift-Verdict: tag" "$W/sink.out" "^X-Mailsift-Verdict: tag"
expect "tagged message carries X-Mailsift-Findings" "$W/sink.out" "^X-Mailsift-Findings: test_tag/test.tag@1"

# ---- a card number is refused with the configured 5xx at end of data ---
send card.out --from c3@example.org --to r@example.net --h-Subject "order" \
    --body "Card: 4111 1111 1111 1111 exp 12/29"
expect "card number refused at end of data" "$W/card.out" \
    "^<\\*\\* +550 5.7.1 Message blocked: payment card number detected"
expect_not "card number not delivered" "$W/sink.out" "4111 1111"
expect "audit log masks the card number" "$W/state/audit.log" '"excerpt":"411111\*+1111"'
expect_not "audit log never holds the card number" "$W/state/audit.log" "4111 ?1111 ?1111 ?1111"

# ---- a quarantined message sits in the hold queue ----------------------
send hold.out --from c4@example.org --to r@example.net --h-Subject "hold" --body "MSHOLDME please"
expect "quarantined message accepted" "$W/hold.out" "^<- +250 2.0.0 Ok: queued"
qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$W/hold.out")
if [ -n "$qid" ] && within $READY test -f "$W/pf/queue/hold/$qid"; then ok "quarantined message $qid in the hold queue"
else not_ok "quarantined message in the hold queue" "$W/maillog"; fi

# ---- the 501st recipient gets 452 4.5.3 --------------------------------
rcpts=$(seq 1 501 | sed 's/.*/r&@example.net/' | paste -sd, -)
send rcpt.out --from c5@example.org --to "$rcpts" --h-Subject "many" --body "hello all"
n452=$(grep -Ec "^<\*\* +452 4.5.3" "$W/rcpt.out")
n250=$(grep -c "^<- *250 2.1.5" "$W/rcpt.out")
if [ "$n452" -eq 1 ] && [ "$n250" -eq 500 ] && grep -B1 "452 4.5.3" "$W/rcpt.out" | grep -q "r501@"; then
    ok "recipients 1-500 accepted, the 501st got 452 4.5.3"
else not_ok "501st recipient 452 (250: $n250, 452: $n452)" "$W/rcpt.out"; fi

# ---- a forged From is refused (login from XCLIENT) ---------------------
send spoof.out --from alice@example.org --to r@example.net --xclient-login alice@example.org \
    --h-From "The CEO <ceo@example.org>" --h-Subject "wire" --body "please pay"
expect "forged From refused" "$W/spoof.out" "^<\\*\\* +550 5.7.1 .*sender address not allowed"
send own.out --from alice@example.org --to r@example.net --xclient-login alice@example.org \
    --h-From "Alice <alice@example.org>" --h-Subject "own" --body "hi"
expect "own From accepted" "$W/own.out" "^<- +250 2.0.0 Ok: queued"
send map.out --from x@sales.example.org --to r@example.net --xclient-login carol \
    --h-From "x@sales.example.org" --h-Subject "mapped" --body "hi"
expect "From allowed by the login map (@domain) accepted" "$W/map.out" "^<- +250 2.0.0 Ok: queued"

# ---- card numbers in the envelope, login and From: masked in every output
# A login that may not send as its From (logged with the From), a message
# that is delivered (its added headers), and four more from one login: the
# rate limit suspends it (logged, in the state file, in `suspend list`).
PAN=4111111111111111 PAN2=5500000000000004
send pan1.out --from "$PAN@example.org" --to r@example.net --xclient-login "$PAN2" \
    --h-From "Card $PAN <$PAN@example.org>" --h-Subject "pan spoof" --body "hello"
expect "card-number login may not send as a card-number From" "$W/pan1.out" "^<\\*\\* +550 5.7.1"
send pan2.out --from "$PAN@example.org" --to r@example.net --xclient-login "$PAN@example.org" \
    --h-From "$PAN@example.org" --h-Subject "pan delivered" --body "MSTAGME hello"
expect "card-number sender, login and From: delivered" "$W/pan2.out" "^<- +250 2.0.0 Ok: queued"
wait_for "card-number sender: the message reached the next hop" "$W/sink.out" "^Subject: pan delivered"
for i in 3 4 5 6; do
    send "pan$i.out" --from "$PAN@example.org" --to r@example.net --xclient-login "$PAN@example.org" --body "msg $i"
done
expect "card-number login suspended by the rate limit" "$W/pan6.out" "451 4.7.1 Sender suspended"
"$BIN" suspend list --config "$W/file.yaml" --rules "$W/rules" >"$W/pan-list.out" 2>&1
expect "suspend list shows the card-number login masked" "$W/pan-list.out" "^411111\\*+1111@example.org	suspended since"
awk '/^Subject: pan delivered/,/^$/' "$W/sink.out" | grep -i "^X-Mailsift" >"$W/pan-headers.out"
for f in audit.log ratelimit; do cp "$W/state/$f" "$W/pan-$f.out"; done
cp "$W/milter.log" "$W/pan-milter.log.out"
for f in audit.log ratelimit milter.log headers list; do
    if grep -Eq "$PAN|$PAN2" "$W/pan-$f.out"; then not_ok "a card number in full in the $f output" "$W/pan-$f.out"
    else ok "no card number in full in the $f output"; fi
done
expect "audit log holds the masked sender" "$W/state/audit.log" '"sender":"411111\*+1111@example.org"'
expect "milter log holds the masked From" "$W/milter.log" "may not send as the From.*Card 411111\\*+1111 <411111\\*+1111@example.org>"
"$BIN" suspend clear "$PAN@example.org" --config "$W/file.yaml" --rules "$W/rules" >"$W/pan-clear.out" 2>&1
expect "suspend clear takes the address in full" "$W/pan-clear.out" "suspension cleared"

# ---- rate limit suspends; a restart keeps the suspension ---------------
ratelimit_case() { # ratelimit_case BACKEND CONFIG SENDER
    for i in 1 2 3; do send "rl-$1-$i.out" --from "$3" --to r@example.net --body "msg $i"; done
    send "rl-$1-4.out" --from "$3" --to r@example.net --body "msg 4"
    if grep -q "^<- *250 2.0.0 Ok: queued" "$W/rl-$1-3.out" && grep -q "451 4.7.1 Sender suspended" "$W/rl-$1-4.out"; then
        ok "$1: 3 messages accepted, the 4th suspends the sender (451 4.7.1)"
    else not_ok "$1: rate limit" "$W/rl-$1-4.out"; fi
    restart_milter "$2"
    send "rl-$1-5.out" --from "$3" --to r@example.net --body "msg 5"
    expect "$1: still suspended after a restart" "$W/rl-$1-5.out" "451 4.7.1 Sender suspended"
    "$BIN" suspend list --config "$2" --rules "$W/rules" >"$W/rl-$1-list.out" 2>&1
    expect "$1: suspend list shows the sender" "$W/rl-$1-list.out" "^$3	suspended since"
    "$BIN" suspend clear "$3" --config "$2" --rules "$W/rules" >"$W/rl-$1-clear.out" 2>&1
    expect "$1: suspend clear" "$W/rl-$1-clear.out" "suspension cleared"
    send "rl-$1-6.out" --from "$3" --to r@example.net --body "msg 6"
    expect "$1: accepted again after clear" "$W/rl-$1-6.out" "^<- +250 2.0.0 Ok: queued"
}
ratelimit_case file "$W/file.yaml" bulk@example.org
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no >"$W/redis.log" 2>&1 &
REDISPID=$!
within $READY port_open $REDIS_PORT || { echo "FAIL: redis-server did not start within $READY s"; cat "$W/redis.log"; exit 1; }
restart_milter "$W/redis.yaml"
expect "a restart loads the compiled rules from the cache" "$W/milter.log" "rules loaded from the cache"
expect "... and the compiled YARA rules" "$W/milter.log" "YARA rules loaded from the cache"
ratelimit_case redis "$W/redis.yaml" bulk2@example.org

# ---- SIGHUP: a good reload takes effect, a broken one keeps the old ----
cat >"$W/rules/zz-new.yaml" <<'R'
rules:
  - id: test.new
    category: test_tag
    description: The word MSNEWWORD
    pattern: 'MSNEWWORD'
R
hup
send hup1.out --from h1@example.org --to r@example.net --body "MSNEWWORD here"
wait_for "SIGHUP loaded a new rule" "$W/sink.out" "^X-Mailsift-Findings: test_tag/test.new@1"
printf 'rules:\n  - id: test.broken\n    category: test_tag\n    description: x\n    pattern: "(unclosed"\n' >"$W/rules/zz-broken.yaml"
sed -i 's/MSNEWWORD/MSOTHERWORD/' "$W/rules/zz-new.yaml"
hup
expect "broken rule logged with file:line" "$W/milter.log" "zz-broken.yaml:[0-9]+:"
expect "broken reload keeps the old engine" "$W/milter.log" "reload failed; still running the previous"
send hup2.out --from h2@example.org --to r@example.net --body "MSNEWWORD again"
send hup3.out --from h3@example.org --to r@example.net --body "Card: 4111 1111 1111 1111 exp 12/29"
expect "old rules still tag after the broken reload" "$W/hup2.out" "^<- +250 2.0.0 Ok: queued"
expect "old rules still refuse a card after the broken reload" "$W/hup3.out" "^<\\*\\* +550 5.7.1"
rm -f "$W/rules/zz-broken.yaml" "$W/rules/zz-new.yaml"
kill -0 "$MPID" && ok "milter still running after two SIGHUPs" || not_ok "milter died on SIGHUP" "$W/milter.log"

# ---- privileges dropped, pid file written --------------------------------
if [ "$(stat -c %U /proc/$MPID)" = nobody ]; then ok "privileges dropped to nobody"; else not_ok "privilege drop"; fi
if [ "$(cat "$W/state/mailsift.pid")" = "$MPID" ]; then ok "pid file holds the pid"; else not_ok "pid file"; fi

# ---- killing the milter mid-message gives the client a 4xx -------------
python3 "$SRC/tests/milter/slow_client.py" 127.0.0.1 $SMTP_PORT "$MPID" >"$W/kill.out" 2>&1
expect "milter killed mid-message: client gets 4xx at end of data" "$W/kill.out" "^final: 4[0-9][0-9] "
expect_not "nothing delivered unscanned" "$W/sink.out" "KILLED-MID-MESSAGE"
MPID=
STARTS=$((STARTS + 1)); start_milter "$W/file.yaml"
send after.out --from k2@example.org --to r@example.net --body "after the restart"
expect "after a restart mail flows again" "$W/after.out" "^<- +250 2.0.0 Ok: queued"

# ---- disclaimer: external mail gets it, valid MIME; internal and signed not
DISC="Mailsift test disclaimer: this e-mail left example.org."
conf "$W/disc.yaml" "{ backend: file, file: $W/state/ratelimit }"
printf '  disclaimer: "%s"\n' "$DISC" >>"$W/disc.yaml"
restart_milter "$W/disc.yaml"
CHECK="python3 $SRC/tests/milter/check_disclaimer.py"
disclaimer_case() { # disclaimer_case NAME SUBJECT added|unchanged [ORIGINAL]
    within $READY sink_has "$W/sink.out" "^Subject: $2"
    if $CHECK "$W/sink.out" "$2" "$DISC" "$3" ${4:-} >"$W/$2.check" 2>&1; then ok "$1"; else not_ok "$1" "$W/$2.check"; fi
}
send disc1.out --from d1@example.org --to r@example.net --data "$SRC/tests/milter/disclaimer-multipart.eml"
expect "multipart message to an external recipient accepted" "$W/disc1.out" "^<- +250 2.0.0 Ok: queued"
disclaimer_case "disclaimer once in each text part (QP plain, base64 HTML), not in the attachment; valid MIME" disclaimer-multipart added
send disc2.out --from d2@example.org --to r@example.net,s@example.org --h-Subject disclaimer-plain --body "One line, no MIME."
disclaimer_case "disclaimer added to a plain message with one external recipient" disclaimer-plain added
send disc3.out --from d3@example.org --to s@example.org,t@dept.example.org --h-Subject disclaimer-internal --body "Internal only."
disclaimer_case "internal mail (subdomain too) left without the disclaimer" disclaimer-internal unchanged
send disc4.out --from d4@example.org --to r@example.net --data "$SRC/tests/milter/disclaimer-signed.eml"
disclaimer_case "signed message left unchanged byte for byte" disclaimer-signed unchanged "$SRC/tests/milter/disclaimer-signed.eml"

# ---- sessions past milter.max_sessions get 421; memory returns after ----
# 400 milter sessions held open after MAIL FROM (the milter protocol spoken
# directly: Postfix would not open that many), then closed. Resident memory
# must fall back by at least half of what the sessions took (sessions.py
# polls for it up to READY s). Sanitizer builds keep freed memory in
# quarantine: there only the refusals are checked.
conf "$W/sessions.yaml" "{ backend: file, file: $W/state/ratelimit }"
printf '  max_sessions: 300\n' >>"$W/sessions.yaml"
restart_milter "$W/sessions.yaml"
SETTLE=$READY ASAN=
if ldd "$BIN" | grep -q libasan || nm -D "$BIN" 2>/dev/null | grep -q __asan_init; then ASAN=1 SETTLE=0; fi
python3 "$SRC/tests/milter/sessions.py" 127.0.0.1 $MILTER_PORT "$MPID" 400 $SETTLE >"$W/sessions.out" 2>&1
if grep -q "^accepted 300$" "$W/sessions.out" && grep -q "^refused 100 421$" "$W/sessions.out"; then
    ok "400 sessions, max_sessions 300: 300 go on, 100 get 421 at MAIL FROM"
else not_ok "max_sessions 300" "$W/sessions.out"; fi
expect "the refusals are logged" "$W/milter.log" "300 sessions open \\(milter.max_sessions\\)"
base=$(sed -n 's/^baseline_kib //p' "$W/sessions.out")
peak=$(sed -n 's/^peak_kib //p' "$W/sessions.out")
after=$(sed -n 's/^after_kib //p' "$W/sessions.out")
if [ -n "$ASAN" ]; then
    ok "memory after the sessions: not measured under AddressSanitizer (RSS $base -> $peak -> $after KiB)"
elif [ -n "$after" ] && [ $((after - base)) -le $(((peak - base) / 2)) ]; then
    ok "memory returned after the sessions closed: RSS $base -> $peak -> $after KiB"
else not_ok "memory kept after the sessions closed: RSS $base -> $peak -> $after KiB" "$W/sessions.out"; fi
send sess.out --from s1@example.org --to r@example.net --body "after the sessions"
expect "mail flows after the sessions closed" "$W/sess.out" "^<- +250 2.0.0 Ok: queued"

# ---- SIGTERM mid-message: the message is finished, then the milter exits -
python3 "$SRC/tests/milter/slow_client.py" 127.0.0.1 $SMTP_PORT "$MPID" TERM >"$W/term.out" 2>&1
expect "SIGTERM mid-message: the message in flight is scanned and accepted" "$W/term.out" "^final: 250 "
gone() { ! kill -0 "$MPID" 2>/dev/null; }
if within $READY gone; then ok "SIGTERM mid-message: the milter exits once the message is done"
else not_ok "SIGTERM mid-message: the milter still runs" "$W/milter.log"; fi
wait "$MPID"; rc=$?
if [ $rc -eq 0 ] && [ ! -e "$W/state/mailsift.pid" ]; then ok "SIGTERM: exit 0, pid file removed"; else not_ok "SIGTERM exit ($rc)" "$W/milter.log"; fi
STARTS=$((STARTS + 1)); start_milter "$W/disc.yaml"

# ---- SIGTERM when idle: the milter exits at once ----------------------------
# libmilter's listener looks at its stop flag every 5 s; a connection just
# before the signal starts a new 5 s wait, so waiting for it would take
# about 5 s every time. Exiting at once takes milliseconds, under
# sanitizers too: 3 s tells the two apart on any machine.
port_open $MILTER_PORT
t0=$(date +%s%N); kill -TERM "$MPID"; wait "$MPID"; rc=$?; t1=$(date +%s%N); MPID=
ms=$(((t1 - t0) / 1000000))
if [ $rc -eq 0 ] && [ $ms -lt 3000 ]; then ok "SIGTERM when idle: exit 0 after $ms ms"
else not_ok "SIGTERM when idle: exit $rc after $ms ms (bound 3000 ms)" "$W/milter.log"; fi
lines=$(wc -l <"$W/state/audit.log")
[ "$lines" -ge 20 ] && ok "audit log: $lines JSON lines" || not_ok "audit log lines ($lines)" "$W/state/audit.log"

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
