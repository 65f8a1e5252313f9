//! The Transformer's layers against PyTorch run in float64 on the same
//! weights (`tests/reference/transformer.py`): `nn.MultiheadAttention`
//! (self with no mask, causal and padded; cross with padding),
//! `nn.TransformerEncoderLayer` and `nn.TransformerDecoderLayer` post-LN and
//! pre-LN, and the two stacks: outputs, attention weights, the inputs' and
//! every parameter's gradients to 1e-12. Then a float64 gradient check of
//! every input and parameter of each, through the masks, with dropout off.

#[path = "reference/transformer_data.rs"]
#[rustfmt::skip]
mod transformer_data;

use ndarray::{Array3, ArrayD, ArrayView3, Ix3};
use nn_core::transformer::{
    AttentionMask, MultiHeadAttention, TransformerConfig, TransformerDecoder,
    TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
};
use nn_core::{Differentiable, GradCheck, Init, Param, ParamName, Parameters, Result};
use rand::SeedableRng;
use transformer_data::*;

fn a3(r: Array) -> Array3<f64> {
    ArrayD::from_shape_vec(r.0, r.1.to_vec())
        .unwrap()
        .into_dimensionality::<Ix3>()
        .unwrap()
}

fn close<'a>(what: &str, ours: impl IntoIterator<Item = &'a f64>, shape: &[usize], theirs: Array) {
    assert_eq!(shape, theirs.0, "{what}: shape");
    let mut count = 0;
    for (i, (a, b)) in ours.into_iter().zip(theirs.1).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{what}[{i}]: {a} vs PyTorch's {b}"
        );
        count += 1;
    }
    assert_eq!(count, theirs.1.len(), "{what}: length");
}

fn close3(what: &str, ours: ArrayView3<'_, f64>, theirs: Array) {
    close(what, ours.iter(), ours.shape(), theirs);
}

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(5)
}

fn config(norm_first: bool) -> TransformerConfig {
    let (e, heads, d_ff) = SIZES;
    TransformerConfig {
        d_ff,
        norm_first,
        ..TransformerConfig::new(e, heads)
    }
}

/// Sets every parameter of `model` to PyTorch's, matched by name: the
/// names are PyTorch's too, so none may be left over on either side.
fn load(model: &mut dyn Parameters<f64>, params: &[Named]) {
    let mut seen = 0;
    model
        .visit_params(&mut |p| {
            let name = p.name.to_string();
            let (_, value, _) = params
                .iter()
                .find(|(n, _, _)| *n == name)
                .unwrap_or_else(|| panic!("{name}: not among PyTorch's parameters"));
            assert_eq!(p.value.shape(), value.0, "{name}: shape");
            let mut target = p.value;
            for (t, &v) in target.iter_mut().zip(value.1) {
                *t = v;
            }
            seen += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, params.len(), "every PyTorch parameter is ours");
}

/// Every parameter's gradient equals PyTorch's.
fn grads_close(what: &str, model: &mut dyn Parameters<f64>, params: &[Named]) {
    model
        .visit_params(&mut |p| {
            let name = p.name.to_string();
            let (_, _, grad) = params.iter().find(|(n, _, _)| *n == name).unwrap();
            close(
                &format!("{what}: d{name}"),
                p.grad.iter(),
                p.grad.shape(),
                *grad,
            );
            Ok(())
        })
        .unwrap();
}

fn padded(lengths: &[usize]) -> AttentionMask<'_> {
    AttentionMask {
        causal: false,
        key_lengths: Some(lengths),
    }
}

/// A case: its name, whether it attends to the memory, its mask, PyTorch's
/// `[dout, out, weights, dx]` and parameters.
type MhaCase = (
    &'static str,
    bool,
    AttentionMask<'static>,
    [Array; 4],
    &'static [Named],
);

fn mha_cases() -> [MhaCase; 4] {
    [
        (
            "no mask",
            false,
            AttentionMask::NONE,
            [MHA_NONE_DOUT, MHA_NONE_OUT, MHA_NONE_WEIGHTS, MHA_NONE_DX],
            MHA_NONE_PARAMS,
        ),
        (
            "causal",
            false,
            AttentionMask::CAUSAL,
            [
                MHA_CAUSAL_DOUT,
                MHA_CAUSAL_OUT,
                MHA_CAUSAL_WEIGHTS,
                MHA_CAUSAL_DX,
            ],
            MHA_CAUSAL_PARAMS,
        ),
        (
            "padded",
            false,
            padded(&MHA_SELF_LENGTHS),
            [
                MHA_PADDED_DOUT,
                MHA_PADDED_OUT,
                MHA_PADDED_WEIGHTS,
                MHA_PADDED_DX,
            ],
            MHA_PADDED_PARAMS,
        ),
        (
            "cross, padded",
            true,
            padded(&SRC_LENGTHS),
            [
                MHA_CROSS_DOUT,
                MHA_CROSS_OUT,
                MHA_CROSS_WEIGHTS,
                MHA_CROSS_DX,
            ],
            MHA_CROSS_PARAMS,
        ),
    ]
}

