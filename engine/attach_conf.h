/*
 * attach_conf.h - the site's settings of the attachment layer, as the
 * engine holds them: limits (limits.h), dangerous types, script
 * extensions, and the clock the time limit is measured with
 */
#ifndef MS_ATTACH_CONF_H
#define MS_ATTACH_CONF_H

#include "limits.h"

#include <stdint.h>

struct ms_engine;

/* The clock of the time limit: nanoseconds from any fixed start. */
typedef uint64_t (*ms_attach_clock_fn)(void *ctx);

/* Site configuration of the layer (engine field; defaults by ms_attach_conf_init). */
typedef struct ms_attach_conf {
    ms_attach_limits limits;
    ms_attach_clock_fn clock; /* CLOCK_MONOTONIC; tests set their own */
    void *clock_ctx;
    char **dangerous_types; /* libmagic MIME types; NULL: built-in list */
    unsigned ndangerous_types;
    char **script_exts; /* extensions run as scripts; NULL: built-in list */
    unsigned nscript_exts;
} ms_attach_conf;

void ms_attach_conf_init(ms_attach_conf *c);
void ms_attach_conf_fini(ms_attach_conf *c);
/* Replace the clock time_ms is measured with, on an engine no scan uses
 * yet: tests give one that stands still or steps, so no test depends on
 * the speed of the machine. fn NULL restores CLOCK_MONOTONIC. */
void ms_attach_set_clock(struct ms_engine *eng, ms_attach_clock_fn fn, void *ctx);

#endif
