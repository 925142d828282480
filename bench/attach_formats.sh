#!/bin/sh
# bench/attach_formats.sh - the attachment layer's cost per container format,
# beside the cost of the format's own library doing the same unpacking
#
#   bench/attach_formats.sh
#
# For each container of tests/gen_attach_fixtures.py (CONTAINERS: TNEF,
# Outlook .msg, RTF and Word packages, PDF attachments, cpio, LHA, ARJ,
# SZDD, BinHex, Deflate64 zips, data: URIs in HTML, mbox) it takes the
# message with an executable inside (the NAME_exe fixture) and times
# `mailsift scan DIR >/dev/null` over N copies of it; the same over N copies
# of the message with that attachment replaced by a plain text file of the
# same size (the baseline: process start, engine build, MIME, text rules);
# and the floor: the format's own library or tool unpacking the bare
# container file N times. The table's ratio is (ms per message - baseline
# ms) / floor ms: what mailsift spends on a container for each ms the
# library alone needs. The formats libclamav opens for mailsift
# (engine/clam.c) have libclamav as their floor, driven from Python
# (bench/attach_formats.py clam) as clam.c drives it: no database, members
# handed to a callback that stops the descent, temporary files in
# /dev/shm; that floor times the scans only, not Python's start. The other
# floors are command-line tools run once a file, so they include a process
# start (printed below the table) and write what they extract to /dev/null
# or a scratch directory. Each row also says whether the scan found the
# executable (verdict reject, finding attachment.executable) and whether the
# floor extracted it, so a format silently not opened shows up.
#
# Floor tools (Debian 12 packages): tnef (tnef), libclamav12 (clamav),
# pdfdetach and pdftotext (poppler-utils), cpio (cpio) or bsdtar
# (libarchive-tools), lha (lhasa) or 7z (p7zip-full); with FLOORS=cli the
# libclamav formats use tools instead: 7z for .msg, Word, ARJ and Deflate64,
# msexpand (mscompress) for SZDD, hexbin (macutils) for BinHex. A missing
# tool gives "n/a (install PKG)" in its row; HTML data: URIs and mbox have
# no library floor (n/a).
#
# Environment: MS_BUILD (a build directory holding mailsift; default
# build-bench, configured and built Release as bench/run.sh does); N copies
# (default 200); RUNS (default 5; the medians are printed); FLOORS (lib or
# cli, default lib). Single-threaded; the load average is printed, as the
# machine may be shared.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/common.sh
n=${N:-200}
runs=${RUNS:-5}
floors=${FLOORS:-lib}
PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the tree
export PYTHONDONTWRITEBYTECODE

now() {
    date +%s.%N
}

# seconds between two now values
elapsed() {
    echo "$1 $2" | awk '{ printf "%.6f\n", $2 - $1 }'
}

have() {
    command -v "$1" >/dev/null 2>&1
}

machine

if [ -n "${MS_BUILD:-}" ]; then
    build=$MS_BUILD
else
    build="build-bench"
    quiet nice cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMS_TESTS=OFF
    quiet nice cmake --build "$build" -j2 --target mailsift
fi
ms=$build/mailsift
[ -x "$ms" ] || {
    echo "attach_formats.sh: no $ms" >&2
    exit 1
}

work=$build/attach-formats
rm -rf "$work"
mkdir -p "$work"
echo "+ python3 bench/attach_formats.py write $work $n"
python3 bench/attach_formats.py write "$work" "$n" >"$work/formats.txt"

libclam=no
if python3 bench/attach_formats.py clam "$work/tnef/raw/winmail.dat" 1 >/dev/null 2>&1; then
    libclam=yes
fi

# floor_tool STEM: prints the floor of this format, "n/a (...)" when none
floor_tool() {
    lib=
    case $1 in
    msg | rtf | doc_package | arj | szdd | binhex | zip_deflate64)
        [ "$floors" = cli ] || [ "$libclam" = no ] || lib=libclamav
        ;;
    esac
    if [ -n "$lib" ]; then
        echo "$lib"
        return
    fi
    case $1 in
    tnef)
        if have tnef; then echo tnef; elif [ "$libclam" = yes ]; then echo libclamav; else
            echo "n/a (install tnef)"
        fi
        ;;
    msg | doc_package | arj | zip_deflate64)
        if have 7z; then echo "7z x -so"; else echo "n/a (install p7zip-full)"; fi
        ;;
    rtf) echo "n/a (no tool)" ;;
    szdd)
        if have msexpand; then echo msexpand; else echo "n/a (install mscompress)"; fi
        ;;
    binhex)
        if have hexbin; then echo "hexbin -c -s"; else echo "n/a (install macutils)"; fi
        ;;
    pdf_embedded)
        if have pdfdetach && have pdftotext; then echo "pdfdetach+pdftotext"; else
            echo "n/a (install poppler-utils)"
        fi
        ;;
    cpio_*)
        if have cpio; then echo "cpio -i"; elif have bsdtar; then echo "bsdtar -xO"; else
            echo "n/a (install cpio)"
        fi
        ;;
    lzh)
        if have lha; then echo "lha -p"; elif have 7z; then echo "7z x -so"; else
            echo "n/a (install lhasa)"
        fi
        ;;
    *) echo "n/a" ;;
    esac
}

