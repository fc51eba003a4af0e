"""zy_output.py: run a Zy program that saves a tree of tensors, and read the tree back.

The comparison scripts beside it use this: the program is run as `zy run PROGRAM -- FILE`
and writes FILE with `save`; the file is read with a few lines of json and numpy (the
safetensors format: an 8-byte little-endian header length, a JSON header of
dtype/shape/data_offsets, raw little-endian data) into nested dicts of torch tensors,
split at the dots of the names (`encoder.layers.0.w`).
"""
import json
import os
import struct
import subprocess
import tempfile

import numpy as np
import torch

DTYPES = {"F64": np.float64, "F32": np.float32, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    tree = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        array = np.frombuffer(data[lo:hi], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        node = tree
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = torch.from_numpy(array.copy())
    return tree


def run_and_read(zy, program):
    """Runs `zy run PROGRAM -- FILE` and returns the tree the program saved to FILE."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.safetensors")
        subprocess.run([zy, "run", program, "--", path], check=True, capture_output=True, text=True)
        return read_safetensors(path)
