#!/usr/bin/env python3
"""Reference numbers for nn-core's Transformer layers, from PyTorch run in
float64 with dropout 0 and batch_first=True on weights drawn here:

  * nn.MultiheadAttention (packed in-projection): self-attention with no
    mask, the causal mask and key padding; cross-attention with padding.
    Output, every head's weights, the inputs' and every parameter's gradients.
  * nn.TransformerEncoderLayer and nn.TransformerDecoderLayer, post-LN and
    pre-LN (norm_first), with a padding mask of the source and the causal
    mask of the target.
  * nn.TransformerEncoder (pre-LN, 2 layers, final LayerNorm) and
    nn.TransformerDecoder (post-LN, 2 layers).

Every parameter is emitted under nn-core's name, in nn-core's layout (x·W,
so PyTorch's weights transposed; in_proj split into q_proj and kv_proj),
beside its gradient. The loss is sum(out * dout) for a given dout.

Run from this directory:  python3 transformer.py > transformer_data.rs
Needs numpy and torch.
"""
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.RandomState(20261207)
out = []
E, HEADS, FF = 8, 2, 16
N, T, S = 3, 5, 6
SRC_LENGTHS = [6, 2, 5]


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    shape = ", ".join(str(d) for d in a.shape)
    values = ", ".join(repr(float(v)) for v in a.ravel())
    return f"(&[{shape}], &[{values}])"


def emit(name, a):
    out.append(f"pub const {name}: (&[usize], &[f64]) = {arr(a)};")


