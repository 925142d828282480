/*
 * scan.c - one message through the pipeline: MIME structure -> transfer
 * decoding -> UTF-8 -> HTML as text -> Hyperscan stream -> validators ->
 * findings -> categories -> verdict
 *
 * Every text part (any text/ type) (inline or attached) and the scanned header fields of
 * every message header block become one Hyperscan stream each. Text is
 * copied into a batch buffer and scanned a batch at a time, because a
 * Hyperscan call per decoded line would cost more than the matching. The
 * batch keeps the last bytes of the stream in front of it (the engine's
 * text_history), so a validator can re-read a card number whose digits
 * arrived in an earlier batch or chunk: a match never depends on how the
 * message was fed.
 *
 * A two-stage rule (`anchors:`, engine.h) has only its anchors in the
 * stream. An anchor that ends at stream offset T opens a window [T - reach,
 * T + reach + 1) of text where any match holding it lies; overlapping windows
 * of a rule merge. A window is verified with the rule's block-mode
 * database once its text is in the buffer: at once when a later anchor
 * lies past it, else after the batch, where a window that runs on into
 * text not yet fed is verified as far as the batch goes and carried over
 * from `reach` + 1 bytes before the batch's end (so a match across the cut
 * is seen whole next time). A window ends two bytes past the last byte a
 * match may have, so \b and $ see the byte after a match, and $ before a
 * final line break sees that the line break is not the text's end; a
 * match ending in the window's last two bytes is not yet decided and left
 * to the next verification, unless the stream has ended. The byte before
 * the window goes in front of it (the verify pattern begins with one byte
 * of any value), so \b sees the text before the match; at the stream's
 * start that byte is a line break. Verified matches of a rule are
 * reported once each, in order: an end at or before the last one reported
 * is a repeat.
 *
 * Findings of a text stream are put in the order of their first match's
 * end (then rule order) when the stream ends, whichever stage found them.
 *
 * Allocation happens in ms_scan_create() only: the scan's buffers are
 * fixed, findings sit in a fixed array (overflow counted), per-rule state
 * is indexed by rule id and invalidated by sequence numbers, not cleared.
 */
#include "attach.h"
#include "b64.h"
#include "b64run.h"
#include "charset.h"
#include "engine.h"
#include "html.h"
#include "mime.h"
#include "norm.h"
#include "pan.h"
#include "policy.h"
#include "qp.h"
#include "rfc2047.h"
#include "scan_internal.h"
#include "util.h"
#include "uu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_SCAN_SLICE   16384 /* raw body bytes decoded per step */
#define MS_SCAN_BATCH   65536 /* text bytes per Hyperscan call */
#define MS_SCAN_EXCERPT 60    /* bytes of context in an excerpt */
_Static_assert(MS_SCAN_HISTORY_MIN >= MS_PAN_RUN_BYTES, "a card number's run fits the history");
_Static_assert(MS_SCAN_HISTORY_MIN >= MS_SCAN_EXCERPT, "an excerpt fits the history");

typedef struct part_state {
    ms_mime_entity ent;
    ms_part_info info;
    bool is_text, is_html;
    ms_b64 b64;
    ms_qp qp;
    ms_html html;
    ms_norm norm;
} part_state;

struct ms_scan {
    const ms_engine *eng;
    ms_mime *mime;
    ms_charset cs;
    hs_scratch_t *scratch;
    hs_stream_t *stream;
    int err; /* sticky MS_ERR_* from the matcher */
    bool finished;
    bool no_match;        /* benchmark: decode only (scan_internal.h) */
    ms_rule_stats *stats; /* rule benchmarks: per-rule counts, or NULL */

    part_state part;
    bool in_part;
    ms_attach *attach; /* attachments: true type, YARA, archives, documents */
    ms_uu uu;          /* uuencoded files in the part's text */
    bool uu_on;
    ms_b64run b64run; /* base64 pasted into the part's text */

    /* text stream */
    bool text_open;
    ms_scope text_kind;
    char text_part[64];
    char text_ctype[256];    /* of the part whose text is in the stream */
    char text_filename[128]; /* "" for none */
    ms_norm anorm;           /* normalisation of module-fed text */
    uint32_t *cat_direct;    /* per category: message with a module finding */
    char *tb;                /* history + batch (tb[-1] is a line break) */
    size_t hist, blen, histcap;
    uint64_t base; /* stream offset of tb[hist] */
    uint32_t part_seq, msg_seq;
    uint64_t pan_seen[MS_SCAN_PAN_SEEN];    /* digits hashed */
    int pan_seen_finding[MS_SCAN_PAN_SEEN]; /* its finding, -1 if dropped */
    unsigned npan_seen;
    /* card numbers of this part and the context near them (levels) */
    struct part_pan {
        unsigned finding;
        uint64_t from, to; /* stream offsets of the run */
    } part_pans[MS_SCAN_PAN_SEEN];
    unsigned npart_pans;
    struct context_hit {
        unsigned category;
        uint64_t at;
        ms_validator kind; /* CONTEXT, CARD_CONTEXT or OTHER_CONTEXT */
    } context[MS_SCAN_CONTEXT];
    unsigned ncontext;
    bool context_dense; /* more context than remembered: all of it counts */
    bool card_dense;    /* ... and some of what was not remembered was card words */
    bool other_dense;   /* ... or words naming other numbers */
    /* card numbers of this part that count only with card words near them
     * (ms_pan_standing_of): decided at the end of the part */
    struct pan_wait {
        uint64_t h;                  /* digits hashed */
        uint64_t from, to, end;      /* stream offsets: the run, the match end */
        uint64_t last_from, last_to; /* its last occurrence */
        unsigned rule, count;
        ms_pan_standing standing;
        char masked[MS_PAN_MAX + 1];
    } pan_wait[MS_SCAN_PAN_SEEN];
    unsigned npan_wait;
    /* findings of this message that wait for card words anywhere in it
     * (level_unconfirmed) */
    struct pan_unconfirmed {
        uint64_t h;
        unsigned rule;
    } unconfirmed[MS_SCAN_PAN_SEEN];
    unsigned nunconfirmed;
    uint32_t card_msg_seq; /* the message with card words (card_context) */
    uint64_t msg_pans[MS_SCAN_MSG_PANS];
    unsigned nmsg_pans;

    /* decoding buffers */
    char *dec, *utf8, *text, *norm, *hdr;

    /* per rule: last message / part with a hit, the finding of that part */
    uint32_t *rule_msg, *rule_part;
    unsigned *rule_finding;

    /* two-stage rules: per rule the window waiting to be verified (valid
     * while vseq is part_seq), the last match end reported (while
     * vlast_seq is part_seq); vlist holds the rules with a window */
    hs_scratch_t *vscratch;
    uint64_t *vfrom, *vto, *vlast;
    uint32_t *vseq, *vlast_seq;
    unsigned *vlist, nvlist;
    unsigned vrule;  /* the rule being verified (verify_match) */
    uint64_t vbase;  /* stream offset of the verified window's byte 0 */
    uint64_t vlimit; /* a match ending here is left for later; 0: none */

    /* findings of the open text stream: from stream_first, sorted by key */
    struct finding_key {
        uint64_t at;
        uint32_t rule;
    } * fkey;
    size_t stream_first;

    ms_finding *findings;
    size_t nfindings, dropped;
    ms_category_hit *hits;
    ms_result result;
    uint32_t anomalies;
    unsigned text_parts, fallbacks;
    uint64_t bytes, text_bytes;

