#!/usr/bin/env python3
"""numpy peer of `nn-benches compare`: the book's layer classes (Affine, Sigmoid,
ReLU, SoftmaxWithLoss, SGD), written anew here, timing the shared workloads.

    python3 numpy_peer.py WORKLOAD DTYPE RUNS    # prints VERSION and RESULT lines
Threads: set OPENBLAS_NUM_THREADS (the comparison does)."""
import sys
import time

import numpy as np

from common import WORKLOADS, report, spiral, synthetic


class Affine:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]

    def forward(self, x):
        W, b = self.params
        self.x = x
        return np.dot(x, W) + b

    def backward(self, dout):
        W, _ = self.params
        dx = np.dot(dout, W.T)
        self.grads[0][...] = np.dot(self.x.T, dout)
        self.grads[1][...] = np.sum(dout, axis=0)
        return dx


class Sigmoid:
    params, grads = [], []

    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Relu:
    params, grads = [], []

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class SoftmaxWithLoss:
    def forward(self, x, t):
        x = x - x.max(axis=1, keepdims=True)
        x = np.exp(x)
        x /= x.sum(axis=1, keepdims=True)
        self.y, self.t = x, t
        n = x.shape[0]
        return -np.sum(np.log(x[np.arange(n), t] + 1e-7)) / n

    def backward(self, dout=1):
        n = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        dx *= dout
        return dx / n


class Net:
    def __init__(self, spec, dtype, book):
        sizes = spec["sizes"]
        self.layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            if book:
                W = 0.01 * np.random.randn(a, b)
            else:
                scale = np.sqrt(2.0 / a) if spec["relu"] else 1 / np.sqrt(a)
                W = np.random.randn(a, b) * scale
            self.layers.append(Affine(W.astype(dtype), np.zeros(b, dtype=dtype)))
            if i < len(sizes) - 2:
                self.layers.append(Relu() if spec["relu"] else Sigmoid())
        self.loss = SoftmaxWithLoss()
        self.params = [p for l in self.layers for p in l.params]
        self.grads = [g for l in self.layers for g in l.grads]

    def step(self, x, t, lr):
        for layer in self.layers:
            x = layer.forward(x)
        loss = self.loss.forward(x, t)
        dout = self.loss.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        for p, g in zip(self.params, self.grads):
            p -= lr * g
        return loss


def run(name, dtype):
    spec = WORKLOADS[name]
    b = spec["batch"]
    if name == "S":
        x, t = spiral()
        x = x.astype(dtype)
        net = Net(spec, dtype, book=True)
        start = time.perf_counter()
        for _ in range(300):
            idx = np.random.permutation(len(x))
            x, t = x[idx], t[idx]
            for i in range(len(x) // b):
                net.step(x[i * b:(i + 1) * b], t[i * b:(i + 1) * b], spec["lr"])
        return (time.perf_counter() - start) / spec["steps"]
    x, t = synthetic(spec, dtype)
    np.random.seed(1984)
    net = Net(spec, dtype, book=False)
    iters = spec["samples"] // b
    for i in range(2):
        net.step(x[i * b:(i + 1) * b], t[i * b:(i + 1) * b], spec["lr"])
    start = time.perf_counter()
    for s in range(spec["steps"]):
        i = s % iters
        net.step(x[i * b:(i + 1) * b], t[i * b:(i + 1) * b], spec["lr"])
    return (time.perf_counter() - start) / spec["steps"]


if __name__ == "__main__":
    name, dtype, runs = sys.argv[1], np.float64 if sys.argv[2] == "f64" else np.float32, int(sys.argv[3])
    report("numpy", np.__version__, [run(name, dtype) for _ in range(runs)])