#[test]
fn multi_head_attention_equals_pytorchs() {
    let (e, heads, _) = SIZES;
    let (x, memory) = (a3(X), a3(MEMORY));
    for (what, cross, mask, [dout, out, weights, dx], params) in mha_cases() {
        let mut mha = MultiHeadAttention::init(e, heads, Init::Xavier, &mut rng()).unwrap();
        load(&mut mha, params);
        let m = cross.then(|| memory.view());
        let y = mha.forward(x.view(), m, mask).unwrap();
        close3(&format!("{what}: out"), y, out);
        let w = mha.weights();
        close(&format!("{what}: weights"), w.iter(), w.shape(), weights);
        let (gx, gm) = mha.backward(a3(dout).view()).unwrap();
        close3(&format!("{what}: dx"), gx, dx);
        match gm {
            Some(gm) => close3(&format!("{what}: dmemory"), gm, MHA_CROSS_DMEMORY),
            None => assert!(!cross),
        }
        grads_close(what, &mut mha, params);
    }
}

#[test]
fn the_packed_layout_is_pytorchs_in_proj() {
    // from_packed(in_proj_weightᵀ, in_proj_bias, …) builds the same layer as
    // the parameters loaded by name.
    let (e, heads, _) = SIZES;
    let get = |name: &str| {
        let (_, v, _) = MHA_NONE_PARAMS.iter().find(|(n, _, _)| *n == name).unwrap();
        ArrayD::from_shape_vec(v.0, v.1.to_vec()).unwrap()
    };
    let two = |a: ArrayD<f64>| a.into_dimensionality::<ndarray::Ix2>().unwrap();
    let one = |a: ArrayD<f64>| a.into_dimensionality::<ndarray::Ix1>().unwrap();
    let w_in = ndarray::concatenate![
        ndarray::Axis(1),
        two(get("q_proj.W")),
        two(get("kv_proj.W"))
    ];
    let b_in = ndarray::concatenate![
        ndarray::Axis(0),
        one(get("q_proj.b")),
        one(get("kv_proj.b"))
    ];
    let mut mha = MultiHeadAttention::from_packed(
        heads,
        w_in.view(),
        b_in.view(),
        two(get("out_proj.W")),
        one(get("out_proj.b")),
    )
    .unwrap();
    assert_eq!(mha.d_model(), e);
    let y = mha
        .forward(a3(X).view(), None, AttentionMask::NONE)
        .unwrap();
    close3("from_packed: out", y, MHA_NONE_OUT);
}

#[test]
fn encoder_and_decoder_layers_equal_pytorchs() {
    let (x, memory, lengths) = (a3(X), a3(MEMORY), &SRC_LENGTHS[..]);
    for (norm_first, [e_dout, e_out, e_dx], e_params, [d_dout, d_out, d_dx, d_dm], d_params) in [
        (
            false,
            [ENC_POST_DOUT, ENC_POST_OUT, ENC_POST_DX],
            ENC_POST_PARAMS,
            [DEC_POST_DOUT, DEC_POST_OUT, DEC_POST_DX, DEC_POST_DMEMORY],
            DEC_POST_PARAMS,
        ),
        (
            true,
            [ENC_PRE_DOUT, ENC_PRE_OUT, ENC_PRE_DX],
            ENC_PRE_PARAMS,
            [DEC_PRE_DOUT, DEC_PRE_OUT, DEC_PRE_DX, DEC_PRE_DMEMORY],
            DEC_PRE_PARAMS,
        ),
    ] {
        let what = if norm_first { "pre-LN" } else { "post-LN" };
        let mut enc = TransformerEncoderLayer::init(config(norm_first), &mut rng(), None).unwrap();
        load(&mut enc, e_params);
        close3(
            &format!("encoder {what}: out"),
            enc.forward(memory.view(), padded(lengths)).unwrap(),
            e_out,
        );
        close3(
            &format!("encoder {what}: dx"),
            enc.backward(a3(e_dout).view()).unwrap(),
            e_dx,
        );
        grads_close(&format!("encoder {what}"), &mut enc, e_params);

        let mut dec = TransformerDecoderLayer::init(config(norm_first), &mut rng(), None).unwrap();
        load(&mut dec, d_params);
        let y = dec
            .forward(
                x.view(),
                memory.view(),
                AttentionMask::CAUSAL,
                padded(lengths),
            )
            .unwrap();
        close3(&format!("decoder {what}: out"), y, d_out);
        let (gx, gm) = dec.backward(a3(d_dout).view()).unwrap();
        close3(&format!("decoder {what}: dx"), gx, d_dx);
        close3(&format!("decoder {what}: dmemory"), gm, d_dm);
        grads_close(&format!("decoder {what}"), &mut dec, d_params);
    }
}

