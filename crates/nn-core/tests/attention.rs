//! Chapter 8's attention layers against the book's `attention_layer.py` run
//! in f64 (`tests/reference/attention.py`) to 1e-12, and every input
//! gradient checked against central differences in f64.

#[path = "reference/attention_data.rs"]
#[rustfmt::skip]
mod attention_data;

use attention_data::*;
use ndarray::{Array2, Array3, ArrayD, Ix2, Ix3, s};
use nn_core::Error;
use nn_core::attention::{Attention, AttentionWeight, TimeAttention, WeightSum};

fn arr(r: (&[usize], &[f64])) -> ArrayD<f64> {
    ArrayD::from_shape_vec(r.0, r.1.to_vec()).unwrap()
}
fn a2(r: (&[usize], &[f64])) -> Array2<f64> {
    arr(r).into_dimensionality::<Ix2>().unwrap()
}
fn a3(r: (&[usize], &[f64])) -> Array3<f64> {
    arr(r).into_dimensionality::<Ix3>().unwrap()
}

fn close<'a>(what: &str, ours: impl IntoIterator<Item = &'a f64>, theirs: (&[usize], &[f64])) {
    let ours: Vec<f64> = ours.into_iter().copied().collect();
    assert_eq!(ours.len(), theirs.1.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(theirs.1).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{what}[{i}]: {a} vs the book's {b}"
        );
    }
}

/// Checks `analytic` against central differences of `f` in each element of
/// `x` (`f` reads `x` through the closure's argument).
fn check_input<D: ndarray::Dimension>(
    what: &str,
    x: &mut ndarray::Array<f64, D>,
    analytic: &ndarray::Array<f64, D>,
    mut f: impl FnMut(&ndarray::Array<f64, D>) -> f64,
) {
    let eps = 1e-6;
    for i in 0..x.len() {
        let orig = x.as_slice().unwrap()[i];
        x.as_slice_mut().unwrap()[i] = orig + eps;
        let plus = f(x);
        x.as_slice_mut().unwrap()[i] = orig - eps;
        let minus = f(x);
        x.as_slice_mut().unwrap()[i] = orig;
        let numeric = (plus - minus) / (2.0 * eps);
        let a = analytic.as_slice().unwrap()[i];
        assert!(
            (numeric - a).abs() <= 1e-7 * a.abs().max(1.0),
            "{what}[{i}]: analytic {a} vs numeric {numeric}"
        );
    }
}

#[test]
fn weight_sum_equals_the_books_and_its_gradients_check() {
    let (hs, a, dc) = (a3(HS_ENC), a2(A), a2(DC));
    let mut layer = WeightSum::new();
    close("c", layer.forward(hs.view(), a.view()).unwrap(), WS_C);
    let (dhs, da) = layer.backward(dc.view()).unwrap();
    let (dhs, da) = (dhs.to_owned(), da.to_owned());
    close("dhs", &dhs, WS_DHS);
    close("da", &da, WS_DA);
    let f = |l: &mut WeightSum<f64>, hs: &Array3<f64>, a: &Array2<f64>| {
        (&l.forward(hs.view(), a.view()).unwrap() * &dc).sum()
    };
    check_input("dhs", &mut hs.clone(), &dhs, |hs| f(&mut layer, hs, &a));
    check_input("da", &mut a.clone(), &da, |a| f(&mut layer, &hs, a));
}

#[test]
fn attention_weight_equals_the_books_and_its_gradients_check() {
    let (hs, h) = (a3(HS_ENC), a3(HS_DEC).slice(s![.., 0, ..]).to_owned());
    let da = a2(DC).slice(s![.., ..5]).to_owned();
    let mut layer = AttentionWeight::new();
    close("a", layer.forward(hs.view(), h.view()).unwrap(), AW_A);
    let (dhs, dh) = layer.backward(da.view()).unwrap();
    let (dhs, dh) = (dhs.to_owned(), dh.to_owned());
    close("dhs", &dhs, AW_DHS);
    close("dh", &dh, AW_DH);
    let f = |l: &mut AttentionWeight<f64>, hs: &Array3<f64>, h: &Array2<f64>| {
        (&l.forward(hs.view(), h.view()).unwrap() * &da).sum()
    };
    check_input("dhs", &mut hs.clone(), &dhs, |hs| f(&mut layer, hs, &h));
    check_input("dh", &mut h.clone(), &dh, |h| f(&mut layer, &hs, h));
}