    ms_tap_fn tap;
    void *tap_ctx;

    /* messages inside parts: their scan, and how deep this one is */
    ms_scan *nested;
    unsigned nesting;

    /* envelope facts and encryption, valid while their sequence is msg_seq */
    ms_envelope env;
    uint32_t env_seq, encrypted_seq;
};

static void tap(ms_scan *s, ms_tap_stage stage, const void *data, size_t len)
{
    if (s->tap)
        s->tap(s->tap_ctx, stage, &s->part.info, data, len);
}

/* ---- findings ---------------------------------------------------------- */

static ms_finding *add_finding(ms_scan *s, const ms_rule *r, const char *category)
{
    if (s->nfindings >= s->eng->limits.findings) {
        s->dropped++;
        s->anomalies |= MS_ANOM_FINDINGS_DROPPED;
        return NULL;
    }
    s->fkey[s->nfindings] = (struct finding_key){s->base, UINT32_MAX};
    ms_finding *f = &s->findings[s->nfindings++];
    memset(f, 0, sizeof *f);
    f->category = category;
    f->rule = r ? r->id : "";
    f->description = r ? r->description : "";
    snprintf(f->part, sizeof f->part, "%s", s->text_part);
    memcpy(f->content_type, s->text_ctype, sizeof f->content_type);
    memcpy(f->filename, s->text_filename, sizeof f->filename);
    f->count = 1;
    f->weight = r ? r->weight : 0;
    f->level = "";
    return f;
}

/* Mask every digit of a run of eight or more (separators allowed): an
 * excerpt cut out of the middle of a card number must not show it. */
static void mask_digit_runs(char *x, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (x[i] < '0' || x[i] > '9') {
            i++;
            continue;
        }
        size_t j = i, digits = 0;
        while (j < n &&
               ((x[j] >= '0' && x[j] <= '9') || ((x[j] == ' ' || x[j] == '-') && j + 1 < n &&
                                                 x[j + 1] >= '0' && x[j + 1] <= '9'))) {
            digits += x[j] >= '0' && x[j] <= '9';
            j++;
        }
        if (digits >= 8)
            for (size_t k = i; k < j; k++)
                if (x[k] >= '0' && x[k] <= '9')
                    x[k] = '*';
        i = j;
    }
}

/* Context before a match end at tb[end]: cleaned, valid UTF-8, masked. */
static void make_excerpt(const ms_scan *s, size_t end, char *out, size_t cap)
{
    size_t from = end > MS_SCAN_EXCERPT ? end - MS_SCAN_EXCERPT : 0;
    char raw[MS_SCAN_EXCERPT];
    size_t n = 0;

    while (from < end && ((unsigned char)s->tb[from] & 0xC0) == 0x80)
        from++;
    while (from < end && (s->tb[from] == ' ' || s->tb[from] == '\n' || s->tb[from] == '\r' ||
                          s->tb[from] == '\t'))
        from++;
    for (size_t i = from; i < end; i++) {
        unsigned char c = (unsigned char)s->tb[i];
        raw[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    n = ms_copy_utf8(out, cap, raw, n);
    mask_digit_runs(out, n);
}

static void rule_hit(ms_scan *s, unsigned id, size_t end)
{
    const ms_rule *r = &s->eng->rules[id];

    s->rule_msg[id] = s->msg_seq;
    if (s->rule_part[id] == s->part_seq) {
        s->findings[s->rule_finding[id]].count++;
        return;
    }
    ms_finding *f = add_finding(s, r, s->eng->cats[r->category].name);
    if (!f)
        return;
    s->rule_part[id] = s->part_seq;
    s->rule_finding[id] = (unsigned)(f - s->findings);
    f->offset = s->base + end - s->hist;
    s->fkey[f - s->findings] = (struct finding_key){f->offset, id};
    if (!r->hide_excerpt)
        make_excerpt(s, end, f->excerpt, sizeof f->excerpt);
}

static uint64_t hash_digits(const char *d, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)d[i]) * 1099511628211ULL;
    return h;
}

/* Count a card number once per message (for the bulk level). */
static void count_distinct(ms_scan *s, uint64_t h)
{
    for (unsigned i = 0; i < s->nmsg_pans; i++)
        if (s->msg_pans[i] == h)
            return;
    if (s->nmsg_pans < MS_SCAN_MSG_PANS)
        s->msg_pans[s->nmsg_pans++] = h;
}

/* A context rule matched (card words, an expiry date, words naming other
 * numbers): remember where. */
static void context_hit(ms_scan *s, unsigned id, uint64_t at)
{
    ms_validator kind = s->eng->rules[id].validator;

    if (kind == MS_VALIDATOR_CARD_CONTEXT)
        s->card_msg_seq = s->msg_seq;
    if (s->ncontext == MS_SCAN_CONTEXT) {
        s->context_dense |= kind != MS_VALIDATOR_OTHER_CONTEXT;
        s->card_dense |= kind == MS_VALIDATOR_CARD_CONTEXT;
        s->other_dense |= kind == MS_VALIDATOR_OTHER_CONTEXT;
        return;
    }
    s->context[s->ncontext++] = (struct context_hit){s->eng->rules[id].category, at, kind};
}

/* context_near - is there context of category cat of this kind within the
 * category's window of stream offsets [from, to)? Kind CONTEXT asks for
 * any that raises a level (card words included), CARD_CONTEXT for card
 * words, OTHER_CONTEXT for words naming other numbers. */
static bool context_near(const ms_scan *s, int cat, ms_validator kind, uint64_t from, uint64_t to)
{
    uint64_t w = cat >= 0 ? s->eng->cats[cat].context_window : 0;
    bool dense = kind == MS_VALIDATOR_CARD_CONTEXT    ? s->card_dense
                 : kind == MS_VALIDATOR_OTHER_CONTEXT ? s->other_dense
                                                      : s->context_dense;

    if (dense)
        return true;
    for (unsigned c = 0; c < s->ncontext; c++) {
        const struct context_hit *h = &s->context[c];
        bool fits = h->kind == kind ||
                    (kind == MS_VALIDATOR_CONTEXT && h->kind == MS_VALIDATOR_CARD_CONTEXT);
        if (fits && (int)h->category == cat && h->at + w >= from && h->at <= to + w)
            return true;
    }
    return false;
}

/* find_pan_seen - the finding of a card number already reported in this
 * part: its index, -1 if it was dropped, -2 if it was not seen */
static int find_pan_seen(const ms_scan *s, uint64_t h)
{
    for (unsigned i = 0; i < s->npan_seen; i++)
        if (s->pan_seen[i] == h)
            return s->pan_seen_finding[i];
    return -2;
}

/* The level of a finding that waits for card words elsewhere in its
 * message (settle_waiting, settle_message): reads "low", told apart by its
 * address. */
static const char level_unconfirmed[] = "low";

/* near_pan - is context of this kind near either occurrence of w? */
static bool near_pan(const ms_scan *s, const struct pan_wait *w, int cat, ms_validator kind)
{
    return context_near(s, cat, kind, w->from, w->to) ||
           context_near(s, cat, kind, w->last_from, w->last_to);
}

