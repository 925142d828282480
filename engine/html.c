/*
 * html.c - streaming HTML-to-text filter
 *
 * Turns an HTML body (already decoded to UTF-8) into the text its reader
 * sees, so the text rules match "4111 1111 ..." and not the markup a sender
 * wraps around it: <span>4111</span> <span>1111</span> gives "4111 1111".
 * Tags are dropped; block-level tags (p, div, tr, br, li, h1 ...) become one
 * '\n' each so words in different blocks stay apart; inline tags (span, b,
 * font, a ...) become nothing so digits split by them join up again. The
 * cells of a table row (td, th) are set off by one ' ' and a row is a line,
 * as a reader sees them side by side: a card number written a digit group
 * per cell, or a "Password" cell beside its value, reads as one line
 * whatever line breaks the source has between the cells.
 * Character references are decoded to UTF-8. White space is collapsed as a
 * browser renders it: a run of blanks, line breaks and block tags becomes
 * one '\n' if it holds a line break or a block tag, else one ' ' (so a
 * phrase that template indentation spreads over lines reads as it is seen,
 * and a line-anchored rule still finds a marker in its own block). Other
 * text bytes are copied as they are; UTF-8 is not checked.
 *
 * Standard: WHATWG HTML Living Standard, 13.2.5 "Tokenization": the data,
 * tag name, attribute, comment, bogus comment and RAWTEXT (script, style)
 * states, and the character reference states with the
 * numeric fix-ups (0x80-0x9F read as windows-1252, invalid code points as
 * U+FFFD) and the legacy names that decode without ';' ("&amp", "&nbsp",
 * the Latin-1 set), matched on the longest prefix as browsers do. The tree
 * builder is not run; the tokenizer alone decides what is text.
 *
 * One feed of len bytes writes at most len + MS_HTML_SLACK bytes: no
 * construct writes more bytes than it was written with ("&#0;" gives the
 * three bytes of U+FFFD), so a call writes at most its own bytes plus what
 * it releases from earlier chunks: at most '&', REF_NAME_MAX name bytes and
 * ';' of an unknown reference, or the "</" of a lone end-tag opener, and
 * the one white-space byte a run collapsed to.
 *
 * The values of the attributes a reader is shown (alt, title, aria-label,
 * placeholder, value) are text too, set off by spaces, with their
 * character references decoded: an image's alt text is what Outlook shows
 * while images are blocked, and a number there leaves with the message
 * like any other. Other attribute values (href, src, style...) are dropped.
 *
 * Tolerated on purpose, because senders hide digits behind them:
 * - nbsp (&nbsp;, &#160;, ...) becomes an ordinary space, and the invisible
 *   U+00AD, U+200B-U+200D, U+2060 and U+FEFF written as references are
 *   dropped, so "4111&zwj;1111" reads as "41111111".
 * - attribute quotes are honoured only where a value starts, as browsers
 *   do, so a '>' inside <a title="a>b"> does not end the tag and a stray
 *   quote elsewhere (<img alt=don't>) does not swallow the text after it.
 * - a '<' that cannot start a tag ("a < b", "<3") is text; so is "</"
 *   followed by anything but a letter or '>', which the standard would make
 *   a bogus comment up to the next '>': scanning it costs a false positive
 *   at worst, hiding it could cost a miss.
 * - an unknown named reference ("&foo;", "AT&T") passes through literally.
 * - input ending inside a tag, comment, declaration or script/style
 *   element sets MS_ANOM_HTML_TRUNCATED: what followed was never shown.
 *   A reference cut by the end of input is flushed as if a space followed.
 *
 * BUGS
 * Only the tokenizer is implemented: <textarea> and <title> are not read as
 * RCDATA, <xmp>, <noembed>, <noframes>, <iframe> and <plaintext> not as raw
 * text, CDATA sections (and <!DOCTYPE>, <?...?>) end at the first '>' as
 * bogus comments do in HTML content, and the script-data escape states
 * ("<!--" inside <script>) are not modelled. Text hidden by CSS
 * (display:none, white on white, font-size:0) is emitted like any other.
 * Only about 300 of the 2,231 named references are known: the HTML 4 set,
 * the ASCII punctuation names and the space and zero-width names; the rest
 * pass through literally. Zero-width characters written as raw UTF-8 are
 * left in the text (text bytes are not rewritten here).
 */
#include "html.h"
#include "util.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef enum html_state {
    HS_TEXT = 0,
    HS_LT,                 /* '<' */
    HS_LT_SLASH,           /* "</" */
    HS_TAG_NAME,           /* name in hold[], lower-cased */
    HS_BEFORE_ATTR,        /* also after '/' and after a quoted value */
    HS_ATTR_NAME,          /* attribute name */
    HS_AFTER_ATTR,         /* blanks after an attribute name */
    HS_BEFORE_VALUE,       /* after '=' */
    HS_VALUE_QUOTED,       /* inside quote */
    HS_VALUE_BARE,         /* unquoted value */
    HS_BANG,               /* "<!" */
    HS_BANG_DASH,          /* "<!-" */
    HS_COMMENT_START,      /* "<!--" */
    HS_COMMENT_START_DASH, /* "<!---" */
    HS_COMMENT,            /* comment text */
    HS_COMMENT_END_DASH,   /* '-' in a comment */
    HS_COMMENT_END,        /* "--" in a comment */
    HS_COMMENT_END_BANG,   /* "--!" in a comment */
    HS_BOGUS,              /* "<?", "<!DOCTYPE", "<![CDATA[": up to '>' */
    HS_RAW,                /* script or style content */
    HS_RAW_END,            /* hlen bytes of "</script" or "</style" matched */
    HS_AMP,                /* '&' */
    HS_NAMED,              /* "&name" in hold[] */
    HS_HASH,               /* "&#" */
    HS_HASH_X,             /* "&#x", the 'x' in hold[0] */
    HS_DEC,                /* "&#1..", value in code */
    HS_HEX,                /* "&#x1..", value in code */
} html_state;

