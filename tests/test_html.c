/*
 * test_html.c - pins engine/html.c, the streaming HTML-to-text filter
 *
 * Every case goes through ms_test_chunked(): whole, at every two-piece
 * split and byte by byte, so each one also pins chunk independence.
 */
#include "helpers.h"
#include "html.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct html_case {
    const char *name, *in, *want;
} html_case;

static void html_init(void *st)
{
    ms_html_init(st);
}

static size_t html_feed(void *st, const char *in, size_t len, char *out)
{
    return ms_html_feed(st, in, len, out);
}

static size_t html_finish(void *st, char *out)
{
    return ms_html_finish(st, out);
}

static size_t html_room(size_t len)
{
    return len + MS_HTML_SLACK;
}

static const ms_test_decoder html_decoder = {
    sizeof(ms_html), html_init, html_feed, html_finish, html_room, NULL,
};

static void run_cases(const html_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ms_test_chunked(cases[i].name, &html_decoder, cases[i].in, strlen(cases[i].in),
                        cases[i].want, strlen(cases[i].want));
}

#define RUN_CASES(t) run_cases(t, sizeof t / sizeof t[0])

static const html_case tag_cases[] = {
    {"digits split by spans join up", "<span>4111</span> <span>1111</span>", "4111 1111"},
    {"inline bold inside an amex number vanishes", "3487-171897-<b>09967</b>", "3487-171897-09967"},
    {"inline tags give nothing", "a<font color=red>b</font><a href=x>c</a><em>d</em>", "abcd"},
    {"block tags separate words", "one<p>two</p>three<br>four<div>five",
     "one\ntwo\nthree\nfour\nfive"},
    {"block tags in a row are one newline", "<table><tr><p>a</p><div>b</div></tr></table>",
     "\na\nb\n"},
    {"indentation between lines collapses to one newline",
     "<div>\n        Forward this to\n        ten people\n</div>",
     "\nForward this to\nten people\n"},
    {"cells of a row are one line, rows are lines",
     "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><th>d</th></tr></table>", "\na b\nc d\n"},
    {"a card number a digit group per cell is one line",
     "<tr><td>4111</td><td>1111</td><td>1111</td><td>1111</td></tr>", "\n4111 1111 1111 1111\n"},
    {"source line breaks between cells do not split the row",
     "<tr>\n  <td>Password</td>\n  <td>\n    Tr0ub4dor&amp;3\n  </td>\n</tr>",
     "\nPassword Tr0ub4dor&3\n"},
    {"a line break inside a cell's text is kept", "<td>one\ntwo</td><td>three</td>",
     " one\ntwo three "},
    {"a block tag inside a cell still breaks the line", "<td>a<br>b</td><td>c</td>", " a\nb c "},
    {"a run of blanks is one space", "send \t  this  to\t\tten", "send this to ten"},
    {"blanks then a line break are one newline", "a  \r\n  b", "a\nb"},
    {"blanks around a block tag are one newline", "a  <br>  b", "a\nb"},
    {"digit groups on indented source lines keep one line break",
     "<span>4111</span>\n    <span>1111</span>", "4111\n1111"},
    {"nbsp runs are one space", "4111&nbsp;&nbsp; &#160;1111", "4111 1111"},
    {"white space around an inline tag is one space", "a <b> b </b> c", "a b c"},
    {"leading white space is kept as one byte", "  \n  x", "\nx"},
    {"trailing white space is kept as one byte", "x  ", "x "},
    {"self-closing br is a block tag", "a<br/>b<br />c", "a\nb\nc"},
    {"headings are block tags", "<h1>x</h1><h6>y</h6>", "\nx\ny\n"},
    {"uppercase tags are recognised", "<P>a</P><SPAN>4111</SPAN><Br>b", "\na\n4111\nb"},
    {"mixed-case tags are recognised", "<dIv>a</DiV>", "\na\n"},
    {"unknown tags are inline", "x<o:p>y</o:p><custom-tag a=1>z", "xyz"},
    {"tag name prefix of a block tag is inline", "a<pp>b<brx>c<d>d", "abcd"},
    {"quoted attribute may hold '>'", "<a href=\"a>b\">x</a>", "x"},
    {"single-quoted attribute may hold '>'", "<a class='1>2' href=\"y\">x</a>", "x"},
    {"quote inside a bare value is not a quote", "<img src=don't>4111", "4111"},
    {"quote after a value needs no space", "<a b=\"x\"c='>'>y", "y"},
    {"quote where a name starts is part of the name", "<a \"b>c\">", "c\">"},
    {"blanks around '=' still start a value", "<a href = \"x>y\" >z", "z"},
    {"slash before '=' starts a new attribute", "<a b/=\"x>y\">", "y\">"},
    {"end tag attributes are skipped", "a</p class=\"x>\">b", "a\nb"},
    {"lone '<' before a blank is text", "a < b", "a < b"},
    {"'<' before a digit is text", "I <3 you", "I <3 you"},
    {"'<' then '<' then a tag", "a<<b>c", "a<c"},
    {"'</' before a blank is text", "a </ b", "a </ b"},
    {"'</>' is dropped", "a</>b", "ab"},
    {"'<' at the end is text", "a<", "a<"},
    {"'</' at the end is text", "a</", "a</"},
    {"unterminated tag at the end is dropped", "a<span class=x", "a"},
    {"unterminated block tag writes its newline", "a<div class=", "a\n"},
    {"unterminated quoted value at the end is dropped", "a<p class=\"x>4111", "a\n"},
    {"UTF-8 text passes through", "caf\xc3\xa9 <b>\xe2\x82\xac</b>5",
     "caf\xc3\xa9 \xe2\x82\xac"
     "5"},
    {"white space runs collapse, line breaks kept", "a \t\r\n  b<p>\n c", "a\nb\nc"},
    {"long tag names are inline", "a<abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz>b", "ab"},
};