/* End of a part: decide the card numbers that waited for it. With card
 * words near its first or last occurrence one is a finding, level high.
 * Without, one of a length or layout that some cards have is a finding
 * unless words naming another kind of number are near it; one of a length
 * few cards have gets an unconfirmed finding, which the end of the message
 * keeps only if card words or an expiry date occur anywhere in it (a
 * number in the Subject explained by the body, or in an HTML part whose
 * plain-text alternative says what it is). */
static void settle_waiting(ms_scan *s)
{
    for (unsigned i = 0; i < s->npan_wait; i++) {
        struct pan_wait *w = &s->pan_wait[i];
        const ms_rule *r = &s->eng->rules[w->rule];
        int cat = (int)r->category, seen = find_pan_seen(s, w->h);
        bool card = near_pan(s, w, cat, MS_VALIDATOR_CARD_CONTEXT);
        bool other = w->standing == MS_PAN_UNLESS_OTHER && !card &&
                     near_pan(s, w, cat, MS_VALIDATOR_OTHER_CONTEXT);
        bool sure = card || w->standing == MS_PAN_UNLESS_OTHER;
        ms_finding *f = NULL;

        if (seen >= 0) /* also written as cards are printed */
            s->findings[seen].count += w->count;
        else if (seen == -2 && !other && (f = add_finding(s, r, s->eng->cats[cat].name))) {
            f->offset = w->from;
            s->fkey[f - s->findings] = (struct finding_key){w->end, w->rule};
            f->count = w->count;
            memcpy(f->excerpt, w->masked, sizeof w->masked);
            f->level = !sure ? level_unconfirmed
                       : card || near_pan(s, w, cat, MS_VALIDATOR_CONTEXT)
                           ? ms_level_names[MS_LEVEL_HIGH]
                           : ms_level_names[MS_LEVEL_LOW];
        }
        if (seen == -2 && !other && sure) {
            count_distinct(s, w->h);
            s->rule_msg[w->rule] = s->msg_seq;
        } else if (seen == -2 && !other && s->nunconfirmed < MS_SCAN_PAN_SEEN) {
            s->unconfirmed[s->nunconfirmed++] = (struct pan_unconfirmed){w->h, w->rule};
        }
        explicit_bzero(w, sizeof *w);
    }
    s->npan_wait = 0;
}

/* End of the message: unconfirmed card numbers are findings if card words
 * or an expiry date occurred anywhere in it, else they are dropped. */
static void settle_message(ms_scan *s)
{
    bool card = s->card_msg_seq == s->msg_seq;
    size_t kept = 0;

    for (size_t i = 0; i < s->nfindings; i++) {
        if (s->findings[i].level == level_unconfirmed) {
            if (!card)
                continue;
            s->findings[i].level = ms_level_names[MS_LEVEL_LOW];
        }
        if (kept != i)
            s->findings[kept] = s->findings[i];
        kept++;
    }
    explicit_bzero(s->findings + kept, (s->nfindings - kept) * sizeof *s->findings);
    s->nfindings = kept;
    for (unsigned i = 0; i < s->nunconfirmed && card; i++) {
        count_distinct(s, s->unconfirmed[i].h);
        s->rule_msg[s->unconfirmed[i].rule] = s->msg_seq;
    }
    s->nunconfirmed = 0;
}

/* End of a part's stream: a card number with context of its category
 * within the window before or after it is level high. */
static void settle_levels(ms_scan *s)
{
    for (unsigned p = 0; p < s->npart_pans; p++) {
        ms_finding *f = &s->findings[s->part_pans[p].finding];
        int cat = ms_engine_category(s->eng, f->category);
        if (context_near(s, cat, MS_VALIDATOR_CONTEXT, s->part_pans[p].from, s->part_pans[p].to))
            f->level = ms_level_names[MS_LEVEL_HIGH];
    }
    settle_waiting(s);
    s->npart_pans = 0;
    s->ncontext = 0;
    s->context_dense = s->card_dense = s->other_dense = false;
}

/* pan_wait - a card number that counts only with card words near it:
 * remember it (once, counted) until the end of the part */
static void pan_wait(ms_scan *s, unsigned id, ms_pan_standing standing, uint64_t h,
                     const char *masked, uint64_t from, uint64_t to, uint64_t end)
{
    for (unsigned i = 0; i < s->npan_wait; i++) {
        struct pan_wait *w = &s->pan_wait[i];
        if (w->h == h) {
            w->count++;
            w->last_from = from;
            w->last_to = to;
            return;
        }
    }
    if (s->npan_wait == MS_SCAN_PAN_SEEN)
        return; /* the part's first numbers decide; these were not printed as cards */
    struct pan_wait *w = &s->pan_wait[s->npan_wait++];
    *w = (struct pan_wait){h, from, to, end, from, to, id, 1, standing, {0}};
    memcpy(w->masked, masked, sizeof w->masked);
}

/* A candidate card number ends near tb[end]: validate, then record it once
 * per part (the same number twice is one finding, counted). One that is
 * another kind of number by its label or structure is none; one of an
 * unusual length or layout waits for the end of the part (settle_waiting). */
static void pan_hit(ms_scan *s, unsigned id, size_t end)
{
    const ms_rule *r = &s->eng->rules[id];
    char digits[MS_PAN_MAX + 1];
    size_t start, len;
    size_t n = ms_pan_find(s->tb, end, digits, &start, &len);

    if (n == 0)
        return;
    ms_pan_standing standing = ms_pan_standing_of(digits, n, s->tb + start, len);
    bool other = ms_pan_other_kind(digits, n, s->tb, start);
    uint64_t h = hash_digits(digits, n);
    char masked[MS_PAN_MAX + 1];
    ms_pan_mask(digits, n, masked);
    explicit_bzero(digits, sizeof digits);
    if (other)
        return;
    if (standing != MS_PAN_ALONE) {
        uint64_t from = s->base + start - s->hist;
        pan_wait(s, id, standing, h, masked, from, from + len, s->base + end - s->hist);
        return;
    }
    int seen = find_pan_seen(s, h);
    if (seen != -2) { /* the same number again in this part */
        if (seen >= 0)
            s->findings[seen].count++;
        return;
    }
    count_distinct(s, h);
    s->rule_msg[id] = s->msg_seq;
    ms_finding *f = add_finding(s, r, s->eng->cats[r->category].name);
    if (s->npan_seen < MS_SCAN_PAN_SEEN) {
        s->pan_seen[s->npan_seen] = h;
        s->pan_seen_finding[s->npan_seen++] = f ? (int)(f - s->findings) : -1;
    }
    if (f) {
        s->rule_part[id] = s->part_seq;
        s->rule_finding[id] = (unsigned)(f - s->findings);
        f->offset = s->base + start - s->hist;
        s->fkey[f - s->findings] = (struct finding_key){s->base + end - s->hist, id};
        f->level = ms_level_names[MS_LEVEL_LOW];
        memcpy(f->excerpt, masked, n + 1);
        if (s->npart_pans < MS_SCAN_PAN_SEEN)
            s->part_pans[s->npart_pans++] =
                (struct part_pan){(unsigned)(f - s->findings), f->offset, f->offset + len};
    }
}

/* ---- two-stage rules: windows around anchors ---------------------------- */