/* Elements whose content is raw text to the end tag: h->skip indexes this. */
enum { SKIP_NONE = 0, SKIP_SCRIPT, SKIP_STYLE };
static const struct raw_end {
    const char *tag; /* what ends it, lower case */
    size_t len;
} raw_ends[] = {{"", 0}, {"</script", 8}, {"</style", 7}};

/* Longest name in ref_names ("NegativeVeryThinSpace"); a name still
 * growing past it cannot match and is flushed. */
#define REF_NAME_MAX 21
_Static_assert(REF_NAME_MAX <= MS_HTML_HOLD, "hold[] holds a reference name");

#define CP_BAD 0x110000u /* past Unicode: a numeric reference saturates here */

/* Sorted (strcmp) for bsearch: tags that become '\n'. Every other tag is
 * inline and becomes nothing, except that script and style open raw text. */
#define TAG_NAME_MAX 10 /* longest in block_tags: "blockquote", "figcaption" */
static const char block_tags[][TAG_NAME_MAX + 1] = {
    "address",    "article", "aside",  "blockquote", "body",    "br",       "caption", "center",
    "dd",         "details", "dialog", "dir",        "div",     "dl",       "dt",      "fieldset",
    "figcaption", "figure",  "footer", "form",       "frame",   "frameset", "h1",      "h2",
    "h3",         "h4",      "h5",     "h6",         "head",    "header",   "hgroup",  "hr",
    "html",       "iframe",  "legend", "li",         "main",    "menu",     "nav",     "noscript",
    "ol",         "option",  "p",      "pre",        "section", "summary",  "table",   "tbody",
    "textarea",   "tfoot",   "thead",  "title",      "tr",      "ul"};

/* Sorted (strcmp) for bsearch: attributes whose value a reader is shown. */
#define ATTR_NAME_MAX 11 /* longest: "placeholder" */
static const char text_attrs[][ATTR_NAME_MAX + 1] = {"alt", "aria-label", "placeholder", "title",
                                                     "value"};

typedef struct ref_name {
    const char *name; /* first: cmp_name() reads it */
    uint32_t cp;
    int legacy; /* decodes without ';' too */
} ref_name;

/* Sorted (strcmp) for bsearch: the HTML 4 names, the ASCII punctuation,
 * space and zero-width names of HTML5, and the legacy upper-case forms. */
