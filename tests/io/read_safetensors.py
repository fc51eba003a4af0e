#!/usr/bin/python3
"""read_safetensors.py: reads a checkpoint Zy wrote with an independent safetensors reader.

Runs tests/io/write_checkpoint.zy (which saves a tree built from arange values), then
parses the file here from the format's definition alone -- an 8-byte little-endian header
length, a JSON header of {name: {dtype, shape, data_offsets}} plus __metadata__, then
raw little-endian data -- with json and numpy, and compares names, dtypes, shapes and
every value with what this file works out. Exits 77 (CTest's "skipped") without numpy.
Usage: read_safetensors.py ZY WRITE_CHECKPOINT_ZY
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("skipped: numpy is not installed")
    sys.exit(77)

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "BOOL": "|b1"}


def read(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors, end = {}, 0
    for name, info in header.items():
        lo, hi = info["data_offsets"]
        a = np.frombuffer(body[lo:hi], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        assert a.nbytes == hi - lo, name
        tensors[name] = (info["dtype"], a)
        end = max(end, hi)
    assert end == len(body), f"{len(body) - end} bytes after the last tensor"
    return tensors, meta


def arange_f32(shape):
    return (np.arange(int(np.prod(shape)), dtype=np.float32) + np.float32(0.5)).reshape(shape)


def main():
    zy, program = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "tree.safetensors")
        subprocess.run([zy, "run", program, "--", path], check=True)
        tensors, meta = read(path)
    expected = {
        "encoder.layers.0.w": ("F32", arange_f32([3, 4])),
        "encoder.layers.0.b": ("F32", arange_f32([4])),
        "encoder.layers.1.w": ("F32", arange_f32([4, 2])),
        "encoder.layers.1.b": ("F32", arange_f32([2])),
        "encoder.norm.mean": ("F32", arange_f32([2])),
        "counts": ("I32", (np.arange(6, dtype=np.int32) - 2).reshape(2, 3)),
        "scale": ("F64", np.arange(4, dtype=np.float64) / 3.0),
        "mask": ("BOOL", np.arange(5) % 2 == 0),
        "step": ("I32", np.array(7, dtype=np.int32)),
        "lr": ("F64", np.array(0.25)),
    }
    assert sorted(tensors) == sorted(expected), (sorted(tensors), sorted(expected))
    for name, (dtype, want) in expected.items():
        got_dtype, got = tensors[name]
        assert got_dtype == dtype, (name, got_dtype, dtype)
        assert got.shape == want.shape, (name, got.shape, want.shape)
        # Bit for bit: the division by 3 is one correctly rounded f64 operation on both sides.
        assert np.array_equal(got, want), (name, got, want)
    assert meta.get("zy.state") == "encoder.norm.mean", meta
    assert meta.get("zy.ints") == "step" and meta.get("zy.floats") == "lr", meta
    # zy.tree, the tree's shape (a JSON string, as safetensors metadata values are):
    # 0 for a leaf, ["record", key, sub, ...], ["list", sub, ...]; its leaves' paths are
    # exactly the tensor names.
    def leaves(node, path):
        if node == 0:
            return [path]
        kind, rest = node[0], node[1:]
        join = lambda key: f"{path}.{key}" if path else str(key)
        if kind == "record":
            return [p for k, sub in zip(rest[::2], rest[1::2]) for p in leaves(sub, join(k))]
        assert kind in ("list", "tuple"), node
        return [p for i, sub in enumerate(rest) for p in leaves(sub, join(i))]
    assert sorted(leaves(json.loads(meta["zy.tree"]), "")) == sorted(expected), meta["zy.tree"]
    print(f"read {len(tensors)} tensors zy wrote; names, dtypes, shapes and values agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
