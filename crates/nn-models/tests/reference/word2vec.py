#!/usr/bin/env python3
"""Reference numbers for chapters 3-4 (word2vec), from the book's own code.

Run from this directory:  python3 word2vec.py > word2vec_data.rs
Needs numpy and the book's code (Deep Learning from Scratch 2, MIT licence,
copyright 2018 Koki Saitoh): its directory in $DLFS2_BOOK, by default
../../../../../shared/book (the project's sibling `shared/book`).

Two kinds of numbers:
- f64: the book's layers (common/layers.py, ch04/negative_sampling_layer.py)
  and the book's model methods (SimpleCBOW, SimpleSkipGram, CBOW, SkipGram
  forward/backward) run on float64 weights we give, with fixed negative
  samples; the Rust tests compare to 1e-12.
- f32: the book's models built as the book builds them after
  np.random.seed(1984) (so the float32 weights are numpy's draws), one
  forward/backward on a fixed batch (fixed negative samples), the book's
  remove_duplicate and one step of the book's Adam; the Rust tests compare
  the loss and the updated weights to float32 precision.
Values are printed with repr, which round-trips f64.
"""
import os
import sys

import numpy as np

BOOK = os.environ.get('DLFS2_BOOK', os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 '../../../../../shared/book'))
sys.path[:0] = [BOOK, os.path.join(BOOK, 'ch03'), os.path.join(BOOK, 'ch04')]

from common.layers import Embedding, MatMul, SigmoidWithLoss, SoftmaxWithLoss  # noqa: E402
from common.optimizer import Adam  # noqa: E402
from common.trainer import remove_duplicate  # noqa: E402
from common.util import analogy, convert_one_hot, create_contexts_target, most_similar  # noqa: E402
from ch04.negative_sampling_layer import EmbeddingDot, NegativeSamplingLoss  # noqa: E402
from ch04.cbow import CBOW  # noqa: E402
from ch04.skip_gram import SkipGram  # noqa: E402
from simple_cbow import SimpleCBOW  # noqa: E402
from simple_skip_gram import SimpleSkipGram  # noqa: E402

out = []


def emit(name, a):
    a = np.asarray(a, dtype=np.float64)
    shape = ", ".join(str(d) for d in a.shape)
    values = ", ".join(repr(float(v)) for v in a.ravel())
    out.append(f"pub const {name}: (&[usize], &[f64]) = (&[{shape}], &[{values}]);")


def emit_ids(name, a):
    a = np.asarray(a)
    shape = ", ".join(str(d) for d in a.shape)
    values = ", ".join(str(int(v)) for v in a.ravel())
    out.append(f"pub const {name}: (&[usize], &[usize]) = (&[{shape}], &[{values}]);")


rng = np.random.RandomState(20261128)

# --- Layers in f64 ---------------------------------------------------------
W = rng.randn(6, 4)
idx = np.array([3, 0, 3, 5, 1])
dout = rng.randn(5, 4)
emit("W", W)
emit_ids("IDX", idx)
emit("EMBED_DOUT", dout)
e = Embedding(W.copy())
emit("EMBED_OUT", e.forward(idx))
e.backward(dout)
emit("EMBED_DW", e.grads[0])

h = rng.randn(5, 4)
d1 = rng.randn(5)
emit("H", h)
emit("DOT_DOUT", d1)
ed = EmbeddingDot(W.copy())
emit("DOT_OUT", ed.forward(h, idx))
emit("DOT_DH", ed.backward(d1))
emit("DOT_DW", ed.grads[0])

x = rng.randn(7) * 3
t = np.array([1, 0, 0, 1, 1, 0, 1], dtype=np.int32)
emit("SIG_X", x)
emit_ids("SIG_T", t)
s = SigmoidWithLoss()
emit("SIG_LOSS", s.forward(x, t))
emit("SIG_DX", s.backward(0.7))

# --- Models in f64, built by hand from the book's layers --------------------
corpus = np.array([0, 1, 2, 3, 4, 1, 5, 2, 6, 0, 3, 1, 4, 2, 5, 6, 1, 0])
V, Hd, window = 7, 4, 2
contexts, target = create_contexts_target(corpus, window)
emit_ids("CORPUS", corpus)
emit_ids("CONTEXTS", contexts)
emit_ids("TARGET", target)
negative = np.array([[(t_ + k + 1) % V for k in range(5)] for t_ in target])
emit_ids("NEGATIVE", negative)

W_in, W_out = rng.randn(V, Hd) * 0.5, rng.randn(V, Hd) * 0.5
emit("CBOW_W_IN", W_in)
emit("CBOW_W_OUT", W_out)
m = object.__new__(CBOW)
W_in_c, W_out_c = W_in.copy(), W_out.copy()
m.in_layers = [Embedding(W_in_c) for _ in range(2 * window)]
m.ns_loss = NegativeSamplingLoss(W_out_c, corpus, power=0.75, sample_size=5)
m.ns_loss.sampler.get_negative_sample = lambda target: negative
m.params, m.grads = [], []
for layer in m.in_layers + [m.ns_loss]:
    m.params += layer.params
    m.grads += layer.grads
emit("CBOW_LOSS", CBOW.forward(m, contexts, target))
CBOW.backward(m)
params, grads = remove_duplicate(m.params, m.grads)
assert len(params) == 2
emit("CBOW_DW_IN", grads[0])
emit("CBOW_DW_OUT", grads[1])

