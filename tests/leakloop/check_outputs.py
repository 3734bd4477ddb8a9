#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks of leakloop's output files, called by test_outputs.c.

  check_outputs.py schema SCHEMA REPORT.json...  validate against the schema
  check_outputs.py svg CHART.svg                 well-formed, has the parts
  check_outputs.py png SCREENSHOT.png            not blank: ink and colours

Exit 0: passed; 1: failed (why on stderr); 77: cannot check here (a
module is missing), with the reason on stdout for the TAP skip line.
Runs with Debian's /usr/bin/python3: python3-jsonschema is a Debian package.
"""
import json
import struct
import sys
import xml.etree.ElementTree as ET
import zlib


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def check_schema(schema_path, reports):
    try:
        import jsonschema
    except ImportError:
        print("python3-jsonschema is not installed (scripts/packages.txt lists it)")
        sys.exit(77)
    with open(schema_path) as f:
        schema = json.load(f)
    # 2020-12 needs jsonschema >= 4; refuse to pass on an older one that
    # would silently ignore keywords it does not know.
    cls = getattr(jsonschema, "Draft202012Validator", None)
    if cls is None:
        fail("jsonschema too old for draft 2020-12")
    cls.check_schema(schema)
    validator = cls(schema)
    for path in reports:
        with open(path) as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            for e in errors[:10]:
                print("%s: at %s: %s" % (path, "/".join(map(str, e.path)), e.message),
                      file=sys.stderr)
            sys.exit(1)


def check_svg(path):
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.parse(path).getroot()        # raises on malformed XML
    if root.tag != ns + "svg":
        fail("root element is %s, not svg" % root.tag)
    texts = ["".join(t.itertext()) for t in root.iter(ns + "text")]
    lines = list(root.iter(ns + "polyline"))
    if not lines:
        fail("no data line (polyline) in the chart")
    for want in ("iterations (runs of the command)", "outstanding objects",
                 "change in active objects"):
        if want not in texts:
            fail("chart lacks the text %r" % want)
    numeric = [t for t in texts if t.replace("k", "").replace("M", "").replace(".", "").
               replace("-", "").isdigit()]
    if len(numeric) < 12:
        fail("chart has %d tick labels, want at least 12 (two panels)" % len(numeric))
    if not any(t.startswith("LEAK") for t in texts):
        fail("no legend entry names the leak")


def png_pixels(path):
    """RGB(A) 8-bit non-interlaced PNG to (width, height, list of pixel tuples)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail("unexpected PNG format: depth %d colour type %d interlace %d" %
             (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    pixels = []
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return w, h, pixels


def check_png(path):
    w, h, pixels = png_pixels(path)
    counts = {}
    for p in pixels:
        counts[p] = counts.get(p, 0) + 1
    background = max(counts, key=counts.get)
    ink = len(pixels) - counts[background]
    # Saturated colours drawn on many pixels: the data lines, not the
    # anti-aliasing greys around text.
    coloured = sorted((n, p) for p, n in counts.items()
                      if n >= 150 and max(p) - min(p) >= 60)
    print("%dx%d, background %s, %.1f%% ink, %d distinct colours, %d saturated ones: %s" %
          (w, h, background, 100.0 * ink / len(pixels), len(counts), len(coloured),
           [("#%02x%02x%02x" % p, n) for n, p in coloured[-6:]]))
    if ink < 0.02 * len(pixels):
        fail("screenshot nearly blank: %d of %d pixels differ from the background" %
             (ink, len(pixels)))
    if len(coloured) < 3:
        fail("fewer than 3 distinct line colours in the screenshot")


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    what = sys.argv[1]
    if what == "schema" and len(sys.argv) >= 4:
        check_schema(sys.argv[2], sys.argv[3:])
    elif what == "svg":
        check_svg(sys.argv[2])
    elif what == "png":
        check_png(sys.argv[2])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
