//! The recurrent layers split between threads (by the batch's rows, or by
//! the hidden units when `Wh` is large) compute what they compute on one
//! thread: every output and gradient in f64 to 1e-12, over two stateful
//! batches, and the same bits every time at the same thread count.
//!
//! The thread count is global to the process, so this binary holds one
//! test, which sets it.

use ndarray::{Array1, Array2, Array3, ArrayD};
use nn_core::attention::TimeAttention;
use nn_core::time::{TimeLayer, TimeLstm};
use nn_core::transformer::{AttentionMask, TransformerConfig, TransformerDecoder};
use nn_core::{Parameters, parallel};
use rand::SeedableRng;

fn pattern(shape: &[usize], salt: usize) -> ArrayD<f64> {
    let mut k = salt * 7919 + 1;
    ArrayD::from_shape_fn(shape, |_| {
        k = (k * 1_103_515_245 + 12_345) % 2_147_483_648;
        k as f64 / 2_147_483_648.0 - 0.5
    })
}

fn a3(shape: (usize, usize, usize), salt: usize) -> Array3<f64> {
    pattern(&[shape.0, shape.1, shape.2], salt)
        .into_dimensionality()
        .unwrap()
}

/// Everything one stateful LSTM computes over two batches: both outputs,
/// `dxs`, `dh`, the gradients; and the peeking forward's.
fn lstm_run(n: usize, h: usize, d: usize) -> Vec<ArrayD<f64>> {
    let scale = 1.0 / (h as f64).sqrt();
    let wx: Array2<f64> = pattern(&[d, 4 * h], 1).into_dimensionality().unwrap() * scale;
    let wh: Array2<f64> = pattern(&[h, 4 * h], 2).into_dimensionality().unwrap() * scale;
    let b: Array1<f64> = pattern(&[4 * h], 3).into_dimensionality().unwrap();
    let mut layer = TimeLstm::from_weights(wx, wh, b, true).unwrap();
    let mut out = vec![
        layer
            .forward(a3((n, 5, d), 4).view())
            .unwrap()
            .into_dyn()
            .to_owned(),
        layer
            .forward(a3((n, 5, d), 5).view())
            .unwrap()
            .into_dyn()
            .to_owned(),
        layer
            .backward(a3((n, 5, h), 6).view())
            .unwrap()
            .into_dyn()
            .to_owned(),
        layer.dh().into_dyn().to_owned(),
    ];
    let peeked: Array2<f64> = pattern(&[n, 3], 7).into_dimensionality().unwrap();
    out.push(
        layer
            .forward_peeking(peeked.view(), a3((n, 4, d - 3), 8).view())
            .unwrap()
            .into_dyn()
            .to_owned(),
    );
    let (dp, dxs) = layer.backward_peeking(a3((n, 4, h), 9).view()).unwrap();
    out.push(dp.into_dyn().to_owned());
    out.push(dxs.into_dyn().to_owned());
    layer
        .visit_params(&mut |p| {
            out.push(p.grad.to_owned());
            Ok(())
        })
        .unwrap();
    out
}

fn attention_run(n: usize, h: usize) -> Vec<ArrayD<f64>> {
    let mut layer = TimeAttention::new();
    let (enc, dec) = (a3((n, 6, h), 10), a3((n, 4, h), 11));
    let c = layer
        .forward(enc.view(), dec.view())
        .unwrap()
        .into_dyn()
        .to_owned();
    let (de, dd) = layer.backward(a3((n, 4, h), 12).view()).unwrap();
    vec![c, de.into_dyn().to_owned(), dd.into_dyn().to_owned()]
}

