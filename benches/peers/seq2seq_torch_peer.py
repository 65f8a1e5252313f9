#!/usr/bin/env python3
"""Chapters 7-8's PyTorch peer: the book's reversed PeekySeq2seq on addition
(16/128) or, with --attention, its AttentionSeq2seq on dates (16/256),
written as a PyTorch user would (nn.Embedding, nn.LSTM, nn.Linear, the
book's attention as tensor operations, nn.CrossEntropyLoss,
clip_grad_norm_(5.0), Adam), eager mode on the CPU in float32. One training
iteration on batches of 128 is timed as the median over iterations after a
warm-up, as seq2seq_peer.py times the book's code:

    python3 seq2seq_torch_peer.py DATA_DIR [--attention] [--iters N] [--threads T]

DATA_DIR holds addition.txt and date.txt (the book's files). Prints one
JSON line.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
from torch import nn


def load(path):
    """The book's dataset/sequence.py: question and answer ('_' first) by
    line, characters numbered in order of first appearance, shuffled with
    seed 1984, the last tenth held out."""
    questions, answers, ids = [], [], {}
    with open(path) as f:
        for line in f:
            i = line.find('_')
            questions.append(line[:i])
            answers.append(line[i:-1])
    for text in questions + answers:
        for ch in text:
            ids.setdefault(ch, len(ids))
    x = np.array([[ids[c] for c in q] for q in questions], dtype=np.int64)
    t = np.array([[ids[c] for c in a] for a in answers], dtype=np.int64)
    order = np.random.RandomState(1984).permutation(len(x))
    x, t = x[order], t[order]
    split = len(x) - len(x) // 10
    return x[:split], t[:split], len(ids)


class Encoder(nn.Module):
    def __init__(self, v, d, h):
        super().__init__()
        self.embed = nn.Embedding(v, d)
        self.lstm = nn.LSTM(d, h, batch_first=True)

    def forward(self, xs):
        hs, _ = self.lstm(self.embed(xs))
        return hs


class PeekySeq2seq(nn.Module):
    """Encoder's last h as the decoder's initial state and, at every step,
    beside its input and beside the output layer's input (the book's
    PeekyDecoder)."""

    def __init__(self, v, d, h):
        super().__init__()
        self.encoder = Encoder(v, d, h)
        self.embed = nn.Embedding(v, d)
        self.lstm = nn.LSTM(d + h, h, batch_first=True)
        self.affine = nn.Linear(h + h, v)

    def forward(self, xs, ts):
        h = self.encoder(xs)[:, -1]
        hr = h.unsqueeze(1).expand(-1, ts.shape[1], -1)
        out, _ = self.lstm(torch.cat((hr, self.embed(ts)), 2),
                           (h.unsqueeze(0), torch.zeros_like(h).unsqueeze(0)))
        return self.affine(torch.cat((hr, out), 2))


class AttentionSeq2seq(nn.Module):
    """The book's AttentionDecoder: dot-product scores of each decoder state
    against every encoder state, softmax over the encoder's steps, the
    weighted sum beside the decoder state into the output layer."""

    def __init__(self, v, d, h):
        super().__init__()
        self.encoder = Encoder(v, d, h)
        self.embed = nn.Embedding(v, d)
        self.lstm = nn.LSTM(d, h, batch_first=True)
        self.affine = nn.Linear(h + h, v)

    def forward(self, xs, ts):
        enc = self.encoder(xs)
        h = enc[:, -1]
        dec, _ = self.lstm(self.embed(ts), (h.unsqueeze(0), torch.zeros_like(h).unsqueeze(0)))
        weights = torch.softmax(torch.bmm(dec, enc.transpose(1, 2)), dim=2)
        c = torch.bmm(weights, enc)
        return self.affine(torch.cat((c, dec), 2))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('data')
    p.add_argument('--attention', action='store_true')
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1984)
    x, t, v = load(os.path.join(args.data, 'date.txt' if args.attention else 'addition.txt'))
    x = np.ascontiguousarray(x[:, ::-1])
    x, t = torch.from_numpy(x), torch.from_numpy(t)
    if args.attention:
        model, name = AttentionSeq2seq(v, 16, 256), 'AttentionSeq2seq'
    else:
        model, name = PeekySeq2seq(v, 16, 128), 'PeekySeq2seq'
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    n, batches = 128, len(x) // 128

    def step(i):
        xs, ts = x[i * n:(i + 1) * n], t[i * n:(i + 1) * n]
        optimizer.zero_grad()
        score = model(xs, ts[:, :-1])
        loss = loss_fn(score.reshape(-1, v), ts[:, 1:].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    times = []
    for i in range(args.iters + 3):
        start = time.perf_counter()
        step(i % batches)
        if i >= 3:
            times.append(time.perf_counter() - start)
    ms = 1e3 * statistics.median(times)
    print(json.dumps({'peer': 'torch', 'torch': torch.__version__, 'model': name, 'threads': args.threads,
                      'ms_per_iter_median': round(ms, 3),
                      'train_s_per_epoch': round(ms * batches / 1e3, 2)}))


if __name__ == '__main__':
    main()
