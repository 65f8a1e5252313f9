#!/usr/bin/env python3
"""Converts the book's pickled parameters into this project's .npz files.

    python3 scripts/convert_book_params.py BOOK/ch04/cbow_params.pkl out/book_cbow_params.npz

Chapter 4's cbow_params.pkl (a dict of word_vecs float16 (V, H), word_to_id,
id_to_word) becomes what `nn-examples word2vec` writes: `word_vecs` (float16,
unchanged) and `vocab` (the words in id order, UTF-8, one per line, as
uint8), so that `nn-examples word2vec-eval --params FILE` evaluates the book's
own trained vectors. Needs numpy only; writes the file atomically.
"""
import os
import pickle
import sys
import tempfile

import numpy as np


def convert_word2vec(params):
    vecs = np.asarray(params['word_vecs'])
    id_to_word = params['id_to_word']
    words = [id_to_word[i] for i in range(len(id_to_word))]
    if vecs.ndim != 2 or vecs.shape[0] != len(words):
        raise SystemExit(f"word_vecs {vecs.shape} does not have one row per word ({len(words)})")
    if any('\n' in w for w in words):
        raise SystemExit("a word contains a newline")
    vocab = np.frombuffer('\n'.join(words).encode('utf-8'), dtype=np.uint8)
    return {'word_vecs': vecs, 'vocab': vocab}


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    source, target = sys.argv[1:]
    with open(source, 'rb') as f:
        params = pickle.load(f)
    if not (isinstance(params, dict) and 'word_vecs' in params and 'id_to_word' in params):
        raise SystemExit(f"{source}: not chapter 4's word2vec parameters (word_vecs, id_to_word)")
    arrays = convert_word2vec(params)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix='.npz.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            np.savez(f, **arrays)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f"wrote {target}: word_vecs {arrays['word_vecs'].dtype} {arrays['word_vecs'].shape}")


if __name__ == '__main__':
    main()
