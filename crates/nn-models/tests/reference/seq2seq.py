#!/usr/bin/env python3
"""Reference numbers for nn-models' seq2seq models, from the book's own
ch07/seq2seq.py, ch07/peeky_seq2seq.py, ch08/attention_seq2seq.py,
ch08/attention_layer.py, common/time_layers.py and dataset/sequence.py (Deep
Learning from Scratch 2, MIT licence, copyright 2018 Koki Saitoh).

1. In float64 (the classes' `astype('f')` and `dtype='f'` made float64): a
   small Seq2seq, PeekySeq2seq and AttentionSeq2seq with weights drawn after
   np.random.seed(7): the loss, every gradient, and generated answers.
2. In float32, as the book's scripts run: after load_data (which seeds 1984
   and shuffles), the model's initial weights (SHA-256 of each array's bytes)
   and the first training batch's loss (the Trainer's first permutation):
   train_seq2seq.py plain, train_seq2seq.py reversed + peeky, ch08/train.py.

Run from this directory:  python3 seq2seq.py > seq2seq_data.rs
Needs numpy and the book's code in $DLFS2_BOOK (default ../../../../../shared/book);
the data files are read from ../../data/.
"""
import hashlib
import importlib
import inspect
import os
import shutil
import sys
import tempfile
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BOOK = os.environ.get('DLFS2_BOOK', os.path.join(HERE, '../../../../../shared/book'))
sys.path.insert(0, BOOK)

out = []


def emit(name, a):
    a = np.asarray(a, dtype=np.float64)
    shape = ", ".join(str(d) for d in a.shape)
    values = ", ".join(repr(float(v)) for v in a.ravel())
    out.append(f"pub const {name}: (&[usize], &[f64]) = (&[{shape}], &[{values}]);")


def emit_ids(name, a):
    a = np.asarray(a)
    values = ", ".join(str(int(v)) for v in a.ravel())
    out.append(f"pub const {name}: ([usize; 2], &[usize]) = ([{a.shape[0]}, {a.shape[1]}], &[{values}]);")


def load_models(precision):
    """The book's model modules, with their weights (and the time layers'
    buffers) in `precision` ('f' as the book, 'd' for float64)."""
    import common.time_layers as tl
    importlib.reload(tl)
    if precision == 'd':
        for name in ("TimeEmbedding", "TimeLSTM"):
            exec(inspect.getsource(getattr(tl, name)).replace("dtype='f'", "dtype='d'"), vars(tl))
    modules = {}
    for mod, path in (('ch08.attention_layer', 'ch08/attention_layer.py'),
                      ('ch07.seq2seq', 'ch07/seq2seq.py'),
                      ('ch07.peeky_seq2seq', 'ch07/peeky_seq2seq.py'),
                      ('ch08.attention_seq2seq', 'ch08/attention_seq2seq.py')):
        source = open(os.path.join(BOOK, path)).read().replace("astype('f')", f"astype('{precision}')")
        source = source.replace("from seq2seq import", "from ch07.seq2seq import")
        m = types.ModuleType(mod)
        m.__file__ = os.path.join(BOOK, path)
        sys.modules[mod] = m
        exec(compile(source, path, 'exec'), vars(m))
        modules[mod] = m
    return (modules['ch07.seq2seq'].Seq2seq, modules['ch07.peeky_seq2seq'].PeekySeq2seq,
            modules['ch08.attention_seq2seq'].AttentionSeq2seq)


# 1. float64.
V, D, H, N, TQ, TA = 7, 3, 4, 2, 5, 4
rng = np.random.RandomState(20261128)
xs = rng.randint(0, V, size=(N, TQ))
ts = rng.randint(0, V, size=(N, TA))
emit_ids("XS", xs)
emit_ids("TS", ts)
for label, cls in zip(("SEQ2SEQ", "PEEKY", "ATTENTION"), load_models('d')):
    np.random.seed(7)
    model = cls(V, D, H)
    # Larger weights than the book's (×10) so that the answers depend on the
    # question; drawn the same way, scaled after.
    for p in model.params:
        p *= 10
    emit(f"{label}_LOSS", model.forward(xs, ts))
    model.backward()
    for i, g in enumerate(model.grads):
        emit(f"{label}_GRAD_{i}", g)
    emit_ids(f"{label}_GENERATED", np.array([model.generate(xs[[n]], ts[n, 0], TA - 1) for n in range(N)]))
    if label == "ATTENTION":
        model.forward(xs, ts)
        emit(f"{label}_WEIGHTS", np.array(model.decoder.attention.attention_weights).transpose(1, 0, 2))

# 2. float32, as the scripts run.
work = tempfile.mkdtemp()
shutil.copy(os.path.join(BOOK, 'dataset', 'sequence.py'), work)
for name in ('addition.txt', 'date.txt'):
    shutil.copy(os.path.join(HERE, '../../data', name), work)
sys.path.insert(0, work)
Seq2seq, PeekySeq2seq, AttentionSeq2seq = load_models('f')
for label, file, reverse, cls, hidden in (("BOOK_SEQ2SEQ", 'addition.txt', False, Seq2seq, 128),
                                          ("BOOK_PEEKY", 'addition.txt', True, PeekySeq2seq, 128),
                                          ("BOOK_ATTENTION", 'date.txt', True, AttentionSeq2seq, 256)):
    sequence = importlib.import_module('sequence')
    importlib.reload(sequence)  # a fresh vocabulary per run (the book's is global)
    (x_train, t_train), _ = sequence.load_data(file)
    if reverse:
        x_train = x_train[:, ::-1]
    model = cls(len(sequence.get_vocab()[0]), 16, hidden)
    digests = ', '.join('"' + hashlib.sha256(p.tobytes()).hexdigest() + '"' for p in model.params)
    out.append(f"pub const {label}_WEIGHTS: &[&str] = &[{digests}];")
    # Trainer.fit's first permutation and batch.
    idx = np.random.permutation(np.arange(len(x_train)))
    loss = model.forward(x_train[idx][:128], t_train[idx][:128])
    out.append(f"pub const {label}_FIRST_LOSS: f32 = {np.float32(loss)!s};")

print("// @generated by seq2seq.py from the book's code with numpy " + np.__version__ + "; do not edit by hand.")
print("#![allow(dead_code)]")
print("\n".join(out))
