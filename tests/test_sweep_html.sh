#!/bin/sh
# test_sweep_html.sh - the HTML sweep report opened in headless Chromium:
# it lays out, and its chart is drawn (bar colours found in a screenshot).
#   test_sweep_html.sh MAILSIFT SOURCE_DIR      exit 77: no chromium
set -eu
MS=$1
SRC=$2
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 "$SRC/tests/sweep/gen_store.py" small "$T/small"
"$MS" sweep --report "$T/report.html" "$T/small" >/dev/null 2>&1 || true
grep -q '<svg class="chart"' "$T/report.html" || { echo "FAIL: no chart in the report"; exit 1; }
if grep -Eq '(src|href)="(https?:)?//' "$T/report.html"; then
    echo "FAIL: the report loads something from the network"; exit 1
fi
run() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$T/profile" "$@" 2>/dev/null
}
run --dump-dom "file://$T/report.html" > "$T/dom.html"
grep -q 'class="bar"' "$T/dom.html" || { echo "FAIL: chromium's DOM has no chart bars"; exit 1; }
run --window-size=1000,800 --screenshot="$T/shot.png" "file://$T/report.html" >/dev/null
[ -s "$T/shot.png" ] || { echo "FAIL: no screenshot"; exit 1; }
python3 - "$T/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        bpp = {2: 3, 6: 4}[ctype]
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
red = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        if abs(r - 0xd6) < 8 and abs(g - 0x27) < 8 and abs(bl - 0x28) < 8:
            red += 1
    prev = line
# pci, the first category, is drawn in #d62728: 4 folders have a pci bar
if red < 200:
    sys.exit("FAIL: the chart's bars are not on the screenshot (%d pixels)" % red)
print("ok: chart rendered, %d bar pixels" % red)
PY