static int verify_match(unsigned int id, unsigned long long from, unsigned long long to,
                        unsigned int flags, void *ctx)
{
    ms_scan *s = ctx;
    unsigned r = s->vrule;
    uint64_t end = s->vbase + to;

    (void)id;
    (void)from;
    (void)flags;
    if (s->vlimit && end + 1 >= s->vlimit)
        return 0; /* the bytes after it are not here yet */
    if (s->vlast_seq[r] == s->part_seq && end <= s->vlast[r])
        return 0; /* seen in an earlier window */
    s->vlast_seq[r] = s->part_seq;
    s->vlast[r] = end;
    if (s->eng->rules[r].validator != MS_VALIDATOR_NONE)
        context_hit(s, r, end); /* no other validator is two-stage */
    else
        rule_hit(s, r, (size_t)(s->hist + end - s->base));
    return 0;
}

/* verify - run rule r over the stream text [from, to) (clipped to what is
 * in the buffer), with the byte before it. final: the stream has ended, so
 * the text's end is the end. */
static void verify(ms_scan *s, unsigned r, uint64_t from, uint64_t to, bool final)
{
    uint64_t avail = s->base + s->blen;
    uint64_t end = to < avail ? to : avail;

    if (s->err || end <= from)
        return;
    s->vrule = r;
    s->vbase = from - 1; /* tb[-1] is a line break when from is 0 */
    s->vlimit = final && end == avail ? 0 : end;
    const char *p = s->tb + (size_t)(s->hist + from - s->base) - 1;
    struct timespec t0, t1;
    if (s->stats)
        clock_gettime(CLOCK_MONOTONIC, &t0);
    if (hs_scan(s->eng->rules[r].vdb, p, (unsigned)(end - from + 1), 0, s->vscratch, verify_match,
                s) != HS_SUCCESS)
        s->err = MS_ERR_MATCHER;
    if (s->stats) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        s->stats[r].windows++;
        s->stats[r].window_bytes += end - from;
        s->stats[r].verify_ms +=
            (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    }
}

/* An anchor of rule r ends at stream offset `to`: open or widen its window,
 * verifying the one before when this one lies past it. */
static void anchor_hit(ms_scan *s, unsigned r, uint64_t to)
{
    uint64_t reach = s->eng->rules[r].reach;
    uint64_t from = to > reach ? to - reach : 0, wto = to + reach + 1;

    if (s->vseq[r] == s->part_seq) {
        if (from <= s->vto[r]) {
            if (wto > s->vto[r])
                s->vto[r] = wto;
            return;
        }
        verify(s, r, s->vfrom[r], s->vto[r], false); /* all of it is here */
    } else {
        s->vseq[r] = s->part_seq;
        s->vlist[s->nvlist++] = r;
    }
    s->vfrom[r] = from;
    s->vto[r] = wto;
}

/* After a batch (final: the stream's end): verify every window as far as
 * the text goes; keep what runs on past it, from `reach` + 1 bytes back. */
static void verify_pending(ms_scan *s, bool final)
{
    uint64_t avail = s->base + s->blen;
    unsigned kept = 0;

    for (unsigned i = 0; i < s->nvlist; i++) {
        unsigned r = s->vlist[i];
        uint64_t back = s->eng->rules[r].reach + 1; /* an undecided match ends at avail - 1 */
        verify(s, r, s->vfrom[r], s->vto[r], final);
        if (!final && s->vto[r] > avail) {
            if (avail > back && avail - back > s->vfrom[r])
                s->vfrom[r] = avail - back;
            s->vlist[kept++] = r;
        } else {
            s->vseq[r] = 0;
        }
    }
    s->nvlist = kept;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    ms_scan *s = ctx;
    const ms_rule *r = &s->eng->rules[id];
    size_t end = s->hist + (size_t)(to - s->base);

    (void)from;
    (void)flags;
    if (r->scope != MS_SCOPE_ANY && r->scope != s->text_kind)
        return 0;
    if (s->stats)
        s->stats[id].stream_hits++;
    if (r->vdb)
        anchor_hit(s, id, to);
    else if (r->validator == MS_VALIDATOR_PAN)
        pan_hit(s, id, end);
    else if (r->validator == MS_VALIDATOR_CONTEXT || r->validator == MS_VALIDATOR_CARD_CONTEXT ||
             r->validator == MS_VALIDATOR_OTHER_CONTEXT)
        context_hit(s, id, to);
    else
        rule_hit(s, id, end);
    return 0;
}

/* ---- the text stream --------------------------------------------------- */

static void text_flush(ms_scan *s)
{
    if (s->blen && !s->err && !s->no_match) {
        if (hs_scan_stream(s->stream, s->tb + s->hist, (unsigned)s->blen, 0, s->scratch, on_match,
                           s) != HS_SUCCESS)
            s->err = MS_ERR_MATCHER;
        verify_pending(s, false);
    }
    s->base += s->blen;
    size_t total = s->hist + s->blen;
    size_t keep = total < s->histcap ? total : s->histcap;
    memmove(s->tb, s->tb + total - keep, keep);
    s->hist = keep;
    s->blen = 0;
}

static void text_begin(ms_scan *s, const char *part, ms_scope kind, const char *ctype,
                       const char *filename)
{
    s->text_open = true;
    s->text_kind = kind;
    snprintf(s->text_part, sizeof s->text_part, "%s", part);
    ms_copy_utf8(s->text_ctype, sizeof s->text_ctype, ctype, strlen(ctype));
    ms_copy_utf8(s->text_filename, sizeof s->text_filename, filename, strlen(filename));
    s->hist = s->blen = 0;
    s->base = 0;
    s->part_seq++;
    s->npan_seen = 0;
    s->nvlist = 0;
    s->stream_first = s->nfindings;
}

static int by_key(const struct finding_key *a, const struct finding_key *b)
{
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* The stream's findings in the order of their first match (an insertion
 * sort: stable, and a stream has few findings). */
static void sort_stream_findings(ms_scan *s)
{
    for (size_t i = s->stream_first + 1; i < s->nfindings; i++) {
        ms_finding f = s->findings[i];
        struct finding_key k = s->fkey[i];
        size_t j = i;
        for (; j > s->stream_first && by_key(&s->fkey[j - 1], &k) > 0; j--) {
            s->findings[j] = s->findings[j - 1];
            s->fkey[j] = s->fkey[j - 1];
        }
        s->findings[j] = f;
        s->fkey[j] = k;
    }
}

static void text_append(ms_scan *s, const char *p, size_t n)
{
    s->text_bytes += n;
    while (n) {
        size_t room = MS_SCAN_BATCH - s->blen;
        size_t k = n < room ? n : room;
        memcpy(s->tb + s->hist + s->blen, p, k);
        s->blen += k;
        p += k;
        n -= k;
        if (s->blen == MS_SCAN_BATCH)
            text_flush(s);
    }
}

/* End the stream: a line break closes a match that needs a byte after it
 * (a card number's end), then end-of-data matches are reported. */
static void text_end(ms_scan *s)
{
    if (!s->text_open)
        return;
    text_append(s, "\n", 1);
    s->text_bytes--;
    text_flush(s);
    if (!s->err && !s->no_match &&
        hs_reset_stream(s->stream, 0, s->scratch, on_match, s) != HS_SUCCESS)
        s->err = MS_ERR_MATCHER;
    if (!s->no_match)
        verify_pending(s, true);
    s->nvlist = 0;
    settle_levels(s);
    sort_stream_findings(s);
    explicit_bzero(s->tb, s->hist);
    s->hist = 0;
    s->text_open = false;
}

/* ---- headers ----------------------------------------------------------- */

