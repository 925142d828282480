/*
 * pdf_layout.cc - text drawn outside the page of a PDF (qpdf)
 *
 * poppler, which extracts the text (engine/pdf.c), drops every glyph that
 * starts outside the page's crop box, and so does mupdf: text moved off the
 * page, or drawn so large that it cannot be on it, is not read. This finds
 * it so the caller can report the document instead.
 *
 * qpdf (libqpdf, C++) opens the document (object streams, filters, broken
 * cross-reference tables) and tokenizes the content streams (strings, inline
 * images); its C API gives stream bytes but no tokenizer, and a tokenizer
 * of our own would be one more parser of hostile input, so this file is
 * C++ behind a C function and no content stream is parsed by hand.
 *
 * Each page's content streams, and the form XObjects they draw (nested up
 * to MS_PDF_LAYOUT_DEPTH), are followed far enough to know where each glyph
 * starts: the CTM (cm, q/Q, a form's /Matrix), the text matrices (BT, Td,
 * TD, Tm, T*, ', ") and the text state that moves glyphs (Tf, Tc, Tw, Tz,
 * TL, Ts). Glyph widths come from the font's /Widths (simple fonts) or /W
 * (CID fonts); a font without them is taken as MS_PDF_LAYOUT_NARROW em a
 * glyph, narrower than the glyphs of common fonts, so positions along a
 * line are never placed further than they are. A glyph that starts more
 * than MS_PDF_LAYOUT_MARGIN outside the crop box (within the media box),
 * or whose size is larger than the page's diagonal, is reported.
 *
 * A form's content is parsed once and replayed at each use; replaying is
 * bounded by MS_PDF_LAYOUT_WORK operators and glyphs a document, past which
 * the document is reported as too complex (the same document keeps poppler
 * busy far longer).
 *
 * BUGS: text in annotations, Type 3 glyph procedures and tiling patterns
 * is not followed (poppler does not extract it either); clipping is
 * ignored, so text clipped away on the page is not reported.
 */
#include "pdf_layout.h"

#define POINTERHOLDER_TRANSITION 4 /* qpdf 11: std::shared_ptr only, no warning */
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#define MS_PDF_LAYOUT_MARGIN 72.0     /* points (an inch): bleed, sloppy boxes */
#define MS_PDF_LAYOUT_DEPTH  16       /* forms in forms: poppler stops sooner */
#define MS_PDF_LAYOUT_WORK   10000000 /* operators + glyphs: ~1 s */
#define MS_PDF_LAYOUT_DRAW   256      /* work a form drawn costs: qpdf lookups, a copy */
#define MS_PDF_LAYOUT_QDEPTH 1024     /* q without Q */
#define MS_PDF_LAYOUT_ARGS   16       /* operands kept for one operator */
#define MS_PDF_LAYOUT_CIDS   65536    /* /W entries kept for one font */
#define MS_PDF_LAYOUT_NARROW 0.2      /* em: narrower than Helvetica's space */

namespace
{

struct Mat {
    double a, b, c, d, e, f;
};

const Mat identity = {1, 0, 0, 1, 0, 0};

/* m then n (PDF's row vectors: a point is p * m * n) */
Mat mul(const Mat &m, const Mat &n)
{
    return {m.a * n.a + m.b * n.c, m.a * n.b + m.b * n.d,       m.c * n.a + m.d * n.c,
            m.c * n.b + m.d * n.d, m.e * n.a + m.f * n.c + n.e, m.e * n.b + m.f * n.d + n.f};
}

struct Font {
    int bytes = 1;        /* a code's bytes: 2 for Identity CMaps */
    double scale = 0.001; /* glyph space to text space */
    double missing = MS_PDF_LAYOUT_NARROW / 0.001;
    unsigned first = 0;             /* simple fonts: /FirstChar */
    std::vector<double> widths;     /* simple fonts: /Widths */
    std::map<unsigned, double> cid; /* CID fonts: /W */