static const ref_name ref_names[] = {
    {"AElig", 0x00C6, 1},
    {"AMP", 0x0026, 1},
    {"Aacute", 0x00C1, 1},
    {"Acirc", 0x00C2, 1},
    {"Agrave", 0x00C0, 1},
    {"Alpha", 0x0391, 0},
    {"Aring", 0x00C5, 1},
    {"Atilde", 0x00C3, 1},
    {"Auml", 0x00C4, 1},
    {"Beta", 0x0392, 0},
    {"COPY", 0x00A9, 1},
    {"Ccedil", 0x00C7, 1},
    {"Chi", 0x03A7, 0},
    {"Dagger", 0x2021, 0},
    {"Delta", 0x0394, 0},
    {"DiacriticalGrave", 0x0060, 0},
    {"ETH", 0x00D0, 1},
    {"Eacute", 0x00C9, 1},
    {"Ecirc", 0x00CA, 1},
    {"Egrave", 0x00C8, 1},
    {"Epsilon", 0x0395, 0},
    {"Eta", 0x0397, 0},
    {"Euml", 0x00CB, 1},
    {"GT", 0x003E, 1},
    {"Gamma", 0x0393, 0},
    {"Hat", 0x005E, 0},
    {"Iacute", 0x00CD, 1},
    {"Icirc", 0x00CE, 1},
    {"Igrave", 0x00CC, 1},
    {"Iota", 0x0399, 0},
    {"Iuml", 0x00CF, 1},
    {"Kappa", 0x039A, 0},
    {"LT", 0x003C, 1},
    {"Lambda", 0x039B, 0},
    {"Mu", 0x039C, 0},
    {"NegativeMediumSpace", 0x200B, 0},
    {"NegativeThickSpace", 0x200B, 0},
    {"NegativeThinSpace", 0x200B, 0},
    {"NegativeVeryThinSpace", 0x200B, 0},
    {"NewLine", 0x000A, 0},
    {"NoBreak", 0x2060, 0},
    {"NonBreakingSpace", 0x00A0, 0},
    {"Ntilde", 0x00D1, 1},
    {"Nu", 0x039D, 0},
    {"OElig", 0x0152, 0},
    {"Oacute", 0x00D3, 1},
    {"Ocirc", 0x00D4, 1},
    {"Ograve", 0x00D2, 1},
    {"Omega", 0x03A9, 0},
    {"Omicron", 0x039F, 0},
    {"Oslash", 0x00D8, 1},
    {"Otilde", 0x00D5, 1},
    {"Ouml", 0x00D6, 1},
    {"Phi", 0x03A6, 0},
    {"Pi", 0x03A0, 0},
    {"Prime", 0x2033, 0},
    {"Psi", 0x03A8, 0},
    {"QUOT", 0x0022, 1},
    {"REG", 0x00AE, 1},
    {"Rho", 0x03A1, 0},
    {"Scaron", 0x0160, 0},
    {"Sigma", 0x03A3, 0},
    {"THORN", 0x00DE, 1},
    {"Tab", 0x0009, 0},
    {"Tau", 0x03A4, 0},
    {"Theta", 0x0398, 0},
    {"ThinSpace", 0x2009, 0},
    {"Uacute", 0x00DA, 1},
    {"Ucirc", 0x00DB, 1},
    {"Ugrave", 0x00D9, 1},
    {"UnderBar", 0x005F, 0},
    {"Upsilon", 0x03A5, 0},
    {"Uuml", 0x00DC, 1},
    {"VerticalLine", 0x007C, 0},
    {"VeryThinSpace", 0x200A, 0},
    {"Xi", 0x039E, 0},
    {"Yacute", 0x00DD, 1},
    {"Yuml", 0x0178, 0},
    {"ZeroWidthSpace", 0x200B, 0},
    {"Zeta", 0x0396, 0},
    {"aacute", 0x00E1, 1},
    {"acirc", 0x00E2, 1},
    {"acute", 0x00B4, 1},
    {"aelig", 0x00E6, 1},
    {"agrave", 0x00E0, 1},
    {"alefsym", 0x2135, 0},
    {"alpha", 0x03B1, 0},
    {"amp", 0x0026, 1},
    {"and", 0x2227, 0},
    {"ang", 0x2220, 0},
    {"apos", 0x0027, 0},
    {"aring", 0x00E5, 1},
    {"ast", 0x002A, 0},
    {"asymp", 0x2248, 0},
    {"atilde", 0x00E3, 1},
    {"auml", 0x00E4, 1},
    {"bdquo", 0x201E, 0},
    {"beta", 0x03B2, 0},
    {"brvbar", 0x00A6, 1},
    {"bsol", 0x005C, 0},
    {"bull", 0x2022, 0},
    {"cap", 0x2229, 0},
    {"ccedil", 0x00E7, 1},
    {"cedil", 0x00B8, 1},
    {"cent", 0x00A2, 1},
    {"chi", 0x03C7, 0},
    {"circ", 0x02C6, 0},
    {"clubs", 0x2663, 0},
    {"colon", 0x003A, 0},
    {"comma", 0x002C, 0},
    {"commat", 0x0040, 0},
    {"cong", 0x2245, 0},
    {"copy", 0x00A9, 1},
    {"crarr", 0x21B5, 0},
    {"cup", 0x222A, 0},
    {"curren", 0x00A4, 1},
    {"dArr", 0x21D3, 0},
    {"dagger", 0x2020, 0},
    {"darr", 0x2193, 0},
    {"dash", 0x2010, 0},
    {"deg", 0x00B0, 1},
    {"delta", 0x03B4, 0},
    {"diams", 0x2666, 0},
    {"divide", 0x00F7, 1},
    {"dollar", 0x0024, 0},
    {"eacute", 0x00E9, 1},
    {"ecirc", 0x00EA, 1},
    {"egrave", 0x00E8, 1},
    {"empty", 0x2205, 0},
    {"emsp", 0x2003, 0},
    {"emsp13", 0x2004, 0},
    {"emsp14", 0x2005, 0},
    {"ensp", 0x2002, 0},
    {"epsilon", 0x03B5, 0},
    {"equals", 0x003D, 0},
    {"equiv", 0x2261, 0},
    {"eta", 0x03B7, 0},
    {"eth", 0x00F0, 1},
    {"euml", 0x00EB, 1},
    {"euro", 0x20AC, 0},
    {"excl", 0x0021, 0},
    {"exist", 0x2203, 0},
    {"fnof", 0x0192, 0},
    {"forall", 0x2200, 0},
    {"frac12", 0x00BD, 1},
    {"frac14", 0x00BC, 1},
    {"frac34", 0x00BE, 1},
    {"frasl", 0x2044, 0},
    {"gamma", 0x03B3, 0},
    {"ge", 0x2265, 0},
    {"grave", 0x0060, 0},
    {"gt", 0x003E, 1},
    {"hArr", 0x21D4, 0},
    {"hairsp", 0x200A, 0},
    {"harr", 0x2194, 0},
    {"hearts", 0x2665, 0},
    {"hellip", 0x2026, 0},
    {"horbar", 0x2015, 0},
    {"hyphen", 0x2010, 0},
    {"iacute", 0x00ED, 1},
    {"icirc", 0x00EE, 1},
    {"iexcl", 0x00A1, 1},
    {"igrave", 0x00EC, 1},
    {"image", 0x2111, 0},
    {"infin", 0x221E, 0},
    {"int", 0x222B, 0},
    {"iota", 0x03B9, 0},
    {"iquest", 0x00BF, 1},
    {"isin", 0x2208, 0},
    {"iuml", 0x00EF, 1},
    {"kappa", 0x03BA, 0},
    {"lArr", 0x21D0, 0},
    {"lambda", 0x03BB, 0},
    {"lang", 0x27E8, 0},
    {"laquo", 0x00AB, 1},
    {"larr", 0x2190, 0},
    {"lbrace", 0x007B, 0},
    {"lbrack", 0x005B, 0},
    {"lceil", 0x2308, 0},
    {"lcub", 0x007B, 0},
    {"ldquo", 0x201C, 0},
    {"le", 0x2264, 0},
    {"lfloor", 0x230A, 0},
    {"lowast", 0x2217, 0},
    {"lowbar", 0x005F, 0},
    {"loz", 0x25CA, 0},
    {"lpar", 0x0028, 0},
    {"lrm", 0x200E, 0},
    {"lsaquo", 0x2039, 0},
    {"lsqb", 0x005B, 0},
    {"lsquo", 0x2018, 0},
    {"lt", 0x003C, 1},
    {"macr", 0x00AF, 1},
    {"mdash", 0x2014, 0},
    {"micro", 0x00B5, 1},
    {"midast", 0x002A, 0},
    {"middot", 0x00B7, 1},
    {"minus", 0x2212, 0},
    {"mu", 0x03BC, 0},
    {"nabla", 0x2207, 0},
    {"nbsp", 0x00A0, 1},
    {"ndash", 0x2013, 0},
    {"ne", 0x2260, 0},
    {"ni", 0x220B, 0},
    {"not", 0x00AC, 1},
    {"notin", 0x2209, 0},
    {"nsub", 0x2284, 0},
    {"ntilde", 0x00F1, 1},
    {"nu", 0x03BD, 0},
    {"num", 0x0023, 0},
    {"numsp", 0x2007, 0},
    {"oacute", 0x00F3, 1},
    {"ocirc", 0x00F4, 1},
    {"oelig", 0x0153, 0},
    {"ograve", 0x00F2, 1},
    {"oline", 0x203E, 0},
    {"omega", 0x03C9, 0},
    {"omicron", 0x03BF, 0},
    {"oplus", 0x2295, 0},
    {"or", 0x2228, 0},
    {"ordf", 0x00AA, 1},
    {"ordm", 0x00BA, 1},
    {"oslash", 0x00F8, 1},
    {"otilde", 0x00F5, 1},
    {"otimes", 0x2297, 0},
    {"ouml", 0x00F6, 1},
    {"para", 0x00B6, 1},
    {"part", 0x2202, 0},
    {"percnt", 0x0025, 0},
    {"period", 0x002E, 0},
    {"permil", 0x2030, 0},
    {"perp", 0x22A5, 0},
    {"phi", 0x03C6, 0},
    {"pi", 0x03C0, 0},
    {"piv", 0x03D6, 0},
    {"plus", 0x002B, 0},
    {"plusmn", 0x00B1, 1},
    {"pound", 0x00A3, 1},
    {"prime", 0x2032, 0},
    {"prod", 0x220F, 0},
    {"prop", 0x221D, 0},
    {"psi", 0x03C8, 0},
    {"puncsp", 0x2008, 0},
    {"quest", 0x003F, 0},
    {"quot", 0x0022, 1},
    {"rArr", 0x21D2, 0},
    {"radic", 0x221A, 0},
    {"rang", 0x27E9, 0},
    {"raquo", 0x00BB, 1},
    {"rarr", 0x2192, 0},
    {"rbrace", 0x007D, 0},
    {"rbrack", 0x005D, 0},
    {"rceil", 0x2309, 0},
    {"rcub", 0x007D, 0},
    {"rdquo", 0x201D, 0},
    {"real", 0x211C, 0},
    {"reg", 0x00AE, 1},
    {"rfloor", 0x230B, 0},
    {"rho", 0x03C1, 0},
    {"rlm", 0x200F, 0},
    {"rpar", 0x0029, 0},
    {"rsaquo", 0x203A, 0},
    {"rsqb", 0x005D, 0},
    {"rsquo", 0x2019, 0},
    {"sbquo", 0x201A, 0},
    {"scaron", 0x0161, 0},
    {"sdot", 0x22C5, 0},
    {"sect", 0x00A7, 1},
    {"semi", 0x003B, 0},
    {"shy", 0x00AD, 1},
    {"sigma", 0x03C3, 0},
    {"sigmaf", 0x03C2, 0},
    {"sim", 0x223C, 0},
    {"sol", 0x002F, 0},
    {"spades", 0x2660, 0},
    {"sub", 0x2282, 0},
    {"sube", 0x2286, 0},
    {"sum", 0x2211, 0},
    {"sup", 0x2283, 0},
    {"sup1", 0x00B9, 1},
    {"sup2", 0x00B2, 1},
    {"sup3", 0x00B3, 1},
    {"supe", 0x2287, 0},
    {"szlig", 0x00DF, 1},
    {"tau", 0x03C4, 0},
    {"there4", 0x2234, 0},
    {"theta", 0x03B8, 0},
    {"thetasym", 0x03D1, 0},
    {"thinsp", 0x2009, 0},
    {"thorn", 0x00FE, 1},
    {"tilde", 0x02DC, 0},
    {"times", 0x00D7, 1},
    {"trade", 0x2122, 0},
    {"uArr", 0x21D1, 0},
    {"uacute", 0x00FA, 1},
    {"uarr", 0x2191, 0},
    {"ucirc", 0x00FB, 1},
    {"ugrave", 0x00F9, 1},
    {"uml", 0x00A8, 1},
    {"upsih", 0x03D2, 0},
    {"upsilon", 0x03C5, 0},
    {"uuml", 0x00FC, 1},
    {"verbar", 0x007C, 0},
    {"vert", 0x007C, 0},
    {"weierp", 0x2118, 0},
    {"xi", 0x03BE, 0},
    {"yacute", 0x00FD, 1},
    {"yen", 0x00A5, 1},
    {"yuml", 0x00FF, 1},
    {"zeta", 0x03B6, 0},
    {"zwj", 0x200D, 0},
    {"zwnj", 0x200C, 0},
};

