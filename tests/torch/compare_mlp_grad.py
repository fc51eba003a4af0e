#!/usr/bin/env python3
"""compare_mlp_grad.py: Zy's gradient of an MLP with cross-entropy against PyTorch's.

Runs tests/torch/mlp_grad.zy, which prints the batch, the weights, the loss and the
gradient (f64, full precision); rebuilds the same MLP in PyTorch with those weights and
checks loss and every gradient agree to 1e-5 relative. Exits 77 (CTest's "skipped")
when PyTorch is not installed.

Usage: compare_mlp_grad.py ZY_BINARY ZY_FILE
"""
import subprocess
import sys

try:
    import torch
except ImportError:
    print("skipped: PyTorch (Debian's python3-torch) is not installed")
    sys.exit(77)


def read_dump(text):
    tensors = {}
    for line in text.splitlines():
        name, shape, *values = line.split()
        dims = [int(d) for d in shape[1:].split(",") if d]  # "s5,8," is [5, 8]; "s" a scalar
        t = torch.tensor([float(v) for v in values], dtype=torch.float64)
        tensors[name] = t.reshape(dims)
    return tensors


def main():
    zy, program = sys.argv[1], sys.argv[2]
    out = subprocess.run([zy, "run", program], check=True, capture_output=True, text=True).stdout
    d = read_dump(out)
    x, y = d["x"], d["y"].long()
    layers = sorted({k.split(".")[2] for k in d if k.startswith("param.layers.")}, key=int)
    params = []
    for i in layers:
        w = d[f"param.layers.{i}.w"].clone().requires_grad_(True)
        b = d[f"param.layers.{i}.b"].clone().requires_grad_(True)
        params.append((i, w, b))
    h = x
    for n, (i, w, b) in enumerate(params):
        h = h @ w + b
        if n < len(params) - 1:
            h = torch.tanh(h)
    loss = torch.nn.functional.cross_entropy(h, y)
    loss.backward()

    failures = []

    def check(name, ours, theirs):
        err = (ours - theirs).abs().max().item()
        scale = theirs.abs().max().item()
        if err > 1e-5 * max(scale, 1e-12):
            failures.append(f"{name}: max difference {err:.3g} (scale {scale:.3g})")
        print(f"{name:16} max |zy - torch| = {err:.3g}")

    check("loss", d["loss"], loss.detach())
    for i, w, b in params:
        check(f"layers.{i}.w", d[f"grad.layers.{i}.w"], w.grad)
        check(f"layers.{i}.b", d[f"grad.layers.{i}.b"], b.grad)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"Zy's gradients equal PyTorch {torch.__version__}'s to 1e-5 relative")


if __name__ == "__main__":
    main()