# floor_once TOOL RAW OUT: the tool unpacks RAW once, to stdout or OUT
floor_once() {
    case $1 in
    tnef) tnef --overwrite -C "$3" -f "$2" ;;
    "7z x -so") 7z x -so "$2" ;;
    msexpand) msexpand <"$2" ;;
    "hexbin -c -s") hexbin -c -s "$2" ;; # -c: the last line is short
    pdfdetach+pdftotext) pdfdetach -saveall -o "$3" "$2" && pdftotext "$2" - ;;
    "cpio -i") cpio -i --to-stdout --quiet <"$2" ;;
    "bsdtar -xO") bsdtar -xOf "$2" ;;
    "lha -p") lha -pq "$2" ;;
    esac
}

# floor_time TOOL RAW OUT: seconds for N unpackings of RAW
floor_time() {
    if [ "$1" = libclamav ]; then
        python3 bench/attach_formats.py clam "$2" "$n" | cut -d' ' -f1
        return
    fi
    t0=$(now)
    i=0
    while [ "$i" -lt "$n" ]; do
        floor_once "$1" "$2" "$3" >/dev/null 2>&1 || :
        i=$((i + 1))
    done
    elapsed "$t0" "$(now)"
}

# floor_found TOOL RAW OUT: "yes" when one unpacking gives the executable
floor_found() {
    if [ "$1" = libclamav ]; then
        r=$(python3 bench/attach_formats.py clam "$2" 1 | cut -d' ' -f3)
        [ "$r" = 1 ] && echo yes || echo NO
        return
    fi
    rm -rf "$3"
    mkdir -p "$3"
    floor_once "$1" "$2" "$3" >"$3.stdout" 2>/dev/null || :
    if grep -rqa "This program cannot be run in DOS mode" "$3" "$3.stdout"; then
        echo yes
    else
        echo NO
    fi
}

# scan_time DIR: seconds of one mailsift scan over DIR
scan_time() {
    t0=$(now)
    "$ms" scan "$1" >/dev/null 2>&1 || :
    elapsed "$t0" "$(now)"
}

echo "+ mailsift scan DIR >/dev/null: $n copies a directory, $runs runs, medians;" \
    "floors: $n unpackings of the bare container"
"$ms" scan "$work/tnef/msgs" >/dev/null 2>&1 || : # warm the page cache and libraries

rows=$work/rows.txt
: >"$rows"
while read -r stem fname bytes; do
    d=$work/$stem
    raw=$d/raw/$fname
    out=$d/floor-out
    tool=$(floor_tool "$stem")
    line=$("$ms" scan --format ndjson "$d/one.eml" 2>/dev/null || :)
    case $line in
    *'"verdict":"reject"'*attachment.executable*) found=yes ;;
    *) found="NO ($(echo "$line" | sed -n 's/.*"verdict":"\([a-z]*\)".*/\1/p'))" ;;
    esac
    case $tool in
    n/a*) ffound=- ;;
    *) ffound=$(floor_found "$tool" "$raw" "$out") ;;
    esac
    : >"$d/t.scan"
    : >"$d/t.base"
    : >"$d/t.floor"
    r=0
    while [ "$r" -lt "$runs" ]; do
        scan_time "$d/msgs" >>"$d/t.scan"
        scan_time "$d/base" >>"$d/t.base"
        case $tool in
        n/a*) ;;
        *) floor_time "$tool" "$raw" "$out" >>"$d/t.floor" ;;
        esac
        r=$((r + 1))
    done
    s=$(median <"$d/t.scan")
    b=$(median <"$d/t.base")
    f=-
    [ ! -s "$d/t.floor" ] || f=$(median <"$d/t.floor")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stem" "$bytes" "$s" "$b" "$f" "$tool" \
        "$found" "$ffound" >>"$rows"
done <"$work/formats.txt"

# a process start, which the command-line floors pay once a file
t0=$(now)
i=0
while [ "$i" -lt "$n" ]; do
    /bin/true
    i=$((i + 1))
done
spawn=$(elapsed "$t0" "$(now)")

echo
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -F'\t' -v n="$n" -v spawn="$spawn" '
BEGIN {
    fmt = "%-14s %6s %7s %8s %8s  %-27s %9s %6s  %-9s %s\n"
    printf fmt, "format", "bytes", "msg/s", "ms/msg", "base ms", "floor tool", "floor ms",
        "ratio", "exe found", "floor found"
}
{
    ms = $3 * 1000 / n
    base = $4 * 1000 / n
    if ($5 == "-") { floor = "-"; ratio = "-" }
    else {
        f = $5 * 1000 / n
        floor = sprintf("%.3f", f)
        ratio = f > 0 ? sprintf("%.1f", (ms - base) / f) : "-"
    }
    printf fmt, $1, $2, sprintf("%.0f", n / $3), sprintf("%.3f", ms), sprintf("%.3f", base), $6,
        floor, ratio, $7, $8
}
END {
    printf "\nA process start (/bin/true, %d times in a shell loop): %.3f ms; the command-line\n" \
        "floors include one a file, the libclamav floor none.\n", n, spawn * 1000 / n
}' "$rows"
