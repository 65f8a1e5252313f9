#!/usr/bin/env python3
"""Chapter 6's speed table: one training iteration of Rnnlm (and with
--better, BetterRnnlm) for ours at 1 and 2 threads, the book's own code at 1
thread and PyTorch eager at 1 and 2 threads, interleaved in rounds on one
machine, medians; and the test evaluation's wall time, ours against the
book's ch06/eval.py on its own Rnnlm.pkl.

    cargo build --release -p nn-benches --bin rnnlm_speed -p nn-examples
    python3 benches/peers/rnnlm_compare.py --ptb DIR --book DIR [--rounds 3] [--better]

Needs numpy and the book's code; PyTorch is timed when installed. The book's
directory must be writable with PTB's files in its dataset/ (see the book's
BOOK.md). Prints a markdown table (the one in book/src/benchmarks.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '../..')
PEER = os.path.join(HERE, 'rnnlm_peer.py')


def run_json(cmd, threads, **env):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), **env)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wall(cmd, cwd=None, **env):
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', **env)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=True)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ptb', required=True)
    p.add_argument('--book', required=True)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--better', action='store_true')
    args = p.parse_args()
    speed = os.path.join(ROOT, 'target/release/rnnlm_speed')
    nn_examples = os.path.join(ROOT, 'target/release/nn-examples')
    better = ['--better'] if args.better else []
    iters = ['--iters', str(args.iters)]
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    rows = {
        'ours, 1 thread': lambda: run_json([speed, '--threads', '1'] + iters + better, 1,
                                           DLFS2_DATA=args.ptb),
        'ours, 2 threads': lambda: run_json([speed, '--threads', '2'] + iters + better, 2,
                                            DLFS2_DATA=args.ptb),
        "the book's code (numpy), 1 thread": lambda: run_json(
            [sys.executable, PEER, 'book', args.ptb, args.book] + iters + better, 1),
    }
    if have_torch:
        for t in (1, 2):
            rows[f'PyTorch eager, {t} thread{"s" if t > 1 else ""}'] = (
                lambda t=t: run_json([sys.executable, PEER, 'torch', args.ptb, '--threads', str(t)]
                                     + iters + better, t))
    book_pkl = os.path.join(args.book, 'ch06', 'Rnnlm.pkl')
    converted = os.path.join(tempfile.mkdtemp(), 'book_Rnnlm.npz')
    subprocess.run([sys.executable, os.path.join(ROOT, 'scripts/convert_book_params.py'), book_pkl,
                    converted], check=True, capture_output=True)
    if not args.better:
        rows['eval: ours, 1 thread'] = lambda: {'seconds': wall(
            [nn_examples, 'rnnlm-eval', '--params', converted, '--threads', '1', '-q'], DLFS2_DATA=args.ptb)}
        rows["eval: the book's eval.py"] = lambda: {'seconds': wall(
            [sys.executable, 'eval.py'], cwd=os.path.join(args.book, 'ch06'))}
    results = {}
    for r in range(args.rounds):
        for name, run in rows.items():
            results.setdefault(name, []).append(run())
            print(f'round {r + 1}: {name}: {results[name][-1]}', file=sys.stderr)

    def med(name, key):
        return statistics.median(x[key] for x in results[name])

    model = 'BetterRnnlm (650/650, two LSTMs)' if args.better else 'Rnnlm (100/100)'
    book = med("the book's code (numpy), 1 thread", 'ms_per_iter_median')
    one = med('ours, 1 thread', 'ms_per_iter_median')
    print(f'| {model}, PTB, batch 20 × 35, median of {args.rounds} | per iteration | the book = 1 | gemm share |')
    print('|---|---|---|---|')
    for name in rows:
        if name.startswith('eval'):
            continue
        ms = med(name, 'ms_per_iter_median')
        share = ''
        if name == 'ours, 1 thread':  # the products alone, as the 1-thread step runs them
            share = f"{100 * med(name, 'gemm_share'):.0f}%"
        extra = ''
        if name == 'ours, 2 threads':
            extra = f' ({one / ms:.2f}× ours at 1 thread)'
        print(f'| {name} | {ms:.1f} ms | {book / ms:.2f}×{extra} | {share} |')
    if not args.better:
        ours_eval, book_eval = med('eval: ours, 1 thread', 'seconds'), med("eval: the book's eval.py", 'seconds')
        print(f"| test perplexity of `Rnnlm.pkl` (`rnnlm-eval` / `eval.py`, wall, 1 thread) | "
              f"{ours_eval:.1f} s / {book_eval:.1f} s | {book_eval / ours_eval:.2f}× | |")


if __name__ == '__main__':
    main()
