/*
 * report.c - the summary of a sweep: counts per mailbox and folder, and the
 * report file in one of three forms
 *
 *   .json   everything, for programs
 *   .txt    a table per mailbox for a person at a terminal
 *   .html   one self-contained page (no script or style from elsewhere,
 *           viewable offline) with an inline SVG bar chart of findings per
 *           category and folder, the tables, and the worst messages
 *
 * Items of a folder are its messages plus the items that could not be read;
 * a folder over its item limit or a mailbox over its size limit (mailsift.yaml
 * `sweep:`, include/mailsift/sweep.h) is listed under "limits exceeded".
 * Excerpts never appear in a report: worst messages name their source,
 * verdict and categories only.
 */
#include "sweep.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- counts ---- */

ms_sweep_cat *ms_sweep_stats_cat(ms_sweep_stats *st, const char *name)
{
    for (unsigned i = 0; i < st->ncats; i++)
        if (strcmp(st->cats[i].name, name) == 0)
            return &st->cats[i];
    ms_sweep_cat *c = realloc(st->cats, (st->ncats + 1) * sizeof *c);
    if (!c)
        return NULL;
    st->cats = c;
    c[st->ncats] = (ms_sweep_cat){strdup(name), 0, 0};
    if (!c[st->ncats].name)
        return NULL;
    return &c[st->ncats++];
}

/* worse - does a rank before b (verdict, score, findings, then source)? */
static bool worse(const ms_sweep_worst *a, const ms_sweep_worst *b)
{
    if (a->verdict != b->verdict)
        return a->verdict > b->verdict;
    if (a->score != b->score)
        return a->score > b->score;
    if (a->nfind != b->nfind)
        return a->nfind > b->nfind;
    return strcmp(a->source, b->source) < 0;
}

void ms_sweep_worst_offer(ms_sweep_stats *st, const ms_sweep_worst *w)
{
    unsigned pos = st->nworst;
    while (pos > 0 && worse(w, &st->worst[pos - 1]))
        pos--;
    if (pos >= MS_SWEEP_WORST)
        return;
    ms_sweep_worst copy = *w;
    copy.source = strdup(w->source);
    copy.categories = strdup(w->categories ? w->categories : "");
    if (!copy.source || !copy.categories) {
        free(copy.source);
        free(copy.categories);
        return;
    }
    if (st->nworst == MS_SWEEP_WORST) {
        free(st->worst[MS_SWEEP_WORST - 1].source);
        free(st->worst[MS_SWEEP_WORST - 1].categories);
        st->nworst--;
    }
    memmove(&st->worst[pos + 1], &st->worst[pos], (st->nworst - pos) * sizeof *st->worst);
    st->worst[pos] = copy;
    st->nworst++;
}

void ms_sweep_stats_add(ms_sweep_stats *to, const ms_sweep_stats *from)
{
    to->messages += from->messages;
    to->bytes += from->bytes;
    to->flagged += from->flagged;
    to->anomalous += from->anomalous;
    to->errors += from->errors;
    for (unsigned v = 0; v < 4; v++)
        to->verdicts[v] += from->verdicts[v];
    for (unsigned i = 0; i < from->ncats; i++) {
        ms_sweep_cat *c = ms_sweep_stats_cat(to, from->cats[i].name);
        if (c) {
            c->messages += from->cats[i].messages;
            c->findings += from->cats[i].findings;
        }
    }
    for (unsigned i = 0; i < from->nworst; i++)
        ms_sweep_worst_offer(to, &from->worst[i]);
}

void ms_sweep_stats_fini(ms_sweep_stats *st)
{
    for (unsigned i = 0; i < st->ncats; i++)
        free(st->cats[i].name);
    free(st->cats);
    for (unsigned i = 0; i < st->nworst; i++) {
        free(st->worst[i].source);
        free(st->worst[i].categories);
    }
    memset(st, 0, sizeof *st);
}

