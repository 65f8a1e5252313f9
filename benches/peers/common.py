"""Workloads shared by the Python peers; the same as nn-benches' src/lib.rs."""
import numpy as np

WORKLOADS = {
    "S": dict(sizes=[2, 10, 3], relu=False, batch=30, samples=300, steps=3000, lr=1.0),
    "M-sigmoid": dict(sizes=[784, 1000, 10], relu=False, batch=100, samples=60000, steps=100, lr=0.1),
    "M-relu": dict(sizes=[784, 1000, 10], relu=True, batch=100, samples=60000, steps=100, lr=0.1),
    "L": dict(sizes=[784, 4096, 4096, 10], relu=True, batch=256, samples=5120, steps=20, lr=0.01),
}


def spiral(seed=1984):
    """The book's dataset/spiral.py (class indices instead of one-hot)."""
    np.random.seed(seed)
    n, classes = 100, 3
    x = np.zeros((n * classes, 2))
    t = np.zeros(n * classes, dtype=np.int64)
    for j in range(classes):
        for i in range(n):
            rate = i / n
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            x[n * j + i] = [rate * np.sin(theta), rate * np.cos(theta)]
            t[n * j + i] = j
    return x, t


def synthetic(spec, dtype, seed=1984):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((spec["samples"], spec["sizes"][0])).astype(dtype)
    t = rng.integers(0, spec["sizes"][-1], spec["samples"])
    return x, t


def report(name, version, runs):
    print("VERSION", name, version)
    print("RESULT", " ".join("%e" % r for r in runs))
