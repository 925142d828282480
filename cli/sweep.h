/*
 * sweep.h - the state of a sweep, shared by sweep.c (workers), report.c
 * (summary reports) and checkpoint.c (resume)
 */
#ifndef MS_CLI_SWEEP_H
#define MS_CLI_SWEEP_H

#include "cli.h"

#include <mailsift/sweep.h>

#include <stdbool.h>
#include <stdint.h>

#define MS_SWEEP_WORST  10   /* worst messages kept per folder */
#define MS_SWEEP_ERRORS 1000 /* error texts kept for the report (all are counted) */

typedef struct ms_sweep_cat {
    char *name;
    uint64_t messages; /* messages in which the category fired */
    uint64_t findings; /* findings of the category */
} ms_sweep_cat;

typedef struct ms_sweep_worst {
    char *source;
    int verdict;      /* ms_action */
    int score;        /* sum of the scores of the categories that fired */
    unsigned nfind;   /* findings */
    char *categories; /* "pci,classification" */
} ms_sweep_worst;

/* Counts of a folder (or of a unit's share of one, merged on commit). */
typedef struct ms_sweep_stats {
    uint64_t messages, bytes, flagged, anomalous, errors;
    uint64_t verdicts[4];
    ms_sweep_cat *cats;
    unsigned ncats;
    ms_sweep_worst worst[MS_SWEEP_WORST];
    unsigned nworst;
} ms_sweep_stats;

typedef struct ms_sweep_folder {
    char *path;           /* the folder's directory (Maildir) or file (mbox) */
    char *name;           /* "INBOX", "Sent", "Archive/2019", mbox file name */
    unsigned mailbox;     /* index into mailboxes */
    uint64_t files;       /* files listed */
    uint64_t list_errors; /* listing errors (not saved: listed again on resume) */
    ms_sweep_stats st;    /* scan results (saved in checkpoints) */
} ms_sweep_folder;

typedef struct ms_sweep_mailbox {
    char *path;
    uint64_t bytes; /* listed file sizes */
} ms_sweep_mailbox;

typedef struct ms_sweep_error {
    char *source, *msg;
    bool listing; /* found while listing: not saved (listed again on resume) */
} ms_sweep_error;

typedef struct ms_sweep_unit {
    char *path;
    uint64_t size;
    unsigned folder;
    bool done;
    uint64_t mbox_offset; /* mbox partly done: resume here */
    unsigned mbox_done;   /* ... after this many messages */
} ms_sweep_unit;

typedef struct ms_sweep {
    ms_sweep_limits limits;
    ms_sweep_folder *folders;
    unsigned nfolders;
    ms_sweep_mailbox *mailboxes;
    unsigned nmailboxes;
    ms_sweep_unit *units;
    size_t nunits;
    size_t prefix; /* units[0..prefix) are all done */
    ms_sweep_error *errors;
    unsigned nerrors;
    uint64_t list_errors; /* listing errors of this run */
    double elapsed;       /* seconds of scanning over every run */
    bool interrupted, complete;
    unsigned runs;      /* runs that contributed (1 + resumes) */
    uint64_t out_bytes; /* NDJSON bytes written to stdout, when a regular file */
    uint64_t out_dev, out_ino;
    char **roots; /* the PATH arguments */
    unsigned nroots;
} ms_sweep;

/* report.c */
void ms_sweep_stats_add(ms_sweep_stats *to, const ms_sweep_stats *from);
void ms_sweep_stats_fini(ms_sweep_stats *st);
ms_sweep_cat *ms_sweep_stats_cat(ms_sweep_stats *st, const char *name);
void ms_sweep_worst_offer(ms_sweep_stats *st, const ms_sweep_worst *w);
void ms_sweep_add_error(ms_sweep *sw, const char *source, const char *msg, bool listing);
/* Write the report; format "json", "txt" or "html", or NULL: by the file's
 * extension. Returns 0, or 2 with a message on stderr. */
int ms_sweep_report(const ms_sweep *sw, const char *path, const char *format);

/* checkpoint.c */
int ms_sweep_checkpoint_save(const ms_sweep *sw, const char *path);
/* Apply a checkpoint to a freshly listed sweep; 0, or 2 with a message. */
int ms_sweep_checkpoint_load(ms_sweep *sw, const char *path);

#endif
