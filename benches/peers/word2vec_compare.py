#!/usr/bin/env python3
"""Chapter 4's speed table: ours (book and fast modes) against the book's own
CBOW step and gensim, interleaved in rounds on one machine, medians.

    python3 benches/peers/word2vec_compare.py --ptb DIR --book DIR [--rounds 3] [--nn-examples PATH]

Needs numpy and the book's code (the `book` peer); gensim is timed when
installed. Prints a markdown table (the one in book/src/benchmarks.md).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, 'word2vec_peer.py')


def ours(binary, ptb, out, args):
    env = dict(os.environ, DLFS2_DATA=ptb, OPENBLAS_NUM_THREADS='1')
    run = subprocess.run([binary, 'word2vec', '--out', out] + args, env=env,
                         capture_output=True, text=True, check=True)
    m = re.search(r'trained (\d+) epochs on (\d+) words in ([\d.]+) s \(\d+ words/s(?:, ([\d.]+) ms per iteration)?',
                  run.stderr)
    epochs, words, seconds, ms = int(m[1]), int(m[2]), float(m[3]), m[4]
    return {'words_per_second': epochs * words / seconds, 'ms_per_iter': float(ms) if ms else None}


def peer(args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1')
    run = subprocess.run([sys.executable, PEER] + args, env=env, capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ptb', required=True)
    p.add_argument('--book', required=True)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--nn-examples', default=os.path.join(HERE, '../../target/release/nn-examples'))
    args = p.parse_args()
    try:
        import gensim  # noqa: F401
        have_gensim = True
    except ImportError:
        have_gensim = False
    results = {}
    out = tempfile.mkdtemp()
    for r in range(args.rounds):
        rows = {
            'ours book, 1 thread': lambda: ours(args.nn_examples, args.ptb, out,
                                                ['--epochs', '1', '--corpus-words', '200000']),
            "book's ch04 CBOW step": lambda: {'ms_per_iter': peer(['book', args.ptb, args.book,
                                                                   '--iters', '300'])['ms_per_iter_median']},
            'ours fast, 1 thread': lambda: ours(args.nn_examples, args.ptb, out, ['--mode', 'fast']),
            'ours fast, 2 threads': lambda: ours(args.nn_examples, args.ptb, out,
                                                 ['--mode', 'fast', '--threads', '2']),
        }
        if have_gensim:
            rows['gensim 4, 1 worker'] = lambda: peer(['train', args.ptb, '--workers', '1'])
            rows['gensim 4, 2 workers'] = lambda: peer(['train', args.ptb, '--workers', '2'])
        for name, run in rows.items():
            results.setdefault(name, []).append(run())
            print(f'round {r + 1}: {name}: {results[name][-1]}', file=sys.stderr)

    def median(name, key):
        values = [x[key] for x in results.get(name, []) if x.get(key)]
        return statistics.median(values) if values else None

    book_ms = median("book's ch04 CBOW step", 'ms_per_iter')
    ours_ms = median('ours book, 1 thread', 'ms_per_iter')
    print(f'| run (PTB, CBOW, median of {args.rounds}) | per iteration | words/s | ratio |')
    print('|---|---|---|---|')
    print(f"| book's `ch04/train.py` step (numpy, 1 thread) | {book_ms:.1f} ms | | 1× |")
    print(f'| ours, `--mode book` | {ours_ms:.2f} ms | | {book_ms / ours_ms:.1f}× the book |')
    g1 = median('gensim 4, 1 worker', 'words_per_second')
    g2 = median('gensim 4, 2 workers', 'words_per_second')
    for name, g in [('gensim 4, 1 worker', g1), ('gensim 4, 2 workers', g2)]:
        if g:
            print(f'| {name} | | {g:,.0f} | 1× |')
    for name, g in [('ours fast, 1 thread', g1), ('ours fast, 2 threads', g2)]:
        w = median(name, 'words_per_second')
        ratio = f'{w / g:.2f}× gensim' if g else ''
        print(f'| ours, `--mode fast`, {name.split(", ")[1]} | | {w:,.0f} | {ratio} |')


if __name__ == '__main__':
    main()