static const html_case attr_cases[] = {
    {"alt text is shown", "<p>Card<img src=x.png alt=\"4111 1111 1111 1111\">ok</p>",
     "\nCard 4111 1111 1111 1111 ok\n"},
    {"title, aria-label, placeholder and value are shown",
     "<a title='t1'>a</a><b aria-label=t2>b</b><input placeholder=\"t3\"><input value=t4>",
     " t1 a t2 b t3 t4 "},
    {"attribute names are matched in any case", "<IMG ALT=\"x\" Title='y'>", " x y "},
    {"references in a shown value decode", "<img alt=\"&#52;111&nbsp;1111 &amp; co\">",
     " 4111 1111 & co "},
    {"a reference ends a bare value's byte run, not the value", "<img alt=&#52;1&gt;2 src=x>",
     " 41>2 "},
    {"a bare shown value ends at '>'", "<img alt=4111>1111", " 4111 1111"},
    {"white space in a shown value collapses", "<img alt=\"a \n\t b\">", " a\nb "},
    {"a marker alone as alt text in its own block is a line", "<p><img alt=\"CONFIDENTIAL\"></p>x",
     "\nCONFIDENTIAL\nx"},
    {"hidden attributes stay hidden", "<a href=\"4111\" class='c' style=\"s\" data-alt=\"d\">x</a>",
     "x"},
    {"an attribute named like a shown one but longer is hidden", "<img alts=\"4111\">", ""},
    {"a value with no '=' is not shown", "<input value title>x", "x"},
    {"an empty shown value is one space", "<img alt=\"\">x", " x"},
    {"values in an end tag are not shown", "a</p title=\"4111\">b", "a\nb"},
    {"a shown value cut by the end of input keeps what was read", "<img alt=\"4111 11", " 4111 11"},
};

