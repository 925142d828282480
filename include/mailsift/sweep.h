/*
 * sweep.h - folder and mailbox limits that `mailsift sweep` reports against
 *
 * The `sweep:` section of mailsift.yaml (every key optional):
 *
 *   sweep:
 *     folder_items: 10000        # items in any folder
 *     folders:                   # per folder name (case-insensitive)
 *       inbox: 20000
 *       sent: 20000
 *       deleted: 20000
 *       calendar: 5000
 *       contacts: 5000
 *     mailbox_bytes: 2147483648  # a whole mailbox (Maildir tree or mbox file)
 *
 * A name given under folders: replaces the built-in limit of that name or
 * adds one. The engine's config loader checks this section too, so a bad
 * value is an error in every front end, not only in sweeps.
 */
#ifndef MAILSIFT_SWEEP_H
#define MAILSIFT_SWEEP_H

#include <mailsift/mailsift.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MS_SWEEP_FOLDER_NAMES_MAX 32

typedef struct ms_sweep_folder_limit {
    char name[64];  /* lower case folder name ("inbox", "sent") */
    uint64_t items; /* items allowed in a folder of that name */
} ms_sweep_folder_limit;

typedef struct ms_sweep_limits {
    uint64_t folder_items;  /* any folder without a named limit */
    uint64_t mailbox_bytes; /* a whole mailbox */
    ms_sweep_folder_limit named[MS_SWEEP_FOLDER_NAMES_MAX];
    unsigned nnamed;
} ms_sweep_limits;

/*
 * Fill *out with the built-in defaults, then (config_path not NULL) with the
 * file's `sweep:` section. Returns MS_OK, or MS_ERR_CONFIG / MS_ERR_IO with
 * err naming file, line and key; on_error, if set, gets every error.
 */
int ms_sweep_limits_load(const char *config_path, ms_sweep_limits *out, ms_error_fn on_error,
                         void *on_error_ctx, ms_error *err);

/* Item limit of a folder called name (last path component, any case;
 * Maildir++ ".Sent" and "Sent Items" style names count as "sent"). */
uint64_t ms_sweep_folder_items(const ms_sweep_limits *limits, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* MAILSIFT_SWEEP_H */