void ms_sweep_add_error(ms_sweep *sw, const char *source, const char *msg, bool listing)
{
    if (sw->nerrors >= MS_SWEEP_ERRORS)
        return;
    ms_sweep_error *e = realloc(sw->errors, (sw->nerrors + 1) * sizeof *e);
    if (!e)
        return;
    sw->errors = e;
    e[sw->nerrors] = (ms_sweep_error){strdup(source), strdup(msg), listing};
    if (e[sw->nerrors].source && e[sw->nerrors].msg)
        sw->nerrors++;
    else {
        free(e[sw->nerrors].source);
        free(e[sw->nerrors].msg);
    }
}

/* ---- the report as JSON (the other forms are made from it) ---- */

static uint64_t folder_items(const ms_sweep_folder *f)
{
    return f->st.messages + f->st.errors + f->list_errors;
}

static json_t *stats_json(const ms_sweep_stats *st, uint64_t list_errors)
{
    json_t *o = json_object(), *cats = json_object(), *verd = json_object(), *worst = json_array();

    json_object_set_new(o, "messages", json_integer((json_int_t)st->messages));
    json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
    json_object_set_new(o, "flagged", json_integer((json_int_t)st->flagged));
    json_object_set_new(o, "anomalous", json_integer((json_int_t)st->anomalous));
    json_object_set_new(o, "errors", json_integer((json_int_t)(st->errors + list_errors)));
    for (unsigned v = 0; v < 4; v++)
        json_object_set_new(verd, ms_action_name((ms_action)v),
                            json_integer((json_int_t)st->verdicts[v]));
    json_object_set_new(o, "verdicts", verd);
    for (unsigned i = 0; i < st->ncats; i++)
        json_object_set_new(cats, st->cats[i].name,
                            json_pack("{s:I, s:I}", "messages", (json_int_t)st->cats[i].messages,
                                      "findings", (json_int_t)st->cats[i].findings));
    json_object_set_new(o, "categories", cats);
    for (unsigned i = 0; i < st->nworst; i++)
        json_array_append_new(
            worst,
            json_pack("{s:s, s:s, s:i, s:i, s:s}", "source", st->worst[i].source, "verdict",
                      ms_action_name((ms_action)st->worst[i].verdict), "score", st->worst[i].score,
                      "findings", (int)st->worst[i].nfind, "categories", st->worst[i].categories));
    json_object_set_new(o, "worst", worst);
    return o;
}

/* folder_json - a folder's counts and limit; one over its limit is added
 * to over */
static json_t *folder_json(const ms_sweep *sw, const ms_sweep_folder *f, json_t *over)
{
    uint64_t limit = ms_sweep_folder_items(&sw->limits, f->name), items = folder_items(f);
    json_t *fo = stats_json(&f->st, f->list_errors);

    json_object_set_new(fo, "path", json_string(f->path));
    json_object_set_new(fo, "name", json_string(f->name));
    json_object_set_new(fo, "files", json_integer((json_int_t)f->files));
    json_object_set_new(fo, "items", json_integer((json_int_t)items));
    json_object_set_new(fo, "item_limit", json_integer((json_int_t)limit));
    json_object_set_new(fo, "over_limit", json_boolean(items > limit));
    if (items > limit)
        json_array_append_new(over, json_pack("{s:s, s:s, s:s, s:I, s:I}", "kind", "folder_items",
                                              "path", f->path, "name", f->name, "items",
                                              (json_int_t)items, "limit", (json_int_t)limit));
    return fo;
}

/* The sums of a mailbox or of the whole sweep. */
typedef struct sums {
    ms_sweep_stats st;
    uint64_t list_errors, files;
} sums;

/* mailbox_json - mailbox m with its folders, summed into mt; one over its
 * limit (or with folders over theirs) is added to over */
static json_t *mailbox_json(const ms_sweep *sw, unsigned m, json_t *over, sums *mt)
{
    const ms_sweep_mailbox *mb = &sw->mailboxes[m];
    uint64_t limit = sw->limits.mailbox_bytes;
    json_t *fs = json_array();

    for (unsigned i = 0; i < sw->nfolders; i++) {
        const ms_sweep_folder *f = &sw->folders[i];
        if (f->mailbox != m)
            continue;
        json_array_append_new(fs, folder_json(sw, f, over));
        ms_sweep_stats_add(&mt->st, &f->st);
        mt->list_errors += f->list_errors;
        mt->files += f->files;
    }
    json_t *mo = stats_json(&mt->st, mt->list_errors);
    json_object_set_new(mo, "path", json_string(mb->path));
    json_object_set_new(mo, "size", json_integer((json_int_t)mb->bytes));
    json_object_set_new(mo, "size_limit", json_integer((json_int_t)limit));
    json_object_set_new(mo, "over_limit", json_boolean(mb->bytes > limit));
    if (mb->bytes > limit)
        json_array_append_new(over, json_pack("{s:s, s:s, s:I, s:I}", "kind", "mailbox_bytes",
                                              "path", mb->path, "bytes", (json_int_t)mb->bytes,
                                              "limit", (json_int_t)limit));
    json_object_set_new(mo, "folders", fs);
    return mo;
}

