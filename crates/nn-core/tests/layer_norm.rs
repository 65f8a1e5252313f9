//! `LayerNorm` against PyTorch's `nn.LayerNorm` run in float64 on the same
//! weights (`tests/reference/layer_norm.py`): the output and the gradients of
//! the input, `gamma` and `beta` to 1e-12, at PyTorch's eps and a large one.

#[path = "reference/layer_norm_data.rs"]
#[rustfmt::skip]
mod layer_norm_data;

use layer_norm_data::*;
use ndarray::{Array1, Array2, ArrayD, Ix1, Ix2};
use nn_core::{Layer, LayerNorm};

fn arr(r: (&[usize], &[f64])) -> ArrayD<f64> {
    ArrayD::from_shape_vec(r.0, r.1.to_vec()).unwrap()
}
fn a1(r: (&[usize], &[f64])) -> Array1<f64> {
    arr(r).into_dimensionality::<Ix1>().unwrap()
}
fn a2(r: (&[usize], &[f64])) -> Array2<f64> {
    arr(r).into_dimensionality::<Ix2>().unwrap()
}

fn close<'a>(what: &str, ours: impl IntoIterator<Item = &'a f64>, theirs: (&[usize], &[f64])) {
    let ours: Vec<f64> = ours.into_iter().copied().collect();
    assert_eq!(ours.len(), theirs.1.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(theirs.1).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{what}[{i}]: {a} vs PyTorch's {b}"
        );
    }
}

type Case = [(&'static [usize], &'static [f64]); 8];

#[test]
fn layer_norm_equals_pytorchs() {
    let cases: [(&str, Case, f64); 2] = [
        (
            "eps 1e-5",
            [
                LN_X, LN_GAMMA, LN_BETA, LN_DOUT, LN_OUT, LN_DX, LN_DGAMMA, LN_DBETA,
            ],
            LN_EPS_VALUE,
        ),
        (
            "eps 0.1",
            [
                LN_EPS_X,
                LN_EPS_GAMMA,
                LN_EPS_BETA,
                LN_EPS_DOUT,
                LN_EPS_OUT,
                LN_EPS_DX,
                LN_EPS_DGAMMA,
                LN_EPS_DBETA,
            ],
            LN_EPS_EPS_VALUE,
        ),
    ];
    for (what, [x, gamma, beta, dout, out, dx, dgamma, dbeta], eps) in cases {
        let mut layer = LayerNorm::from_weights(a1(gamma), a1(beta), eps).unwrap();
        close(
            &format!("{what}: out"),
            &layer.forward(a2(x).view()).unwrap().to_owned(),
            out,
        );
        close(
            &format!("{what}: dx"),
            &layer.backward(a2(dout).view()).unwrap().to_owned(),
            dx,
        );
        close(
            &format!("{what}: dgamma"),
            &layer.dgamma().to_owned(),
            dgamma,
        );
        close(&format!("{what}: dbeta"), &layer.dbeta().to_owned(), dbeta);
    }
}
