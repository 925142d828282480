/*
 * null_milter.c - a libmilter milter that does nothing: the baseline of
 * bench/milter_load.sh
 *
 *   ms_null_milter [-r] inet:PORT@127.0.0.1
 *
 * Registers every callback `mailsift milter` registers, negotiates the same
 * steps away (connect, HELO, unknown commands) and answers continue to
 * everything, accept at end of message. What it costs the MTA and the CPU
 * it burns is the milter protocol's own cost, measured beside mailsift in
 * the same run.
 *
 * -r: also take the no-reply step mailsift takes (SMFIP_NR_HDR, no answer
 * per header), so that the protocol's floor under mailsift's own choice of
 * steps is measured too.
 *
 * Runs until SIGTERM or SIGINT (libmilter's signal handling).
 */
#include <libmilter/mfapi.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool no_reply_headers;

static sfsistat null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                               unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                               unsigned long *pf2, unsigned long *pf3)
{
    const unsigned long steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN;

    (void)ctx;
    (void)f2;
    (void)f3;
    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST);
    *pf1 = (f1 & steps) | (f1 & SMFIP_HDR_LEADSPC);
    if (no_reply_headers)
        *pf1 |= f1 & SMFIP_NR_HDR;
    *pf2 = *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat null_argv(SMFICTX *ctx, char **argv)
{
    (void)ctx;
    (void)argv;
    return SMFIS_CONTINUE;
}

static sfsistat null_step(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat null_header(SMFICTX *ctx, char *name, char *value)
{
    (void)ctx;
    (void)name;
    (void)value;
    return no_reply_headers ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat null_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void)ctx;
    (void)chunk;
    (void)len;
    return SMFIS_CONTINUE;
}

static sfsistat null_eom(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_ACCEPT;
}

static struct smfiDesc null_filter = {
    .xxfi_name = "null",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
    .xxfi_envfrom = null_argv,
    .xxfi_envrcpt = null_argv,
    .xxfi_data = null_step,
    .xxfi_header = null_header,
    .xxfi_eoh = null_step,
    .xxfi_body = null_body,
    .xxfi_eom = null_eom,
    .xxfi_abort = null_step,
    .xxfi_close = null_step,
    .xxfi_negotiate = null_negotiate,
};

int main(int argc, char **argv)
{
    int i = 1;

    if (i < argc && strcmp(argv[i], "-r") == 0) {
        no_reply_headers = true;
        i++;
    }
    if (i + 1 != argc) {
        fprintf(stderr, "usage: ms_null_milter [-r] inet:PORT@HOST\n");
        return 2;
    }
    if (smfi_register(null_filter) != MI_SUCCESS || smfi_setconn(argv[i]) != MI_SUCCESS ||
        smfi_opensocket(true) != MI_SUCCESS) {
        fprintf(stderr, "ms_null_milter: cannot listen on %s\n", argv[i]);
        return 1;
    }
    fprintf(stderr, "ms_null_milter listening on %s\n", argv[i]);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