    double width(unsigned code) const
    {
        if (bytes == 2) {
            auto i = cid.find(code);
            return (i == cid.end() ? missing : i->second) * scale;
        }
        if (code >= first && code - first < widths.size())
            return widths[code - first] * scale;
        return missing * scale;
    }
};

enum Code {
    OP_NONE,
    OP_q,
    OP_Q,
    OP_cm,
    OP_BT,
    OP_ET,
    OP_Td,
    OP_TD,
    OP_Tm,
    OP_Tstar,
    OP_TL,
    OP_Tc,
    OP_Tw,
    OP_Tz,
    OP_Ts,
    OP_Tf,
    OP_Tj,
    OP_TJ,
    OP_quote,
    OP_dquote,
    OP_Do,
};

struct Seg {
    bool is_num;
    double num;
    std::string str;
};

struct Op {
    Code code;
    std::vector<double> num; /* numeric operands, in order */
    std::string name;        /* Tf, Do */
    std::vector<Seg> segs;   /* Tj, ', ": one string; TJ: its array */
};

Code code_of(const std::string &s)
{
    static const std::map<std::string, Code> codes = {
        {"q", OP_q},   {"Q", OP_Q},   {"cm", OP_cm},   {"BT", OP_BT},     {"ET", OP_ET},
        {"Td", OP_Td}, {"TD", OP_TD}, {"Tm", OP_Tm},   {"T*", OP_Tstar},  {"TL", OP_TL},
        {"Tc", OP_Tc}, {"Tw", OP_Tw}, {"Tz", OP_Tz},   {"Ts", OP_Ts},     {"Tf", OP_Tf},
        {"Tj", OP_Tj}, {"TJ", OP_TJ}, {"'", OP_quote}, {"\"", OP_dquote}, {"Do", OP_Do},
    };
    auto i = codes.find(s);
    return i == codes.end() ? OP_NONE : i->second;
}

typedef std::vector<Op> Ops;

/* Collector - the operators of a content stream this file follows */
class Collector : public QPDFObjectHandle::ParserCallbacks
{
  public:
    explicit Collector(Ops &ops) : ops_(ops)
    {
    }
    void handleObject(QPDFObjectHandle obj) override
    {
        if (!obj.isOperator()) {
            if (args_.size() >= MS_PDF_LAYOUT_ARGS)
                args_.erase(args_.begin());
            args_.push_back(obj);
            return;
        }
        Code c = code_of(obj.getOperatorValue());
        if (c != OP_NONE) {
            Op op{c, {}, {}, {}};
            for (auto &a : args_) {
                if (a.isNumber())
                    op.num.push_back(a.getNumericValue());
                else if (a.isName())
                    op.name = a.getName();
                else if (a.isString())
                    op.segs.push_back({false, 0, a.getStringValue()});
                else if (a.isArray() && c == OP_TJ)
                    for (auto &e : a.getArrayAsVector()) {
                        if (e.isNumber())
                            op.segs.push_back({true, e.getNumericValue(), ""});
                        else if (e.isString())
                            op.segs.push_back({false, 0, e.getStringValue()});
                    }
            }
            ops_.push_back(std::move(op));
        }
        args_.clear();
    }
    void handleEOF() override
    {
    }

  private:
    Ops &ops_;
    std::vector<QPDFObjectHandle> args_;
};

struct GState {
    Mat ctm = identity;
    double Tc = 0, Tw = 0, Th = 1, TL = 0, Tfs = 0, Ts = 0;
    const Font *font = nullptr;
};

bool number_at(QPDFObjectHandle arr, int i, double *v)
{
    QPDFObjectHandle o = arr.getArrayItem(i);
    if (!o.isNumber())
        return false;
    *v = o.getNumericValue();
    return true;
}

/* Checker - one document's pages, until the first glyph off its page */
class Checker
{
  public:
    explicit Checker(ms_pdf_layout *out) : out_(out)
    {
    }

    /* page - check one page; false when the document's answer is known */
    bool page(QPDFPageObjectHelper &pg, unsigned number)
    {
        number_ = number;
        box_ = {0, 0, 612, 792};
        QPDFObjectHandle media = pg.getMediaBox(), crop = pg.getCropBox();
        if (media.isRectangle()) {
            auto m = media.getArrayAsRectangle();
            box_ = {std::min(m.llx, m.urx), std::min(m.lly, m.ury), std::max(m.llx, m.urx),
                    std::max(m.lly, m.ury)};
        }
        if (crop.isRectangle()) { /* poppler: the crop box within the media box */
            auto c = crop.getArrayAsRectangle();
            box_.x0 = std::max(box_.x0, std::min(c.llx, c.urx));
            box_.y0 = std::max(box_.y0, std::min(c.lly, c.ury));
            box_.x1 = std::min(box_.x1, std::max(c.llx, c.urx));
            box_.y1 = std::min(box_.y1, std::max(c.lly, c.ury));
        }
        Ops ops;
        Collector col(ops);
        try {
            pg.parseContents(&col);
        } catch (std::exception &) {
            /* a broken stream: what was parsed before the damage */
        }
        QPDFObjectHandle res = pg.getAttribute("/Resources", false);
        return run(ops, res, GState(), 0);
    }

