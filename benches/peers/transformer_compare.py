#!/usr/bin/env python3
"""The Transformer's comparison (beyond chapter 8): ours
(target/release/transformer_speed) against PyTorch eager
(transformer_torch_peer.py) at 1 and 2 threads, for the seq2seq on dates and
the language model, run in turn for --rounds rounds on the same machine;
prints a markdown table of medians (the training iteration, the epoch it
makes, our share of time in gemm).

    cargo build --release -p nn-benches --bin transformer_speed
    python3 benches/peers/transformer_compare.py [--rounds 3] [--iters 20]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '../..')
TORCH_PEER = os.path.join(HERE, 'transformer_torch_peer.py')
DATA = os.path.join(ROOT, 'crates/nn-text/data')


def run_json(cmd, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--iters', type=int, default=20)
    args = p.parse_args()
    speed = os.path.join(ROOT, 'target/release/transformer_speed')
    models = {'TransformerSeq2seq (dates, batch 128)': [], 'TransformerLm (PTB shapes, 20 × 64)': ['--lm']}
    rows = {}
    for model, flags in models.items():
        flags = flags + ['--iters', str(args.iters)]
        for t in (1, 2):
            s = 's' if t > 1 else ''
            rows[(model, f'ours, {t} thread{s}')] = (
                lambda f=flags, t=t: run_json([speed, '--threads', str(t)] + f, t))
            rows[(model, f'PyTorch eager, {t} thread{s}')] = (
                lambda f=flags, t=t: run_json(
                    [sys.executable, TORCH_PEER, DATA, '--threads', str(t)] + f, t))
    results = {}
    for r in range(args.rounds):
        for key, run in rows.items():
            results.setdefault(key, []).append(run())
            print(f'round {r + 1}: {key}: {results[key][-1]}', file=sys.stderr)

    def med(key, field):
        return statistics.median(x[field] for x in results[key])

    print(f'| median of {args.rounds} rounds | per iteration | training per epoch | '
          f'PyTorch at the same threads = 1 | gemm share |')
    print('|---|---|---|---|---|')
    for model in models:
        for t in (1, 2):
            s = 's' if t > 1 else ''
            ours, torch = (model, f'ours, {t} thread{s}'), (model, f'PyTorch eager, {t} thread{s}')
            for key in (ours, torch):
                ms = med(key, 'ms_per_iter_median')
                ratio = med(torch, 'ms_per_iter_median') / ms
                share = f"{100 * med(key, 'gemm_share'):.0f}%" if key == ours else ''
                print(f'| {model}: {key[1]} | {ms:.1f} ms | {med(key, "train_s_per_epoch"):.1f} s | '
                      f'{ratio:.2f}× | {share} |')


if __name__ == '__main__':
    main()