static const html_case ref_cases[] = {
    {"decimal references decode digits", "&#52;&#49;&#49;&#49;", "4111"},
    {"hex references decode digits", "&#x31;&#X31;&#x34;", "114"},
    {"entity-encoded card digits", "&#52;&#49;&#x31;&#x31; 1111", "4111 1111"},
    {"numeric reference without ';' decodes", "&#52&#49x", "41x"},
    {"numeric reference ended by a letter", "&#x34g", "4g"},
    {"leading zeros are allowed", "&#0000000000000052;", "4"},
    {"basic named references", "&lt;b&gt; &amp; &quot;x&quot; &apos;", "<b> & \"x\" '"},
    {"decoded '<' does not start a tag", "&lt;p&gt;4111", "<p>4111"},
    {"named references encode to UTF-8", "&copy;&eacute;&euro;&hellip;",
     "\xc2\xa9\xc3\xa9\xe2\x82\xac\xe2\x80\xa6"},
    {"names are case sensitive", "&Eacute;&eacute;&AMP;", "\xc3\x89\xc3\xa9&"},
    {"nbsp between digit groups is a space", "4111&nbsp;1111&#160;1111&#xA0;1111",
     "4111 1111 1111 1111"},
    {"legacy nbsp without ';' is a space", "4111&nbsp1111", "4111 1111"},
    {"zero-width joiner inside a number is dropped", "4111&zwj;1111&#8205;1111&#x200d;1111",
     "4111111111111111"},
    {"other invisible characters are dropped",
     "1&shy;2&#x200B;3&zwnj;4&#x2060;5&#xFEFF;6&ZeroWidthSpace;7", "1234567"},
    {"raw UTF-8 zero-width joiner is kept",
     "4111\xe2\x80\x8d"
     "1111",
     "4111\xe2\x80\x8d"
     "1111"},
    {"unknown named reference passes through", "&foo; &bogus x", "&foo; &bogus x"},
    {"ampersand in plain text passes through", "AT&T & co &", "AT&T & co &"},
    {"name needing ';' without it passes through", "&hellip x", "&hellip x"},
    {"legacy prefix decodes, rest stays", "&notit; &copyx",
     "\xc2\xac"
     "it; \xc2\xa9x"},
    {"full name beats a legacy prefix", "&notin;", "\xe2\x88\x89"},
    {"longest known name decodes", "a&NegativeVeryThinSpace;b", "ab"},
    {"name too long for any entry passes through", "&abcdefghijklmnopqrstuvwxyz;",
     "&abcdefghijklmnopqrstuvwxyz;"},
    {"legacy prefix of an overlong run decodes", "&amp0123456789012345678901234",
     "&0123456789012345678901234"},
    {"'&#' without digits passes through", "&#; &#x; &#xg &#", "&#; &#x; &#xg &#"},
    {"'&;' passes through", "&;", "&;"},
    {"code point zero is U+FFFD", "&#0;", "\xef\xbf\xbd"},
    {"surrogate is U+FFFD", "&#xD800;", "\xef\xbf\xbd"},
    {"past Unicode is U+FFFD", "&#x110000;&#99999999999999999999;", "\xef\xbf\xbd\xef\xbf\xbd"},
    {"astral code point is four bytes", "&#x1F600;", "\xf0\x9f\x98\x80"},
    {"0x80-0x9F read as windows-1252", "&#128;&#x96;&#x81;", "\xe2\x82\xac\xe2\x80\x93\xc2\x81"},
    {"dangling named reference is flushed literally", "4111&nbs", "4111&nbs"},
    {"dangling legacy reference decodes", "a&amp", "a&"},
    {"dangling numeric reference decodes", "&#52", "4"},
    {"dangling ampersand is flushed", "a&", "a&"},
    {"dangling '&#x' is flushed", "a&#x", "a&#x"},
    {"references in a hidden attribute are not text", "<a href=\"&#52;\">x</a>", "x"},
    {"ASCII punctuation names decode", "4111&dash;1&hyphen;&num;&colon;",
     "4111\xe2\x80\x90"
     "1\xe2\x80\x90#:"},
};

static const html_case skip_cases[] = {
    {"script content is dropped", "a<script>var n = 4111111111111111;</script>b", "ab"},
    {"style content is dropped", "a<style>p { width: 4111px }</style>b", "ab"},
    {"script end tag is case-insensitive", "a<SCRIPT type=x>4111</ScRiPt >b", "ab"},
    {"tags inside script are not parsed", "<script>if (a<b && c>d) x='</p>';</script>z", "z"},
    {"script needs its own end tag", "<script>1</style>2</scripts>3</script>4", "4"},
    {"style end tag with attributes", "<style>x</style foo=\"a>b\">c", "c"},
    {"entities inside script are not decoded", "<script>&#52;</script>&#52;", "4"},
    {"end script tag outside a script is inline", "a</script>b", "ab"},
    {"comment content is dropped", "a<!-- 4111 1111 1111 1111 -->b", "ab"},
    {"comment may hold '>' and '-'", "a<!-- x > y - z -- w -->b", "ab"},
    {"empty comments close", "a<!---->b<!-->c<!--->d", "abcd"},
    {"comment closed by '--!>'", "a<!-- x --!>b", "ab"},
    {"'--!' not followed by '>' continues", "a<!-- --!x -->b", "ab"},
    {"extra dashes before '>' close", "a<!-- x --->b", "ab"},
    {"MSO conditional comment is dropped", "a<!--[if mso]><p>4111</p><![endif]-->b", "ab"},
    {"doctype is dropped", "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\">a", "a"},
    {"processing instruction is dropped", "<?xml version=\"1.0\"?>a", "a"},
    {"CDATA section is dropped", "a<![CDATA[4111 1111]]>b", "ab"},
    {"'<!-' without a second dash is a bogus comment", "a<!-x>b", "ab"},
    {"'<!>' is an empty bogus comment", "a<!>b", "ab"},
};

