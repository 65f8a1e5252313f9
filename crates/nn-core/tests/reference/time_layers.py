#!/usr/bin/env python3
"""Reference numbers for nn-core's time layers, from the book's own
common/time_layers.py (Deep Learning from Scratch 2, MIT licence, copyright
2018 Koki Saitoh), run in float64.

Run from this directory:  python3 time_layers.py > time_data.rs
Needs numpy and the book's code: its directory in $DLFS2_BOOK, by default
../../../../../shared/book (the project's sibling `shared/book`).

The book's TimeRNN and TimeEmbedding store their outputs in float32 arrays
(`dtype='f'`); those classes are taken from the book's source with that one
word changed to float64 (and TimeDropout's float32 mask to float64),
so that the Rust tests compare the book's arithmetic to 1e-12.
"""
import inspect
import os
import sys

import numpy as np

BOOK = os.environ.get('DLFS2_BOOK', os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 '../../../../../shared/book'))
sys.path.insert(0, BOOK)

import common.time_layers as tl  # noqa: E402

namespace = vars(tl).copy()
for name in ("TimeRNN", "TimeEmbedding", "TimeLSTM", "TimeGRU", "TimeBiLSTM", "TimeSigmoidWithLoss"):
    exec(inspect.getsource(getattr(tl, name)).replace("dtype='f'", "dtype='d'"), namespace)
TimeRNN, TimeEmbedding, TimeLSTM = namespace['TimeRNN'], namespace['TimeEmbedding'], namespace['TimeLSTM']
# TimeDropout's mask is float32 even for float64 inputs (its 1/(1 − ratio)
# rounded to float32); in float64 it is the formula without that rounding.
exec(inspect.getsource(tl.TimeDropout).replace("np.float32", "np.float64"), namespace)
TimeGRU, TimeBiLSTM, TimeSigmoidWithLoss = (namespace['TimeGRU'], namespace['TimeBiLSTM'],
                                            namespace['TimeSigmoidWithLoss'])

out = []


def emit(name, a):
    a = np.asarray(a, dtype=np.float64)
    shape = ", ".join(str(d) for d in a.shape)
    values = ", ".join(repr(float(v)) for v in a.ravel())
    out.append(f"pub const {name}: (&[usize], &[f64]) = (&[{shape}], &[{values}]);")


rng = np.random.RandomState(20261128)
N, T, D, H = 3, 4, 5, 6

# One RNN step.
Wx, Wh, b = rng.randn(D, H) * 0.5, rng.randn(H, H) * 0.5, rng.randn(H) * 0.1
x, h_prev, dh_next = rng.randn(N, D), rng.randn(N, H), rng.randn(N, H)
for name, a in [("WX", Wx), ("WH", Wh), ("B", b), ("X", x), ("H_PREV", h_prev), ("DH_NEXT", dh_next)]:
    emit("RNN_" + name, a)
cell = tl.RNN(Wx.copy(), Wh.copy(), b.copy())
emit("RNN_H_NEXT", cell.forward(x, h_prev))
dx, dh_prev = cell.backward(dh_next)
emit("RNN_DX", dx)
emit("RNN_DH_PREV", dh_prev)
emit("RNN_DWX", cell.grads[0])
emit("RNN_DWH", cell.grads[1])
emit("RNN_DB", cell.grads[2])

# TimeRNN, stateful, two batches: the second starts from the first's last h.
xs1, xs2 = rng.randn(N, T, D), rng.randn(N, T, D)
dhs = rng.randn(N, T, H)
emit("XS1", xs1)
emit("XS2", xs2)
emit("DHS", dhs)
layer = TimeRNN(Wx.copy(), Wh.copy(), b.copy(), stateful=True)
emit("HS1", layer.forward(xs1))
emit("HS2", layer.forward(xs2))
emit("DXS2", layer.backward(dhs))
emit("TIME_DWX", layer.grads[0])
emit("TIME_DWH", layer.grads[1])
emit("TIME_DB", layer.grads[2])
emit("TIME_DH", layer.dh)

# TimeEmbedding, TimeAffine, TimeSoftmaxWithLoss (with the ignore label).
V = 7
We = rng.randn(V, D)
ids = rng.randint(0, V, size=(N, T))
dout_e = rng.randn(N, T, D)
emit("EMBED_W", We)
out.append("pub const EMBED_IDS: &[usize] = &[" + ", ".join(str(int(i)) for i in ids.ravel()) + "];")
emit("EMBED_DOUT", dout_e)
te = TimeEmbedding(We.copy())
emit("EMBED_OUT", te.forward(ids))
te.backward(dout_e)
emit("EMBED_DW", te.grads[0])

Wa, ba = rng.randn(H, V) * 0.5, rng.randn(V) * 0.1
hs_in, dout_a = rng.randn(N, T, H), rng.randn(N, T, V)
emit("AFFINE_W", Wa)
emit("AFFINE_B", ba)
emit("AFFINE_X", hs_in)
emit("AFFINE_DOUT", dout_a)
ta = tl.TimeAffine(Wa.copy(), ba.copy())
emit("AFFINE_OUT", ta.forward(hs_in))
emit("AFFINE_DX", ta.backward(dout_a))
emit("AFFINE_DW", ta.grads[0])
emit("AFFINE_DB", ta.grads[1])