    int result = MS_PDF_LAYOUT_OK;

  private:
    struct Box {
        double x0, y0, x1, y1;
    } box_ = {0, 0, 0, 0};
    unsigned number_ = 0;
    unsigned long work_ = 0;
    ms_pdf_layout *out_;
    std::map<QPDFObjGen, std::shared_ptr<Ops>> forms_;
    std::map<QPDFObjGen, std::shared_ptr<Font>> fonts_;
    std::vector<std::shared_ptr<Font>> direct_fonts_;
    Font unknown_;

    bool found(int what, double x, double y, double size)
    {
        result = what;
        out_->page = number_;
        out_->x = x;
        out_->y = y;
        out_->size = size;
        return false;
    }

    bool spend(size_t n)
    {
        work_ += n;
        if (work_ <= MS_PDF_LAYOUT_WORK)
            return true;
        result = MS_PDF_LAYOUT_COMPLEX;
        return false;
    }

    const Font *font(QPDFObjectHandle res, const std::string &name)
    {
        QPDFObjectHandle f;
        if (res.isDictionary()) {
            QPDFObjectHandle fonts = res.getKey("/Font");
            if (fonts.isDictionary())
                f = fonts.getKey(name);
        }
        if (!f.isDictionary())
            return &unknown_; /* poppler draws nothing; check it anyway */
        QPDFObjGen og = f.getObjGen();
        if (og.isIndirect()) {
            auto i = fonts_.find(og);
            if (i != fonts_.end())
                return i->second.get();
        }
        auto font = std::make_shared<Font>();
        read_font(f, *font);
        if (og.isIndirect())
            fonts_[og] = font;
        else
            direct_fonts_.push_back(font);
        return font.get();
    }

    static void read_font(QPDFObjectHandle f, Font &font)
    {
        QPDFObjectHandle sub = f.getKey("/Subtype");
        if (sub.isNameAndEquals("/Type0")) {
            QPDFObjectHandle enc = f.getKey("/Encoding");
            /* Identity-H/V and most CJK CMaps: two bytes; others are taken
             * as one, which only puts glyphs closer together */
            font.bytes = enc.isName() && enc.getName().find("Identity") != std::string::npos ? 2
                         : enc.isStream()                                                    ? 2
                                                                                             : 1;
            QPDFObjectHandle desc = f.getKey("/DescendantFonts");
            if (desc.isArray() && desc.getArrayNItems() > 0)
                desc = desc.getArrayItem(0);
            if (!desc.isDictionary())
                return;
            QPDFObjectHandle dw = desc.getKey("/DW");
            font.missing = dw.isNumber() ? dw.getNumericValue() : 1000;
            QPDFObjectHandle w = desc.getKey("/W");
            if (!w.isArray())
                return;
            int n = w.getArrayNItems();
            for (int i = 0; i + 1 < n && font.cid.size() < MS_PDF_LAYOUT_CIDS;) {
                double c0, c1, v;
                if (!number_at(w, i, &c0) || c0 < 0 || c0 > 0xffff)
                    return;
                QPDFObjectHandle next = w.getArrayItem(i + 1);
                if (next.isArray()) {
                    int m = next.getArrayNItems();
                    for (int k = 0; k < m && c0 + k <= 0xffff; k++)
                        if (number_at(next, k, &v))
                            font.cid[(unsigned)c0 + (unsigned)k] = v;
                    i += 2;
                } else if (i + 2 < n && number_at(w, i + 1, &c1) && number_at(w, i + 2, &v)) {
                    for (double c = c0;
                         c <= c1 && c <= 0xffff && font.cid.size() < MS_PDF_LAYOUT_CIDS; c++)
                        font.cid[(unsigned)c] = v;
                    i += 3;
                } else
                    return;
            }
            return;
        }
        if (sub.isNameAndEquals("/Type3")) {
            QPDFObjectHandle fm = f.getKey("/FontMatrix");
            double a;
            if (fm.isArray() && number_at(fm, 0, &a) && std::isfinite(a))
                font.scale = std::fabs(a);
        }
        QPDFObjectHandle widths = f.getKey("/Widths"), first = f.getKey("/FirstChar");
        if (!widths.isArray())
            return; /* the standard 14 fonts: MS_PDF_LAYOUT_NARROW */
        font.first = first.isInteger() && first.getIntValue() >= 0 && first.getIntValue() < 256
                         ? (unsigned)first.getIntValue()
                         : 0;
        font.missing = 0;
        QPDFObjectHandle fd = f.getKey("/FontDescriptor");
        if (fd.isDictionary() && fd.getKey("/MissingWidth").isNumber())
            font.missing = fd.getKey("/MissingWidth").getNumericValue();
        int n = widths.getArrayNItems();
        for (int i = 0; i < n && i < 256; i++) {
            double v = 0;
            number_at(widths, i, &v);
            font.widths.push_back(v);
        }
    }

