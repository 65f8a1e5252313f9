//! Every layer against numpy's numbers for the book's formulas
//! (`tests/reference/generate.py`): to 1e-12 in f64, and to f32 precision in f32.

mod reference;

use ndarray::{Array1, Array2, Ix1, Ix2};
use nn_core::{
    Affine, Float, Labels, Layer, MatMul, Parameters, Relu, Sequential, Sigmoid, Softmax,
    SoftmaxWithLoss, cross_entropy_error,
};
use reference::{array, assert_close, data::*, scalar};

fn a2<F: Float>(r: (&[usize], &[f64])) -> Array2<F> {
    array::<F>(r).into_dimensionality::<Ix2>().unwrap()
}

fn a1<F: Float>(r: (&[usize], &[f64])) -> Array1<F> {
    array::<F>(r).into_dimensionality::<Ix1>().unwrap()
}

fn matmul<F: Float>(tol: f64) {
    let mut layer = MatMul::from_weights(a2::<F>(W)).unwrap();
    let out = layer.forward(a2::<F>(X).view()).unwrap();
    assert_close("MatMul out", out, MATMUL_OUT, tol);
    let dx = layer.backward(a2::<F>(DOUT).view()).unwrap().to_owned();
    assert_close("MatMul dx", dx.view(), MATMUL_DX, tol);
    assert_close("MatMul dW", layer.dw().view(), MATMUL_DW, tol);
}

fn affine<F: Float>(tol: f64) {
    let mut layer = Affine::from_weights(a2::<F>(W), a1::<F>(B)).unwrap();
    let out = layer.forward(a2::<F>(X).view()).unwrap();
    assert_close("Affine out", out, AFFINE_OUT, tol);
    let dx = layer.backward(a2::<F>(DOUT).view()).unwrap().to_owned();
    assert_close("Affine dx", dx.view(), MATMUL_DX, tol);
    assert_close("Affine dW", layer.dw().view(), MATMUL_DW, tol);
    assert_close("Affine db", layer.db(), AFFINE_DB, tol);
}

fn elementwise<F: Float>(
    layer: &mut dyn Layer<F>,
    out: (&[usize], &[f64]),
    dx: (&[usize], &[f64]),
    tol: f64,
) {
    let name = layer.name();
    let y = layer.forward(a2::<F>(Z).view()).unwrap();
    assert_close(&format!("{name} out"), y, out, tol);
    let d = layer.backward(a2::<F>(DOUT).view()).unwrap();
    assert_close(&format!("{name} dx"), d, dx, tol);
}

fn softmax_with_loss<F: Float>(tol: f64) {
    let mut layer = SoftmaxWithLoss::<F>::new();
    let loss = layer.forward(&a2::<F>(SCORES), LABELS).unwrap();
    assert_close("SoftmaxWithLoss y", layer.probabilities(), SWL_Y, tol);
    assert!(
        (loss.as_f64() - scalar(SWL_LOSS)).abs() <= tol,
        "loss {loss}"
    );
    assert_close(
        "SoftmaxWithLoss dx",
        layer.backward(F::one()).unwrap(),
        SWL_DX,
        tol,
    );
    assert_close(
        "SoftmaxWithLoss dx·0.5",
        layer.backward(F::from_f64(0.5)).unwrap(),
        SWL_DX_HALF,
        tol,
    );

    // One-hot labels give the same numbers.
    let one_hot = a2::<F>(ONE_HOT);
    let loss = layer.forward(&a2::<F>(SCORES), &one_hot).unwrap();
    assert!((loss.as_f64() - scalar(SWL_LOSS)).abs() <= tol);
    assert_close(
        "SoftmaxWithLoss dx (one-hot)",
        layer.backward(F::one()).unwrap(),
        SWL_DX,
        tol,
    );
}

fn cross_entropy<F: Float>(tol: f64) {
    let y = a2::<F>(SWL_Y);
    let one_hot = a2::<F>(ONE_HOT);
    let by_index = cross_entropy_error(&y, LABELS).unwrap().as_f64();
    let by_row = cross_entropy_error(&y, &one_hot).unwrap().as_f64();
    let single = cross_entropy_error(&y.row(1), Labels::one_hot_sample(one_hot.row(1)))
        .unwrap()
        .as_f64();
    assert!((by_index - scalar(SWL_LOSS)).abs() <= tol, "{by_index}");
    assert!((by_row - scalar(CEE_ONE_HOT)).abs() <= tol, "{by_row}");
    assert!((single - scalar(CEE_SINGLE)).abs() <= tol, "{single}");
}

fn two_layer_net<F: Float>(tol: f64) {
    let mut net = Sequential::new(SoftmaxWithLoss::new())
        .with(Affine::from_weights(a2::<F>(NET_W1), Array1::zeros(10)).unwrap())
        .with(Sigmoid::new())
        .with(Affine::from_weights(a2::<F>(NET_W2), Array1::zeros(3)).unwrap());
    let loss = net.forward(&a2::<F>(NET_X), LABELS).unwrap();
    assert!((loss.as_f64() - scalar(NET_LOSS)).abs() <= tol, "{loss}");
    let dx = net.backward().unwrap().to_owned();
    assert_close("net dx", dx.view(), NET_DX, tol);
    let expected = [NET_DW1, NET_DB1, NET_DW2, NET_DB2];
    let mut k = 0;
    net.visit_params(&mut |p| {
        assert_close(
            &format!("net grad {k} ({})", p.name),
            p.grad.view(),
            expected[k],
            tol,
        );
        k += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(k, 4);
}

fn all<F: Float>(tol: f64) {
    matmul::<F>(tol);
    affine::<F>(tol);
    elementwise::<F>(&mut Sigmoid::new(), SIGMOID_OUT, SIGMOID_DX, tol);
    elementwise::<F>(&mut Relu::new(), RELU_OUT, RELU_DX, tol);
    elementwise::<F>(&mut Softmax::new(), SOFTMAX_OUT, SOFTMAX_DX, tol);
    softmax_with_loss::<F>(tol);
    cross_entropy::<F>(tol);
    two_layer_net::<F>(tol);
}

#[test]
fn f64_layers_equal_the_book_formulas_to_1e_12() {
    all::<f64>(1e-12);
}

#[test]
fn f32_layers_equal_the_book_formulas_to_f32_precision() {
    // Inputs are rounded to f32 first, so errors of a few ulps of the largest
    // intermediate (|x| up to ~20) are expected.
    all::<f32>(2e-5);
}