# SkipGram: each context position has its own loss (and sampler).
sg = object.__new__(SkipGram)
W_in_s, W_out_s = W_in.copy(), W_out.copy()
sg.in_layer = Embedding(W_in_s)
sg.loss_layers = []
for i in range(2 * window):
    layer = NegativeSamplingLoss(W_out_s, corpus, power=0.75, sample_size=5)
    neg_i = np.array([[(c + k + 2 + i) % V for k in range(5)] for c in contexts[:, i]])
    emit_ids(f"SKIP_NEGATIVE_{i}", neg_i)
    layer.sampler.get_negative_sample = (lambda n: (lambda target: n))(neg_i)
    sg.loss_layers.append(layer)
sg.params, sg.grads = [], []
for layer in [sg.in_layer] + sg.loss_layers:
    sg.params += layer.params
    sg.grads += layer.grads
emit("SKIP_LOSS", SkipGram.forward(sg, contexts, target))
SkipGram.backward(sg)
params, grads = remove_duplicate(sg.params, sg.grads)
emit("SKIP_DW_IN", grads[0])
emit("SKIP_DW_OUT", grads[1])

# SimpleCBOW and SimpleSkipGram on the book's sentence (window 1), one-hot as the book.
ids = np.array([0, 1, 2, 3, 4, 1, 5, 6])
c1, t1 = create_contexts_target(ids, 1)
Vs = 7
S_in, S_out = rng.randn(Vs, 5) * 0.5, rng.randn(5, Vs) * 0.5
emit("SIMPLE_W_IN", S_in)
emit("SIMPLE_W_OUT", S_out)
sc = object.__new__(SimpleCBOW)
S_in_c = S_in.copy()
sc.in_layer0, sc.in_layer1 = MatMul(S_in_c), MatMul(S_in_c)
sc.out_layer, sc.loss_layer = MatMul(S_out.copy()), SoftmaxWithLoss()
sc.params, sc.grads = [], []
for layer in [sc.in_layer0, sc.in_layer1, sc.out_layer]:
    sc.params += layer.params
    sc.grads += layer.grads
emit("SIMPLE_CBOW_LOSS", SimpleCBOW.forward(sc, convert_one_hot(c1, Vs), convert_one_hot(t1, Vs)))
SimpleCBOW.backward(sc)
params, grads = remove_duplicate(sc.params, sc.grads)
assert len(params) == 2
emit("SIMPLE_CBOW_DW_IN", grads[0])
emit("SIMPLE_CBOW_DW_OUT", grads[1])

ss = object.__new__(SimpleSkipGram)
ss.in_layer, ss.out_layer = MatMul(S_in.copy()), MatMul(S_out.copy())
ss.loss_layer1, ss.loss_layer2 = SoftmaxWithLoss(), SoftmaxWithLoss()
ss.params, ss.grads = [], []
for layer in [ss.in_layer, ss.out_layer]:
    ss.params += layer.params
    ss.grads += layer.grads
emit("SIMPLE_SKIP_LOSS", SimpleSkipGram.forward(ss, convert_one_hot(c1, Vs), convert_one_hot(t1, Vs)))
SimpleSkipGram.backward(ss)
emit("SIMPLE_SKIP_DW_IN", ss.grads[0])
emit("SIMPLE_SKIP_DW_OUT", ss.grads[1])

# --- The book's models as the book builds them, float32, one Adam step ------
np.random.seed(1984)
book = SimpleCBOW(Vs, 5)
emit("BOOK_SIMPLE_W_IN_F32", book.params[0])
loss = book.forward(convert_one_hot(c1[:3], Vs), convert_one_hot(t1[:3], Vs))
emit("BOOK_SIMPLE_LOSS_F32", loss)
book.backward()
params, grads = remove_duplicate(book.params, book.grads)
Adam().update(params, grads)
emit("BOOK_SIMPLE_W_IN_STEP_F32", params[0])
emit("BOOK_SIMPLE_W_OUT_STEP_F32", params[1])

np.random.seed(1984)
book = CBOW(V, Hd, window, corpus)
emit("BOOK_CBOW_W_IN_F32", book.params[0])
book.ns_loss.sampler.get_negative_sample = lambda target: negative
loss = book.forward(contexts, target)
emit("BOOK_CBOW_LOSS_F32", loss)
book.backward()
params, grads = remove_duplicate(book.params, book.grads)
Adam().update(params, grads)
emit("BOOK_CBOW_W_IN_STEP_F32", params[0])
emit("BOOK_CBOW_W_OUT_STEP_F32", params[1])

# --- eval.py's printout on float16 vectors (numpy computes in float16) -----
import contextlib  # noqa: E402
import io  # noqa: E402

F16 = (rng.randn(40, 8) * 0.6).astype(np.float16)
emit("F16_WORDS", F16.astype(np.float64))
w2i = {f"w{i}": i for i in range(40)}
i2w = {i: f"w{i}" for i in range(40)}
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    for q in ("w0", "w7", "w33"):
        most_similar(q, w2i, i2w, F16, top=5)
    for a, b, c in (("w1", "w2", "w3"), ("w10", "w20", "w30")):
        analogy(a, b, c, w2i, i2w, F16)
text = printed.getvalue()
out.append("pub const F16_PRINTED: &str = " + '"' + text.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '";')

print("//! Generated by word2vec.py from the book's code; do not edit.")
print("#![allow(clippy::all, clippy::pedantic)]")
print("\n".join(out))
