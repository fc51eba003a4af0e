"""fashion_torch.py: the Fashion-MNIST examples' models trained with PyTorch, for the
accuracy and time comparison in docs/examples.md.

    /usr/bin/python3 tools/compare/fashion_torch.py mlp   # examples/fashion_mlp.zy's model
    /usr/bin/python3 tools/compare/fashion_torch.py cnn   # examples/fashion_cnn.zy's model

Same architecture, initialisers' kinds, optimizer, schedule, batch size and epochs as the
Zy programs; PyTorch's best 2-core setting (2 threads, OMP_WAIT_POLICY=PASSIVE).
"""
import gzip
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DIR = "/usr/share/datasets/fashion-mnist/"


def idx(name):
    with gzip.open(DIR + name) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(784, 256), nn.Linear(256, 128)])
        self.out = nn.Linear(128, 10)
        for m in [*self.layers, self.out]:  # glorot weights, zero biases, as Zy's nn.linear
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        for layer in self.layers:
            x = F.relu(layer(x))
        return self.out(x)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32, momentum=0.1)
        self.conv2, self.bn2 = nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64, momentum=0.1)
        self.dense, self.out = nn.Linear(7 * 7 * 64, 128), nn.Linear(128, 10)
        for m in [self.conv1, self.conv2]:  # he weights, as Zy's nn.conv2d
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
        for m in [self.dense, self.out]:
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        h = F.max_pool2d(F.relu(self.bn2(self.conv2(h))), 2)
        return self.out(F.relu(self.dense(h.flatten(1))))


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    which = sys.argv[1]
    xs = torch.tensor(idx("train-images-idx3-ubyte.gz"), dtype=torch.float32) / 255.0
    ys = torch.tensor(idx("train-labels-idx1-ubyte.gz"), dtype=torch.long)
    tx = torch.tensor(idx("t10k-images-idx3-ubyte.gz"), dtype=torch.float32) / 255.0
    ty = torch.tensor(idx("t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    if which == "mlp":
        model, epochs, batch, lr = Mlp(), 20, 128, 1e-3
        xs, tx = xs.reshape(-1, 784), tx.reshape(-1, 784)
    else:
        model, epochs, batch, lr = Cnn(), 8, 64, 2e-3
        xs, tx = xs.reshape(-1, 1, 28, 28), tx.reshape(-1, 1, 28, 28)
    steps = epochs * (xs.shape[0] // batch)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(xs.shape[0])
        for b in range(xs.shape[0] // batch):
            i = order[b * batch:(b + 1) * batch]
            opt.zero_grad()
            F.cross_entropy(model(xs[i]), ys[i]).backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(tx[i:i + 500]).argmax(1) == ty[i:i + 500]).sum().item() for i in range(0, 10000, 500)) / 10000
        print(f"epoch {epoch}: test accuracy {acc:.4f}, {time.perf_counter() - start:.0f} s", flush=True)
    print(f"{which}: test accuracy {acc:.4f} after {epochs} epochs, {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