static json_t *report_json(const ms_sweep *sw)
{
    json_t *root = json_object(), *mbs = json_array(), *over = json_array(), *errs = json_array();
    sums total = {0};

    for (unsigned m = 0; m < sw->nmailboxes; m++) {
        sums mt = {0};
        json_array_append_new(mbs, mailbox_json(sw, m, over, &mt));
        ms_sweep_stats_add(&total.st, &mt.st);
        total.list_errors += mt.list_errors;
        total.files += mt.files;
        ms_sweep_stats_fini(&mt.st);
    }
    for (unsigned i = 0; i < sw->nerrors; i++)
        json_array_append_new(errs, json_pack("{s:s, s:s}", "source", sw->errors[i].source, "error",
                                              sw->errors[i].msg));
    json_t *tot = stats_json(&total.st, total.list_errors);
    json_object_set_new(tot, "files", json_integer((json_int_t)total.files));
    json_object_set_new(tot, "mailboxes", json_integer(sw->nmailboxes));
    json_object_set_new(tot, "folders", json_integer(sw->nfolders));
    json_object_set_new(root, "complete", json_boolean(sw->complete));
    json_object_set_new(root, "interrupted", json_boolean(sw->interrupted));
    json_object_set_new(root, "runs", json_integer(sw->runs));
    json_object_set_new(root, "elapsed_s", json_real(sw->elapsed));
    json_object_set_new(root, "totals", tot);
    json_object_set_new(root, "limits_exceeded", over);
    json_object_set_new(root, "mailboxes", mbs);
    json_object_set_new(root, "errors", errs);
    ms_sweep_stats_fini(&total.st);
    return root;
}

/* ---- text ---- */

static unsigned long long num(json_t *o, const char *key)
{
    return (unsigned long long)json_integer_value(json_object_get(o, key));
}

static void text_cats(FILE *f, json_t *cats)
{
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(cats, k, v)
    {
        fprintf(f, "%s%s %llu", n++ ? ", " : "", k, num(v, "messages"));
    }
    if (!n)
        fprintf(f, "-");
}

static void text_mailbox(FILE *f, json_t *mb)
{
    json_t *fo;
    size_t j;

    fprintf(f, "\nmailbox %s (%.1f MB%s)\n", json_string_value(json_object_get(mb, "path")),
            (double)num(mb, "size") / 1e6,
            json_is_true(json_object_get(mb, "over_limit")) ? ", OVER SIZE LIMIT" : "");
    fprintf(f, "  %-24s %9s %10s %7s %7s %6s  %s\n", "folder", "messages", "MB", "flagged",
            "errors", "limit", "messages per category");
    json_array_foreach(json_object_get(mb, "folders"), j, fo)
    {
        fprintf(f, "  %-24s %9llu %10.2f %7llu %7llu %6s  ",
                json_string_value(json_object_get(fo, "name")), num(fo, "messages"),
                (double)num(fo, "bytes") / 1e6, num(fo, "flagged"), num(fo, "errors"),
                json_is_true(json_object_get(fo, "over_limit")) ? "OVER" : "ok");
        text_cats(f, json_object_get(fo, "categories"));
        fprintf(f, "\n");
    }
}

