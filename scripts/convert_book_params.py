#!/usr/bin/env python3
"""Converts the book's pickled parameters into this project's .npz files.

    python3 scripts/convert_book_params.py BOOK/ch04/cbow_params.pkl out/book_cbow_params.npz
    python3 scripts/convert_book_params.py BOOK/ch06/Rnnlm.pkl out/book_Rnnlm.npz
    python3 scripts/convert_book_params.py BOOK/ch06/BetterRnnlm.pkl out/book_BetterRnnlm.npz
    python3 scripts/convert_book_params.py BOOK/ch08/AttentionSeq2seq.pkl out/book_AttentionSeq2seq.npz

Chapter 4's cbow_params.pkl (a dict of word_vecs float16 (V, H), word_to_id,
id_to_word) becomes what `nn-examples word2vec` writes: `word_vecs` (float16,
unchanged) and `vocab` (the words in id order, UTF-8, one per line, as
uint8), so that `nn-examples word2vec-eval --params FILE` evaluates the book's
own trained vectors.

Chapter 6's Rnnlm.pkl and BetterRnnlm.pkl (the book's save_params: a list of
float16 arrays in the model's params order) become what `nn-examples rnnlm`
writes: the arrays under the parameters' names (`embed.W`, `lstm.Wx`, ...,
`lstm1.Wx`, ... for BetterRnnlm), float16 unchanged; BetterRnnlm's output weight, the embedding's
transpose (weight tying), is checked and dropped. `nn-examples rnnlm-eval` and
`rnnlm-generate --params FILE` then use the book's trained models.

Chapters 7-8's Seq2seq, PeekySeq2seq and AttentionSeq2seq pickles (10 float16
arrays, the encoder's then the decoder's) become what `nn-examples seq2seq` and
`attention` write: the arrays under the parameters' names
(`encoder.embed.W`, ..., `decoder.affine.b`), float16 unchanged, so that
`nn-examples attention-show --params FILE` draws the book's trained model.

Needs numpy only; writes the file atomically.
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


RNNLM_NAMES = ['embed.W', 'lstm.Wx', 'lstm.Wh', 'lstm.b', 'affine.W', 'affine.b']
BETTER_NAMES = ['embed.W', 'lstm1.Wx', 'lstm1.Wh', 'lstm1.b', 'lstm2.Wx', 'lstm2.Wh', 'lstm2.b',
                'affine.W', 'affine.b']


SEQ2SEQ_NAMES = ['encoder.embed.W', 'encoder.lstm.Wx', 'encoder.lstm.Wh', 'encoder.lstm.b',
                 'decoder.embed.W', 'decoder.lstm.Wx', 'decoder.lstm.Wh', 'decoder.lstm.b',
                 'decoder.affine.W', 'decoder.affine.b']


def convert_seq2seq(params, source):
    shapes = [p.shape for p in params]
    v, d = params[0].shape
    h = params[2].shape[0]
    dec_in, affine_in = params[5].shape[0], params[8].shape[0]
    if (params[2].shape != (h, 4 * h) or params[1].shape != (d, 4 * h) or params[4].shape != (v, d)
            or params[8].shape[1] != v):
        raise SystemExit(f"{source}: arrays {shapes} are not a seq2seq model's")
    if (dec_in, affine_in) == (d, h):
        model = 'Seq2seq'
    elif (dec_in, affine_in) == (h + d, 2 * h):
        model = 'PeekySeq2seq'
    elif (dec_in, affine_in) == (d, 2 * h):
        model = 'AttentionSeq2seq'
    else:
        raise SystemExit(f"{source}: a decoder of {shapes[5]} and {shapes[8]} is none of the book's three")
    return dict(zip(SEQ2SEQ_NAMES, params)), f"{model} V={v} D={d} H={h}"


def convert_rnnlm(params, source):
    params = [np.asarray(p) for p in params]
    shapes = [p.shape for p in params]
    if len(params) == len(SEQ2SEQ_NAMES):
        return convert_seq2seq(params, source)
    if len(params) == len(RNNLM_NAMES):
        names = RNNLM_NAMES
    elif len(params) == len(BETTER_NAMES):
        names = BETTER_NAMES
        embed, affine = params[0], params[7]
        if affine.shape != embed.T.shape or not np.array_equal(affine, embed.T):
            raise SystemExit(f"{source}: the output weight {affine.shape} is not the embedding's "
                             f"transpose {embed.T.shape}: not BetterRnnlm's tied weights")
    else:
        raise SystemExit(f"{source}: {len(params)} arrays {shapes}: not Rnnlm's 6, BetterRnnlm's 9 "
                         "or a seq2seq model's 10")
    v, d = params[0].shape
    h = params[2].shape[0]
    if params[2].shape != (h, 4 * h) or params[1].shape[1] != 4 * h:
        raise SystemExit(f"{source}: arrays {shapes} are not an LSTM language model's")
    arrays = dict(zip(names, params))
    model = 'Rnnlm'
    if names is BETTER_NAMES:
        del arrays['affine.W']  # the transpose of embed.W, tied
        model = 'BetterRnnlm'
    return arrays, f"{model} V={v} D={d} H={h}"


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    source, target = sys.argv[1:]
    with open(source, 'rb') as f:
        params = pickle.load(f)
    if isinstance(params, dict) and 'word_vecs' in params and 'id_to_word' in params:
        arrays = convert_word2vec(params)
        what = f"word_vecs {arrays['word_vecs'].dtype} {arrays['word_vecs'].shape}"
    elif isinstance(params, list):
        arrays, what = convert_rnnlm(params, source)
    else:
        raise SystemExit(f"{source}: neither chapter 4's word2vec parameters (a dict of word_vecs, "
                         "id_to_word) nor chapters 6-8's (a list of arrays)")
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix='.npz.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            np.savez(f, **arrays)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f"wrote {target}: {what}")


if __name__ == '__main__':
    main()