#[test]
fn attention_equals_the_books_and_its_gradients_check() {
    let (hs, h, dc) = (
        a3(HS_ENC),
        a3(HS_DEC).slice(s![.., 1, ..]).to_owned(),
        a2(DC),
    );
    let mut layer = Attention::new();
    close("c", layer.forward(hs.view(), h.view()).unwrap(), AT_C);
    close("attention_weight", layer.attention_weight(), AT_WEIGHT);
    let (dhs, dh) = layer.backward(dc.view()).unwrap();
    let (dhs, dh) = (dhs.to_owned(), dh.to_owned());
    close("dhs", &dhs, AT_DHS);
    close("dh", &dh, AT_DH);
    let f = |l: &mut Attention<f64>, hs: &Array3<f64>, h: &Array2<f64>| {
        (&l.forward(hs.view(), h.view()).unwrap() * &dc).sum()
    };
    check_input("dhs", &mut hs.clone(), &dhs, |hs| f(&mut layer, hs, &h));
    check_input("dh", &mut h.clone(), &dh, |h| f(&mut layer, &hs, h));
}

#[test]
fn time_attention_equals_the_books_and_its_gradients_check() {
    let (enc, dec, dout) = (a3(HS_ENC), a3(HS_DEC), a3(DOUT));
    let mut layer = TimeAttention::new();
    close(
        "out",
        layer.forward(enc.view(), dec.view()).unwrap(),
        TA_OUT,
    );
    close("attention_weights", layer.attention_weights(), TA_WEIGHTS);
    let (denc, ddec) = layer.backward(dout.view()).unwrap();
    let (denc, ddec) = (denc.to_owned(), ddec.to_owned());
    close("dhs_enc", &denc, TA_DHS_ENC);
    close("dhs_dec", &ddec, TA_DHS_DEC);
    let f = |l: &mut TimeAttention<f64>, enc: &Array3<f64>, dec: &Array3<f64>| {
        (&l.forward(enc.view(), dec.view()).unwrap() * &dout).sum()
    };
    check_input("dhs_enc", &mut enc.clone(), &denc, |e| {
        f(&mut layer, e, &dec)
    });
    check_input("dhs_dec", &mut dec.clone(), &ddec, |d| {
        f(&mut layer, &enc, d)
    });

    // One decoder step at a time (as in generation) gives the same rows.
    let full = a3(TA_OUT);
    let mut step = TimeAttention::new();
    for t in 0..dec.dim().1 {
        let one = step
            .forward(enc.view(), dec.slice(s![.., t..t + 1, ..]))
            .unwrap();
        for (a, b) in one.iter().zip(full.slice(s![.., t..t + 1, ..])) {
            assert!((a - b).abs() <= 1e-12, "step {t}: {a} vs {b}");
        }
    }
}

#[test]
fn f32_agrees_with_f64_and_bad_input_is_refused() {
    let (enc, dec) = (a3(HS_ENC), a3(HS_DEC));
    let mut layer = TimeAttention::<f32>::new();
    let out = layer
        .forward(enc.mapv(|v| v as f32).view(), dec.mapv(|v| v as f32).view())
        .unwrap()
        .to_owned();
    for (a, b) in out.iter().zip(TA_OUT.1) {
        assert!((f64::from(*a) - b).abs() < 1e-5, "{a} vs {b}");
    }

    let mut fresh = TimeAttention::<f64>::new();
    assert!(matches!(
        fresh.backward(a3(DOUT).view()),
        Err(Error::BackwardBeforeForward { .. })
    ));
    let wrong = Array3::<f64>::zeros((3, 4, 5));
    let err = fresh
        .forward(enc.view(), wrong.view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("TimeAttention.forward") && err.contains("[3, 4, 5]"),
        "{err}"
    );
    fresh.forward(enc.view(), dec.view()).unwrap();
    let err = fresh.backward(wrong.view()).unwrap_err().to_string();
    assert!(err.contains("TimeAttention.backward"), "{err}");
    let mut nan = dec.clone();
    nan[[0, 0, 0]] = f64::NAN;
    assert!(matches!(
        fresh.forward(enc.view(), nan.view()),
        Err(Error::NonFinite { .. })
    ));

    let mut ws = WeightSum::<f64>::new();
    let err = ws
        .forward(enc.view(), Array2::zeros((3, 4)).view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("WeightSum.forward") && err.contains("[3, 4]"),
        "{err}"
    );
    assert!(matches!(
        AttentionWeight::<f64>::new().backward(Array2::zeros((3, 5)).view()),
        Err(Error::BackwardBeforeForward { .. })
    ));
}