def randomize(module):
    """Every parameter from the seeded generator (LayerNorm's near 1 and 0)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(torch.from_numpy(1.0 + 0.2 * rng.randn(*p.shape)))
            else:
                p.copy_(torch.from_numpy(0.4 * rng.randn(*p.shape)))


def ours(name, p):
    """PyTorch's parameter as nn-core's (name, value, grad) triples."""
    value, grad = p.detach().numpy(), p.grad.numpy()
    parts = name.split(".")
    parts = ["cross_attn" if s == "multihead_attn" else s for s in parts]
    prefix, last = ".".join(parts[:-1]), parts[-1]
    join = (lambda s: f"{prefix}.{s}" if prefix else s)
    if last in ("in_proj_weight", "in_proj_bias"):
        split = lambda a: (a[:E], a[E:])
        (vq, vkv), (gq, gkv) = split(value), split(grad)
        kind = "W" if last == "in_proj_weight" else "b"
        t = (lambda a: a.T) if kind == "W" else (lambda a: a)
        return [(join(f"q_proj.{kind}"), t(vq), t(gq)), (join(f"kv_proj.{kind}"), t(vkv), t(gkv))]
    if parts[-2].startswith("norm") or (len(parts) >= 2 and parts[-2] == "norm"):
        return [(join({"weight": "gamma", "bias": "beta"}[last]), value, grad)]
    if last == "weight":
        return [(join("W"), value.T, grad.T)]
    return [(join("b"), value, grad)]


def emit_params(tag, module):
    rows = []
    for name, p in module.named_parameters():
        for our_name, v, g in ours(name, p):
            rows.append(f'("{our_name}", {arr(v)}, {arr(g)})')
    out.append(f"pub const {tag}_PARAMS: &[Named] = &[{', '.join(rows)}];")


def tensor(a, grad=True):
    return torch.from_numpy(a.copy()).requires_grad_(grad)


def padding(lengths, width):
    """True where a key is padding (PyTorch's key_padding_mask)."""
    return torch.from_numpy(np.arange(width)[None, :] >= np.array(lengths)[:, None])


def causal(t):
    """True where query i may not see key j > i (PyTorch's attn_mask)."""
    return torch.from_numpy(np.triu(np.ones((t, t), dtype=bool), 1))


out.append("pub type Array = (&'static [usize], &'static [f64]);")
out.append("pub type Named = (&'static str, Array, Array);")
x = rng.randn(N, T, E)
memory = rng.randn(N, S, E)
emit("X", x)
emit("MEMORY", memory)
out.append(f"pub const SRC_LENGTHS: [usize; {N}] = {SRC_LENGTHS!r};")
out.append(f"pub const SIZES: (usize, usize, usize) = ({E}, {HEADS}, {FF});")

# Multi-head attention.
for tag, cross, mask in [("MHA_NONE", False, None), ("MHA_CAUSAL", False, "causal"),
                         ("MHA_PADDED", False, "padded"), ("MHA_CROSS", True, "padded")]:
    mha = nn.MultiheadAttention(E, HEADS, dropout=0.0, batch_first=True)
    randomize(mha)
    xt = tensor(x)
    mt = tensor(memory) if cross else xt
    tk = S if cross else T
    lengths = SRC_LENGTHS if cross else [5, 3, 4]
    kwargs = {}
    if mask == "causal":
        kwargs["attn_mask"] = causal(T)
    if mask == "padded":
        kwargs["key_padding_mask"] = padding(lengths, tk)
    y, w = mha(xt, mt, mt, need_weights=True, average_attn_weights=False, **kwargs)
    dout = rng.randn(*y.shape)
    y.backward(torch.from_numpy(dout))
    emit(f"{tag}_DOUT", dout)
    emit(f"{tag}_OUT", y.detach())
    emit(f"{tag}_WEIGHTS", w.detach())
    emit(f"{tag}_DX", xt.grad)
    if cross:
        emit(f"{tag}_DMEMORY", mt.grad)
    emit_params(tag, mha)
out.append("pub const MHA_SELF_LENGTHS: [usize; 3] = [5, 3, 4];")

# Encoder and decoder layers, post-LN and pre-LN.
for norm_first in (False, True):
    tag = "PRE" if norm_first else "POST"
    enc = nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True,
                                     norm_first=norm_first)
    randomize(enc)
    xt = tensor(memory)
    y = enc(xt, src_key_padding_mask=padding(SRC_LENGTHS, S))
    dout = rng.randn(*y.shape)
    y.backward(torch.from_numpy(dout))
    emit(f"ENC_{tag}_DOUT", dout)
    emit(f"ENC_{tag}_OUT", y.detach())
    emit(f"ENC_{tag}_DX", xt.grad)
    emit_params(f"ENC_{tag}", enc)

    dec = nn.TransformerDecoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True,
                                     norm_first=norm_first)
    randomize(dec)
    xt, mt = tensor(x), tensor(memory)
    y = dec(xt, mt, tgt_mask=causal(T), memory_key_padding_mask=padding(SRC_LENGTHS, S))
    dout = rng.randn(*y.shape)
    y.backward(torch.from_numpy(dout))
    emit(f"DEC_{tag}_DOUT", dout)
    emit(f"DEC_{tag}_OUT", y.detach())
    emit(f"DEC_{tag}_DX", xt.grad)
    emit(f"DEC_{tag}_DMEMORY", mt.grad)
    emit_params(f"DEC_{tag}", dec)

# Stacks: a pre-LN encoder with its final norm feeding a post-LN decoder.
layer = nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True, norm_first=True)
encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E), enable_nested_tensor=False)
layer = nn.TransformerDecoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True)
decoder = nn.TransformerDecoder(layer, 2)
randomize(encoder)
randomize(decoder)
xt, st = tensor(x), tensor(memory)
m = encoder(st, src_key_padding_mask=padding(SRC_LENGTHS, S))
y = decoder(xt, m, tgt_mask=causal(T), memory_key_padding_mask=padding(SRC_LENGTHS, S))
dout = rng.randn(*y.shape)
y.backward(torch.from_numpy(dout))
emit("STACK_DOUT", dout)
emit("STACK_OUT", y.detach())
emit("STACK_DX", xt.grad)
emit("STACK_DSOURCE", st.grad)
emit_params("STACK_ENCODER", encoder)
emit_params("STACK_DECODER", decoder)

print("// @generated by transformer.py from PyTorch " + torch.__version__
      + " in float64; do not edit by hand.")
print("#![allow(dead_code)]")
print("\n".join(out))
