#!/usr/bin/env python3
"""PyTorch peer of `nn-benches compare`: eager mode with nn.Linear,
nn.Sigmoid/nn.ReLU, nn.CrossEntropyLoss and optim.SGD on the CPU.

    python3 torch_peer.py WORKLOAD DTYPE RUNS THREADS    # prints VERSION and RESULT lines"""
import sys
import time

import numpy as np
import torch
from torch import nn

from common import WORKLOADS, report, spiral, synthetic


def model(spec):
    sizes, layers = spec["sizes"], []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if spec["relu"] else nn.Sigmoid())
    return nn.Sequential(*layers)


def run(name, dtype):
    spec = WORKLOADS[name]
    b = spec["batch"]
    torch.manual_seed(1984)
    net = model(spec).to(dtype)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=spec["lr"])

    def step(xb, tb):
        opt.zero_grad()
        loss = loss_fn(net(xb), tb)
        loss.backward()
        opt.step()

    if name == "S":
        x, t = spiral()
        x, t = torch.from_numpy(x).to(dtype), torch.from_numpy(t)
        start = time.perf_counter()
        for _ in range(300):
            idx = torch.randperm(len(x))
            x, t = x[idx], t[idx]
            for i in range(len(x) // b):
                step(x[i * b:(i + 1) * b], t[i * b:(i + 1) * b])
        return (time.perf_counter() - start) / spec["steps"]
    x, t = synthetic(spec, np.float64 if dtype == torch.float64 else np.float32)
    x, t = torch.from_numpy(x), torch.from_numpy(t)
    iters = spec["samples"] // b
    for i in range(2):
        step(x[i * b:(i + 1) * b], t[i * b:(i + 1) * b])
    start = time.perf_counter()
    for s in range(spec["steps"]):
        i = s % iters
        step(x[i * b:(i + 1) * b], t[i * b:(i + 1) * b])
    return (time.perf_counter() - start) / spec["steps"]


if __name__ == "__main__":
    name, runs, threads = sys.argv[1], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    dtype = torch.float64 if sys.argv[2] == "f64" else torch.float32
    report("torch", torch.__version__, [run(name, dtype) for _ in range(runs)])