/* text_lists - limits exceeded, worst messages, errors */
static void text_lists(FILE *f, json_t *rep)
{
    json_t *w;
    size_t i;

    fprintf(f, "\nlimits exceeded:%s\n",
            json_array_size(json_object_get(rep, "limits_exceeded")) ? "" : " none");
    json_array_foreach(json_object_get(rep, "limits_exceeded"), i, w)
    {
        bool folder = strcmp(json_string_value(json_object_get(w, "kind")), "folder_items") == 0;
        fprintf(f, "  %s %s: %llu %s, limit %llu\n", folder ? "folder" : "mailbox",
                json_string_value(json_object_get(w, "path")), num(w, folder ? "items" : "bytes"),
                folder ? "items" : "bytes", num(w, "limit"));
    }
    fprintf(f, "\nworst messages:\n");
    json_array_foreach(json_object_get(json_object_get(rep, "totals"), "worst"), i, w)
    {
        fprintf(f, "  %-10s score %-4d %s (%s)\n", json_string_value(json_object_get(w, "verdict")),
                (int)json_integer_value(json_object_get(w, "score")),
                json_string_value(json_object_get(w, "source")),
                json_string_value(json_object_get(w, "categories")));
    }
    if (json_array_size(json_object_get(rep, "errors"))) {
        fprintf(f, "\nerrors:\n");
        json_array_foreach(json_object_get(rep, "errors"), i, w)
        {
            fprintf(f, "  %s: %s\n", json_string_value(json_object_get(w, "source")),
                    json_string_value(json_object_get(w, "error")));
        }
    }
}

static void write_text(FILE *f, json_t *rep)
{
    json_t *tot = json_object_get(rep, "totals"), *mb;
    size_t i;

    fprintf(f, "mailsift sweep report%s\n\n",
            json_is_true(json_object_get(rep, "complete")) ? "" : " (INCOMPLETE: interrupted)");
    fprintf(f,
            "%llu messages, %.1f MB in %llu files, %llu folders, %llu mailboxes; "
            "%llu flagged, %llu with anomalies, %llu errors; %.1f s\n",
            num(tot, "messages"), (double)num(tot, "bytes") / 1e6, num(tot, "files"),
            num(tot, "folders"), num(tot, "mailboxes"), num(tot, "flagged"), num(tot, "anomalous"),
            num(tot, "errors"), json_real_value(json_object_get(rep, "elapsed_s")));
    fprintf(f, "messages per category: ");
    text_cats(f, json_object_get(tot, "categories"));
    fprintf(f, "\n");
    json_array_foreach(json_object_get(rep, "mailboxes"), i, mb)
    {
        text_mailbox(f, mb);
    }
    text_lists(f, rep);
}

/* ---- HTML ---- */

static void html_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        const char *ent = *s == '<'   ? "&lt;"
                          : *s == '>' ? "&gt;"
                          : *s == '&' ? "&amp;"
                          : *s == '"' ? "&quot;"
                                      : NULL;
        if (ent)
            fputs(ent, f);
        else
            fputc(*s, f);
    }
}

static const char *const palette[] = {"#d62728", "#1f77b4", "#ff7f0e", "#2ca02c",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};

#define CHART_CATS 64u  /* categories with a colour; more are left out of the chart */
#define CHART_BAR  28u  /* bar height, px */
#define CHART_GAP  10u  /* between bars */
#define CHART_LEFT 220u /* room for folder names */
#define CHART_W    520u /* the longest bar */

/* The categories the chart shows and the scale of its bars. */
typedef struct chart {
    const char *names[CHART_CATS];
    unsigned nc, nf;        /* categories, folders (bars) */
    unsigned long long max; /* the longest bar, in messages */
} chart;

static unsigned long long cat_messages(json_t *fo, const char *cat)
{
    return num(json_object_get(json_object_get(fo, "categories"), cat), "messages");
}

static void chart_scale(chart *c, json_t *rep)
{
    json_t *cats = json_object_get(json_object_get(rep, "totals"), "categories");
    const char *k;
    json_t *v, *mb, *fo;
    size_t i, j;

    c->max = 1;
    json_object_foreach(cats, k, v)
    {
        if (c->nc < CHART_CATS)
            c->names[c->nc++] = k;
    }
    json_array_foreach(json_object_get(rep, "mailboxes"), i, mb)
    {
        json_array_foreach(json_object_get(mb, "folders"), j, fo)
        {
            unsigned long long sum = 0;
            for (unsigned n = 0; n < c->nc; n++)
                sum += cat_messages(fo, c->names[n]);
            if (sum > c->max)
                c->max = sum;
            c->nf++;
        }
    }
}

