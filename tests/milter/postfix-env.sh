# postfix-env.sh - a private Postfix instance on loopback for the milter
# tests (sourced). Needs W (work dir), SMTP_PORT, SINK_PORT, MILTER_PORT.
# Its own config, queue and data directories under $W; smtp-sink as the
# next hop; smtpd_milters pointing at the milter; logs to $W/maillog.
# The milter timeouts are far above Postfix's defaults so that a sanitizer
# build on a loaded machine is not taken for a milter that hangs.
pf_setup() {
    mkdir -p "$W/pf/etc" "$W/pf/queue" "$W/pf/data"
    chown postfix "$W/pf/data"
    cp /etc/postfix/master.cf "$W/pf/etc/master.cf"
    cat > "$W/pf/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $W/pf/queue
data_directory = $W/pf/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.example.org
mydomain = example.org
myorigin = example.org
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtputf8_enable = no
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_recipient_limit = 1000
smtpd_milters = inet:127.0.0.1:$MILTER_PORT
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 60s
milter_command_timeout = 120s
milter_content_timeout = 300s
maillog_file = $W/maillog
maillog_file_prefixes = $W
master_service_disable =
CF
    postconf -c "$W/pf/etc" -F '*/*/chroot = n'
    postconf -c "$W/pf/etc" -M# smtp/inet
    postconf -c "$W/pf/etc" -M "127.0.0.1:$SMTP_PORT/inet=127.0.0.1:$SMTP_PORT inet n - n - - smtpd"
    postfix -c "$W/pf/etc" check >/dev/null 2>&1 || postfix -c "$W/pf/etc" check
}
pf_start() { postfix -c "$W/pf/etc" start >/dev/null 2>&1; }
pf_stop() { postfix -c "$W/pf/etc" stop >/dev/null 2>&1 || true; }
