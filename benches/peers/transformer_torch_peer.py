#!/usr/bin/env python3
"""The Transformer's PyTorch peer (beyond chapter 8): the same two models as
`transformer_speed`, written as a PyTorch user would, eager mode on the CPU
in float32, dropout off:

  * seq2seq on the book's dates: nn.Embedding for the question and the
    answer, the sinusoidal positions, nn.Transformer's encoder and decoder
    stacks (2+2 layers, E = 64, 4 heads, d_ff = 256, norm_first=True,
    batch_first=True, with their final LayerNorms), nn.Linear to the
    characters, nn.CrossEntropyLoss, clip_grad_norm_(5.0), Adam; batch 128.
  * --lm: a decoder-only language model: nn.Embedding (V = 10,000, E = 128)
    scaled by sqrt(E), the positions, nn.TransformerEncoder (2 pre-LN layers,
    4 heads, d_ff = 512) under the causal mask, a final LayerNorm, the output
    tied to the embedding (F.linear(h, embed.weight, bias)), clip 0.25, Adam;
    20 windows of 64 seeded random word ids.

One training iteration is timed as the median over iterations after a
warm-up:

    python3 transformer_torch_peer.py DATA_DIR [--lm] [--iters N] [--threads T]

DATA_DIR holds date.txt (the book's file). Prints one JSON line.
"""
import argparse
import json
import math
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seq2seq_torch_peer import load


def positions(max_len, e):
    """The paper's sinusoids, as nn-core's PositionalEncoding."""
    pe = torch.zeros(max_len, e)
    pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    rate = torch.exp(torch.arange(0, e, 2, dtype=torch.float64) * (-math.log(10000.0) / e))
    pe[:, 0::2] = torch.sin(pos * rate).float()
    pe[:, 1::2] = torch.cos(pos * rate[: e // 2]).float()
    return pe


class Seq2seq(nn.Module):
    def __init__(self, v, e, heads, d_ff, layers, max_len):
        super().__init__()
        self.src_embed = nn.Embedding(v, e)
        self.tgt_embed = nn.Embedding(v, e)
        self.register_buffer('pe', positions(max_len, e))
        self.transformer = nn.Transformer(e, heads, layers, layers, d_ff, dropout=0.0,
                                          batch_first=True, norm_first=True)
        self.out = nn.Linear(e, v)

    def forward(self, xs, ts):
        src = self.src_embed(xs) + self.pe[: xs.shape[1]]
        tgt = self.tgt_embed(ts) + self.pe[: ts.shape[1]]
        mask = nn.Transformer.generate_square_subsequent_mask(ts.shape[1])
        return self.out(self.transformer(src, tgt, tgt_mask=mask, tgt_is_causal=True))


class Lm(nn.Module):
    def __init__(self, v, e, heads, d_ff, layers, max_len):
        super().__init__()
        self.e = e
        self.embed = nn.Embedding(v, e)
        self.register_buffer('pe', positions(max_len, e))
        layer = nn.TransformerEncoderLayer(e, heads, d_ff, dropout=0.0, batch_first=True,
                                           norm_first=True)
        self.decoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(e),
                                             enable_nested_tensor=False)
        self.bias = nn.Parameter(torch.zeros(v))

    def forward(self, xs):
        t = xs.shape[1]
        h = self.embed(xs) * math.sqrt(self.e) + self.pe[:t]
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        h = self.decoder(h, mask=mask, is_causal=True)
        return F.linear(h, self.embed.weight, self.bias)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('data')
    p.add_argument('--lm', action='store_true')
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1984)
    loss_fn = nn.CrossEntropyLoss()
    if args.lm:
        v, t, n = 10_000, 64, 20
        model, name, max_grad = Lm(v, 128, 4, 512, 2, t), 'TransformerLm', 0.25
        rng = np.random.RandomState(7)
        ids = torch.from_numpy(rng.randint(0, v, size=(n, t + 1)))
        per_epoch = 929_589 / (n * t)

        def batch(_):
            return ids[:, :t], ids[:, 1:]

        def loss_of(xs, ts):
            return loss_fn(model(xs).reshape(-1, v), ts.reshape(-1))
    else:
        x, tt, v = load(os.path.join(args.data, 'date.txt'))
        x, tt = torch.from_numpy(x), torch.from_numpy(tt)
        n = 128
        model = Seq2seq(v, 64, 4, 256, 2, max(x.shape[1], tt.shape[1]))
        name, max_grad = 'TransformerSeq2seq', 5.0
        per_epoch = len(x) // n

        def batch(i):
            i %= len(x) // n
            return x[i * n:(i + 1) * n], tt[i * n:(i + 1) * n]

        def loss_of(xs, ts):
            score = model(xs, ts[:, :-1])
            return loss_fn(score.reshape(-1, v), ts[:, 1:].reshape(-1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

    def step(i):
        xs, ts = batch(i)
        optimizer.zero_grad()
        loss = loss_of(xs, ts)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_grad)
        optimizer.step()

    times = []
    for i in range(args.iters + 3):
        start = time.perf_counter()
        step(i)
        if i >= 3:
            times.append(time.perf_counter() - start)
    ms = 1e3 * statistics.median(times)
    print(json.dumps({'peer': 'torch', 'torch': torch.__version__, 'model': name,
                      'threads': args.threads, 'ms_per_iter_median': round(ms, 3),
                      'train_s_per_epoch': round(ms * per_epoch / 1e3, 2)}))


if __name__ == '__main__':
    main()
