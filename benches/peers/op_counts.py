#!/usr/bin/env python3
"""Multiply-adds of one training iteration (forward and backward) of the
book's chapter 6-8 models, as the book computes them and as we do, by part,
from the shapes alone. One multiply-add is two floating-point operations.

    python3 benches/peers/op_counts.py

Counted: every matrix product and the book's attention (element-wise
products summed, the same count as the products we run instead). Not
counted: the element-wise work (gates, softmax, Adam), which is linear in
the activations and well under 1% of the products for these shapes.
"""


def lstm(n, t, d, h):
    """TimeLSTM over t steps: xs.Wx and h.Wh forward, dWx, dWh, dxs and dh
    backward: 3 products of each shape."""
    return 3 * n * t * 4 * h * (d + h)


def affine(rows, i, o):
    """y = x.W forward; dW = x^T.dy and dx = dy.W^T backward."""
    return 3 * rows * i * o


def attention(n, td, te, h):
    """Scores and context forward (2), dA, dhs_enc twice, dhs_dec backward (4)."""
    return 6 * n * td * te * h


def models():
    """(name, shapes, [(part, book's, ours)])."""
    out = []
    n, t, v, h = 20, 35, 10000, 100
    out.append(('Rnnlm', f'batch {n} x {t}, V {v}, D = H = {h}', [
        ('TimeLSTM', lstm(n, t, h, h), lstm(n, t, h, h)),
        ('TimeAffine', affine(n * t, h, v), affine(n * t, h, v)),
    ]))
    h = 650
    out.append(('BetterRnnlm', f'batch {n} x {t}, V {v}, D = H = {h}, 2 LSTMs, tied', [
        ('TimeLSTM x 2', 2 * lstm(n, t, h, h), 2 * lstm(n, t, h, h)),
        ('TimeAffine (embed.W^T)', affine(n * t, h, v), affine(n * t, h, v)),
    ]))
    n, tq, ta, v, d, h = 128, 7, 4, 13, 16, 128
    # The book joins h to every step's input: an LSTM of D + H inputs. Ours
    # takes h's part of the gates once per sequence: forward, its rows of
    # dWx, and its gradient, one (N, H) x (H, 4H) product each.
    out.append(('PeekySeq2seq', f'batch {n}, {tq} -> {ta} steps, V {v}, D {d}, H {h}', [
        ('encoder TimeLSTM', lstm(n, tq, d, h), lstm(n, tq, d, h)),
        ('decoder TimeLSTM', lstm(n, ta, d + h, h), lstm(n, ta, d, h) + 3 * n * h * 4 * h),
        ('TimeAffine ([h, out])', affine(n * ta, 2 * h, v), affine(n * ta, 2 * h, v)),
    ]))
    n, tq, ta, v, d, h = 128, 29, 10, 59, 16, 256
    out.append(('AttentionSeq2seq', f'batch {n}, {tq} -> {ta} steps, V {v}, D {d}, H {h}', [
        ('encoder TimeLSTM', lstm(n, tq, d, h), lstm(n, tq, d, h)),
        ('decoder TimeLSTM', lstm(n, ta, d, h), lstm(n, ta, d, h)),
        ('TimeAttention', attention(n, ta, tq, h), attention(n, ta, tq, h)),
        ('TimeAffine ([c, h])', affine(n * ta, 2 * h, v), affine(n * ta, 2 * h, v)),
    ]))
    return out


def main():
    print('| model | shapes | part | the book, GFLOP | ours, GFLOP |')
    print('|---|---|---|---|---|')
    for name, shapes, parts in models():
        for part, book, ours in parts:
            print(f'| {name} | {shapes} | {part} | {2 * book / 1e9:.3f} | {2 * ours / 1e9:.3f} |')
        book, ours = sum(p[1] for p in parts), sum(p[2] for p in parts)
        change = f' ({100 * (ours - book) / book:+.0f}%)' if ours != book else ''
        print(f'| **{name}** | | **per iteration** | **{2 * book / 1e9:.3f}** | **{2 * ours / 1e9:.3f}**{change} |')


if __name__ == '__main__':
    main()