#[test]
fn stacks_equal_pytorchs() {
    let lengths = &SRC_LENGTHS[..];
    let mut encoder = TransformerEncoder::init(config(true), 2, &mut rng(), None).unwrap();
    let mut decoder = TransformerDecoder::init(config(false), 2, &mut rng(), None).unwrap();
    load(&mut encoder, STACK_ENCODER_PARAMS);
    load(&mut decoder, STACK_DECODER_PARAMS);
    let m = encoder
        .forward(a3(MEMORY).view(), padded(lengths))
        .unwrap()
        .to_owned();
    let x = a3(X);
    let y = decoder
        .forward(x.view(), m.view(), AttentionMask::CAUSAL, padded(lengths))
        .unwrap();
    close3("stack: out", y, STACK_OUT);
    let (dx, dm) = decoder.backward(a3(STACK_DOUT).view()).unwrap();
    close3("stack: dx", dx, STACK_DX);
    let dm = dm.to_owned();
    close3(
        "stack: dsource",
        encoder.backward(dm.view()).unwrap(),
        STACK_DSOURCE,
    );
    grads_close("encoder stack", &mut encoder, STACK_ENCODER_PARAMS);
    grads_close("decoder stack", &mut decoder, STACK_DECODER_PARAMS);
}

/// A layer's forward on the inputs, and its backward to the inputs' gradients.
type Forward<L> = fn(&mut L, &[Array3<f64>]) -> Result<Array3<f64>>;
type Backward<L> = fn(&mut L, ArrayView3<'_, f64>) -> Result<Vec<Array3<f64>>>;

/// `f = Σ layer(inputs) ⊙ r`, with the inputs among the parameters so that
/// the gradient check perturbs them too.
struct Check<L> {
    layer: L,
    inputs: Vec<Array3<f64>>,
    grads: Vec<Array3<f64>>,
    r: Array3<f64>,
    forward: Forward<L>,
    backward: Backward<L>,
}

impl<L: Parameters<f64>> Parameters<f64> for Check<L> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        for (i, (x, g)) in self.inputs.iter_mut().zip(&mut self.grads).enumerate() {
            f(Param {
                name: ParamName::new(["x", "memory"][i]),
                value: x.view_mut().into_dyn(),
                grad: g.view_mut().into_dyn(),
            })?;
        }
        self.layer.visit_params(f)
    }
}

impl<L: Parameters<f64>> Differentiable for Check<L> {
    fn value(&mut self) -> Result<f64> {
        Ok(((self.forward)(&mut self.layer, &self.inputs)? * &self.r).sum())
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        for (g, d) in self
            .grads
            .iter_mut()
            .zip((self.backward)(&mut self.layer, self.r.view())?)
        {
            g.assign(&d);
        }
        Ok(())
    }
}

fn assert_checks<L: Parameters<f64>>(what: &str, mut check: Check<L>) {
    // The keys' bias has a gradient of exactly 0 (a softmax row doesn't
    // change when the same `q·b_k` is added to every score), so there the
    // check compares rounding noise: `|f| · 1e-16 / eps` ≈ 2e-10 for these
    // sums of ~20. A floor of 1e-3 keeps that noise under 1e-6, and a real
    // error of 1e-9 on a gradient of that size still fails.
    let grad_check = GradCheck {
        floor: 1e-3,
        ..GradCheck::default()
    };
    let report = grad_check.differentiable(&mut check).unwrap();
    assert!(report.max_error < 1e-6, "{what}: {report}");
}