/* NUL bytes are ordinary bytes: kept in text, part of a tag name. */
static void test_nul_bytes(void **state)
{
    static const struct {
        const char *name, *in, *want;
        size_t len, wantlen;
    } cases[] = {
        {"NUL in a tag name is part of the name (fuzz crash)", "a<p\0TexT>b", "ab", 10, 2},
        {"NUL in text is kept", "4\0<b>1</b>", "4\0001", 10, 3},
        {"NUL ends a reference", "&amp\0&#52\0", "&\0004\000", 10, 4},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ms_test_chunked(cases[i].name, &html_decoder, cases[i].in, cases[i].len, cases[i].want,
                        cases[i].wantlen);
}

/* Every block tag, start and end, gives one newline each. */
static const char *const block_names[] = {
    "address",    "article", "aside",  "blockquote", "body",    "br",       "caption", "center",
    "dd",         "details", "dialog", "dir",        "div",     "dl",       "dt",      "fieldset",
    "figcaption", "figure",  "footer", "form",       "frame",   "frameset", "h1",      "h2",
    "h3",         "h4",      "h5",     "h6",         "head",    "header",   "hgroup",  "hr",
    "html",       "iframe",  "legend", "li",         "main",    "menu",     "nav",     "noscript",
    "ol",         "option",  "p",      "pre",        "section", "summary",  "table",   "tbody",
    "textarea",   "tfoot",   "thead",  "title",      "tr",      "ul",
};

static const char *const inline_names[] = {
    "a",      "abbr",   "b",     "big",  "cite", "code", "em",   "font",  "i",
    "img",    "kbd",    "label", "mark", "q",    "s",    "samp", "small", "span",
    "strike", "strong", "sub",   "sup",  "tt",   "u",    "var",  "wbr",
};

static void test_tags(void **state)
{
    (void)state;
    RUN_CASES(tag_cases);
}

static void test_attribute_text(void **state)
{
    (void)state;
    RUN_CASES(attr_cases);
}

static void test_references(void **state)
{
    (void)state;
    RUN_CASES(ref_cases);
}

static void test_dropped_content(void **state)
{
    (void)state;
    RUN_CASES(skip_cases);
}

static void test_every_block_tag_is_a_newline(void **state)
{
    char in[64], name[96];
    (void)state;
    for (size_t i = 0; i < sizeof block_names / sizeof block_names[0]; i++) {
        snprintf(in, sizeof in, "a<%s>b</%s>c", block_names[i], block_names[i]);
        snprintf(name, sizeof name, "block tag %s", block_names[i]);
        ms_test_chunked(name, &html_decoder, in, strlen(in), "a\nb\nc", 5);
    }
    for (size_t i = 0; i < sizeof inline_names / sizeof inline_names[0]; i++) {
        snprintf(in, sizeof in, "4<%s>1</%s>1", inline_names[i], inline_names[i]);
        snprintf(name, sizeof name, "inline tag %s", inline_names[i]);
        ms_test_chunked(name, &html_decoder, in, strlen(in), "411", 3);
    }
}

/* The Latin-1 names are all legacy: each must decode with and without ';'. */
static void test_latin1_names_decode(void **state)
{
    static const struct {
        const char *name;
        unsigned cp;
    } names[] = {
        {"nbsp", 0x20},   {"iexcl", 0xA1},  {"copy", 0xA9},   {"reg", 0xAE},    {"deg", 0xB0},
        {"plusmn", 0xB1}, {"middot", 0xB7}, {"frac12", 0xBD}, {"AElig", 0xC6},  {"Eacute", 0xC9},
        {"Ouml", 0xD6},   {"times", 0xD7},  {"szlig", 0xDF},  {"agrave", 0xE0}, {"eacute", 0xE9},
        {"divide", 0xF7}, {"uuml", 0xFC},   {"yuml", 0xFF},   {"pound", 0xA3},  {"sect", 0xA7},
    };
    char in[64], want[8], name[64];
    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        unsigned cp = names[i].cp;
        size_t n = 0;
        if (cp < 0x80) {
            want[n++] = (char)cp;
        } else {
            want[n++] = (char)(0xC0 | cp >> 6);
            want[n++] = (char)(0x80 | (cp & 0x3F));
        }
        snprintf(in, sizeof in, "&%s;", names[i].name);
        snprintf(name, sizeof name, "&%s; decodes", names[i].name);
        ms_test_chunked(name, &html_decoder, in, strlen(in), want, n);
        snprintf(in, sizeof in, "&%s ", names[i].name);
        want[n] = ' ';
        snprintf(name, sizeof name, "&%s without ';' decodes", names[i].name);
        ms_test_chunked(name, &html_decoder, in, strlen(in), want, n + 1);
    }
}

