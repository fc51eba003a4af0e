#!/usr/bin/python3
"""quickstart.py: PyTorch's Quickstart tutorial as examples/quickstart.zy runs it, for the
side-by-side numbers in docs/examples.md (not part of the test suite: it takes a minute).

    /usr/bin/python3 tools/compare/quickstart_torch.py [--small]

The tutorial's model, loss, optimizer, batch size, epochs and print-outs; the data read
from the same IDX files (torchvision's FashionMNIST would download them), in order.
"""
import gzip
import sys
import time

import numpy as np
import torch
from torch import nn

DIR = "/usr/share/datasets/fashion-mnist/"


def idx(path):
    with gzip.open(path) as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(train, count):
    split = "train" if train else "t10k"
    x = idx(f"{DIR}{split}-images-idx3-ubyte.gz")[:count]
    y = idx(f"{DIR}{split}-labels-idx1-ubyte.gz")[:count]
    return torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28) / 255.0, torch.tensor(y, dtype=torch.int64)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                                               nn.Linear(512, 10))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def batches(x, y, size):
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def train(data, model, loss_fn, optimizer, batch_size):
    x, y = data
    size = len(x)
    model.train()
    for batch, (X, Y) in enumerate(batches(x, y, batch_size)):
        loss = loss_fn(model(X), Y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 100 == 0:
            print(f"loss: {loss.item():>7f}  [{(batch + 1) * len(X):>5d}/{size:>5d}]")


def test(data, model, loss_fn, batch_size):
    x, y = data
    size, num_batches, test_loss, correct = len(x), 0, 0.0, 0.0
    model.eval()
    with torch.no_grad():
        for X, Y in batches(x, y, batch_size):
            pred = model(X)
            test_loss += loss_fn(pred, Y).item()
            correct += (pred.argmax(1) == Y).type(torch.float).sum().item()
            num_batches += 1
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


def main():
    small = "--small" in sys.argv
    torch.manual_seed(0)
    torch.set_num_threads(2)
    start = time.perf_counter()
    training_data = fashion_mnist(True, 6400 if small else 60000)
    test_data = fashion_mnist(False, 1000 if small else 10000)
    model = NeuralNetwork()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for t in range(1 if small else 5):
        print(f"Epoch {t + 1}\n-------------------------------")
        train(training_data, model, loss_fn, optimizer, 64)
        test(test_data, model, loss_fn, 64)
    print(f"Done! ({time.perf_counter() - start:.1f} s)")


main()
