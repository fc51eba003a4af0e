#!/usr/bin/env python3
"""compare_optimizers.py: optim's optimizers and schedules against torch.optim.

Runs tests/torch/optimizers.zy, which takes six steps of each optimizer on a fixed f64
problem and saves the params after every step (safetensors); takes the same steps
with torch.optim (and its LR schedulers) from the same start, and checks every step's
params agree to 1e-9 relative. Exits 77 (CTest's "skipped") when PyTorch is not
installed.

Usage: compare_optimizers.py ZY_BINARY ZY_FILE
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
    from zy_output import run_and_read
except ImportError:
    print("skipped: PyTorch (Debian's python3-torch) is not installed")
    sys.exit(77)


def loss(a, b):
    return 0.25 * (a ** 4).sum() + torch.sin(b).sum() + a.sum() * b.sum()


def cosine(lr, steps):  # optim.cosine(lr, steps): half a cosine, then 0
    return lambda step: 0.5 * lr * (1 + math.cos(math.pi * min(step, steps) / steps)) / lr


RUNS = {
    "sgd": (lambda ps: torch.optim.SGD(ps, lr=0.05), None),
    "momentum": (lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8), None),
    "nesterov": (lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True), None),
    "adam": (lambda ps: torch.optim.Adam(ps, lr=0.1), None),
    "adamw": (lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.05), None),
    "rmsprop": (lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8), None),
    "adam_cosine": (lambda ps: torch.optim.Adam(ps, lr=0.1), lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, cosine(0.1, 4))),
    "sgd_step": (lambda ps: torch.optim.SGD(ps, lr=0.1), lambda opt: torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)),
}

# Zy computes schedules in f32 (the step count is an i32 tensor, the rate an f32 one),
# so a scheduled run agrees with f64 PyTorch to f32 rounding of the rate.
TOLERANCE = {"adam_cosine": 1e-6, "sgd_step": 1e-6}


def main():
    runs = run_and_read(sys.argv[1], sys.argv[2])

    failures = []
    for name, (make, schedule) in RUNS.items():
        if name not in runs:
            failures.append(f"{name}: missing from the Zy output")
            continue
        a = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([[0.3, -0.7], [1.2, 0.1]], dtype=torch.float64, requires_grad=True)
        opt = make([a, b])
        sched = schedule(opt) if schedule else None
        ours = runs[name]
        steps = ours["a"].shape[0]
        worst = 0.0
        for i in range(steps):
            opt.zero_grad()
            loss(a, b).backward()
            opt.step()
            if sched:
                sched.step()
            for key, theirs in (("a", a), ("b", b)):
                err = (ours[key][i] - theirs.detach()).abs().max().item()
                worst = max(worst, err / max(theirs.detach().abs().max().item(), 1.0))
        tol = TOLERANCE.get(name, 1e-9)
        status = "matches" if worst <= tol else "DIFFERS"
        print(f"{name:12} {steps} steps, worst relative difference {worst:.2g} (tolerance {tol:g}): {status}")
        if worst > tol:
            failures.append(f"{name}: relative difference {worst:.3g} > {tol:g}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"{len(RUNS)} optimizer runs equal torch.optim's (PyTorch {torch.__version__})")


if __name__ == "__main__":
    main()