/* HTML "numeric character reference end state": 0x80-0x9F written as a
 * numeric reference mean windows-1252 (senders' editors wrote &#150; for a
 * dash); 0 keeps the code point (the five holes of windows-1252). */
static const uint16_t cp1252_fixup[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* What a text byte is to copy_text(): copied, the end of the run of text,
 * or white space that collapses. */
enum { TEXT_COPY = 0, TEXT_STOP, TEXT_SPACE };
static const unsigned char text_class[256] = {
    ['<'] = TEXT_STOP,   ['&'] = TEXT_STOP,   [' '] = TEXT_SPACE,  ['\t'] = TEXT_SPACE,
    ['\n'] = TEXT_SPACE, ['\r'] = TEXT_SPACE, ['\f'] = TEXT_SPACE,
};

/* Where feed() reads and writes. */
typedef struct html_io {
    const unsigned char *in;
    size_t len, i; /* i: next byte to read */
    char *out;
    size_t o;         /* bytes written */
    unsigned char ws; /* white space read and not yet written: a WS_* kind */
} html_io;

/* White space read and not yet written, weakest first: a run is written as
 * its strongest kind. A cell edge outweighs the line breaks of the source
 * around it (cells of a row sit side by side), a block tag outweighs all. */
enum { WS_NONE = 0, WS_BLANK, WS_LINE, WS_CELL, WS_BLOCK };
static const char ws_byte[] = {
    [WS_BLANK] = ' ', [WS_LINE] = '\n', [WS_CELL] = ' ', [WS_BLOCK] = '\n'};

/* A name looked up with its length; the tables hold NUL-terminated names. */
typedef struct name_key {
    const char *p;
    size_t n;
} name_key;

static bool is_space(unsigned char b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r';
}

static bool is_alpha(unsigned char b)
{
    return (unsigned)((b | 0x20) - 'a') < 26u;
}

static bool is_digit(unsigned char b)
{
    return (unsigned)(b - '0') < 10u;
}

static unsigned char to_lower(unsigned char b)
{
    return (unsigned)(b - 'A') < 26u ? (unsigned char)(b | 0x20) : b;
}

/* hex_value - 0-15, or -1 if b is not a hex digit */
static int hex_value(unsigned char b)
{
    if (is_digit(b))
        return b - '0';
    if ((unsigned)((b | 0x20) - 'a') < 6u)
        return (b | 0x20) - 'a' + 10;
    return -1;
}

/* cmp_tag - bsearch order of two NUL-padded tag names */
static int cmp_tag(const void *key, const void *entry)
{
    const unsigned char *a = key, *b = entry;
    size_t i = 0;

    while (i < TAG_NAME_MAX && a[i] == b[i] && a[i])
        i++;
    return a[i] - b[i];
}

/* cmp_attr - bsearch order of two NUL-padded attribute names */
static int cmp_attr(const void *key, const void *entry)
{
    return strncmp(key, entry, ATTR_NAME_MAX);
}

/* cmp_name - bsearch order of a name_key against an entry whose first
 * member is its name */
static int cmp_name(const void *key, const void *entry)
{
    const name_key *k = key;
    const char *name = *(const char *const *)entry;
    size_t len = strlen(name);
    int r = memcmp(k->p, name, k->n < len ? k->n : len); /* k->p may hold NULs */

    if (r != 0)
        return r;
    return (k->n > len) - (k->n < len);
}

/* note_ws - white space of a kind read: the strongest of a run is kept */
static void note_ws(html_io *io, unsigned char kind)
{
    if (kind > io->ws)
        io->ws = kind;
}

/* note_space - a white-space byte read: a line break outweighs a blank */
static void note_space(html_io *io, unsigned char b)
{
    note_ws(io, b == '\n' ? WS_LINE : WS_BLANK);
}

/* flush_space - text follows: write the white space it collapsed to */
static void flush_space(html_io *io)
{
    if (io->ws) {
        io->out[io->o++] = ws_byte[io->ws];
        io->ws = WS_NONE;
    }
}

static void put(html_io *io, char c)
{
    if (is_space((unsigned char)c)) {
        note_space(io, (unsigned char)c);
        return;
    }
    flush_space(io);
    io->out[io->o++] = c;
}

/* put_bytes - write n bytes that hold no white space */
static void put_bytes(html_io *io, const char *p, size_t n)
{
    flush_space(io);
    memcpy(io->out + io->o, p, n);
    io->o += n;
}

/* put_code - write one decoded character as UTF-8 */
static void put_code(html_io *io, uint32_t cp)
{
    if (cp == 0xA0) { /* nbsp: a space a sender puts between digit groups */
        put(io, ' ');
        return;
    }
    if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF)
        return; /* invisible: a sender hides a number's digits behind them */
    if (cp == 0)
        cp = 0xFFFD; /* &#0; is no character */
    if (cp < 0x80) {
        put(io, (char)cp); /* may be white space, which put() collapses */
        return;
    }
    char u[4];
    put_bytes(io, u, ms_utf8_put(u, cp)); /* surrogates, past U+10FFFF: U+FFFD */
}

