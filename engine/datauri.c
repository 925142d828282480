/*
 * datauri.c - files carried in HTML as data: URIs (RFC 2397)
 *
 * An HTML attachment can carry a whole file in a link
 * (<a download="invoice.exe" href="data:application/octet-stream;base64,TVq...">),
 * an image source or a style's url(): the browser saves or shows it
 * without it ever being an attachment of its own (HTML smuggling). This
 * file finds them; attach.c decodes the base64 and inspects each file as a
 * member of the HTML attachment.
 *
 * A data: URI counts when it starts an attribute value or a url(): after
 * a quote, '=' or '('. The media type is what precedes ";base64," (up to
 * 200 bytes of it, no quotes, spaces or '>'); the data runs to the closing
 * quote, ')', '>' or white space that is not a line break (browsers drop
 * line breaks inside URLs). The file name is the download attribute of
 * the same tag, looked for in the 1 KiB before the URI.
 *
 * BUGS: percent-encoded data (no ";base64") is not decoded: files are
 * carried in base64. Entities inside the data (&#43; for '+') are not
 * decoded. A data: URI built by script (atob, Blob) is the YARA rule
 * html_smuggling's business (rulesets/attachments.yar).
 */
#include "datauri.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MS_DATAURI_TYPE_MAX 200  /* bytes of media type and parameters */
#define MS_DATAURI_BACK     1024 /* bytes before the URI searched for download= */

static bool opens_value(const char *h, size_t i)
{
    if (i == 0)
        return false;
    char c = h[i - 1];
    return c == '"' || c == '\'' || c == '=' || c == '(';
}

/* The media type and ";base64," after "data:" at h[i]; the data's start
 * (0 when this is no base64 data: URI). */
static size_t header(const char *h, size_t n, size_t i, ms_datauri *out)
{
    size_t j = i + 5, end = n - j < MS_DATAURI_TYPE_MAX ? n : j + MS_DATAURI_TYPE_MAX;
    size_t t = j;
    while (j < end && h[j] != ',' && h[j] != '"' && h[j] != '\'' && h[j] != '>' && h[j] != ' ')
        j++;
    if (j >= end || h[j] != ',' || j - t < 7 || strncasecmp(h + j - 7, ";base64", 7) != 0)
        return 0;
    const char *semi = memchr(h + t, ';', j - t);
    size_t tl = (size_t)(semi - (h + t));
    snprintf(out->type, sizeof out->type, "%.*s", (int)(tl < sizeof out->type ? tl : 63), h + t);
    return j + 1;
}

/* The download="..." of the tag around h[i], into name. */
static void download_name(const char *h, size_t i, char *name, size_t cap)
{
    size_t from = i > MS_DATAURI_BACK ? i - MS_DATAURI_BACK : 0;
    const char *lt = NULL;
    for (size_t k = i; k > from; k--)
        if (h[k - 1] == '<') {
            lt = h + k - 1;
            break;
        }
    name[0] = '\0';
    if (!lt)
        return;
    for (const char *p = lt; p + 10 < h + i; p++) {
        if (strncasecmp(p, "download=", 9) != 0)
            continue;
        char q = p[9];
        if (q != '"' && q != '\'')
            return;
        const char *v = p + 10, *e = memchr(v, q, (size_t)(h + i - v));
        if (e)
            snprintf(name, cap, "%.*s", (int)(e - v < (long)cap ? e - v : (long)cap - 1), v);
        return;
    }
}

bool ms_datauri_next(const char *h, size_t n, size_t *pos, ms_datauri *out)
{
    for (size_t i = *pos; i + 5 <= n; i++) {
        if ((h[i] | 0x20) != 'd' || strncasecmp(h + i, "data:", 5) != 0 || !opens_value(h, i))
            continue;
        size_t d = header(h, n, i, out);
        if (!d)
            continue;
        size_t e = d;
        while (e < n && h[e] != '"' && h[e] != '\'' && h[e] != ')' && h[e] != '>' && h[e] != ' ' &&
               h[e] != '\t')
            e++;
        out->start = d;
        out->len = e - d;
        download_name(h, i, out->name, sizeof out->name);
        *pos = e;
        return true;
    }
    *pos = n;
    return false;
}
