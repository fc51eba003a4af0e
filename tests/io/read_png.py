#!/usr/bin/python3
"""read_png.py: an independent check of io.save_image (zlib and struct only, no PIL).

Runs tests/io/save_image.zy with zy, which writes PNGs of images whose pixels are known,
then decodes each file here -- signature, chunk CRCs, IHDR, inflated IDAT rows with any
filter type -- and compares every pixel with the values worked out in this file.
Usage: read_png.py ZY SAVE_IMAGE_ZY
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib


def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: bad signature"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"{path}: bad CRC in {kind}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", f"{path}: chunk order {[k for k, _ in chunks]}"
    width, height, depth, colour, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and comp == 0 and filt == 0 and interlace == 0
    channels = {0: 1, 2: 3}[colour]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1), f"{path}: {len(raw)} bytes of rows"
    rows, previous = [], [0] * stride
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], list(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, upleft = previous[i], previous[i - channels] if i >= channels else 0
            if ftype == 1: line[i] = (line[i] + left) & 0xFF
            elif ftype == 2: line[i] = (line[i] + up) & 0xFF
            elif ftype == 3: line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif ftype == 4:
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upleft)) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    zy, program = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([zy, "run", program, "--", tmp], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout, run.stderr)
            return 1
        # gray.png: f32 [3, 4] with x[i, j] = (4 i + j) / 11, so 255 (4 i + j) / 11, rounded.
        w, h, c, rows = decode(os.path.join(tmp, "gray.png"))
        assert (w, h, c) == (4, 3, 1), (w, h, c)
        expected = [[int(255 * (4 * i + j) / 11 + 0.5) for j in range(4)] for i in range(3)]
        assert rows == expected, (rows, expected)
        # clipped.png: f32 [1, 4] = [-1, 0.5, 2, nan] -> 0, 128, 255, 0.
        w, h, c, rows = decode(os.path.join(tmp, "clipped.png"))
        assert rows == [[0, 128, 255, 0]], rows
        # rgb.png: i32 [2, 3, 3] with x[i, j, k] = 40 i + 10 j + k, and one value above 255.
        w, h, c, rows = decode(os.path.join(tmp, "rgb.png"))
        assert (w, h, c) == (3, 2, 3), (w, h, c)
        expected = [[40 * i + 10 * j + k for j in range(3) for k in range(3)] for i in range(2)]
        expected[1][8] = 255
        assert rows == expected, (rows, expected)
        # big.png: 300 x 200 grayscale, x[i, j] = ((i * 7 + j * 3) % 256) as i32.
        w, h, c, rows = decode(os.path.join(tmp, "big.png"))
        assert (w, h, c) == (200, 300, 1)
        assert rows == [[(i * 7 + j * 3) % 256 for j in range(200)] for i in range(300)]
        # mask.png: bool [2, 2, 1] = [[true, false], [false, true]].
        w, h, c, rows = decode(os.path.join(tmp, "mask.png"))
        assert (w, h, c, rows) == (2, 2, 1, [[255, 0], [0, 255]]), (w, h, c, rows)
        leftovers = [f for f in os.listdir(tmp) if ".tmp-" in f]
        assert not leftovers, leftovers
    print("the PNGs zy wrote decode to the expected pixels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