    std::shared_ptr<Ops> form_ops(QPDFObjectHandle xo)
    {
        QPDFObjGen og = xo.getObjGen();
        auto i = forms_.find(og);
        if (i != forms_.end())
            return i->second;
        auto ops = std::make_shared<Ops>();
        Collector col(*ops);
        try {
            xo.parseAsContents(&col);
        } catch (std::exception &) {
        }
        forms_[og] = ops;
        return ops;
    }

    /* show - the glyphs of one string from the text matrix tm on */
    bool show(const std::string &s, const GState &gs, Mat &tm)
    {
        const Font *f = gs.font ? gs.font : &unknown_;
        size_t step = (size_t)f->bytes;
        if (!spend(s.size() / step + 1))
            return false;
        Mat trm = mul(tm, gs.ctm);
        double size = std::fabs(gs.Tfs) * std::max(std::fabs(gs.Th) * std::hypot(trm.a, trm.b),
                                                   std::hypot(trm.c, trm.d));
        double w = box_.x1 - box_.x0, h = box_.y1 - box_.y0;
        if (!s.empty() && !(size <= std::hypot(w, h)))
            return found(MS_PDF_LAYOUT_HUGE, trm.c * gs.Ts + trm.e, trm.d * gs.Ts + trm.f, size);
        for (size_t i = 0; i + step <= s.size(); i += step) {
            trm = mul(tm, gs.ctm);
            double x = trm.c * gs.Ts + trm.e, y = trm.d * gs.Ts + trm.f;
            if (!(x >= box_.x0 - MS_PDF_LAYOUT_MARGIN && x <= box_.x1 + MS_PDF_LAYOUT_MARGIN &&
                  y >= box_.y0 - MS_PDF_LAYOUT_MARGIN && y <= box_.y1 + MS_PDF_LAYOUT_MARGIN))
                return found(MS_PDF_LAYOUT_OUTSIDE, x, y, size);
            unsigned code = (unsigned char)s[i];
            if (step == 2)
                code = code << 8 | (unsigned char)s[i + 1];
            double tx =
                (f->width(code) * gs.Tfs + gs.Tc + (step == 1 && code == 32 ? gs.Tw : 0)) * gs.Th;
            tm.e += tx * tm.a;
            tm.f += tx * tm.b;
        }
        return true;
    }

