#!/usr/bin/python3
"""hostile_checkpoints.py: `load` (and data.csv) on files written to break them.

Each case writes a file here, with json and struct alone, has `zy run` load it, and
checks the outcome: either the tree it must give, or a runtime error (exit 2) naming the
file and what is wrong. Never a silent loss, an undefined conversion, a crash or a hang:
  - a tensor named "" beside others (it once made load return none and drop the rest);
    names with an empty part;
  - host numbers (zy.ints, zy.bools) stored as NaN, 1e30 or 2.5 (once INT64_MIN);
    a CSV field too large for f32;
  - a name of 100,000 dotted parts in 200 KB (once 35 s and 12 GB before an error),
    200,000 tensors with a duplicate name at the end (once quadratic), a zy.tree nested
    100,000 deep.
Times are not asserted; each run has a generous timeout only as a guard against a hang.
Usage: hostile_checkpoints.py PATH/TO/zy
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

zy = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp()

LOAD = os.path.join(tmp, "load.zy")
with open(LOAD, "w") as f:
    f.write("fn main() {\n    let p = load(args()[0])\n    print(len(tree.paths(p)))\n    print(p)\n}\n")
COUNT = os.path.join(tmp, "count.zy")
with open(COUNT, "w") as f:
    f.write("fn main() {\n    print(len(tree.paths(load(args()[0]))))\n}\n")
CSV = os.path.join(tmp, "csv.zy")
with open(CSV, "w") as f:
    f.write("fn main() {\n    print(data.csv(args()[0]))\n}\n")


def write_raw(name, header_text, data=b""):
    """A safetensors file with exactly this header text (so keys may repeat)."""
    path = os.path.join(tmp, name)
    head = header_text.encode()
    head += b" " * (-(8 + len(head)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + data)
    return path


def write(name, tensors, metadata=None):
    """tensors: [(name, dtype, shape, bytes)], in order; metadata: a dict of strings."""
    entries, data = [], b""
    if metadata is not None:
        entries.append('"__metadata__":' + json.dumps(metadata))
    for key, dtype, shape, raw in tensors:
        info = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        entries.append(json.dumps(key) + ":" + json.dumps(info))
        data += raw
    return write_raw(name, "{" + ",".join(entries) + "}", data)


def f32(*values):
    return struct.pack(f"<{len(values)}f", *values)


def f64(*values):
    return struct.pack(f"<{len(values)}d", *values)


def run(name, program, path, status, wants, timeout=120):
    """Runs `program` on `path`; checks the exit status and that every text of `wants`
    is in stdout (status 0) or stderr (otherwise)."""
    try:
        r = subprocess.run([zy, "run", program, "--", path], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        failures.append(f"FAIL {name}: no answer in {timeout} s")
        return
    out = r.stdout if status == 0 else r.stderr
    if r.returncode != status or not all(w in out for w in wants):
        failures.append(f"FAIL {name}: exit {r.returncode} (expected {status}), wanted {wants!r}\n"
                        f"stdout: {r.stdout[:2000]}\nstderr: {r.stderr[:2000]}")


# ---------------------------------------------------------------- A1: the name ""
p = write("empty_name.safetensors", [("w", "F32", [2], f32(1, 2)), ("", "F32", [2], f32(3, 4)), ("b", "F32", [1], f32(5))])
run("a tensor named \"\" beside others", LOAD, p, 2,
    ["empty_name.safetensors: it has a tensor named \"\" (a whole tree that is one tensor) beside other tensors"])
p = write("root_only.safetensors", [("", "F32", [2], f32(3, 4))])
run("a tensor named \"\" alone is the whole tree", LOAD, p, 0, ["1\ntensor([3, 4], f32[2])"])
for bad in ["a..b", ".a", "a."]:
    p = write("empty_part.safetensors", [("w", "F32", [1], f32(1)), (bad, "F32", [1], f32(2))])
    run(f"the name {bad!r}", LOAD, p, 2, [f'empty_part.safetensors: tensor "{bad}": its name has an empty part'])

# ---------------------------------------------------------------- A2: host numbers that are not what they claim
for value, text in [(float("nan"), "nan"), (1e30, "1e+30"), (2.5, "2.5"), (float("inf"), "inf")]:
    p = write("bad_int.safetensors", [("step", "F64", [], f64(value)), ("w", "F32", [1], f32(1))], {"zy.ints": "step"})
    run(f"an int stored as {text}", LOAD, p, 2,
        [f'bad_int.safetensors: tensor "step": __metadata__ lists it as an int, but its value is {text}'])
p = write("bad_int32.safetensors", [("step", "F32", [], f32(float("nan")))], {"zy.ints": "step"})
run("an int stored as an f32 NaN", LOAD, p, 2, ['tensor "step": __metadata__ lists it as an int, but its value is nan'])
p = write("good_int.safetensors", [("step", "F64", [], f64(-7.0))], {"zy.ints": "step"})
run("an int stored as a whole f64", LOAD, p, 0, ["{step: -7}"])
p = write("bad_bool.safetensors", [("warm", "F32", [], f32(0.5))], {"zy.bools": "warm"})
run("a bool stored as 0.5", LOAD, p, 2, ['tensor "warm": __metadata__ lists it as a bool, but its value is 0.5'])
p = write("int_vector.safetensors", [("step", "I32", [2], struct.pack("<2i", 1, 2))], {"zy.ints": "step"})
run("an int that is not a scalar", LOAD, p, 2, ['tensor "step": __metadata__ lists it as a number, but it has the shape [2]'])
with open(os.path.join(tmp, "big.csv"), "w") as f:
    f.write("a,b\n1,2\n3,1e39\n")
run("a CSV field too large for f32", CSV, os.path.join(tmp, "big.csv"), 2, ["big.csv:3: field 2 is 1e39, which is out of range for f32"])
with open(os.path.join(tmp, "inf.csv"), "w") as f:
    f.write("a,b\n1,inf\n")
run("a CSV field written as inf is read", CSV, os.path.join(tmp, "inf.csv"), 0, ["inf"])

# ---------------------------------------------------------------- A3: size and depth
deep = ".".join(["a"] * 100_000)  # 200 KB of name
p = write("deep_name.safetensors", [(deep, "F32", [1], f32(1))])
run("a name of 100,000 parts", LOAD, p, 2, ["deep_name.safetensors: tensor \"a.a.a", "its name has 100000 dot-separated parts, more than the 64"])
p = write("deep_65.safetensors", [(".".join(["a"] * 65), "F32", [1], f32(1))])
run("a name of 65 parts", LOAD, p, 2, ["its name has 65 dot-separated parts"])
p = write("deep_64.safetensors", [(".".join(["a"] * 64), "F32", [1], f32(1))])
run("a name of 64 parts loads", LOAD, p, 0, ["1\n{a: {a: {a:"])

many = [(f"k{i}", "F32", [], f32(i)) for i in range(200_000)]
p = write("many.safetensors", many)
run("200,000 tensors load", COUNT, p, 0, ["200000\n"])
entries = ",".join(f'"k{i}":{{"dtype":"F32","shape":[],"data_offsets":[{4 * i},{4 * i + 4}]}}' for i in range(200_000))
p = write_raw("duplicate.safetensors", "{" + entries + ',"k7":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}', b"\0" * 800_000)
run("200,000 tensors and a duplicate name", COUNT, p, 2, ['duplicate.safetensors: bad JSON header at byte', 'duplicate key "k7"'])
p = write("deep_skeleton.safetensors", [("w", "F32", [1], f32(1))], {"zy.tree": "[" * 100_000 + "]" * 100_000})
run("a zy.tree nested 100,000 deep", LOAD, p, 2, ["deep_skeleton.safetensors: __metadata__.zy.tree: bad JSON header at byte 66: nested more than 65 deep"])

# ---------------------------------------------------------------- A4: a recorded tree that disagrees with the tensors
tree = json.dumps(["record", "a", 0, "b", ["list"]])
p = write("skeleton_missing.safetensors", [("a", "F32", [1], f32(1))], {"zy.tree": json.dumps(["record", "a", 0, "c", 0])})
run("zy.tree names a tensor the file lacks", LOAD, p, 2, ["__metadata__.zy.tree has a leaf `c`, but the file has no tensor of that name"])
p = write("skeleton_extra.safetensors", [("a", "F32", [1], f32(1)), ("z", "F32", [1], f32(2))], {"zy.tree": tree})
run("a tensor zy.tree does not list", LOAD, p, 2, ['tensor "z" is not a leaf of the tree __metadata__.zy.tree records'])
p = write("skeleton_ok.safetensors", [("a", "F32", [1], f32(1))], {"zy.tree": json.dumps(["record", "a", 0, "b", ["list"], "c", ["tuple", ["record"]]])})
run("zy.tree gives empty subtrees and tuples", LOAD, p, 0, ["{a: tensor([1], f32[1]), b: [], c: ({},)}"])

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("hostile checkpoints: all checks passed")