static const ref_name *find_ref(const char *name, size_t n)
{
    name_key k = {name, n};
    return bsearch(&k, ref_names, sizeof ref_names / sizeof ref_names[0], sizeof ref_names[0],
                   cmp_name);
}

/* put_named - write "&" hold[] (";" if semi) decoded: the whole name if
 * known, else its longest legacy prefix and the rest literally (HTML
 * "named character reference state": "&notit;" reads as "&not;it;"), else
 * all of it literally */
static void put_named(ms_html *h, html_io *io, bool semi)
{
    const ref_name *e = semi ? find_ref(h->hold, h->hlen) : NULL;
    size_t k = h->hlen;

    if (e) {
        put_code(io, e->cp);
        return;
    }
    while (k >= 2 && !((e = find_ref(h->hold, k)) && e->legacy))
        k--;
    if (k >= 2) {
        put_code(io, e->cp);
    } else {
        put(io, '&');
        k = 0;
    }
    put_bytes(io, h->hold + k, h->hlen - k);
    if (semi)
        put(io, ';');
}

/* end_ref - write the reference being read; semi: it ended with ';' */
static void end_ref(ms_html *h, html_io *io, bool semi)
{
    uint32_t cp = h->code;

    switch ((html_state)h->state) {
    case HS_AMP:
        put(io, '&');
        break;
    case HS_NAMED:
        put_named(h, io, semi);
        break;
    case HS_HASH_X:
        put_bytes(io, "&#", 2);
        put(io, h->hold[0]);
        break;
    case HS_HASH:
        put_bytes(io, "&#", 2);
        break;
    case HS_DEC:
    case HS_HEX:
        if (cp >= 0x80 && cp <= 0x9F && cp1252_fixup[cp - 0x80])
            cp = cp1252_fixup[cp - 0x80];
        put_code(io, cp);
        break;
    default:
        break;
    }
    h->hlen = 0;
}

