#!/usr/bin/env python3
"""attach_formats.py - helper of bench/attach_formats.sh

  attach_formats.py write WORKDIR N
      For each container of tests/gen_attach_fixtures.py (CONTAINERS), with
      the executable inside (the NAME_exe fixture), writes under WORKDIR/NAME/:
        one.eml         the message, as the test fixture writes it
        msgs/           N copies of it
        base.eml        the same message, its attachment replaced by a plain
                        text file (notes.txt, prose) of the same size
        base/           N copies of that
        raw/FILE        the container file itself (FILE its name in the mail)
      and prints "NAME FILE BYTES" lines, one a format, in the table's order.

  attach_formats.py clam FILE N
      The libclamav floor: opens FILE the way engine/clam.c does (an engine
      with no database, mailsift's default limits, its file-inspection callback answering CL_BREAK for
      every member, cl_scanmap_callback over the bytes in memory, cache
      off, temporary files in /dev/shm), N times in this process. Prints "SECONDS MEMBERS EXE": the time
      of the N scans (engine build and Python start excluded), members
      handed over by the last scan, 1 if one of them was the executable.
      Exits 2 when libclamav cannot be loaded.

Python standard library only (ctypes for libclamav); deterministic.
"""
import ctypes
import ctypes.util
import os
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests"))

PE_MARK = b"This program cannot be run in DOS mode."


def write(work, n):
    import gen_attach_fixtures as g

    pe = g.pe_bytes()
    for stem, ctype, fname, build in g.CONTAINERS:
        blob = build("setup.exe", pe)
        d = os.path.join(work, stem)
        for sub in ("msgs", "base", "raw"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        one = g.message(stem + "_exe", ctype, blob, fname)
        text = (g.filler(len(blob) + 16, 7)[:len(blob) - 1] + "\n").encode()
        base = g.message(stem + "_base", "text/plain", text, "notes.txt")
        for name, data in (("one.eml", one), ("base.eml", base), ("raw/" + fname, blob)):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        for sub, data in (("msgs", one), ("base", base)):
            for i in range(n):
                with open(os.path.join(d, sub, "%04d.eml" % i), "wb") as f:
                    f.write(data)
        print(stem, fname, len(blob))


# libclamav 1.4 (clamav.h)
CL_CLEAN, CL_SUCCESS, CL_BREAK = 0, 0, 22
CL_INIT_DEFAULT = 0
CL_ENGINE_TMPDIR, CL_ENGINE_DISABLE_CACHE = 13, 25  # enum cl_engine_field (clamav.h, 1.4)
# mailsift's default limits (engine/limits.h) as engine/clam.c gives them
# to libclamav: max_bytes, archive_bytes, members, its own recursion fence
# and time_ms
LIMITS = ((1, 32 << 20), (0, 256 << 20), (3, 10000), (2, 4), (31, 20000))
CL_SCAN_GENERAL_HEURISTICS = 0x4
CL_SCAN_PARSE_ARCHIVE, CL_SCAN_PARSE_OLE2, CL_SCAN_PARSE_MAIL = 0x1, 0x80, 0x40
CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE, CL_SCAN_HEURISTIC_ENCRYPTED_DOC = 0x40, 0x80


class ScanOptions(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in ("general", "parse", "heuristic", "mail", "dev")]


INSPECT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                           ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.c_char_p,
                           ctypes.c_size_t, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32,
                           ctypes.c_void_p)
MSG = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)


def clam(path, n):
    name = ctypes.util.find_library("clamav") or "libclamav.so.12"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        sys.exit(2)
    lib.cl_engine_new.restype = ctypes.c_void_p
    lib.cl_engine_compile.argtypes = [ctypes.c_void_p]
    lib.cl_engine_set_num.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_longlong]
    lib.cl_engine_set_str.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p]
    lib.cl_engine_set_clcb_file_inspection.argtypes = [ctypes.c_void_p, INSPECT]
    lib.cl_engine_free.argtypes = [ctypes.c_void_p]
    lib.cl_fmap_open_memory.restype = ctypes.c_void_p
    lib.cl_fmap_open_memory.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.cl_fmap_close.argtypes = [ctypes.c_void_p]
    lib.cl_scanmap_callback.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                        ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.POINTER(ctypes.c_ulong), ctypes.c_void_p,
                                        ctypes.POINTER(ScanOptions), ctypes.c_void_p]
    quiet = MSG(lambda *a: None)
    lib.cl_set_clcb_msg(quiet)
    if lib.cl_init(CL_INIT_DEFAULT) != CL_SUCCESS:
        sys.exit(2)
    seen = {"members": 0, "exe": 0}

    def on_file(fd, ftype, ancestors, parent_size, fname, size, buf, level, attrs, ctx):
        if level == 0:
            return CL_CLEAN  # the container: libclamav opens it
        seen["members"] += 1
        if buf and size and PE_MARK in ctypes.string_at(buf, size):
            seen["exe"] = 1
        return CL_BREAK  # as mailsift: the member is not descended into

    cb = INSPECT(on_file)
    e = lib.cl_engine_new()
    for field, value in LIMITS:
        lib.cl_engine_set_num(e, field, value)
    lib.cl_engine_set_num(e, CL_ENGINE_DISABLE_CACHE, 1)
    if os.access("/dev/shm", os.W_OK | os.X_OK):  # where engine/clam.c puts its files
        lib.cl_engine_set_str(e, CL_ENGINE_TMPDIR, b"/dev/shm")
    lib.cl_engine_set_clcb_file_inspection(e, cb)
    if lib.cl_engine_compile(e) != CL_SUCCESS:
        sys.exit(2)
    opts = ScanOptions(CL_SCAN_GENERAL_HEURISTICS,
                       CL_SCAN_PARSE_ARCHIVE | CL_SCAN_PARSE_OLE2 | CL_SCAN_PARSE_MAIL,
                       CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE | CL_SCAN_HEURISTIC_ENCRYPTED_DOC, 0, 0)
    with open(path, "rb") as f:
        data = f.read()
    fname = os.path.basename(path).encode()
    virname, scanned = ctypes.c_char_p(), ctypes.c_ulong()
    t0 = time.perf_counter()
    for _ in range(n):
        seen["members"], seen["exe"] = 0, 0
        m = lib.cl_fmap_open_memory(data, len(data))
        lib.cl_scanmap_callback(m, fname, ctypes.byref(virname), ctypes.byref(scanned), e,
                                ctypes.byref(opts), None)
        lib.cl_fmap_close(m)
    secs = time.perf_counter() - t0
    lib.cl_engine_free(e)
    print("%.6f %d %d" % (secs, seen["members"], seen["exe"]))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "clam":
        clam(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
