#!/usr/bin/env python3
"""test_plot.py: the metrics and plot modules as a user meets them: metrics against
values worked out by hand (as scikit-learn gives them), and the files plot writes read
back with independent parsers: the SVGs with xml.etree (structure, one polyline point
per value, the legend's names, a cell per class), the PNGs by decoding their pixels with
zlib (size, the line's colour where the data put it, the image grid's layout).
Usage: test_plot.py PATH/TO/zy"""
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

zy = sys.argv[1]
tmp = tempfile.mkdtemp()
failures = []
SVG = "{http://www.w3.org/2000/svg}"


def check(name, condition, detail=""):
    if not condition:
        failures.append(f"FAIL {name}\n{detail}")


def png_pixels(path):
    """(width, height, channels, rows of bytes) of an 8-bit, filter-0 PNG (as Zy writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", None
    while at < len(data):
        (n,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    width, height, depth, colour = header[:4]
    channels = 3 if colour == 2 else 1
    raw = zlib.decompress(idat)
    stride = 1 + width * channels
    return width, height, channels, [raw[r * stride + 1:(r + 1) * stride] for r in range(height)]


program = os.path.join(tmp, "plots.zy")
with open(program, "w") as f:
    f.write(f'''
fn main() {{
    let y = tensor([0, 1, 2, 2, 1, 0, 2, 1])
    let p = tensor([0, 2, 2, 2, 1, 1, 0, 1])
    let cm = metrics.confusion_matrix(p, y, 3)
    print(cm)
    let (precision, recall, f1) = metrics.precision_recall_f1(cm)
    print(precision, recall, f1)
    let logits = tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]])
    let labels = tensor([1, 1, 2, 1])
    print(metrics.accuracy(logits, labels), metrics.top_k_accuracy(logits, labels, 2))
    let losses = tensor([2.0, 1.5, 1.2, 1.0, 0.9, 0.8])
    plot.line({{train: losses, eval: losses + 0.25}}, path = "{tmp}/loss.svg", title = "loss curve")
    plot.line(losses, path = "{tmp}/loss.png")
    plot.images(ones([5, 4, 3]) * 0.5, path = "{tmp}/grid.png", cols = 2)
    plot.confusion(cm, path = "{tmp}/cm.svg", labels = ["a", "b", "c"])
}}
''')
r = subprocess.run([zy, "run", program], capture_output=True, text=True, timeout=120)
check("the program runs", r.returncode == 0, r.stdout + r.stderr)
lines = r.stdout.splitlines()
if r.returncode == 0:
    # sklearn.metrics.confusion_matrix(y, p) and precision_recall_fscore_support(y, p)
    check("confusion matrix", lines[0] == "tensor([[1, 1, 0], [0, 2, 1], [1, 0, 2]], i32[3, 3])", lines[0])
    check("precision, recall, F1", lines[1] == "tensor([0.5, 0.6667, 0.6667], f32[3]) " * 2 +
          "tensor([0.5, 0.6667, 0.6667], f32[3])", lines[1])
    # argmax right for rows 0 and 2: 0.5; top-2 right for all four: row 1's label is second,
    # row 3's ties with the third class and a tie counts for the label
    check("accuracy and top-k", lines[2] == "tensor(0.5, f32[]) tensor(1, f32[])", lines[2])

    root = ET.parse(os.path.join(tmp, "loss.svg")).getroot()
    lines_drawn = root.findall(f"{SVG}polyline")
    check("one polyline per series", len(lines_drawn) == 2, str(len(lines_drawn)))
    for line in lines_drawn:
        points = line.get("points").split()
        check("a point per value", len(points) == 6, line.get("points"))
    texts = [t.text for t in root.findall(f"{SVG}text")]
    check("title and legend", "loss curve" in texts and "train" in texts and "eval" in texts, str(texts))
    # the first value (2.0 + 0.25, the highest) is drawn above the last (0.8)
    ys = [float(p.split(",")[1]) for p in lines_drawn[1].get("points").split()]
    check("higher values are drawn higher", ys[0] < ys[-1], str(ys))

    cm = ET.parse(os.path.join(tmp, "cm.svg")).getroot()
    check("a cell per class pair", len(cm.findall(f"{SVG}rect")) == 1 + 9, str(len(cm.findall(f"{SVG}rect"))))
    check("counts written in the cells", [t.text for t in cm.findall(f"{SVG}text")].count("2") == 2)

    w, h, c, rows = png_pixels(os.path.join(tmp, "loss.png"))
    check("line PNG size", (w, h, c) == (640, 400, 3), str((w, h, c)))
    blue = sum(1 for row in rows for x in range(w) if row[3 * x:3 * x + 3] == bytes([31, 120, 181]))
    check("the line is drawn in its colour", blue > 600, str(blue))
    # the first value is the highest: the line starts near the top of the plot, at x = 30
    top = [y for y in range(h) if rows[y][90:93] == bytes([31, 120, 181])]
    check("the line starts at the top left", top and min(top) <= 32, str(top[:5]))

    w, h, c, rows = png_pixels(os.path.join(tmp, "grid.png"))
    # 5 images of 4 x 3 in 2 columns: 3 rows of (4 + 1) x 2 columns of (3 + 1)
    check("grid size", (w, h, c) == (8, 15, 1), str((w, h, c)))
    check("images and the white between them", rows[0][0] == 128 and rows[0][3] == 255 and rows[4][0] == 255, str(rows[:5]))

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("plot and metrics: all checks passed")