static const struct anomaly_case {
    const char *name, *in;
    uint32_t want;
} anomaly_cases[] = {
    {"complete document sets nothing", "<p>a &amp; b</p><!-- c -->", 0},
    {"dangling reference sets nothing", "AT&T", 0},
    {"lone '<' at the end sets nothing", "a <", 0},
    {"input ending inside a tag is truncated", "a<span class=\"x", MS_ANOM_HTML_TRUNCATED},
    {"input ending inside a tag name is truncated", "a<spa", MS_ANOM_HTML_TRUNCATED},
    {"input ending inside a comment is truncated", "a<!-- 4111", MS_ANOM_HTML_TRUNCATED},
    {"input ending inside a doctype is truncated", "<!DOCTYPE", MS_ANOM_HTML_TRUNCATED},
    {"input ending inside a script is truncated", "<script>x</scr", MS_ANOM_HTML_TRUNCATED},
};

/* feed - run in through h in chunks of step bytes and finish */
static void feed(ms_html *h, const char *in, size_t len, size_t step, char *out)
{
    size_t o = 0;
    ms_html_init(h);
    for (size_t i = 0; i < len; i += step) {
        size_t n = len - i < step ? len - i : step;
        size_t w = ms_html_feed(h, in + i, n, out + o);
        assert_true(w <= n + MS_HTML_SLACK);
        o += w;
    }
    assert_true(ms_html_finish(h, out + o) <= MS_HTML_SLACK);
}

static void test_anomalies(void **state)
{
    char out[256];
    ms_html h;
    (void)state;
    for (size_t i = 0; i < sizeof anomaly_cases / sizeof anomaly_cases[0]; i++) {
        const struct anomaly_case *c = &anomaly_cases[i];
        size_t len = strlen(c->in);
        for (size_t step = 1; step <= len; step++) {
            feed(&h, c->in, len, step, out);
            if (h.anomalies != c->want)
                fail_msg("%s: chunks of %zu: anomalies %#x, want %#x", c->name, step,
                         (unsigned)h.anomalies, (unsigned)c->want);
        }
    }
}

static void test_finish_leaves_a_fresh_filter(void **state)
{
    char out[256];
    ms_html h;
    size_t n;
    (void)state;
    ms_html_init(&h);
    n = ms_html_feed(&h, "a<!-- x", 7, out);
    n += ms_html_finish(&h, out + n);
    assert_int_equal(h.anomalies, MS_ANOM_HTML_TRUNCATED);
    n += ms_html_feed(&h, "b&#52;", 6, out + n);
    n += ms_html_finish(&h, out + n);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "ab4", 3);
    assert_int_equal(h.anomalies, MS_ANOM_HTML_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_attribute_text),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_dropped_content),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_every_block_tag_is_a_newline),
        cmocka_unit_test(test_latin1_names_decode),
        cmocka_unit_test(test_anomalies),
        cmocka_unit_test(test_finish_leaves_a_fresh_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