static bool scanned_header(const ms_engine *eng, const char *name, size_t n)
{
    if (n == 7 && strncasecmp(name, "subject", 7) == 0)
        return true;
    for (unsigned i = 0; i < eng->nheaders; i++)
        if (strlen(eng->headers[i]) == n && strncasecmp(name, eng->headers[i], n) == 0)
            return true;
    return false;
}

static void on_header(void *ctx, const ms_mime_entity *ent, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
    ms_scan *s = ctx;
    uint32_t anom = 0;

    /* message headers the rules name, and any line in a header section
     * that is no field (a reader's client may show it) */
    if (nlen != 0 && (!ent->is_message || !scanned_header(s->eng, name, nlen)))
        return;
    if (!s->text_open) {
        /* IMAP names: "header" / "2.header" for a message's header,
         * "2.mime" for the MIME header of part 2 */
        char part[sizeof s->text_part];
        if (ent->is_message)
            snprintf(part, sizeof part, "%.48s%sheader", ent->prefix, ent->prefix[0] ? "." : "");
        else
            snprintf(part, sizeof part, "%.48s.mime", ent->id);
        text_begin(s, part, MS_SCOPE_HEADER, "", "");
    }
    size_t n =
        ms_rfc2047_decode(&s->cs, value, vlen, s->hdr, 3 * s->eng->limits.header_value + 64, &anom);
    s->anomalies |= anom;
    ms_norm norm;
    ms_norm_init(&norm);
    n = ms_norm_feed(&norm, s->hdr, n, s->norm);
    n += ms_norm_finish(&norm, s->norm + n);
    if (nlen) {
        text_append(s, name, nlen);
        text_append(s, ": ", 2);
    }
    text_append(s, s->norm, n);
    text_append(s, "\n", 1);
}

static void on_header_end(void *ctx, const ms_mime_entity *ent)
{
    (void)ent;
    text_end(ctx);
}

/* ---- parts ------------------------------------------------------------- */

static void set_info(part_state *p)
{
    ms_part_info *i = &p->info;
    i->id = p->ent.id;
    i->content_type = p->ent.type;
    i->charset = p->ent.charset;
    i->filename = p->ent.filename;
    i->encoding = p->ent.encoding;
    i->is_text = p->is_text;
    i->is_attachment = p->ent.attachment;
    i->is_extra = p->ent.extra;
}

static void on_part_begin(void *ctx, const ms_mime_entity *ent)
{
    ms_scan *s = ctx;
    part_state *p = &s->part;

    p->ent = *ent;
    p->is_text = strncmp(ent->type, "text/", 5) == 0;
    p->is_html = strcmp(ent->type, "text/html") == 0;
    s->encrypted_seq = ms_policy_encrypted_type(ent->type) ? s->msg_seq : s->encrypted_seq;
    set_info(p);
    ms_b64_init(&p->b64);
    ms_qp_init(&p->qp);
    s->in_part = true;
    ms_attach_begin(s->attach, ent, p->is_text);
    ms_uu_reset(&s->uu);
    s->uu_on = p->is_text || ms_uu_encoding(ent->encoding);
    ms_b64run_reset(&s->b64run);
    tap(s, MS_TAP_PART_BEGIN, NULL, 0);
    if (!p->is_text)
        return;
    s->text_parts++;
    if (!ms_charset_begin(&s->cs, ent->charset))
        s->fallbacks++;
    if (p->is_html)
        ms_html_init(&p->html);
    ms_norm_init(&p->norm);
    text_begin(s, ent->id, MS_SCOPE_BODY, ent->type, ent->filename);
}

/* Text as the rules see it: normalised, into the stream. */
static void to_text(ms_scan *s, const char *t, size_t n, bool last)
{
    size_t k = ms_norm_feed(&s->part.norm, t, n, s->norm);
    if (last)
        k += ms_norm_finish(&s->part.norm, s->norm + k);
    tap(s, MS_TAP_TEXT, s->norm, k);
    text_append(s, s->norm, k);
}

/* UTF-8 of a text part: HTML to text when it is HTML. */
static void from_utf8(ms_scan *s, const char *u, size_t n, bool last)
{
    part_state *p = &s->part;

    tap(s, MS_TAP_UTF8, u, n);
    if (!p->is_html) {
        to_text(s, u, n, last);
        return;
    }
    size_t t = ms_html_feed(&p->html, u, n, s->text);
    if (last) {
        t += ms_html_finish(&p->html, s->text + t);
        s->anomalies |= p->html.anomalies;
    }
    to_text(s, s->text, t, last);
}

/* Decoded bytes of the part: to UTF-8, then on. */
static void decoded(ms_scan *s, const char *data, size_t len)
{
    tap(s, MS_TAP_DECODED, data, len);
    ms_attach_feed(s->attach, data, len);
    if (s->uu_on)
        ms_uu_feed(&s->uu, data, len);
    if (!s->part.is_text || len == 0)
        return;
    ms_b64run_feed(&s->b64run, data, len);
    from_utf8(s, s->utf8, ms_charset_feed(&s->cs, data, len, s->utf8), false);
}

static void on_part_data(void *ctx, const char *data, size_t len)
{
    ms_scan *s = ctx;
    part_state *p = &s->part;

    if (!p->is_text && !s->tap && !ms_attach_wanted(s->attach))
        return; /* nothing reads this part's bytes */
    while (len) {
        size_t k = len < MS_SCAN_SLICE ? len : MS_SCAN_SLICE;
        switch (p->ent.cte) {
        case MS_CTE_BASE64:
            decoded(s, s->dec, ms_b64_feed(&p->b64, data, k, (unsigned char *)s->dec));
            break;
        case MS_CTE_QP:
            decoded(s, s->dec, ms_qp_feed(&p->qp, data, k, s->dec));
            break;
        case MS_CTE_7BIT:
        case MS_CTE_UNKNOWN:
            decoded(s, data, k);
            break;
        }
        data += k;
        len -= k;
    }
}

/* A file found in the part's text (uuencode, a base64 run): inspected as
 * an attachment of the part, named "PART/NAME". */
static void embedded_file(ms_scan *s, const unsigned char *data, size_t len, bool truncated,
                          const char *name)
{
    char part[sizeof s->text_part];
    size_t n = ms_copy_utf8(part, sizeof part, s->part.ent.id, strlen(s->part.ent.id));
    if (n + 1 < sizeof part) {
        part[n] = '/';
        ms_copy_utf8(part + n + 1, sizeof part - n - 1, name, strlen(name));
    }
    ms_attach_obj o = {data, len, truncated, part, name, "", 0, false};
    s->anomalies |= ms_attach_object(s->attach, &o);
}

static void embedded_files(ms_scan *s)
{
    if (s->uu_on) {
        ms_uu_finish(&s->uu);
        for (unsigned i = 0; i < s->uu.nblocks; i++) {
            const ms_uu_block *b = &s->uu.blocks[i];
            embedded_file(s, s->uu.buf.p + b->off, b->len, b->truncated, b->name);
        }
    }
    if (s->part.is_text) {
        ms_b64run_finish(&s->b64run);
        for (unsigned i = 0; i < s->b64run.nblocks; i++) {
            const ms_b64run_block *b = &s->b64run.blocks[i];
            char name[32];
            snprintf(name, sizeof name, "base64-%u", i + 1);
            embedded_file(s, s->b64run.buf.p + b->off, b->len, b->truncated, name);
        }
    }
    if ((s->uu_on && s->uu.over) || (s->part.is_text && s->b64run.over))
        s->anomalies |= MS_ANOM_EMBEDDED_LIMIT;
    if ((s->uu_on && s->uu.buf.nomem) || (s->part.is_text && s->b64run.buf.nomem))
        ms_scan_fail(s, MS_ERR_NOMEM); /* a file decoded in part, or not at all */
}

