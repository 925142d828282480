/*
 * qp.h - streaming quoted-printable decoder (RFC 2045 6.7)
 */
#ifndef MS_QP_H
#define MS_QP_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes of an unfinished escape held between feeds (qp.c). */
#define MS_QP_SLACK 8

typedef struct ms_qp {
    int state;              /* TEXT, EQ, EQ_HEX, EQ_WS, EQ_CR (qp.c) */
    unsigned nheld;         /* bytes in held */
    char held[MS_QP_SLACK]; /* '=' and the bytes after it, verbatim */
    uint32_t anomalies;     /* MS_ANOM_QP_* bits */
} ms_qp;

void ms_qp_init(ms_qp *d);

/* Decode len bytes; out needs room for len + MS_QP_SLACK bytes. */
size_t ms_qp_feed(ms_qp *d, const char *in, size_t len, char *out);

/* End of data: write what is held (room for MS_QP_SLACK bytes). */
size_t ms_qp_finish(ms_qp *d, char *out);

#endif
