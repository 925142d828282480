#!/bin/sh
# milter_load.sh - what the milter costs behind a real Postfix, beside the
# milter protocol's own cost
#
# Starts a private Postfix on loopback (tests/milter/postfix-env.sh) with
# smtp-sink as the next hop and measures, in each round, one after another:
#   alone       Postfix without a milter
#   null        bench/null_milter.c: a libmilter milter that does nothing
#   null-nr     the same, taking no reply per header as mailsift does
#   mailsift    `mailsift milter` on the bundled config and rulesets (rate
#               limit raised so the load is not suspended)
#   disclaimer  the same with a disclaimer: every message is changed (an
#               external recipient), so every end of message carries
#               several replies (add header, replace body)
# Each is driven by bench/smtp_load.py with real messages (the files of
# $MS_CORPUS, default the SpamAssassin easy_ham corpus), one a connection:
#   latency:    one session, N messages in a row: p50 / p99 ms a message
#   throughput: S parallel sessions, M messages: messages/s, p50 / p99 ms,
#               and the milter process's CPU (utime + stime from
#               /proc/PID/stat) per message over this phase
# Then the medians over ROUNDS rounds, and per round mailsift's CPU a
# message over the null milter's (the goal: at most 1.1, the protocol's
# own cost being the floor).
#
# Run as root from the repository root after a build:
#   [MS_BUILD=build] bench/milter_load.sh [ROUNDS=3] [S=16] [M=2000] [N=200]
# MS_BUILD is the build directory (mailsift, bench/ms_null_milter).
#
# The numbers are as noisy as the machine: anything else running (a build)
# takes CPU from Postfix, the milter and the client alike.
set -eu
ROUNDS=${1:-3} S=${2:-16} M=${3:-2000} N=${4:-200}
SRC=$(pwd)
BUILD=${MS_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
BIN=$BUILD/mailsift NULL=$BUILD/bench/ms_null_milter
CORPUS=${MS_CORPUS:-$SRC/../shared/corpus/spamassassin-public-corpus/easy_ham}
[ -x "$BIN" ] && [ -x "$NULL" ] || { echo "build first ($BIN, $NULL)"; exit 2; }
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS (set MS_CORPUS)"; exit 2; }
W=$(mktemp -d /tmp/mailsift-load.XXXXXX)
chmod 755 "$W"
BASE=$((30000 + $$ % 20000))
SMTP_PORT=$BASE SINK_PORT=$((BASE + 1)) MILTER_PORT=$((BASE + 2))
. "$SRC/tests/milter/postfix-env.sh"
MPID= SINKPID=
stop_milter() {
    [ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null || :
    MPID=
}
stop_all() {
    stop_milter
    [ -n "$SINKPID" ] && kill "$SINKPID" 2>/dev/null || :
    pf_stop
    [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap stop_all EXIT INT TERM

mkdir -p "$W/state"
chown nobody "$W/state"
sed -e "s|^\(  listen:\).*|\1 inet:$MILTER_PORT@127.0.0.1|" -e "s|^\(  user:\).*|\1 nobody|" \
    -e "s|^\(  log:\).*|\1 stderr|" -e "s|^\(  pidfile:\).*|\1 $W/state/mailsift.pid|" \
    -e "s|^\(  audit_log:\).*|\1 $W/state/audit.log|" \
    -e "s|^\(  rate_limit:\).*|\1 { messages: 10000000, window: 60 }|" \
    -e "s|^\(  state:\) { backend: file.*|\1 { backend: file, file: $W/state/ratelimit }|" \
    etc/mailsift.yaml >"$W/mailsift.yaml"
sed -e 's|^  # \(disclaimer:\)|  \1|' "$W/mailsift.yaml" >"$W/disclaimer.yaml"
grep -q '^  disclaimer:' "$W/disclaimer.yaml" || { echo "no disclaimer line to enable"; exit 2; }

smtp-sink -u postfix 127.0.0.1:$SINK_PORT 256 >/dev/null 2>&1 &
SINKPID=$!
pf_setup
HZ=$(getconf CLK_TCK)

ticks() { # CPU ticks (user + system) of process $1; 0 for none
    if [ -n "$1" ]; then awk '{ print $14 + $15 }' "/proc/$1/stat"; else echo 0; fi
}
queue_empty() { # wait until Postfix has handed everything to smtp-sink
    for _ in $(seq 600); do
        [ -z "$(find "$W/pf/queue/active" "$W/pf/queue/incoming" "$W/pf/queue/deferred" \
            -type f 2>/dev/null | head -n 1)" ] && return 0
        sleep 0.1
    done
}
start_milter() { # start_milter CONFIG: the milter of a configuration, or none
    : >"$W/milter.log"
    case $1 in
    alone) postconf -c "$W/pf/etc" -e "smtpd_milters =" ;;
    null | null-nr)
        postconf -c "$W/pf/etc" -e "smtpd_milters = inet:127.0.0.1:$MILTER_PORT"
        if [ "$1" = null ]; then set --; else set -- -r; fi
        "$NULL" "$@" "inet:$MILTER_PORT@127.0.0.1" >"$W/milter.log" 2>&1 &
        MPID=$!
        ;;
    mailsift | disclaimer)
        postconf -c "$W/pf/etc" -e "smtpd_milters = inet:127.0.0.1:$MILTER_PORT"
        [ "$1" = mailsift ] && conf=$W/mailsift.yaml || conf=$W/disclaimer.yaml
        "$BIN" milter --config "$conf" --rules "$SRC/rulesets" --foreground \
            >"$W/milter.log" 2>&1 &
        MPID=$!
        ;;
    esac
    if [ -n "$MPID" ]; then
        for _ in $(seq 300); do grep -q "listening on" "$W/milter.log" && break; sleep 0.1; done
        kill -0 "$MPID" 2>/dev/null || { echo "$1: the milter did not start:"; cat "$W/milter.log"; exit 1; }
    fi
}
run() { # run ROUND CONFIG: one configuration, one result line
    start_milter "$2"
    pf_start
    lat=$(python3 "$SRC/bench/smtp_load.py" 127.0.0.1 "$SMTP_PORT" 1 "$N" "$CORPUS")
    queue_empty
    c0=$(ticks "$MPID")
    thr=$(python3 "$SRC/bench/smtp_load.py" 127.0.0.1 "$SMTP_PORT" "$S" "$M" "$CORPUS")
    c1=$(ticks "$MPID")
    queue_empty
    pf_stop
    stop_milter
    echo "$1 $2 $lat $thr" | awk -v hz="$HZ" -v c0="$c0" -v c1="$c1" '{
        for (i = 3; i <= NF; i++) { split($i, kv, "="); v[i > 11 ? "t_" kv[1] : "l_" kv[1]] = kv[2] }
        printf "round %s %-10s latency p50 %6.2f p99 %6.2f ms | %2d sessions %5.0f msg/s p50 %6.2f " \
            "p99 %6.2f ms | milter CPU %.3f ms/msg | tempfail %d reject %d\n", $1, $2,
            v["l_p50_ms"], v["l_p99_ms"], '"$S"', v["t_per_s"], v["t_p50_ms"], v["t_p99_ms"],
            (c1 - c0) * 1000 / hz / v["t_messages"], v["l_tempfail"] + v["t_tempfail"],
            v["l_reject"] + v["t_reject"] }' | tee -a "$W/results"
}