static void on_part_end(void *ctx)
{
    ms_scan *s = ctx;
    part_state *p = &s->part;

    if (p->ent.cte == MS_CTE_BASE64) {
        decoded(s, s->dec, ms_b64_finish(&p->b64, (unsigned char *)s->dec));
        s->anomalies |= p->b64.anomalies;
    } else if (p->ent.cte == MS_CTE_QP) {
        decoded(s, s->dec, ms_qp_finish(&p->qp, s->dec));
        s->anomalies |= p->qp.anomalies;
    }
    if (p->is_text) {
        size_t u = ms_charset_finish(&s->cs, s->utf8);
        s->anomalies |= s->cs.anomalies;
        from_utf8(s, s->utf8, u, true);
        text_end(s);
    }
    s->anomalies |= ms_attach_end(s->attach);
    embedded_files(s);
    tap(s, MS_TAP_PART_END, NULL, 0);
    s->in_part = false;
}

/* ---- verdict ----------------------------------------------------------- */

static const struct limit_finding {
    uint32_t anomaly;
    const char *rule, *description;
} limit_findings[] = {
    {MS_ANOM_DEPTH, "limit.depth", "MIME nesting deeper than the depth limit; inner parts unread"},
    {MS_ANOM_PARTS, "limit.parts", "More MIME parts than the part limit; the rest is unread"},
    {MS_ANOM_HEADER_TRUNCATED, "limit.header_bytes",
     "Header section over the header size limit; the rest is unread"},
    {MS_ANOM_EMBEDDED_LIMIT, "limit.embedded",
     "More files encoded into one text part (base64, uuencode) than are read; the rest unread"},
    {MS_ANOM_EMPTY_MULTIPART, "mime.empty_multipart",
     "A multipart with no part a delimiter opens; what it holds was not read as parts"},
};

static void add_limit_findings(ms_scan *s)
{
    const char *cat = s->eng->cats[s->eng->cat_unscannable].name;

    snprintf(s->text_part, sizeof s->text_part, "message");
    s->text_ctype[0] = s->text_filename[0] = '\0';
    for (unsigned i = 0; i < sizeof limit_findings / sizeof limit_findings[0]; i++) {
        if (!(s->anomalies & limit_findings[i].anomaly))
            continue;
        s->cat_direct[s->eng->cat_unscannable] = s->msg_seq;
        ms_finding *f = add_finding(s, NULL, cat);
        if (f) {
            f->rule = limit_findings[i].rule;
            f->description = limit_findings[i].description;
        }
    }
}

/* The level of a category's findings: bulk when the message holds more
 * distinct card numbers than the category's bulk limit (every finding
 * then says so), else the highest level of its findings; -1 for none. */
static int category_level(ms_scan *s, const ms_category *cat)
{
    int level = MS_LEVEL_NONE;

    for (size_t i = 0; i < s->nfindings; i++) {
        const ms_finding *f = &s->findings[i];
        for (int l = MS_LEVEL_LOW; f->category == cat->name && l < MS_LEVELS; l++)
            if (f->level == ms_level_names[l] && l > level)
                level = l;
    }
    if (level < MS_LEVEL_LOW || !cat->bulk || s->nmsg_pans <= cat->bulk)
        return level;
    for (size_t i = 0; i < s->nfindings; i++)
        if (s->findings[i].category == cat->name && s->findings[i].level[0])
            s->findings[i].level = ms_level_names[MS_LEVEL_BULK];
    return MS_LEVEL_BULK;
}

/* Score each category from the rules that hit; keep findings of those
 * that fire; the most severe action is the verdict. */
static void decide(ms_scan *s)
{
    const ms_engine *eng = s->eng;
    ms_result *res = &s->result;
    size_t ncats = 0, kept = 0;
    bool encrypted = s->encrypted_seq == s->msg_seq || (s->anomalies & MS_ANOM_ENCRYPTED);

    res->verdict = MS_ACTION_ACCEPT;
    for (unsigned c = 0; c < eng->ncats; c++) {
        int score = 0;
        bool any = false;
        for (unsigned r = 0; r < eng->nrules; r++) {
            if (eng->rules[r].category == c && s->rule_msg[r] == s->msg_seq) {
                score += eng->rules[r].weight;
                any = true;
            }
        }
        any |= s->cat_direct[c] == s->msg_seq; /* findings of modules, limits */
        const ms_category *cat = &eng->cats[c];
        if (!any || (cat->threshold > 0 && score < cat->threshold))
            continue;
        int level = category_level(s, cat);
        ms_action action =
            level >= 0 && cat->has_level_action[level] ? cat->level_action[level] : cat->action;
        /* scope and encryption exemption: the category fired but does not
         * apply to this message; its findings stay visible */
        if (!ms_policy_applies(&eng->policy, cat->name, s->env_seq == s->msg_seq ? &s->env : NULL,
                               encrypted))
            action = MS_ACTION_ACCEPT;
        s->hits[ncats++] = (ms_category_hit){cat->name, score, cat->threshold, action,
                                             level >= 0 ? ms_level_names[level] : ""};
        if (action > res->verdict)
            res->verdict = action;
    }
    for (size_t i = 0; i < s->nfindings; i++) {
        bool fired = false;
        for (size_t c = 0; c < ncats && !fired; c++)
            fired = s->hits[c].name == s->findings[i].category;
        if (fired)
            s->findings[kept++] = s->findings[i];
    }
    s->nfindings = kept;
    res->findings = s->findings;
    res->nfindings = kept;
    res->findings_dropped = s->dropped;
    res->categories = s->hits;
    res->ncategories = ncats;
}

void ms_scan_set_envelope(ms_scan *s, const ms_envelope *env)
{
    s->env = *env;
    s->env_seq = s->msg_seq;
}

/* Every string a finding carries leaves the library: mask card numbers in
 * each, here at the one exit (a file name, a zip member name or an RFC 2047
 * word may hold one as well as the text). A field filled to its last byte
 * was cut, and a number at its end may go on past the cut. */
static void mask_finding(ms_finding *f)
{
    ms_mask_pans(f->part, strlen(f->part) == sizeof f->part - 1);
    ms_mask_pans(f->content_type, strlen(f->content_type) == sizeof f->content_type - 1);
    ms_mask_pans(f->filename, strlen(f->filename) == sizeof f->filename - 1);
    ms_mask_pans(f->excerpt, strlen(f->excerpt) == sizeof f->excerpt - 1);
}

int ms_scan_finish(ms_scan *s, const ms_result **out)
{
    if (s->finished)
        return MS_ERR_MISUSE;
    ms_mime_finish(s->mime);
    text_end(s);
    s->finished = true;
    s->anomalies |= ms_mime_anomalies(s->mime);
    settle_message(s);
    add_limit_findings(s);
    for (size_t i = 0; i < s->nfindings; i++)
        mask_finding(&s->findings[i]);
    decide(s);
    s->result.anomalies = s->anomalies;
    s->result.parts = ms_mime_parts(s->mime);
    s->result.text_parts = s->text_parts;
    s->result.charset_fallbacks = s->fallbacks;
    s->result.message_bytes = s->bytes;
    s->result.text_bytes = s->text_bytes;
    *out = &s->result;
    return s->err;
}

