#!/bin/sh
# milter_load.sh - load and latency of the milter behind a real Postfix
#
# Starts a private Postfix on loopback (tests/milter/postfix-env.sh) with
# smtp-sink as the next hop, once without a milter (the baseline) and once
# with `mailsift milter` on the bundled config and rulesets (rate limit
# raised so the load is not suspended), and drives each with smtp-source:
#   latency:    one session, N messages in a row: ms per message
#   throughput: S parallel sessions, M messages: messages/s
# Every message goes through smtpd, the milter (all rules) and the queue
# to smtp-sink. Run as root from the repository root after a build:
#   bench/milter_load.sh [N=300] [S=16] [M=3000] [SIZE=4000]
set -eu
N=${1:-300} S=${2:-16} M=${3:-3000} SIZE=${4:-4000}
SRC=$(pwd)
BIN=$SRC/build/mailsift
[ -x "$BIN" ] || { echo "build first (build/mailsift)"; exit 2; }
W=$(mktemp -d /tmp/mailsift-load.XXXXXX)
chmod 755 "$W"
BASE=$((30000 + $$ % 20000))
SMTP_PORT=$BASE SINK_PORT=$((BASE + 1)) MILTER_PORT=$((BASE + 2))
. "$SRC/tests/milter/postfix-env.sh"
MPID= SINKPID=
stop_all() {
    [ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null || :
    [ -n "$SINKPID" ] && kill "$SINKPID" 2>/dev/null || :
    pf_stop
    rm -rf "$W"
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

smtp-sink -u postfix 127.0.0.1:$SINK_PORT 256 >/dev/null 2>&1 &
SINKPID=$!
pf_setup

now() { date +%s.%N; }
queue_empty() { # wait until Postfix has handed everything to smtp-sink
    for _ in $(seq 600); do
        [ -z "$(find "$W/pf/queue/active" "$W/pf/queue/incoming" "$W/pf/queue/deferred" \
            -type f 2>/dev/null | head -n 1)" ] && return 0
        sleep 0.1
    done
}
run() { # run LABEL: latency then throughput against the running Postfix
    t0=$(now)
    smtp-source -s 1 -m "$N" -l "$SIZE" -f load@example.org -t r@example.net \
        127.0.0.1:$SMTP_PORT
    t1=$(now)
    smtp-source -s "$S" -m "$M" -l "$SIZE" -f load@example.org -t r@example.net \
        127.0.0.1:$SMTP_PORT
    t2=$(now)
    queue_empty
    t3=$(now)
    awk -v l="$1" -v n="$N" -v m="$M" -v s="$S" -v z="$SIZE" -v t0="$t0" -v t1="$t1" \
        -v t2="$t2" -v t3="$t3" 'BEGIN {
        printf "%s: latency %.2f ms/message (1 session, %d messages of %d bytes); ", l,
            (t1 - t0) * 1000 / n, n, z
        printf "throughput %.0f messages/s accepted, %.0f delivered (%d sessions, %d messages)\n",
            m / (t2 - t1), m / (t3 - t1), s, m }'
}

postconf -c "$W/pf/etc" -e "smtpd_milters ="
pf_start
run "postfix alone      "
pf_stop

postconf -c "$W/pf/etc" -e "smtpd_milters = inet:127.0.0.1:$MILTER_PORT"
"$BIN" milter --config "$W/mailsift.yaml" --rules "$SRC/rulesets" --foreground \
    >"$W/milter.log" 2>&1 &
MPID=$!
for _ in $(seq 300); do grep -q "listening on" "$W/milter.log" && break; sleep 0.1; done
pf_start
run "postfix + mailsift "
echo "audit log lines: $(wc -l <"$W/state/audit.log") (one per message scanned)"
