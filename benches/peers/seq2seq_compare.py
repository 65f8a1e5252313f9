#!/usr/bin/env python3
"""Chapters 7-8's comparison: ours (target/release/seq2seq_speed) at 1 and 2
threads against the book's code (seq2seq_peer.py) at 1 thread and PyTorch
eager (seq2seq_torch_peer.py, when torch is installed) at 1 and 2 threads,
run in turn for --rounds rounds on the same machine; prints a markdown table
of medians (training per iteration and per epoch, evaluation of the whole
test set where the peer has one).

    cargo build --release -p nn-benches --bin seq2seq_speed
    python3 benches/peers/seq2seq_compare.py --book ../shared/book [--attention] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '../..')
PEER = os.path.join(HERE, 'seq2seq_peer.py')
TORCH_PEER = os.path.join(HERE, 'seq2seq_torch_peer.py')
DATA = os.path.join(ROOT, 'crates/nn-text/data')


def run_json(cmd, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--book', required=True)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--attention', action='store_true')
    p.add_argument('--eval-rows', type=int, default=None,
                   help="the book's evaluation on the first N questions, scaled to the whole test set")
    args = p.parse_args()
    speed = os.path.join(ROOT, 'target/release/seq2seq_speed')
    flags = (['--attention'] if args.attention else []) + ['--iters', str(args.iters)]
    peer = [sys.executable, PEER, args.book, DATA] + flags
    if args.eval_rows:
        peer += ['--eval-rows', str(args.eval_rows)]
    rows = {
        'ours, 1 thread': lambda: run_json([speed, '--threads', '1'] + flags, 1),
        'ours, 2 threads': lambda: run_json([speed, '--threads', '2'] + flags, 2),
        "the book's code (numpy), 1 thread": lambda: run_json(peer, 1),
    }
    try:
        import torch  # noqa: F401
        for t in (1, 2):
            torch_cmd = [sys.executable, TORCH_PEER, DATA, '--threads', str(t)] + flags
            rows[f'PyTorch eager, {t} thread{"s" if t > 1 else ""}'] = (
                lambda cmd=torch_cmd, t=t: run_json(cmd, t))
    except ImportError:
        pass
    results = {}
    for r in range(args.rounds):
        for name, run in rows.items():
            results.setdefault(name, []).append(run())
            print(f'round {r + 1}: {name}: {results[name][-1]}', file=sys.stderr)

    def med(name, key):
        return statistics.median(x[key] for x in results[name])

    book = "the book's code (numpy), 1 thread"
    model = ('AttentionSeq2seq (16/256), dates, reversed' if args.attention
             else 'PeekySeq2seq (16/128), addition, reversed')
    print(f'| {model}, batch 128, median of {args.rounds} | per iteration | training per epoch | '
          f'the book = 1 | gemm share | evaluation (5,000 questions) | the book = 1 |')
    print('|---|---|---|---|---|---|---|')
    one = med('ours, 1 thread', 'ms_per_iter_median')
    for name in rows:
        ms, epoch = med(name, 'ms_per_iter_median'), med(name, 'train_s_per_epoch')
        # The products alone, timed the way the 1-thread step runs them.
        share = f"{100 * med(name, 'gemm_share'):.0f}%" if name == 'ours, 1 thread' else ''
        extra = f' ({one / ms:.2f}× ours at 1 thread)' if name == 'ours, 2 threads' else ''
        if 'eval_s' in results[name][0]:
            ev = med(name, 'eval_s')
            evals = f"{ev:.2f} s | {med(book, 'eval_s') / ev:.1f}×"
        else:
            evals = ' | '
        print(f"| {name} | {ms:.1f} ms | {epoch:.2f} s | {med(book, 'ms_per_iter_median') / ms:.2f}×{extra} | "
              f"{share} | {evals} |")


if __name__ == '__main__':
    main()
