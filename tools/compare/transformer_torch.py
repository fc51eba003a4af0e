"""transformer_torch.py: examples/transformer.zy's model and task trained with PyTorch,
for the comparison in docs/examples.md.

    /usr/bin/python3 tools/compare/transformer_torch.py           # the full run's sizes
    /usr/bin/python3 tools/compare/transformer_torch.py --small   # the quick run's

The same config (vocab 10, length 10, d_model 64, 4 heads, 2 layers, ff 128, dropout
0.1), the same layer as stdlib nn.transformer_encoder_layer (separate q/k/v/out
projections, post-norm, dropout on the two residual branches only, ReLU MLP), token
embeddings N(0, 0.02) times sqrt(d_model) plus sinusoidal positions, Glorot-uniform
weights and zero biases, Adam with 100 warm-up steps then a cosine decay from 1e-3,
batch 64, the same number of sequences and epochs. The digits and their shuffling come
from PyTorch's generator, not Zy's. PyTorch's best 2-core setting (2 threads,
OMP_WAIT_POLICY=PASSIVE).
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = dict(vocab=10, length=10, d_model=64, heads=4, layers=2, ff=128, dropout=0.1)


def linear(n_in, n_out):
    layer = nn.Linear(n_in, n_out)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ff, rate):
        super().__init__()
        self.heads, self.rate = heads, rate
        self.q, self.k, self.v, self.out = (linear(d, d) for _ in range(4))
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff1, self.ff2 = linear(d, ff), linear(ff, d)

    def attention(self, x):
        b, t, d = x.shape
        split = lambda y: y.reshape(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(2, 3) / math.sqrt(d / self.heads)
        return self.out((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))

    def forward(self, x):
        h = self.norm1(x + F.dropout(self.attention(x), self.rate, self.training))
        f = self.ff2(F.relu(self.ff1(h)))
        return self.norm2(h + F.dropout(f, self.rate, self.training))


def positional_encoding(length, dim):
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    i = torch.arange(dim, dtype=torch.float32)[None, :]
    angle = pos / 10000.0 ** (2.0 * torch.floor(i / 2.0) / dim)
    return torch.where(torch.arange(dim)[None, :] % 2 == 0, torch.sin(angle), torch.cos(angle))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embedding = nn.Embedding(c["vocab"], c["d_model"])
        nn.init.normal_(self.embedding.weight, std=0.02)
        self.layers = nn.ModuleList(EncoderLayer(c["d_model"], c["heads"], c["ff"], c["dropout"]) for _ in range(c["layers"]))
        self.out = linear(c["d_model"], c["vocab"])
        self.register_buffer("positions", positional_encoding(c["length"], c["d_model"]))

    def forward(self, tokens):
        h = self.embedding(tokens) * self.c["d_model"] ** 0.5 + self.positions
        for layer in self.layers:
            h = layer(h)
        return self.out(h)


def digits(n, c):
    return torch.randint(0, c["vocab"], (n, c["length"]))


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    small = "--small" in sys.argv
    c = CONFIG
    start = time.perf_counter()
    test_x = digits(1000, c)
    test_y = test_x.sort(dim=1).values
    n, epochs, batch = (4096, 3, 64) if small else (32768, 6, 64)
    xs = digits(n, c)
    ys = xs.sort(dim=1).values
    model = Transformer(c)
    steps = epochs * (n // batch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    # optim.warmup(1e-3, 100, after = optim.cosine(1e-3, steps)), as a factor of 1e-3.
    def factor(s):
        if s < 100:
            return (s + 1) / 100
        return 0.5 * (1 + math.cos(math.pi * min(s - 100, steps) / steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n)
        total = 0.0
        for b in range(n // batch):
            i = order[b * batch:(b + 1) * batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(xs[i]).reshape(-1, c["vocab"]), ys[i].reshape(-1))
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print(f"epoch {epoch}: mean loss {total / (n // batch):.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        predicted = model(test_x).argmax(-1)
    tokens = (predicted == test_y).float().mean().item()
    rows = (predicted == test_y).all(dim=1).float().mean().item()
    print(f"held-out token accuracy {tokens:.4f}, sorted sequences {rows:.4f}")
    print(f"{steps} steps in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
