#!/usr/bin/env python3
"""compare_nn_layers.py: the stdlib's layers, losses and activations against PyTorch.

Runs tests/torch/nn_layers.zy, which saves, for each case, an input, params, the output
and the gradient of 0.5 * sum(y^2) with respect to both (f64), as safetensors. Reads
the file (zy_output.py), recomputes
every case with PyTorch's own operators (conv1d/conv2d/conv_transpose2d, pooling,
nn.LSTM/nn.GRU, the losses) on the same values, and checks outputs and gradients agree
to 1e-9 relative. Exits 77 (CTest's "skipped") when PyTorch is not installed.

Usage: compare_nn_layers.py ZY_BINARY ZY_FILE
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
    import torch.nn.functional as F
    from zy_output import run_and_read
except ImportError:
    print("skipped: PyTorch (Debian's python3-torch) is not installed")
    sys.exit(77)

def same_padding(n, size, stride):
    """TensorFlow's and JAX's "same": ceil(n / stride) outputs, the odd pad after."""
    total = max((-(-n // stride) - 1) * stride + size - n, 0)
    return total // 2, total - total // 2


def pad2d(x, size, stride, value=0.0):  # x NCHW
    top, bottom = same_padding(x.shape[2], size, stride)
    left, right = same_padding(x.shape[3], size, stride)
    return F.pad(x, (left, right, top, bottom), value=value)


def nchw(f):
    """Run an NCHW PyTorch function on an NHWC tensor."""
    return lambda x: f(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def conv1d(stride=1, padding="same"):
    def run(p, x):  # x NLC, w [size, C, out]
        w = p["w"].permute(2, 1, 0)
        xt = x.permute(0, 2, 1)
        if padding == "same":
            xt = F.pad(xt, same_padding(xt.shape[2], w.shape[2], stride))
        return F.conv1d(xt, w, p.get("b"), stride=stride).permute(0, 2, 1)
    return run


def conv2d(stride=1, padding="same"):
    def run(p, x):  # w [size, size, C, out] -> [out, C, size, size]
        w = p["w"].permute(3, 2, 0, 1)
        def f(xt):
            if padding == "same":
                xt = pad2d(xt, w.shape[2], stride)
            return F.conv2d(xt, w, p.get("b"), stride=stride)
        return nchw(f)(x)
    return run


def conv2d_transpose(stride=2, padding="same"):
    def run(p, x):  # w [size, size, C, out] -> PyTorch's [C, out, size, size]
        w = p["w"].permute(2, 3, 0, 1)
        size = w.shape[2]
        def f(xt):
            y = F.conv_transpose2d(xt, w, stride=stride)
            h, wd = xt.shape[2] * stride, xt.shape[3] * stride
            if padding == "same" and size >= stride:
                lo = (size - stride) // 2
                y = y[:, :, lo:lo + h, lo:lo + wd]
            elif padding == "same":  # past the kernels' footprints: the bias alone
                y = F.pad(y, (0, stride - size, 0, stride - size))
            return y + p["b"].reshape(1, -1, 1, 1) if "b" in p else y
        return nchw(f)(x)
    return run


def max_pool(size, stride, padding):
    def f(xt):
        if padding == "same":
            xt = pad2d(xt, size, stride, value=float("-inf"))
        return F.max_pool2d(xt, size, stride)
    return lambda p, x: nchw(f)(x)


def avg_pool(size, stride, padding):
    def f(xt):
        if padding == "valid":
            return F.avg_pool2d(xt, size, stride)
        # The mean over the positions inside the input only.
        inside = F.avg_pool2d(pad2d(torch.ones_like(xt[:, :1]), size, stride), size, stride)
        return F.avg_pool2d(pad2d(xt, size, stride), size, stride) / inside
    return lambda p, x: nchw(f)(x)


def attention(heads):
    def run(p, x):
        b, t, d = x.shape
        proj = lambda name, v: v @ p[name]["w"] + p[name]["b"]
        split = lambda v: v.reshape(b, t, heads, d // heads).transpose(1, 2)
        q, k, v = split(proj("q", x)), split(proj("k", x)), split(proj("v", x))
        weights = torch.softmax(q @ k.transpose(-1, -2) / (d / heads) ** 0.5, dim=-1)
        return proj("out", (weights @ v).transpose(1, 2).reshape(b, t, d))
    return run


def recurrent(kind, hidden):
    def run(p, x):  # x [T, B, F]: PyTorch's own cells (LSTMCell's, GRUCell's kernels), step by step
        # Zy's cells keep x @ W layouts ([in, gates]) with PyTorch's gate order
        # (LSTM i, f, g, o; GRU r, z, n); PyTorch's weights are the transposes.
        h_bias = p["h"]["b"] if "b" in p["h"] else torch.zeros(p["x"]["b"].shape, dtype=torch.float64)
        weights = (p["x"]["w"].t(), p["h"]["w"].t(), p["x"]["b"], h_bias)
        h = torch.zeros(x.shape[1], hidden, dtype=torch.float64)
        c = torch.zeros_like(h)
        outputs = []
        for t in range(x.shape[0]):
            if kind == "lstm":
                h, c = torch._VF.lstm_cell(x[t], (h, c), *weights)
            else:
                h = torch._VF.gru_cell(x[t], h, *weights)
            outputs.append(h)
        return torch.stack(outputs)
    return run


def layer_norm(p, x):
    return F.layer_norm(x, x.shape[-1:], p["scale"], p["shift"], eps=1e-5)


def rms_norm(p, x):  # PyTorch 1.13 has no rms_norm: the formula.
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + 1e-6) * p["scale"]


def batch_norm(p, x):
    xt = x.permute(0, 3, 1, 2)
    mean, var = torch.zeros(x.shape[-1], dtype=x.dtype), torch.ones(x.shape[-1], dtype=x.dtype)
    y = F.batch_norm(xt, mean, var, p["scale"], p["shift"], training=True, eps=1e-5)
    return y.permute(0, 2, 3, 1)


def mlp(p, x):
    layers = p["layers"]
    h = torch.relu(x @ layers["0"]["w"] + layers["0"]["b"])
    return h @ layers["1"]["w"] + layers["1"]["b"]


def unary(f):
    return lambda p, x: f(x)


CASES = {
    "conv1d_same": conv1d(),
    "conv1d_s2_valid": conv1d(stride=2, padding="valid"),
    "conv2d_same": conv2d(),
    "conv2d_s2_same": conv2d(stride=2),
    "conv2d_k2_same": conv2d(),
    "conv2d_s3_valid": conv2d(stride=3, padding="valid"),
    "convt_s2_valid": conv2d_transpose(padding="valid"),
    "convt_s2_same": conv2d_transpose(),
    "convt_k4_s2_same": conv2d_transpose(),
    "convt_k1_s2_same": conv2d_transpose(),
    "max_pool_2": lambda p, x: nchw(lambda t: F.max_pool2d(t, 2))(x[:, 0:6]),
    "max_pool_3_s2_same": max_pool(3, 2, "same"),
    "max_pool_3_s1_valid": max_pool(3, 1, "valid"),
    "avg_pool_2": lambda p, x: nchw(lambda t: F.avg_pool2d(t, 2))(x[:, 0:6]),
    "avg_pool_3_s2_same": avg_pool(3, 2, "same"),
    "avg_pool_2_s1_valid": avg_pool(2, 1, "valid"),
    "layer_norm": layer_norm,
    "rms_norm": rms_norm,
    "batch_norm": batch_norm,
    "attention": attention(3),
    "lstm": recurrent("lstm", 4),
    "gru": recurrent("gru", 4),
    "mlp": mlp,
    "relu": unary(torch.relu),
    "leaky_relu": unary(lambda x: F.leaky_relu(x, 0.01)),
    "elu": unary(F.elu),
    "sigmoid": unary(torch.sigmoid),
    "softplus": unary(F.softplus),
    "silu": unary(F.silu),
    "gelu": unary(lambda x: F.gelu(x, approximate="tanh")),
    "logsumexp": unary(lambda x: torch.logsumexp(x, -1)),
    "softmax": unary(lambda x: torch.softmax(x, -1)),
    "log_softmax": unary(lambda x: torch.log_softmax(x, -1)),
}


def main():
    cases = run_and_read(sys.argv[1], sys.argv[2])

    failures = []

    def check(name, ours, theirs):
        if tuple(ours.shape) != tuple(theirs.shape):
            failures.append(f"{name}: shape {tuple(ours.shape)} vs PyTorch's {tuple(theirs.shape)}")
            return
        err = (ours - theirs).abs().max().item() if ours.numel() else 0.0
        scale = max(theirs.abs().max().item() if theirs.numel() else 0.0, 1e-12)
        if not err <= 1e-9 * max(scale, 1.0):
            failures.append(f"{name}: max difference {err:.3g} (scale {scale:.3g})")

    def leaves(tree, prefix=""):
        for k, v in tree.items():
            if isinstance(v, dict):
                yield from leaves(v, prefix + k + ".")
            else:
                yield prefix + k, v

    def lookup(tree, dotted):
        for part in dotted.split("."):
            tree = tree[part]
        return tree

    losses = {  # of x and the targets t saved with it
        "cross_entropy": lambda x, t: F.cross_entropy(x, t.long()),
        "cross_entropy_soft": lambda x, t: F.cross_entropy(x, t),
        "nll": lambda x, t: F.nll_loss(torch.log_softmax(x, -1), t.long()),
        "mse": F.mse_loss,
        "bce_with_logits": F.binary_cross_entropy_with_logits,
    }
    for name, c in sorted(cases.items()):
        x = c["x"].clone().requires_grad_(True)
        p = {}
        for path, leaf in leaves(c.get("p", {})):
            node = p
            *parents, last = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = leaf.clone().requires_grad_(True)
        if name in CASES:
            y = CASES[name](p, x)
        elif name in losses:
            y = losses[name](x, c["t"])
        else:
            failures.append(f"{name}: no PyTorch counterpart in this script")
            continue
        (0.5 * (y ** 2).sum()).backward()
        check(name + ".y", c["y"], y.detach())
        check(name + ".gx", c["gx"], x.grad)
        for path, _ in leaves(c.get("p", {})):
            theirs = lookup(p, path).grad
            check(f"{name}.gp.{path}", lookup(c["gp"], path), theirs if theirs is not None else torch.zeros_like(lookup(c["gp"], path)))
        print(f"{name:22} matches PyTorch")

    compared = [n for n in cases if n in CASES or n in losses]
    missing = sorted((set(CASES) | set(losses)) - set(cases))
    if missing:
        failures.append("cases missing from the Zy output: " + ", ".join(missing))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"{len(compared)} cases (outputs and gradients) equal PyTorch {torch.__version__}'s to 1e-9 relative")


if __name__ == "__main__":
    main()