echo "milter_load: $ROUNDS rounds; latency 1 session x $N, throughput $S sessions x $M;" \
    "messages from $CORPUS"
for r in $(seq "$ROUNDS"); do
    for c in alone null null-nr mailsift disclaimer; do run "$r" "$c"; done
done
echo "medians over $ROUNDS rounds:"
awk '
function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
        t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    c = $3; if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
    lp50[c] = lp50[c] " " $6; lp99[c] = lp99[c] " " $8; tps[c] = tps[c] " " $13
    tp50[c] = tp50[c] " " $16; tp99[c] = tp99[c] " " $18; cpu[c] = cpu[c] " " $23
    cpur[$2, c] = $23
}
END {
    for (k = 1; k <= nc; k++) {
        c = order[k]
        printf "  %-10s latency p50 %6.2f p99 %6.2f ms | %6.0f msg/s p50 %6.2f p99 %6.2f ms" \
            " | milter CPU %.3f ms/msg\n", c, median(lp50[c]), median(lp99[c]), median(tps[c]),
            median(tp50[c]), median(tp99[c]), median(cpu[c])
    }
    for (r = 1; (r, "null") in cpur; r++)
        if (cpur[r, "null"] > 0 && cpur[r, "null-nr"] > 0) {
            ratio = ratio " " cpur[r, "mailsift"] / cpur[r, "null"]
            ratio_nr = ratio_nr " " cpur[r, "mailsift"] / cpur[r, "null-nr"]
        }
    printf "  mailsift CPU / null milter CPU, same round: median %.2f (vs null-nr %.2f)\n",
        median(ratio), median(ratio_nr)
}' "$W/results"
echo "audit log lines: $(wc -l <"$W/state/audit.log") (one per message scanned)"