/* add_digit - append a digit to the numeric reference, saturating */
static void add_digit(ms_html *h, unsigned base, unsigned v)
{
    h->code = h->code * base + v;
    if (h->code > 0x10FFFF)
        h->code = CP_BAD;
}

/* extend_ref - take b into the reference being read, if it belongs */
static bool extend_ref(ms_html *h, unsigned char b)
{
    switch ((html_state)h->state) {
    case HS_AMP:
        if (b == '#') {
            h->state = HS_HASH;
            return true;
        }
        if (!is_alpha(b) && !is_digit(b))
            return false;
        h->state = HS_NAMED;
        h->hold[h->hlen++] = (char)b;
        return true;
    case HS_NAMED:
        if ((!is_alpha(b) && !is_digit(b)) || h->hlen == REF_NAME_MAX)
            return false; /* too long for any name: flushed, the rest is text */
        h->hold[h->hlen++] = (char)b;
        return true;
    case HS_HASH:
        if (b == 'x' || b == 'X') {
            h->hold[0] = (char)b;
            h->state = HS_HASH_X;
            return true;
        }
        if (!is_digit(b))
            return false;
        h->state = HS_DEC;
        h->code = b - '0';
        return true;
    case HS_HASH_X:
        if (hex_value(b) < 0)
            return false;
        h->state = HS_HEX;
        h->code = (uint32_t)hex_value(b);
        return true;
    case HS_DEC:
        if (!is_digit(b))
            return false;
        add_digit(h, 10, b - '0');
        return true;
    case HS_HEX:
        if (hex_value(b) < 0)
            return false;
        add_digit(h, 16, (unsigned)hex_value(b));
        return true;
    default:
        return false;
    }
}

/* ref_byte - one byte in a character reference; a byte that ends it other
 * than ';' is read again as text */
static void ref_byte(ms_html *h, html_io *io)
{
    unsigned char b = io->in[io->i];
    bool semi;

    if (extend_ref(h, b)) {
        io->i++;
        return;
    }
    semi = b == ';' && (h->state == HS_NAMED || h->state == HS_DEC || h->state == HS_HEX);
    io->i += semi;
    end_ref(h, io, semi);
    /* back to where the reference was: text, or an attribute value shown */
    h->state = !h->attr_text ? HS_TEXT : h->quote ? HS_VALUE_QUOTED : HS_VALUE_BARE;
}

/* end_name - the tag name is complete: a block tag writes '\n', a table
 * cell ' ', a script or style start tag makes what follows its '>' raw text */
static void end_name(ms_html *h, html_io *io)
{
    char key[TAG_NAME_MAX + 1] = {0};

    if (h->hlen <= TAG_NAME_MAX) {
        memcpy(key, h->hold, h->hlen);
        if (bsearch(key, block_tags, sizeof block_tags / sizeof block_tags[0], sizeof block_tags[0],
                    cmp_tag))
            note_ws(io, WS_BLOCK);
        else if (h->hlen == 2 && key[0] == 't' && (key[1] == 'd' || key[1] == 'h'))
            note_ws(io, WS_CELL);
    }
    for (int s = SKIP_SCRIPT; s <= SKIP_STYLE && !h->endtag; s++) {
        if (h->hlen == raw_ends[s].len - 2 && memcmp(h->hold, raw_ends[s].tag + 2, h->hlen) == 0)
            h->skip = s;
    }
    h->hlen = 0;
}

static void close_tag(ms_html *h)
{
    h->state = h->skip ? HS_RAW : HS_TEXT;
}

/* open_byte - the byte after '<' or "</" decides whether a tag starts */
static void open_byte(ms_html *h, html_io *io)
{
    unsigned char b = io->in[io->i];

    if (is_alpha(b)) { /* read again as the tag name's first letter */
        h->endtag = h->state == HS_LT_SLASH;
        h->hlen = 0;
        h->state = HS_TAG_NAME;
        return;
    }
    if (h->state == HS_LT_SLASH) {
        if (b == '>') /* "</>" is dropped */
            io->i++;
        else
            put_bytes(io, "</", 2);
        h->state = HS_TEXT;
        return;
    }
    if (b == '/' || b == '!' || b == '?') {
        h->state = b == '/' ? HS_LT_SLASH : b == '!' ? HS_BANG : HS_BOGUS;
        io->i++;
        return;
    }
    put(io, '<'); /* "a < b", "<3": text, the byte read again */
    h->state = HS_TEXT;
}

/* read_name - the tag name up to a blank, '/' or '>'. A name longer than
 * hold[] is kept cut, and a NUL in it is kept as 0xFF (the standard reads
 * U+FFFD): neither matches a known tag. */
static void read_name(ms_html *h, html_io *io)
{
    while (io->i < io->len) {
        unsigned char b = io->in[io->i++];

        if (is_space(b) || b == '/' || b == '>') {
            end_name(h, io);
            h->state = HS_BEFORE_ATTR;
            if (b == '>')
                close_tag(h);
            return;
        }
        if (h->hlen < MS_HTML_HOLD)
            h->hold[h->hlen++] = (char)(b ? to_lower(b) : 0xFF);
    }
}

/* end_attr_name - the attribute name in hold[] is complete: is its value
 * one a reader is shown? Not in an end tag, where nothing is shown. */