scores = rng.randn(N, T, V) * 2
ts = rng.randint(0, V, size=(N, T))
ts[0, 1] = -1
ts[2, 3] = -1
emit("LOSS_XS", scores)
out.append("pub const LOSS_TS: &[isize] = &[" + ", ".join(str(int(i)) for i in ts.ravel()) + "];")
sl = tl.TimeSoftmaxWithLoss()
emit("LOSS", sl.forward(scores, ts))
emit("LOSS_DX", sl.backward(0.5))

# LSTM and a stateful TimeLSTM over two batches.
Lx, Lh, Lb = rng.randn(D, 4 * H) * 0.4, rng.randn(H, 4 * H) * 0.4, rng.randn(4 * H) * 0.1
emit("LSTM_WX", Lx)
emit("LSTM_WH", Lh)
emit("LSTM_B", Lb)
c_prev, dc_next = rng.randn(N, H), rng.randn(N, H)
emit("LSTM_C_PREV", c_prev)
emit("LSTM_DC_NEXT", dc_next)
cell = tl.LSTM(Lx.copy(), Lh.copy(), Lb.copy())
hn, cn = cell.forward(x, h_prev, c_prev)
emit("LSTM_H_NEXT", hn)
emit("LSTM_C_NEXT", cn)
dx, dh_prev, dc_prev = cell.backward(dh_next, dc_next)
emit("LSTM_DX", dx)
emit("LSTM_DH_PREV", dh_prev)
emit("LSTM_DC_PREV", dc_prev)
emit("LSTM_DWX", cell.grads[0])
emit("LSTM_DWH", cell.grads[1])
emit("LSTM_DB", cell.grads[2])
tlstm = TimeLSTM(Lx.copy(), Lh.copy(), Lb.copy(), stateful=True)
emit("LSTM_HS1", tlstm.forward(xs1))
emit("LSTM_HS2", tlstm.forward(xs2))
emit("LSTM_DXS2", tlstm.backward(dhs))
emit("LSTM_TIME_DWX", tlstm.grads[0])
emit("LSTM_TIME_DWH", tlstm.grads[1])
emit("LSTM_TIME_DB", tlstm.grads[2])
emit("LSTM_TIME_DH", tlstm.dh)

# GRU and a stateful TimeGRU over two batches.
Gx, Gh, Gb = rng.randn(D, 3 * H) * 0.4, rng.randn(H, 3 * H) * 0.4, rng.randn(3 * H) * 0.1
emit("GRU_WX", Gx)
emit("GRU_WH", Gh)
emit("GRU_B", Gb)
cell = tl.GRU(Gx.copy(), Gh.copy(), Gb.copy())
emit("GRU_H_NEXT", cell.forward(x, h_prev))
dx, dh_prev = cell.backward(dh_next)
emit("GRU_DX", dx)
emit("GRU_DH_PREV", dh_prev)
emit("GRU_DWX", cell.grads[0])
emit("GRU_DWH", cell.grads[1])
emit("GRU_DB", cell.grads[2])
tgru = TimeGRU(Gx.copy(), Gh.copy(), Gb.copy(), stateful=True)
emit("GRU_HS1", tgru.forward(xs1))
emit("GRU_HS2", tgru.forward(xs2))
emit("GRU_DXS2", tgru.backward(dhs))
emit("GRU_TIME_DWX", tgru.grads[0])
emit("GRU_TIME_DWH", tgru.grads[1])
emit("GRU_TIME_DB", tgru.grads[2])
emit("GRU_TIME_DH", tgru.dh)

# TimeBiLSTM: the LSTM's weights forwards, a second set backwards.
Bx, Bh, Bb = rng.randn(D, 4 * H) * 0.4, rng.randn(H, 4 * H) * 0.4, rng.randn(4 * H) * 0.1
emit("BI_WX2", Bx)
emit("BI_WH2", Bh)
emit("BI_B2", Bb)
dhs_bi = rng.randn(N, T, 2 * H)
emit("BI_DHS", dhs_bi)
bi = TimeBiLSTM(Lx.copy(), Lh.copy(), Lb.copy(), Bx.copy(), Bh.copy(), Bb.copy())
emit("BI_HS", bi.forward(xs1))
emit("BI_DXS", bi.backward(dhs_bi))
for i, name in enumerate(["DWX1", "DWH1", "DB1", "DWX2", "DWH2", "DB2"]):
    emit("BI_" + name, bi.grads[i])

# TimeSigmoidWithLoss.
sig_xs = rng.randn(N, T) * 2
sig_ts = rng.randint(0, 2, size=(N, T))
emit("SIG_XS", sig_xs)
out.append("pub const SIG_TS: &[usize] = &[" + ", ".join(str(int(i)) for i in sig_ts.ravel()) + "];")
ls = TimeSigmoidWithLoss()
emit("SIG_LOSS", ls.forward(sig_xs, sig_ts))
emit("SIG_DXS", ls.backward(0.5))

# TimeDropout and Dropout: the masks from numpy's global generator; the
# draws are emitted so that the test replays them.
np.random.seed(5)
draws = np.random.rand(N, T, D)
np.random.seed(5)
td = namespace['TimeDropout'](0.4)
emit("DROP_DRAWS", draws)
emit("DROP_OUT", td.forward(xs1))
emit("DROP_DX", td.backward(xs2))
np.random.seed(5)
d2 = tl.Dropout(0.4)
emit("DROPOUT2_OUT", d2.forward(xs1.reshape(N * T, D)))
emit("DROPOUT2_EVAL", d2.forward(xs1.reshape(N * T, D), train_flg=False))

print("// @generated by time_layers.py from the book's time_layers.py with numpy " + np.__version__ + "; do not edit by hand.")
print("#![allow(dead_code)]")
print("\n".join(out))
