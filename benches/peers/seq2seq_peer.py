#!/usr/bin/env python3
"""Chapters 7-8's peer, the book's own code: one training iteration
(forward, backward, remove_duplicate, clip_grads(5.0), Adam) on batches of
128 timed as the median over iterations after a warm-up, and one evaluation
of the whole test set with the book's eval_seq2seq loop (one question at a
time), as train_seq2seq.py (reversed PeekySeq2seq on addition, 16/128) or
with --attention ch08/train.py (AttentionSeq2seq on dates, 16/256) run them:

    python3 seq2seq_peer.py BOOK_DIR DATA_DIR [--attention] [--iters N] [--eval-rows N]

DATA_DIR holds addition.txt and date.txt; numpy's threads are as
OPENBLAS_NUM_THREADS sets them. Prints one JSON line.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument('book')
    p.add_argument('data')
    p.add_argument('--attention', action='store_true')
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--eval-rows', type=int, default=None)
    args = p.parse_args()
    work = tempfile.mkdtemp()
    shutil.copy(os.path.join(args.book, 'dataset', 'sequence.py'), work)
    for name in ('addition.txt', 'date.txt'):
        shutil.copy(os.path.join(args.data, name), work)
    sys.path[:0] = [work, args.book, os.path.join(args.book, 'ch07'), os.path.join(args.book, 'ch08')]
    import sequence
    from common.optimizer import Adam
    from common.trainer import remove_duplicate
    from common.util import clip_grads, eval_seq2seq

    (x_train, t_train), (x_test, t_test) = sequence.load_data('date.txt' if args.attention else 'addition.txt')
    char_to_id, id_to_char = sequence.get_vocab()
    x_train, x_test = x_train[:, ::-1], x_test[:, ::-1]
    if args.attention:
        from attention_seq2seq import AttentionSeq2seq
        model, name = AttentionSeq2seq(len(char_to_id), 16, 256), 'AttentionSeq2seq'
    else:
        from peeky_seq2seq import PeekySeq2seq
        model, name = PeekySeq2seq(len(char_to_id), 16, 128), 'PeekySeq2seq'
    optimizer = Adam()
    n, batch = 128, [0]

    def step():
        i = batch[0]
        batch[0] = (i + 1) % (len(x_train) // n)
        model.forward(x_train[i * n:(i + 1) * n], t_train[i * n:(i + 1) * n])
        model.backward()
        params, grads = remove_duplicate(model.params, model.grads)
        clip_grads(grads, 5.0)
        optimizer.update(params, grads)

    times = []
    for i in range(args.iters + 3):
        start = time.perf_counter()
        step()
        if i >= 3:
            times.append(time.perf_counter() - start)
    ms = 1e3 * statistics.median(times)
    rows = len(x_test) if args.eval_rows is None else min(args.eval_rows, len(x_test))
    start = time.perf_counter()
    for i in range(rows):
        eval_seq2seq(model, x_test[[i]], t_test[[i]], id_to_char, False, True)
    eval_s = (time.perf_counter() - start) * len(x_test) / rows
    print(json.dumps({'peer': 'book', 'model': name, 'threads': int(os.environ.get('OPENBLAS_NUM_THREADS', 0)),
                      'ms_per_iter_median': round(ms, 3),
                      'train_s_per_epoch': round(ms * (len(x_train) // n) / 1e3, 2),
                      'eval_s': round(eval_s, 3)}))


if __name__ == '__main__':
    main()