fn check<L>(
    layer: L,
    inputs: Vec<Array3<f64>>,
    r: Array,
    forward: Forward<L>,
    backward: Backward<L>,
) -> Check<L> {
    Check {
        layer,
        grads: inputs.iter().map(|a| a * 0.0).collect(),
        inputs,
        r: a3(r),
        forward,
        backward,
    }
}

#[test]
fn multi_head_attention_passes_a_gradient_check_through_every_mask() {
    // The masks are fixed per case; the function pointers can't capture, so
    // each case is its own pair.
    let (e, heads, _) = SIZES;
    let layer = || MultiHeadAttention::init(e, heads, Init::Xavier, &mut rng()).unwrap();
    let back: Backward<MultiHeadAttention<f64>> = |l, r| {
        let (dx, dm) = l.backward(r)?;
        Ok([Some(dx.to_owned()), dm.map(|d| d.to_owned())]
            .into_iter()
            .flatten()
            .collect())
    };
    assert_checks(
        "causal",
        check(
            layer(),
            vec![a3(X)],
            MHA_CAUSAL_DOUT,
            |l, i| {
                Ok(l.forward(i[0].view(), None, AttentionMask::CAUSAL)?
                    .to_owned())
            },
            back,
        ),
    );
    assert_checks(
        "padded",
        check(
            layer(),
            vec![a3(X)],
            MHA_PADDED_DOUT,
            |l, i| {
                let mask = AttentionMask {
                    causal: true,
                    key_lengths: Some(&MHA_SELF_LENGTHS),
                };
                Ok(l.forward(i[0].view(), None, mask)?.to_owned())
            },
            back,
        ),
    );
    assert_checks(
        "cross",
        check(
            layer(),
            vec![a3(X), a3(MEMORY)],
            MHA_CROSS_DOUT,
            |l, i| {
                Ok(
                    l.forward(i[0].view(), Some(i[1].view()), padded(&SRC_LENGTHS))?
                        .to_owned(),
                )
            },
            back,
        ),
    );
}

#[test]
fn encoder_and_decoder_layers_pass_a_gradient_check() {
    for norm_first in [false, true] {
        let enc = TransformerEncoderLayer::init(config(norm_first), &mut rng(), None).unwrap();
        assert_checks(
            "encoder layer",
            check(
                enc,
                vec![a3(MEMORY)],
                ENC_POST_DOUT,
                |l, i| Ok(l.forward(i[0].view(), padded(&SRC_LENGTHS))?.to_owned()),
                |l, r| Ok(vec![l.backward(r)?.to_owned()]),
            ),
        );
        let dec = TransformerDecoderLayer::init(config(norm_first), &mut rng(), None).unwrap();
        assert_checks(
            "decoder layer",
            check(
                dec,
                vec![a3(X), a3(MEMORY)],
                DEC_POST_DOUT,
                |l, i| {
                    Ok(l.forward(
                        i[0].view(),
                        i[1].view(),
                        AttentionMask::CAUSAL,
                        padded(&SRC_LENGTHS),
                    )?
                    .to_owned())
                },
                |l, r| {
                    let (dx, dm) = l.backward(r)?;
                    Ok(vec![dx.to_owned(), dm.to_owned()])
                },
            ),
        );
    }
}

#[test]
fn stacks_pass_a_gradient_check() {
    for norm_first in [false, true] {
        let enc = TransformerEncoder::init(config(norm_first), 2, &mut rng(), None).unwrap();
        assert_checks(
            "encoder stack",
            check(
                enc,
                vec![a3(MEMORY)],
                ENC_PRE_DOUT,
                |l, i| Ok(l.forward(i[0].view(), padded(&SRC_LENGTHS))?.to_owned()),
                |l, r| Ok(vec![l.backward(r)?.to_owned()]),
            ),
        );
        let dec = TransformerDecoder::init(config(norm_first), 2, &mut rng(), None).unwrap();
        assert_checks(
            "decoder stack",
            check(
                dec,
                vec![a3(X), a3(MEMORY)],
                DEC_PRE_DOUT,
                |l, i| {
                    Ok(l.forward(
                        i[0].view(),
                        i[1].view(),
                        AttentionMask::CAUSAL,
                        padded(&SRC_LENGTHS),
                    )?
                    .to_owned())
                },
                |l, r| {
                    let (dx, dm) = l.backward(r)?;
                    Ok(vec![dx.to_owned(), dm.to_owned()])
                },
            ),
        );
    }
}