    /* run - follow ops drawn with the state gs and the resources res */
    bool run(const Ops &ops, QPDFObjectHandle res, GState gs, int depth)
    {
        std::vector<GState> saved;
        Mat tm = identity, tlm = identity;

        for (const Op &op : ops) {
            if (!spend(1))
                return false;
            const std::vector<double> &n = op.num;
            switch (op.code) {
            case OP_q:
                if (saved.size() < MS_PDF_LAYOUT_QDEPTH)
                    saved.push_back(gs);
                break;
            case OP_Q:
                if (!saved.empty()) {
                    gs = saved.back();
                    saved.pop_back();
                }
                break;
            case OP_cm:
                if (n.size() == 6)
                    gs.ctm = mul({n[0], n[1], n[2], n[3], n[4], n[5]}, gs.ctm);
                break;
            case OP_BT:
                tm = tlm = identity;
                break;
            case OP_ET:
            case OP_NONE:
                break;
            case OP_TD:
                if (n.size() == 2)
                    gs.TL = -n[1];
                /* fall through */
            case OP_Td:
                if (n.size() == 2)
                    tm = tlm = mul({1, 0, 0, 1, n[0], n[1]}, tlm);
                break;
            case OP_Tm:
                if (n.size() == 6)
                    tm = tlm = {n[0], n[1], n[2], n[3], n[4], n[5]};
                break;
            case OP_Tstar:
                tm = tlm = mul({1, 0, 0, 1, 0, -gs.TL}, tlm);
                break;
            case OP_TL:
                if (n.size() == 1)
                    gs.TL = n[0];
                break;
            case OP_Tc:
                if (n.size() == 1)
                    gs.Tc = n[0];
                break;
            case OP_Tw:
                if (n.size() == 1)
                    gs.Tw = n[0];
                break;
            case OP_Tz:
                if (n.size() == 1)
                    gs.Th = n[0] / 100;
                break;
            case OP_Ts:
                if (n.size() == 1)
                    gs.Ts = n[0];
                break;
            case OP_Tf:
                if (n.size() == 1) {
                    gs.Tfs = n[0];
                    gs.font = font(res, op.name);
                }
                break;
            case OP_dquote:
                if (n.size() == 2) {
                    gs.Tw = n[0];
                    gs.Tc = n[1];
                }
                /* fall through */
            case OP_quote:
                tm = tlm = mul({1, 0, 0, 1, 0, -gs.TL}, tlm);
                /* fall through */
            case OP_Tj:
            case OP_TJ:
                for (const Seg &sg : op.segs) {
                    if (sg.is_num) {
                        double tx = -sg.num / 1000 * gs.Tfs * gs.Th;
                        tm.e += tx * tm.a;
                        tm.f += tx * tm.b;
                    } else if (!show(sg.str, gs, tm))
                        return false;
                }
                break;
            case OP_Do:
                if (!draw(op.name, res, gs, depth))
                    return false;
                break;
            }
        }
        return true;
    }

    /* draw - a form XObject named name in res */
    bool draw(const std::string &name, QPDFObjectHandle res, const GState &gs, int depth)
    {
        if (depth >= MS_PDF_LAYOUT_DEPTH || !res.isDictionary())
            return true;
        /* a form that draws itself three times is a tree of 3^16 draws, and
         * each draw looks up its resources in qpdf: counted as much more
         * than one operator, so such a bomb stops as COMPLEX in time */
        if (!spend(MS_PDF_LAYOUT_DRAW))
            return false;
        QPDFObjectHandle xobjs = res.getKey("/XObject");
        if (!xobjs.isDictionary())
            return true;
        QPDFObjectHandle xo = xobjs.getKey(name);
        if (!xo.isStream() || !xo.getDict().getKey("/Subtype").isNameAndEquals("/Form"))
            return true;
        QPDFObjectHandle dict = xo.getDict(), m = dict.getKey("/Matrix"),
                         r = dict.getKey("/Resources");
        GState inner = gs;
        double v[6];
        if (m.isArray() && m.getArrayNItems() == 6 && number_at(m, 0, &v[0]) &&
            number_at(m, 1, &v[1]) && number_at(m, 2, &v[2]) && number_at(m, 3, &v[3]) &&
            number_at(m, 4, &v[4]) && number_at(m, 5, &v[5]))
            inner.ctm = mul({v[0], v[1], v[2], v[3], v[4], v[5]}, gs.ctm);
        std::shared_ptr<Ops> ops = form_ops(xo);
        return run(*ops, r.isDictionary() ? r : res, inner, depth + 1);
    }
};

} // namespace

extern "C" int ms_pdf_layout_check(const void *data, size_t len, unsigned max_pages,
                                   ms_pdf_layout *out)
{
    try {
        QPDF pdf;
        pdf.setSuppressWarnings(true);
        pdf.processMemoryFile("attachment", static_cast<const char *>(data), len, "");
        std::vector<QPDFPageObjectHelper> pages = QPDFPageDocumentHelper(pdf).getAllPages();
        Checker check(out);
        unsigned number = 0;
        for (auto &pg : pages) {
            if (++number > max_pages)
                break;
            if (!check.page(pg, number))
                break;
        }
        return check.result;
    } catch (...) {
        return MS_PDF_LAYOUT_UNREAD;
    }
}
