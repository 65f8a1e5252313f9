//! `ScaledDotProductAttention` against PyTorch's
//! `scaled_dot_product_attention` run in float64 on the same q, k, v
//! (`tests/reference/scaled_dot_product.py`): the output and the gradients
//! of q, k and v to 1e-12, with no mask, the causal mask, padding and both;
//! and a float64 gradient check of q, k and v through the masks.

#[path = "reference/scaled_dot_product_data.rs"]
#[rustfmt::skip]
mod scaled_dot_product_data;

use ndarray::{Array3, ArrayD, Ix3};
use nn_core::transformer::{AttentionMask, ScaledDotProductAttention};
use nn_core::{Differentiable, GradCheck, Param, ParamName, Parameters, Result};
use scaled_dot_product_data::*;

fn a3(r: (&[usize], &[f64])) -> Array3<f64> {
    ArrayD::from_shape_vec(r.0, r.1.to_vec())
        .unwrap()
        .into_dimensionality::<Ix3>()
        .unwrap()
}

fn close(what: &str, ours: &Array3<f64>, theirs: (&[usize], &[f64])) {
    assert_eq!(ours.shape(), theirs.0, "{what}: shape");
    for (i, (a, b)) in ours.iter().zip(theirs.1).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{what}[{i}]: {a} vs PyTorch's {b}"
        );
    }
}

type Expected = [(&'static [usize], &'static [f64]); 4];

fn masks() -> [(&'static str, AttentionMask<'static>, Expected); 4] {
    let padded = Some(&SDPA_LENGTHS[..]);
    [
        (
            "no mask",
            AttentionMask::NONE,
            [SDPA_NONE_OUT, SDPA_NONE_DQ, SDPA_NONE_DK, SDPA_NONE_DV],
        ),
        (
            "causal",
            AttentionMask::CAUSAL,
            [
                SDPA_CAUSAL_OUT,
                SDPA_CAUSAL_DQ,
                SDPA_CAUSAL_DK,
                SDPA_CAUSAL_DV,
            ],
        ),
        (
            "padded",
            AttentionMask {
                causal: false,
                key_lengths: padded,
            },
            [
                SDPA_PADDED_OUT,
                SDPA_PADDED_DQ,
                SDPA_PADDED_DK,
                SDPA_PADDED_DV,
            ],
        ),
        (
            "causal and padded",
            AttentionMask {
                causal: true,
                key_lengths: padded,
            },
            [SDPA_BOTH_OUT, SDPA_BOTH_DQ, SDPA_BOTH_DK, SDPA_BOTH_DV],
        ),
    ]
}

#[test]
fn scaled_dot_product_attention_equals_pytorchs() {
    let (q, k, v, dout) = (a3(SDPA_Q), a3(SDPA_K), a3(SDPA_V), a3(SDPA_DOUT));
    let mut att = ScaledDotProductAttention::new();
    for (what, mask, [out, dq, dk, dv]) in masks() {
        let y = att
            .forward(q.view(), k.view(), v.view(), mask)
            .unwrap()
            .to_owned();
        close(&format!("{what}: out"), &y, out);
        let (gq, gk, gv) = att.backward(dout.view()).unwrap();
        let (gq, gk, gv) = (gq.to_owned(), gk.to_owned(), gv.to_owned());
        close(&format!("{what}: dq"), &gq, dq);
        close(&format!("{what}: dk"), &gk, dk);
        close(&format!("{what}: dv"), &gv, dv);
    }
}

/// `f = Σ attention(q, k, v) ⊙ r`, with q, k and v as the parameters, so
/// that the gradient check perturbs them.
struct Projected {
    att: ScaledDotProductAttention<f64>,
    mask: AttentionMask<'static>,
    inputs: [Array3<f64>; 3],
    grads: [Array3<f64>; 3],
    r: Array3<f64>,
}

impl Parameters<f64> for Projected {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        for (name, (x, g)) in ["q", "k", "v"]
            .into_iter()
            .zip(self.inputs.iter_mut().zip(&mut self.grads))
        {
            f(Param {
                name: ParamName::new(name),
                value: x.view_mut().into_dyn(),
                grad: g.view_mut().into_dyn(),
            })?;
        }
        Ok(())
    }
}

impl Differentiable for Projected {
    fn value(&mut self) -> Result<f64> {
        let [q, k, v] = &self.inputs;
        Ok((&self.att.forward(q.view(), k.view(), v.view(), self.mask)? * &self.r).sum())
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        let (dq, dk, dv) = self.att.backward(self.r.view())?;
        for (g, d) in self.grads.iter_mut().zip([dq, dk, dv]) {
            g.assign(&d);
        }
        Ok(())
    }
}

#[test]
fn q_k_and_v_pass_a_gradient_check_through_every_mask() {
    for (what, mask, _) in masks() {
        let inputs = [a3(SDPA_Q), a3(SDPA_K), a3(SDPA_V)];
        let grads = inputs.clone().map(|a| a * 0.0);
        let mut f = Projected {
            att: ScaledDotProductAttention::new(),
            mask,
            inputs,
            grads,
            r: a3(SDPA_DOUT),
        };
        let report = GradCheck::default().differentiable(&mut f).unwrap();
        // As the layers' own checks (`test_util::assert_gradients`): relative
        // error, which central differences of tiny entries push towards 1e-7.
        assert!(report.max_error < 1e-6, "{what}: {report}");
    }
}