int ms_scan_feed(ms_scan *s, const void *buf, size_t len)
{
    if (s->finished)
        return MS_ERR_MISUSE;
    s->bytes += len;
    ms_mime_feed(s->mime, buf, len);
    return s->err;
}

/* ---- life cycle -------------------------------------------------------- */

void ms_scan_reset(ms_scan *s)
{
    ms_mime_reset(s->mime);
    ms_attach_reset(s->attach);
    if (s->text_open || s->err) {
        /* abandoned mid-stream: drop the stream's state without matches */
        hs_reset_stream(s->stream, 0, s->scratch, NULL, NULL);
        s->text_open = false;
    }
    /* text_end() wiped the history of every finished stream; an abandoned
     * stream may have left text in the buffer */
    explicit_bzero(s->tb, s->hist + s->blen);
    explicit_bzero(s->findings, s->nfindings * sizeof *s->findings);
    s->nvlist = 0;
    s->hist = s->blen = 0;
    s->err = MS_OK;
    s->finished = false;
    s->in_part = false;
    s->msg_seq++;
    s->part_seq++;
    s->nfindings = s->dropped = 0;
    s->npart_pans = s->ncontext = s->nmsg_pans = s->npan_wait = s->nunconfirmed = 0;
    s->context_dense = s->card_dense = s->other_dense = false;
    s->anomalies = 0;
    s->text_parts = s->fallbacks = 0;
    s->bytes = s->text_bytes = 0;
    memset(&s->result, 0, sizeof s->result);
}

void ms_scan_text_begin(ms_scan *s, const char *part, const char *content_type,
                        const char *filename)
{
    ms_norm_init(&s->anorm);
    text_begin(s, part, MS_SCOPE_BODY, content_type ? content_type : "", filename ? filename : "");
}

void ms_scan_text_feed(ms_scan *s, const char *utf8, size_t len)
{
    while (len) { /* s->norm holds a slice's worth */
        size_t k = len < MS_SCAN_SLICE ? len : MS_SCAN_SLICE;
        size_t n = ms_norm_feed(&s->anorm, utf8, k, s->norm);
        text_append(s, s->norm, n);
        utf8 += k;
        len -= k;
    }
}

void ms_scan_text_end(ms_scan *s)
{
    text_append(s, s->norm, ms_norm_finish(&s->anorm, s->norm));
    text_end(s);
}

/* Point the finding context at another part for one finding. */
struct text_place {
    char part[64], ctype[256], filename[128];
};

static void swap_place(ms_scan *s, struct text_place *p)
{
    struct text_place cur;
    memcpy(cur.part, s->text_part, sizeof cur.part);
    memcpy(cur.ctype, s->text_ctype, sizeof cur.ctype);
    memcpy(cur.filename, s->text_filename, sizeof cur.filename);
    memcpy(s->text_part, p->part, sizeof cur.part);
    memcpy(s->text_ctype, p->ctype, sizeof cur.ctype);
    memcpy(s->text_filename, p->filename, sizeof cur.filename);
    *p = cur;
}

int ms_scan_add_finding(ms_scan *s, const char *category, const char *rule, const char *description,
                        const char *part, const char *content_type, const char *filename,
                        const char *excerpt)
{
    int c = ms_engine_category(s->eng, category);
    struct text_place place;

    if (c < 0)
        return MS_ERR_MISUSE;
    s->cat_direct[c] = s->msg_seq;
    snprintf(place.part, sizeof place.part, "%s", part ? part : "");
    ms_copy_utf8(place.ctype, sizeof place.ctype, content_type ? content_type : "",
                 content_type ? strlen(content_type) : 0);
    ms_copy_utf8(place.filename, sizeof place.filename, filename ? filename : "",
                 filename ? strlen(filename) : 0);
    swap_place(s, &place);
    ms_finding *f = add_finding(s, NULL, s->eng->cats[c].name);
    swap_place(s, &place);
    if (!f)
        return MS_OK; /* counted as dropped */
    f->rule = rule;
    f->description = description;
    if (excerpt) {
        size_t n = ms_copy_utf8(f->excerpt, sizeof f->excerpt, excerpt, strlen(excerpt));
        mask_digit_runs(f->excerpt, n);
    }
    return MS_OK;
}

void ms_scan_fail(ms_scan *s, int code)
{
    if (!s->err)
        s->err = code;
}

unsigned ms_scan_nesting(const ms_scan *s)
{
    return s->nesting;
}

/* A finding of a nested scan, now this scan's: a text rule's hit counts
 * toward its category's score here; a module's finding fires its category
 * as any module finding does. */
static void adopt_finding(ms_scan *s, const ms_finding *nf, const char *part, const char *sep)
{
    ms_finding *f;
    int c = ms_engine_category(s->eng, nf->category);

    if (c < 0)
        return;
    if (s->nfindings >= s->eng->limits.findings) {
        s->dropped++;
        s->anomalies |= MS_ANOM_FINDINGS_DROPPED;
        return;
    }
    s->fkey[s->nfindings] = (struct finding_key){s->base, UINT32_MAX};
    f = &s->findings[s->nfindings++];
    *f = *nf;
    char name[3 * sizeof f->part];
    size_t n = 0;
    for (const char *const *q = (const char *const[]){part, sep, nf->part, NULL}; *q; q++)
        for (const char *p = *q; *p && n + 1 < sizeof name; p++)
            name[n++] = *p;
    ms_copy_utf8(f->part, sizeof f->part, name, n); /* cut at a character */
    for (unsigned r = 0; r < s->eng->nrules; r++) {
        if (s->eng->rules[r].id == nf->rule) {
            s->rule_msg[r] = s->msg_seq;
            return;
        }
    }
    s->cat_direct[c] = s->msg_seq;
}

int ms_scan_nested(ms_scan *s, const char *part, unsigned depth, const void *msg, size_t len)
{
    const ms_result *r;
    ms_error err;

    if (s->nesting + depth + 1 >= s->eng->attach.limits.depth)
        return MS_ERR_LIMIT;
    if (!s->nested && ms_scan_create(s->eng, &s->nested, &err) != MS_OK) {
        ms_scan_fail(s, MS_ERR_NOMEM); /* unscanned: never accepted */
        return MS_ERR_NOMEM;
    }
    ms_scan *n = s->nested;
    ms_scan_reset(n);
    n->nesting = s->nesting + depth + 1;
    n->stats = s->stats;
    if (s->env_seq == s->msg_seq)
        ms_scan_set_envelope(n, &s->env);
    int rc = ms_scan_feed(n, msg, len);
    int rc2 = ms_scan_finish(n, &r);
    if (rc == MS_OK)
        rc = rc2;
    /* IMAP numbers a message's parts below the part that holds it */
    const char *sep = strchr(part, '/') ? "/" : ".";
    for (size_t i = 0; i < r->nfindings; i++)
        adopt_finding(s, &r->findings[i], part, sep);
    s->dropped += r->findings_dropped;
    s->anomalies |= r->anomalies;
    for (unsigned i = 0; i < n->nmsg_pans; i++)
        count_distinct(s, n->msg_pans[i]);
    if (n->encrypted_seq == n->msg_seq)
        s->anomalies |= MS_ANOM_ENCRYPTED;
    if (rc != MS_OK)
        ms_scan_fail(s, rc); /* the message failed to scan as a whole */
    return rc;
}

