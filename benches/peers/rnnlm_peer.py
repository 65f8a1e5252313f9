#!/usr/bin/env python3
"""Chapter 6's peers, one training iteration of the Rnnlm (PTB, batch 20,
time 35, 100/100, SGD lr 20, clipping 0.25) timed as the median over
iterations after a warm-up:

    python3 rnnlm_peer.py book  PTB_DIR BOOK_DIR [--iters N] [--better]
    python3 rnnlm_peer.py torch PTB_DIR [--iters N] [--threads T] [--better]

`book` runs the book's own classes (ch06/rnnlm.py or better_rnnlm.py, its
RnnlmTrainer's batches, remove_duplicate, clip_grads, SGD), with numpy's
threads as OPENBLAS_NUM_THREADS sets them. `torch` is a PyTorch eager model
of the same shape: nn.Embedding, nn.LSTM (two layers and dropout with
--better, the output tied to the embedding), nn.Linear, CrossEntropyLoss,
clip_grad_norm_, SGD, the same truncated BPTT (the state detached after
every batch). Prints one JSON line.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np


def load_ptb(ptb_dir):
    words = open(os.path.join(ptb_dir, 'ptb.train.txt')).read().replace('\n', '<eos>').strip().split()
    word_to_id = {}
    for w in words:
        word_to_id.setdefault(w, len(word_to_id))
    return np.array([word_to_id[w] for w in words], dtype=np.int32), len(word_to_id)


def batches(corpus, batch_size, time_size):
    """The book's RnnlmTrainer.get_batch, as a generator."""
    xs, ts = corpus[:-1], corpus[1:]
    data_size = len(xs)
    jump = data_size // batch_size
    offsets = np.arange(batch_size) * jump
    time_idx = 0
    while True:
        idx = (offsets[:, None] + time_idx + np.arange(time_size)[None, :]) % data_size
        time_idx += time_size
        yield xs[idx], ts[idx]


def timed(step, iters, warmup=5):
    times = []
    for i in range(iters + warmup):
        start = time.perf_counter()
        step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def book(args):
    sys.path[:0] = [args.book, os.path.join(args.book, 'ch06')]
    from common.optimizer import SGD
    from common.trainer import remove_duplicate
    from common.util import clip_grads
    corpus, vocab = load_ptb(args.ptb)
    np.random.seed(1984)
    if args.better:
        from better_rnnlm import BetterRnnlm
        model = BetterRnnlm(vocab, 650, 650, 0.5)
    else:
        from rnnlm import Rnnlm
        model = Rnnlm(vocab, 100, 100)
    optimizer = SGD(20.0)
    data = batches(corpus, 20, 35)

    def step():
        x, t = next(data)
        model.forward(x, t)
        model.backward()
        params, grads = remove_duplicate(model.params, model.grads)
        clip_grads(grads, 0.25)
        optimizer.update(params, grads)
    return {'peer': 'book', 'ms_per_iter_median': timed(step, args.iters)}


def torch_peer(args):
    import torch
    from torch import nn
    torch.set_num_threads(args.threads)
    torch.manual_seed(1984)
    corpus, vocab = load_ptb(args.ptb)
    size, layers = (650, 2) if args.better else (100, 1)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, size)
            self.lstm = nn.LSTM(size, size, num_layers=layers, batch_first=True,
                                dropout=0.5 if args.better else 0.0)
            self.drop = nn.Dropout(0.5 if args.better else 0.0)
            self.fc = nn.Linear(size, vocab)
            if args.better:
                self.fc.weight = self.embed.weight  # weight tying

        def forward(self, x, state):
            out, state = self.lstm(self.drop(self.embed(x)), state)
            return self.fc(self.drop(out)), state

    model = Model()
    optimizer = torch.optim.SGD(model.parameters(), lr=20.0)
    loss_fn = nn.CrossEntropyLoss()
    data = batches(corpus, 20, 35)
    state = [None]

    def step():
        x, t = next(data)
        x, t = torch.from_numpy(x).long(), torch.from_numpy(t).long()
        if state[0] is not None:
            state[0] = tuple(s.detach() for s in state[0])
        scores, state[0] = model(x, state[0])
        loss = loss_fn(scores.reshape(-1, vocab), t.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()
    return {'peer': 'torch', 'threads': args.threads, 'version': torch.__version__,
            'ms_per_iter_median': timed(step, args.iters)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('peer', choices=['book', 'torch'])
    p.add_argument('ptb')
    p.add_argument('book', nargs='?')
    p.add_argument('--iters', type=int, default=30)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--better', action='store_true')
    args = p.parse_args()
    result = book(args) if args.peer == 'book' else torch_peer(args)
    result['model'] = 'BetterRnnlm' if args.better else 'Rnnlm'
    print(json.dumps(result))


if __name__ == '__main__':
    main()