/* chart_bar - a folder's bar at height y: a segment per category */
static void chart_bar(FILE *f, const chart *c, json_t *fo, unsigned y)
{
    double x = CHART_LEFT;

    fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"12\" text-anchor=\"end\">", CHART_LEFT - 6,
            y + CHART_BAR / 2 + 4);
    html_esc(f, json_string_value(json_object_get(fo, "name")));
    fprintf(f, " (%llu)</text>\n", num(fo, "messages"));
    fprintf(f,
            "<rect class=\"frame\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
            "fill=\"#f4f4f4\"/>\n",
            CHART_LEFT, y, CHART_W, CHART_BAR);
    for (unsigned n = 0; n < c->nc; n++) {
        unsigned long long k = cat_messages(fo, c->names[n]);
        if (!k)
            continue;
        double w = (double)CHART_W * (double)k / (double)c->max;
        fprintf(f,
                "<rect class=\"bar\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%u\" "
                "fill=\"%s\"><title>",
                x, y, w, CHART_BAR, palette[n % 8]);
        html_esc(f, json_string_value(json_object_get(fo, "name")));
        fprintf(f, " / ");
        html_esc(f, c->names[n]);
        fprintf(f, ": %llu</title></rect>\n", k);
        x += w;
    }
}

static void chart_legend(FILE *f, const chart *c, unsigned y)
{
    unsigned lx = CHART_LEFT;

    for (unsigned n = 0; n < c->nc; n++) {
        fprintf(f,
                "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                "<text x=\"%u\" y=\"%u\" font-size=\"12\">",
                lx, y + 8, palette[n % 8], lx + 16, y + 18);
        html_esc(f, c->names[n]);
        fprintf(f, "</text>\n");
        lx += 24 + 8 * (unsigned)strlen(c->names[n]);
    }
}

/* write_chart - stacked bars: one per folder, a segment per category
 * (messages) */
static void write_chart(FILE *f, json_t *rep)
{
    chart c = {0};
    json_t *mb, *fo;
    size_t i, j;
    unsigned y = 30;

    chart_scale(&c, rep);
    fprintf(f,
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
            "role=\"img\" aria-label=\"messages with findings per category and folder\">\n",
            CHART_LEFT + CHART_W + 40, 30 + c.nf * (CHART_BAR + CHART_GAP) + 40);
    fprintf(f,
            "<text x=\"%u\" y=\"18\" font-size=\"14\">messages with findings per category "
            "(scale 0 to %llu)</text>\n",
            CHART_LEFT, c.max);
    json_array_foreach(json_object_get(rep, "mailboxes"), i, mb)
    {
        json_array_foreach(json_object_get(mb, "folders"), j, fo)
        {
            chart_bar(f, &c, fo, y);
            y += CHART_BAR + CHART_GAP;
        }
    }
    chart_legend(f, &c, y);
    fprintf(f, "</svg>\n");
}

