"""bench_torch.py: the PyTorch side of the benchmarks, the same cases as bench.zy.

    python3 tools/bench/bench_torch.py CASE STEPS

prints `CASE t1 t2 t3 t4 t5` (milliseconds per step in 5 blocks of STEPS steps, after
3 warm-up steps), with PyTorch's best 2-core setting: torch.set_num_threads(2), and
OMP_WAIT_POLICY=PASSIVE set by the caller (tools/bench/run).
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)


def mlp(sizes, n_in):
    layers, d = [], n_in
    for i, s in enumerate(sizes):
        layers.append(nn.Linear(d, s))
        if i < len(sizes) - 1:
            layers.append(nn.ReLU())
        d = s
    return nn.Sequential(*layers)


class Cnn(nn.Module):
    """NHWC in Zy; NCHW here, PyTorch's native layout (the same arithmetic)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.dense = nn.Linear(64 * 7 * 7, 128)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return self.out(F.relu(self.dense(h.flatten(1))))


def main():
    case, steps = sys.argv[1], int(sys.argv[2])
    if case == "cnn":
        model, x = Cnn(), torch.randn(64, 1, 28, 28)
        y = torch.randint(0, 10, (64,))
        loss_fn = F.cross_entropy
    elif case == "transformer":
        model = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
        x, y = torch.randn(16, 32, 64), torch.randn(16, 32, 64)
        loss_fn = F.mse_loss
    else:
        tiny = case == "tiny"
        sizes, n_in = ([32, 10], 64) if tiny else ([512, 512, 10], 784)
        batch = 32 if tiny else (1 if case == "infer" else 128)
        model, x = mlp(sizes, n_in), torch.randn(batch, n_in)
        y = torch.randint(0, 10, (batch,))
        loss_fn = F.cross_entropy
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        if case == "infer":
            with torch.no_grad():
                model(x)
            return
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    if case == "startup":
        step()
        print("startup done")
        return
    for _ in range(3):
        step()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) * 1000 / steps)
    print(case, " ".join(f"{t:.4f}" for t in times))


if __name__ == "__main__":
    main()