void ms_scan_match_text(ms_scan *s, const char *text, size_t len)
{
    text_begin(s, "1", MS_SCOPE_BODY, "text/plain", "");
    text_append(s, text, len);
    text_end(s);
}

void ms_scan_set_matching(ms_scan *s, bool on)
{
    s->no_match = !on;
}

void ms_scan_set_rule_stats(ms_scan *s, ms_rule_stats *stats)
{
    s->stats = stats;
}

void ms_scan_set_tap(ms_scan *s, ms_tap_fn fn, void *ctx)
{
    s->tap = fn;
    s->tap_ctx = ctx;
}

void ms_scan_destroy(ms_scan *s)
{
    if (!s)
        return;
    ms_scan_destroy(s->nested);
    ms_uu_free(&s->uu);
    ms_b64run_free(&s->b64run);
    ms_mime_destroy(s->mime);
    ms_attach_destroy(s->attach);
    ms_charset_fini(&s->cs);
    if (s->stream)
        hs_close_stream(s->stream, s->scratch, NULL, NULL);
    hs_free_scratch(s->scratch);
    hs_free_scratch(s->vscratch);
    if (s->tb)
        free(s->tb - 1);
    free(s->vfrom);
    free(s->vto);
    free(s->vlast);
    free(s->vseq);
    free(s->vlast_seq);
    free(s->vlist);
    free(s->fkey);
    free(s->dec);
    free(s->utf8);
    free(s->text);
    free(s->norm);
    free(s->hdr);
    free(s->rule_msg);
    free(s->rule_part);
    free(s->rule_finding);
    free(s->findings);
    free(s->hits);
    free(s->cat_direct);
    if (s->eng)
        ms_engine_destroy((ms_engine *)s->eng);
    free(s);
}

/* The attachment layer's sink (attach.h): this scan. */
static void at_text_begin(void *ctx, const char *part, const char *ctype, const char *filename)
{
    ms_scan_text_begin(ctx, part, ctype, filename);
}

static void at_text_feed(void *ctx, const char *utf8, size_t len)
{
    ms_scan_text_feed(ctx, utf8, len);
}

static void at_text_end(void *ctx)
{
    ms_scan_text_end(ctx);
}

static int at_finding(void *ctx, const char *cat, const char *rule, const char *desc,
                      const char *part, const char *ctype, const char *filename, const char *ex)
{
    return ms_scan_add_finding(ctx, cat, rule, desc, part, ctype, filename, ex);
}

static void at_fail(void *ctx, int code)
{
    ms_scan_fail(ctx, code);
}

static int at_message(void *ctx, const char *part, unsigned depth, const void *msg, size_t len)
{
    return ms_scan_nested(ctx, part, depth, msg, len);
}

static unsigned at_nesting(void *ctx)
{
    return ms_scan_nesting(ctx);
}

int ms_scan_create(const ms_engine *eng, ms_scan **out, ms_error *err)
{
    ms_scan *s = ms_calloc(1, sizeof *s);
    const ms_mime_sink sink = {.ctx = s,
                               .header = on_header,
                               .header_end = on_header_end,
                               .part_begin = on_part_begin,
                               .part_data = on_part_data,
                               .part_end = on_part_end};
    size_t nr = eng->nrules ? eng->nrules : 1;

    *out = NULL;
    if (!s)
        goto nomem;
    s->eng = ms_engine_ref((ms_engine *)eng);
    ms_charset_init(&s->cs);
    s->mime = ms_mime_create(&eng->limits, &s->cs, &sink);
    s->histcap = eng->text_history > MS_SCAN_HISTORY_MIN ? eng->text_history : MS_SCAN_HISTORY_MIN;
    if ((s->tb = ms_malloc(1 + s->histcap + MS_SCAN_BATCH)))
        *s->tb++ = '\n'; /* the text before a stream, to a window at its start */
    s->dec = ms_malloc(MS_SCAN_SLICE + MS_QP_SLACK + 64);
    s->utf8 = ms_malloc(3 * (MS_SCAN_SLICE + MS_QP_SLACK + 64) + MS_CHARSET_SLACK);
    s->text =
        ms_malloc(3 * (MS_SCAN_SLICE + MS_QP_SLACK + 64) + MS_CHARSET_SLACK + 2 * MS_HTML_SLACK);
    s->hdr = ms_malloc(3 * eng->limits.header_value + 64);
    /* normalised text: from the HTML buffer or a decoded header value */
    size_t textcap = 3 * (MS_SCAN_SLICE + MS_QP_SLACK + 64) + MS_CHARSET_SLACK + 2 * MS_HTML_SLACK;
    if (3 * eng->limits.header_value + 64 > textcap)
        textcap = 3 * eng->limits.header_value + 64;
    s->norm = ms_malloc(textcap + 8);
    s->rule_msg = ms_calloc(nr, sizeof *s->rule_msg);
    s->rule_part = ms_calloc(nr, sizeof *s->rule_part);
    s->rule_finding = ms_calloc(nr, sizeof *s->rule_finding);
    s->findings = ms_calloc(eng->limits.findings, sizeof *s->findings);
    s->fkey = ms_calloc(eng->limits.findings, sizeof *s->fkey);
    s->vfrom = ms_calloc(nr, sizeof *s->vfrom);
    s->vto = ms_calloc(nr, sizeof *s->vto);
    s->vlast = ms_calloc(nr, sizeof *s->vlast);
    s->vseq = ms_calloc(nr, sizeof *s->vseq);
    s->vlast_seq = ms_calloc(nr, sizeof *s->vlast_seq);
    s->vlist = ms_calloc(nr, sizeof *s->vlist);
    s->hits = ms_calloc(eng->ncats, sizeof *s->hits);
    s->cat_direct = ms_calloc(eng->ncats, sizeof *s->cat_direct);
    const ms_attach_sink asink = {s,          at_text_begin, at_text_feed, at_text_end,
                                  at_finding, at_fail,       at_message,   at_nesting};
    s->attach = ms_attach_create(eng, &asink);
    ms_uu_init(&s->uu, eng->attach.limits.max_bytes);
    ms_b64run_init(&s->b64run, eng->attach.limits.max_bytes);
    if (!s->mime || !s->attach || !s->tb || !s->dec || !s->utf8 || !s->text || !s->norm ||
        !s->hdr || !s->rule_msg || !s->rule_part || !s->rule_finding || !s->findings || !s->hits ||
        !s->cat_direct || !s->fkey || !s->vfrom || !s->vto || !s->vlast || !s->vseq ||
        !s->vlast_seq || !s->vlist)
        goto nomem;
    if (eng->vscratch && hs_clone_scratch(eng->vscratch, &s->vscratch) != HS_SUCCESS)
        goto nomem;
    if (hs_clone_scratch(eng->scratch, &s->scratch) != HS_SUCCESS ||
        hs_open_stream(eng->db, 0, &s->stream) != HS_SUCCESS)
        goto nomem;
    s->msg_seq = 1; /* sequence 0 never matches: fresh arrays mean "no hit" */
    ms_scan_reset(s);
    *out = s;
    return MS_OK;
nomem:
    ms_scan_destroy(s);
    ms_error_set(err, MS_ERR_NOMEM, "", 0, "out of memory creating a scan");
    return MS_ERR_NOMEM;
}