static void end_attr_name(ms_html *h)
{
    char key[ATTR_NAME_MAX + 1] = {0};

    h->attr_text = 0;
    if (!h->endtag && h->hlen <= ATTR_NAME_MAX) {
        memcpy(key, h->hold, h->hlen);
        h->attr_text = bsearch(key, text_attrs, sizeof text_attrs / sizeof text_attrs[0],
                               sizeof text_attrs[0], cmp_attr) != NULL;
    }
    h->hlen = 0;
}

/* end_value - an attribute value ends; one that was shown is set off by a
 * space from the text after it */
static void end_value(ms_html *h, html_io *io)
{
    if (h->attr_text)
        note_space(io, ' ');
    h->attr_text = 0;
    h->state = HS_BEFORE_ATTR;
}

/* start_attr_name - b starts an attribute name */
static void start_attr_name(ms_html *h, unsigned char b)
{
    h->state = HS_ATTR_NAME;
    h->hlen = 0;
    h->hold[h->hlen++] = (char)to_lower(b);
}

/* read_attrs - the bytes between the tag name and '>', up to a quoted
 * value or a character reference in a value that is shown. A quote counts
 * only where a value starts (HTML "before attribute value state"); '/' is
 * read as the self-closing start tag state reads it, a fresh start for a
 * name. */
static void read_attrs(ms_html *h, html_io *io)
{
    while (io->i < io->len && h->state != HS_VALUE_QUOTED && h->state != HS_AMP) {
        unsigned char b = io->in[io->i++];

        if (b == '>') {
            if (h->state == HS_VALUE_BARE)
                end_value(h, io);
            h->attr_text = 0;
            close_tag(h);
            return;
        }
        switch ((html_state)h->state) {
        case HS_BEFORE_ATTR:
            if (!is_space(b) && b != '/')
                start_attr_name(h, b); /* even '=' or a quote starts a name */
            break;
        case HS_ATTR_NAME:
        case HS_AFTER_ATTR:
            if (b == '/') {
                h->state = HS_BEFORE_ATTR;
            } else if (b == '=') {
                end_attr_name(h);
                h->state = HS_BEFORE_VALUE;
            } else if (is_space(b)) {
                h->state = HS_AFTER_ATTR;
            } else if (h->state == HS_AFTER_ATTR) {
                start_attr_name(h, b);
            } else if (h->hlen < MS_HTML_HOLD) {
                h->hold[h->hlen++] = (char)to_lower(b);
            }
            break;
        case HS_BEFORE_VALUE:
            if (b == '"' || b == '\'') {
                h->quote = b;
                h->state = HS_VALUE_QUOTED;
                if (h->attr_text)
                    note_space(io, ' ');
            } else if (!is_space(b)) {
                h->quote = 0;
                h->state = HS_VALUE_BARE;
                if (h->attr_text)
                    note_space(io, ' ');
                io->i--; /* the value's first byte, read again */
            }
            break;
        case HS_VALUE_BARE:
            if (is_space(b))
                end_value(h, io);
            else if (!h->attr_text)
                break;
            else if (b != '&')
                put(io, (char)b);
            else {
                h->state = HS_AMP;
                h->hlen = 0;
            }
            break;
        default:
            break;
        }
    }
}

/* copy_value - a quoted attribute value that is shown, up to its closing
 * quote or a character reference, white space collapsed */
static void copy_value(ms_html *h, html_io *io)
{
    const unsigned char *p = io->in + io->i, *end = io->in + io->len;

    while (p < end && *p != h->quote && *p != '&')
        put(io, (char)*p++); /* put() collapses white space */
    io->i = (size_t)(p - io->in);
    if (p == end)
        return;
    io->i++;
    if (*p == '&') {
        h->state = HS_AMP;
        h->hlen = 0;
    } else {
        end_value(h, io);
    }
}

/* comment_byte - one byte of "<!", "<!-" or near a comment's start or end
 * (HTML "markup declaration open" to "comment end bang" states); "<!-->",
 * "<!--->" and "--!>" close a comment too */
static void comment_byte(ms_html *h, html_io *io)
{
    unsigned char b = io->in[io->i];

    switch ((html_state)h->state) {
    case HS_BANG:
    case HS_BANG_DASH:
        if (b != '-') {
            h->state = HS_BOGUS; /* <!DOCTYPE, <![CDATA[, <!x: read again */
            return;
        }
        h->state = h->state == HS_BANG ? HS_BANG_DASH : HS_COMMENT_START;
        break;
    case HS_COMMENT_START:
    case HS_COMMENT_START_DASH:
        if (b == '>')
            h->state = HS_TEXT;
        else if (b == '-')
            h->state = h->state == HS_COMMENT_START ? HS_COMMENT_START_DASH : HS_COMMENT_END;
        else
            h->state = HS_COMMENT;
        break;
    case HS_COMMENT_END_DASH:
        h->state = b == '-' ? HS_COMMENT_END : HS_COMMENT;
        break;
    case HS_COMMENT_END:
    case HS_COMMENT_END_BANG:
        if (b == '>')
            h->state = HS_TEXT;
        else if (b == '!' && h->state == HS_COMMENT_END)
            h->state = HS_COMMENT_END_BANG;
        else if (b == '-')
            h->state = h->state == HS_COMMENT_END ? HS_COMMENT_END : HS_COMMENT_END_DASH;
        else
            h->state = HS_COMMENT;
        break;
    default:
        break;
    }
    io->i++;
}

/* raw_end_byte - match "</script" or "</style" (any case) and a byte that
 * ends a tag name; anything else is more raw text, read again */