/// A two-layer Transformer decoder over a batch large enough to split its
/// attention by sequences: the output, `dx`, `dmemory` and every gradient.
fn transformer_run(n: usize) -> Vec<ArrayD<f64>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let config = TransformerConfig::new(64, 4);
    let mut decoder = TransformerDecoder::init(config, 2, &mut rng, None).unwrap();
    let (x, memory) = (a3((n, 16, 64), 13), a3((n, 14, 64), 14));
    let lengths: Vec<usize> = (0..n).map(|i| 1 + i % 14).collect();
    let memory_mask = AttentionMask {
        causal: false,
        key_lengths: Some(&lengths),
    };
    let y = decoder
        .forward(x.view(), memory.view(), AttentionMask::CAUSAL, memory_mask)
        .unwrap()
        .into_dyn()
        .to_owned();
    let (dx, dm) = decoder.backward(a3((n, 16, 64), 15).view()).unwrap();
    let mut out = vec![y, dx.into_dyn().to_owned(), dm.into_dyn().to_owned()];
    decoder
        .visit_params(&mut |p| {
            out.push(p.grad.to_owned());
            Ok(())
        })
        .unwrap();
    out
}

/// LayerNorm over enough rows to split them, its output, dx, dγ and dβ.
fn layer_norm_run() -> Vec<ArrayD<f64>> {
    use nn_core::{Layer, LayerNorm};
    let (gamma, beta) = (pattern(&[48], 16), pattern(&[48], 17));
    let to1 = |a: ArrayD<f64>| a.into_dimensionality::<ndarray::Ix1>().unwrap();
    let mut norm = LayerNorm::from_weights(to1(gamma), to1(beta), 1e-5).unwrap();
    let x = pattern(&[3001, 48], 18).into_dimensionality().unwrap();
    let dout: Array2<f64> = pattern(&[3001, 48], 19).into_dimensionality().unwrap();
    let y = norm.forward(x.view()).unwrap().into_dyn().to_owned();
    let dx = norm.backward(dout.view()).unwrap().into_dyn().to_owned();
    vec![
        y,
        dx,
        norm.dgamma().into_dyn().to_owned(),
        norm.dbeta().into_dyn().to_owned(),
    ]
}

fn assert_close(what: &str, one: &[ArrayD<f64>], two: &[ArrayD<f64>]) {
    assert_eq!(one.len(), two.len());
    for (k, (a, b)) in one.iter().zip(two).enumerate() {
        assert_eq!(a.shape(), b.shape(), "{what}: array {k}");
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                "{what}: array {k}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn split_recurrent_layers_equal_the_one_thread_layers() {
    // (n, h): rows split (h = 64), units split (h = 192, 256).
    let cases = [(16, 64), (8, 192), (6, 256)];
    for (n, h) in cases {
        parallel::set_threads(1);
        let one = lstm_run(n, h, 7);
        parallel::set_threads(2);
        let two = lstm_run(n, h, 7);
        let again = lstm_run(n, h, 7);
        assert_eq!(two, again, "TimeLSTM n={n} h={h}: repeatable at 2 threads");
        assert_close(&format!("TimeLSTM n={n} h={h}"), &one, &two);
    }
    parallel::set_threads(1);
    let one = attention_run(64, 64);
    parallel::set_threads(2);
    let two = attention_run(64, 64);
    assert_eq!(two, attention_run(64, 64), "TimeAttention: repeatable");
    assert_close("TimeAttention", &one, &two);
    parallel::set_threads(1);
    let one = transformer_run(64);
    parallel::set_threads(2);
    let two = transformer_run(64);
    assert_eq!(two, transformer_run(64), "TransformerDecoder: repeatable");
    assert_close("TransformerDecoder", &one, &two);
    parallel::set_threads(1);
    let one = layer_norm_run();
    parallel::set_threads(2);
    let two = layer_norm_run();
    assert_eq!(two, layer_norm_run(), "LayerNorm: repeatable");
    assert_close("LayerNorm", &one, &two);
    // Odd splits: 3 threads over rows and units that don't divide evenly.
    parallel::set_threads(3);
    let three = lstm_run(7, 200, 7);
    parallel::set_threads(1);
    assert_close("TimeLSTM at 3 threads", &lstm_run(7, 200, 7), &three);
}