/* html_mailbox - a mailbox's heading and the table of its folders */
static void html_mailbox(FILE *f, json_t *mb)
{
    json_t *fo, *v;
    const char *k;
    size_t j;

    fputs("<h2>Mailbox ", f);
    html_esc(f, json_string_value(json_object_get(mb, "path")));
    fprintf(f, "</h2>\n<p%s>%.1f MB (limit %.1f MB)</p>\n",
            json_is_true(json_object_get(mb, "over_limit")) ? " class=\"over\"" : "",
            (double)num(mb, "size") / 1e6, (double)num(mb, "size_limit") / 1e6);
    fputs("<table><tr><th class=\"l\">folder</th><th>messages</th><th>MB</th>"
          "<th>flagged</th><th>errors</th><th>items / limit</th>"
          "<th class=\"l\">messages per category</th></tr>\n",
          f);
    json_array_foreach(json_object_get(mb, "folders"), j, fo)
    {
        int n = 0;
        fputs("<tr><td class=\"l\">", f);
        html_esc(f, json_string_value(json_object_get(fo, "name")));
        fprintf(f,
                "</td><td>%llu</td><td>%.2f</td><td>%llu</td><td>%llu</td><td%s>%llu / "
                "%llu</td><td class=\"l\">",
                num(fo, "messages"), (double)num(fo, "bytes") / 1e6, num(fo, "flagged"),
                num(fo, "errors"),
                json_is_true(json_object_get(fo, "over_limit")) ? " class=\"over\"" : "",
                num(fo, "items"), num(fo, "item_limit"));
        json_object_foreach(json_object_get(fo, "categories"), k, v)
        {
            fprintf(f, "%s", n++ ? ", " : "");
            html_esc(f, k);
            fprintf(f, " %llu", num(v, "messages"));
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* html_lists - worst messages and errors */
static void html_lists(FILE *f, json_t *rep)
{
    json_t *w;
    size_t i;

    fputs("<h2>Worst messages</h2>\n<table><tr><th class=\"l\">message</th>"
          "<th class=\"l\">verdict</th><th>score</th><th class=\"l\">categories</th></tr>\n",
          f);
    json_array_foreach(json_object_get(json_object_get(rep, "totals"), "worst"), i, w)
    {
        fputs("<tr><td class=\"l\">", f);
        html_esc(f, json_string_value(json_object_get(w, "source")));
        fprintf(f, "</td><td class=\"l\">%s</td><td>%d</td><td class=\"l\">",
                json_string_value(json_object_get(w, "verdict")),
                (int)json_integer_value(json_object_get(w, "score")));
        html_esc(f, json_string_value(json_object_get(w, "categories")));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (!json_array_size(json_object_get(rep, "errors")))
        return;
    fputs("<h2>Errors</h2>\n<ul>\n", f);
    json_array_foreach(json_object_get(rep, "errors"), i, w)
    {
        fputs("<li>", f);
        html_esc(f, json_string_value(json_object_get(w, "source")));
        fputs(": ", f);
        html_esc(f, json_string_value(json_object_get(w, "error")));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void write_html(FILE *f, json_t *rep)
{
    json_t *tot = json_object_get(rep, "totals"), *mb;
    size_t i;

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>mailsift sweep report</title>\n<style>\n"
          "body{font-family:sans-serif;margin:2em;color:#222}\n"
          "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
          "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}\n"
          "td.l,th.l{text-align:left}\n.over{background:#fdd;font-weight:bold}\n"
          "</style></head><body>\n<h1>mailsift sweep report</h1>\n",
          f);
    if (!json_is_true(json_object_get(rep, "complete")))
        fputs("<p class=\"over\">Incomplete: the sweep was interrupted.</p>\n", f);
    fprintf(f,
            "<p>%llu messages, %.1f MB in %llu files, %llu folders, %llu mailboxes; "
            "%llu flagged, %llu with anomalies, %llu errors.</p>\n",
            num(tot, "messages"), (double)num(tot, "bytes") / 1e6, num(tot, "files"),
            num(tot, "folders"), num(tot, "mailboxes"), num(tot, "flagged"), num(tot, "anomalous"),
            num(tot, "errors"));
    write_chart(f, rep);
    json_array_foreach(json_object_get(rep, "mailboxes"), i, mb)
    {
        html_mailbox(f, mb);
    }
    html_lists(f, rep);
    fputs("</body></html>\n", f);
}

int ms_sweep_report(const ms_sweep *sw, const char *path, const char *format)
{
    const char *dot = strrchr(path, '.');
    json_t *rep;
    FILE *f;

    if (!format)
        format = dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0) ? "html"
                 : dot && strcmp(dot, ".txt") == 0                              ? "txt"
                                                                                : "json";
    if (!(rep = report_json(sw))) {
        fprintf(stderr, "mailsift: out of memory\n");
        return 2;
    }
    if (!(f = fopen(path, "w"))) {
        fprintf(stderr, "mailsift: %s: cannot write the report\n", path);
        json_decref(rep);
        return 2;
    }
    if (strcmp(format, "html") == 0)
        write_html(f, rep);
    else if (strcmp(format, "txt") == 0)
        write_text(f, rep);
    else {
        json_dumpf(rep, f, JSON_INDENT(2));
        fputc('\n', f);
    }
    json_decref(rep);
    if (fclose(f) != 0) {
        fprintf(stderr, "mailsift: %s: cannot write the report\n", path);
        return 2;
    }
    return 0;
}