static void raw_end_byte(ms_html *h, html_io *io)
{
    const char *want = raw_ends[h->skip].tag;
    size_t n = raw_ends[h->skip].len;
    unsigned char b = io->in[io->i];

    if (h->hlen < n && to_lower(b) == (unsigned char)want[h->hlen]) {
        h->hlen++;
        io->i++;
    } else if (h->hlen == n && (is_space(b) || b == '/' || b == '>')) {
        h->skip = SKIP_NONE;
        h->endtag = 1;
        h->hlen = 0;
        h->state = HS_BEFORE_ATTR;
    } else {
        h->state = HS_RAW;
    }
}

/* copy_text - copy the run of text up to '<' or '&', white space collapsed */
static void copy_text(ms_html *h, html_io *io)
{
    const unsigned char *p = io->in + io->i, *end = io->in + io->len;

    while (p < end) {
        const unsigned char *q = p;

        while (q < end && text_class[*q] == TEXT_COPY)
            q++;
        if (q > p)
            put_bytes(io, (const char *)p, (size_t)(q - p));
        if (q == end)
            break;
        if (text_class[*q] == TEXT_STOP) {
            h->state = *q == '<' ? HS_LT : HS_AMP;
            h->hlen = 0;
            io->i = (size_t)(q - io->in) + 1;
            return;
        }
        note_space(io, *q);
        p = q + 1;
    }
    io->i = io->len;
}

/* skip_to - drop bytes up to and including c; true if it was found */
static bool skip_to(html_io *io, unsigned char c)
{
    const unsigned char *q = memchr(io->in + io->i, c, io->len - io->i);

    io->i = q ? (size_t)(q - io->in) + 1 : io->len;
    return q != NULL;
}

/* skip_run - drop a quoted value, comment, bogus comment or raw text up to
 * the byte that may end it */
static void skip_run(ms_html *h, html_io *io)
{
    switch ((html_state)h->state) {
    case HS_VALUE_QUOTED:
        if (h->attr_text)
            copy_value(h, io);
        else if (skip_to(io, h->quote))
            h->state = HS_BEFORE_ATTR;
        break;
    case HS_COMMENT:
        if (skip_to(io, '-'))
            h->state = HS_COMMENT_END_DASH;
        break;
    case HS_BOGUS:
        if (skip_to(io, '>'))
            h->state = HS_TEXT;
        break;
    case HS_RAW:
        if (skip_to(io, '<')) {
            h->state = HS_RAW_END;
            h->hlen = 1;
        }
        break;
    default:
        break;
    }
}

void ms_html_init(ms_html *h)
{
    memset(h, 0, sizeof *h);
    h->state = HS_TEXT;
}

/*
 * ms_html_feed - convert len bytes; out needs room for len + MS_HTML_SLACK
 * bytes (see the top of this file). Returns the bytes written. Any cut of
 * the input into chunks gives the same output.
 */
size_t ms_html_feed(ms_html *h, const char *in, size_t len, char *out)
{
    html_io io = {(const unsigned char *)in, len, 0, out, 0, h->ws};

    while (io.i < io.len) {
        switch ((html_state)h->state) {
        case HS_TEXT:
            copy_text(h, &io);
            break;
        case HS_LT:
        case HS_LT_SLASH:
            open_byte(h, &io);
            break;
        case HS_TAG_NAME:
            read_name(h, &io);
            break;
        case HS_BEFORE_ATTR:
        case HS_ATTR_NAME:
        case HS_AFTER_ATTR:
        case HS_BEFORE_VALUE:
        case HS_VALUE_BARE:
            read_attrs(h, &io);
            break;
        case HS_BANG:
        case HS_BANG_DASH:
        case HS_COMMENT_START:
        case HS_COMMENT_START_DASH:
        case HS_COMMENT_END_DASH:
        case HS_COMMENT_END:
        case HS_COMMENT_END_BANG:
            comment_byte(h, &io);
            break;
        case HS_VALUE_QUOTED:
        case HS_COMMENT:
        case HS_BOGUS:
        case HS_RAW:
            skip_run(h, &io);
            break;
        case HS_RAW_END:
            raw_end_byte(h, &io);
            break;
        case HS_AMP:
        case HS_NAMED:
        case HS_HASH:
        case HS_HASH_X:
        case HS_DEC:
        case HS_HEX:
            ref_byte(h, &io);
            break;
        }
    }
    h->ws = io.ws;
    return io.o;
}

/*
 * ms_html_finish - end of input: a reference held is written as if a space
 * followed it, a lone "<" or "</" as text, trailing white space as one
 * byte; input cut inside a tag, comment, declaration, raw-text element or
 * shown attribute value sets MS_ANOM_HTML_TRUNCATED. out needs
 * MS_HTML_SLACK bytes. h is left ready for the next document, anomalies
 * kept.
 */
size_t ms_html_finish(ms_html *h, char *out)
{
    html_io io = {NULL, 0, 0, out, 0, h->ws};
    uint32_t anomalies = h->anomalies;

    switch ((html_state)h->state) {
    case HS_TEXT:
        break;
    case HS_LT:
        put(&io, '<');
        break;
    case HS_LT_SLASH:
        put_bytes(&io, "</", 2);
        break;
    case HS_AMP:
    case HS_NAMED:
    case HS_HASH:
    case HS_HASH_X:
    case HS_DEC:
    case HS_HEX:
        end_ref(h, &io, false);
        if (h->attr_text) /* cut inside an attribute value */
            anomalies |= MS_ANOM_HTML_TRUNCATED;
        break;
    default:
        anomalies |= MS_ANOM_HTML_TRUNCATED;
        break;
    }
    flush_space(&io); /* "CONFIDENTIAL\n" at the end keeps its line break */
    ms_html_init(h);
    h->anomalies = anomalies;
    return io.o;
}
