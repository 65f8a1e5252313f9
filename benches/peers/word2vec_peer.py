#!/usr/bin/env python3
"""Chapter 4's peers: gensim's Word2Vec on PTB (speed), and the quality of
any word vectors on standard tests restricted to PTB's vocabulary.

    python3 word2vec_peer.py train PTB_DIR --workers 1 [--epochs 10] [--save FILE.npz]
    python3 word2vec_peer.py quality FILE.npz [FILE.npz ...]
    python3 word2vec_peer.py book PTB_DIR BOOK_DIR [--iters 300]

`train` runs gensim 4's Word2Vec(sg=0, vector_size=100, window=5, negative=5,
sample=0, min_count=1) on ptb.train.txt (each line a sentence, with the
book's `<eos>` at its end, so the words are the book's corpus) and prints
one JSON line: seconds of training, words per second, the vectors' file.
`book` times the book's own ch04 code (CBOW, Trainer's step: forward,
backward, remove_duplicate, Adam) for --iters iterations of batch 100 on PTB
and prints milliseconds per iteration. `quality` prints, per file (our .npz: `word_vecs` and `vocab`), gensim's
analogy accuracy on questions-words.txt and the Spearman correlation on
WordSim-353 and SimLex-999, every test restricted to the questions whose
words are all in the vocabulary (gensim skips the others), lower-cased.
"""
import argparse
import json
import os
import time

import numpy as np


def ptb_sentences(ptb_dir):
    path = os.path.join(ptb_dir, 'ptb.train.txt')
    with open(path) as f:
        return [line.split() + ['<eos>'] for line in f]


def load_npz(path):
    f = np.load(path)
    words = f['vocab'].tobytes().decode('utf-8').split('\n')
    return words, f['word_vecs'].astype(np.float32)


def train(args):
    from gensim.models import Word2Vec
    sentences = ptb_sentences(args.ptb)
    words = sum(len(s) for s in sentences)
    model = Word2Vec(vector_size=100, window=5, negative=5, sample=0, min_count=1,
                     sg=0, workers=args.workers, seed=args.seed)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=args.epochs)
    seconds = time.perf_counter() - start
    out = {'peer': 'gensim', 'version': __import__('gensim').__version__, 'workers': args.workers,
           'epochs': args.epochs, 'words': words, 'seconds': seconds,
           'words_per_second': words * args.epochs / seconds}
    if args.save:
        kv = model.wv
        vocab = np.frombuffer('\n'.join(kv.index_to_key).encode(), dtype=np.uint8)
        np.savez(args.save, word_vecs=kv.vectors.astype(np.float32), vocab=vocab)
        out['saved'] = args.save
    print(json.dumps(out))


def book(args):
    import sys
    sys.path[:0] = [args.book, os.path.join(args.book, 'ch04')]
    from common.optimizer import Adam
    from common.trainer import remove_duplicate
    from common.util import create_contexts_target
    from ch04.cbow import CBOW
    words = [w for s in ptb_sentences(args.ptb) for w in s]
    word_to_id = {}
    corpus = np.array([word_to_id.setdefault(w, len(word_to_id)) for w in words])
    contexts, target = create_contexts_target(corpus, 5)
    np.random.seed(1984)
    model = CBOW(len(word_to_id), 100, 5, corpus)
    optimizer = Adam()
    idx = np.random.permutation(len(contexts))
    contexts, target = contexts[idx], target[idx]
    times = []
    for i in range(args.iters):
        start = time.perf_counter()
        bx, bt = contexts[i * 100:(i + 1) * 100], target[i * 100:(i + 1) * 100]
        model.forward(bx, bt)
        model.backward()
        params, grads = remove_duplicate(model.params, model.grads)
        optimizer.update(params, grads)
        times.append(time.perf_counter() - start)
    times = np.array(times[10:])
    print(json.dumps({'peer': 'book', 'iters': len(times), 'ms_per_iter_median': 1e3 * float(np.median(times)),
                      'ms_per_iter_mean': 1e3 * float(times.mean())}))


def quality(args):
    import gensim
    from gensim.models import KeyedVectors
    data = os.path.join(os.path.dirname(gensim.__file__), 'test', 'test_data')
    for path in args.files:
        words, vecs = load_npz(path)
        kv = KeyedVectors(vecs.shape[1])
        kv.add_vectors(words, vecs)
        analogy, sections = kv.evaluate_word_analogies(
            os.path.join(data, 'questions-words.txt'), restrict_vocab=len(words), case_insensitive=True)
        answered = sum(len(s['correct']) + len(s['incorrect']) for s in sections if s['section'] == 'Total accuracy')
        ws = kv.evaluate_word_pairs(os.path.join(data, 'wordsim353.tsv'), restrict_vocab=len(words),
                                    case_insensitive=True)
        sl = kv.evaluate_word_pairs(os.path.join(data, 'simlex999.txt'), restrict_vocab=len(words),
                                    case_insensitive=True)
        print(json.dumps({'file': path, 'analogy_accuracy': analogy, 'analogy_questions': answered,
                          'wordsim353_spearman': ws[1].statistic, 'wordsim353_oov_percent': ws[2],
                          'simlex999_spearman': sl[1].statistic, 'simlex999_oov_percent': sl[2]}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='command', required=True)
    t = sub.add_parser('train')
    t.add_argument('ptb')
    t.add_argument('--workers', type=int, default=1)
    t.add_argument('--epochs', type=int, default=10)
    t.add_argument('--save')
    t.add_argument('--seed', type=int, default=1)
    b = sub.add_parser('book')
    b.add_argument('ptb')
    b.add_argument('book')
    b.add_argument('--iters', type=int, default=300)
    q = sub.add_parser('quality')
    q.add_argument('files', nargs='+')
    args = p.parse_args()
    {'train': train, 'book': book, 'quality': quality}[args.command](args)


if __name__ == '__main__':
    main()
