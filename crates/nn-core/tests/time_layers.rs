//! Chapter 5's time layers against the book's `time_layers.py` run in f64
//! (`tests/reference/time_layers.py`) to 1e-12, and gradient-checked through
//! time in f64 with a state carried in from an earlier batch.

#[path = "reference/time_data.rs"]
#[rustfmt::skip]
mod time_data;

use ndarray::{Array1, Array2, Array3, ArrayView2, Ix1, Ix2, Ix3};
use nn_core::time::{Rnn, TimeLayer, TimeRnn};
use nn_core::{Differentiable, Float, GradCheck, Param, Parameters, Result};
use time_data::*;

fn arr(r: (&[usize], &[f64])) -> ndarray::ArrayD<f64> {
    ndarray::ArrayD::from_shape_vec(r.0, r.1.to_vec()).unwrap()
}
fn a1(r: (&[usize], &[f64])) -> Array1<f64> {
    arr(r).into_dimensionality::<Ix1>().unwrap()
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

#[test]
fn rnn_cell_equals_the_books() {
    let mut cell = Rnn::from_weights(a2(RNN_WX), a2(RNN_WH), a1(RNN_B)).unwrap();
    let h = cell
        .forward(a2(RNN_X).view(), a2(RNN_H_PREV).view())
        .unwrap()
        .to_owned();
    close("h_next", &h, RNN_H_NEXT);
    let (dx, dh_prev) = cell.backward(a2(RNN_DH_NEXT).view()).unwrap();
    let (dx, dh_prev) = (dx.to_owned(), dh_prev.to_owned());
    close("dx", &dx, RNN_DX);
    close("dh_prev", &dh_prev, RNN_DH_PREV);
    let grads = grads(&mut cell);
    close("dWx", &grads[0], RNN_DWX);
    close("dWh", &grads[1], RNN_DWH);
    close("db", &grads[2], RNN_DB);
}

#[test]
fn stateful_time_rnn_equals_the_books_over_two_batches() {
    let mut layer = TimeRnn::from_weights(a2(RNN_WX), a2(RNN_WH), a1(RNN_B), true).unwrap();
    let hs1 = layer.forward(a3(XS1).view()).unwrap().to_owned();
    close("hs (batch 1)", &hs1, HS1);
    let hs2 = layer.forward(a3(XS2).view()).unwrap().to_owned();
    close("hs (batch 2, carried state)", &hs2, HS2);
    let dxs = layer.backward(a3(DHS).view()).unwrap().to_owned();
    close("dxs", &dxs, DXS2);
    close("dh", &layer.dh().to_owned(), TIME_DH);
    let grads = grads(&mut layer);
    close("dWx", &grads[0], TIME_DWX);
    close("dWh", &grads[1], TIME_DWH);
    close("db", &grads[2], TIME_DB);
}

fn grads(m: &mut impl Parameters<f64>) -> Vec<ndarray::ArrayD<f64>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.grad.to_owned());
        Ok(())
    })
    .unwrap();
    out
}

/// `f = Σ TimeRNN(xs) ⊙ r` for the second batch of a stateful run, starting
/// from the state the first batch left: the state is an input of this
/// batch (truncated BPTT), so each evaluation restores it.
struct SecondBatch {
    layer: TimeRnn<f64>,
    h1: Array2<f64>,
    xs: Array3<f64>,
    r: Array3<f64>,
}

impl Parameters<f64> for SecondBatch {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.layer.visit_params(f)
    }
}

impl Differentiable for SecondBatch {
    fn value(&mut self) -> Result<f64> {
        self.layer.set_state(self.h1.view())?;
        Ok((&self.layer.forward(self.xs.view())? * &self.r).sum())
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        self.layer.backward(self.r.view()).map(|_| ())
    }
}

#[test]
fn time_rnn_passes_a_gradient_check_through_time_with_a_carried_state() {
    let mut layer = TimeRnn::from_weights(a2(RNN_WX), a2(RNN_WH), a1(RNN_B), true).unwrap();
    layer.forward(a3(XS1).view()).unwrap();
    let h1 = layer.state().unwrap().to_owned();
    assert!(h1.iter().any(|&v| v != 0.0));
    let mut f = SecondBatch {
        layer,
        h1,
        xs: a3(XS2),
        r: a3(DHS),
    };
    let report = GradCheck::default().differentiable(&mut f).unwrap();
    assert!(report.max_error < 1e-7, "{report}");
    assert_eq!(report.checked, 5 * 6 + 6 * 6 + 6);

    // ∂f/∂xs and ∂f/∂h₀ by central differences too.
    f.gradients().unwrap();
    let (dxs, dh) = (
        f.layer.backward(f.r.view()).unwrap().to_owned(),
        f.layer.dh().to_owned(),
    );
    let eps = 1e-6;
    for index in [[0, 0, 0], [1, 2, 3], [2, 3, 4]] {
        let orig = f.xs[index];
        f.xs[index] = orig + eps;
        let plus = f.value().unwrap();
        f.xs[index] = orig - eps;
        let minus = f.value().unwrap();
        f.xs[index] = orig;
        let numeric = (plus - minus) / (2.0 * eps);
        assert!(
            (numeric - dxs[index]).abs() < 1e-7,
            "dxs{index:?}: {numeric} vs {}",
            dxs[index]
        );
    }
    for index in [[0, 0], [2, 5]] {
        let orig = f.h1[index];
        f.h1[index] = orig + eps;
        let plus = f.value().unwrap();
        f.h1[index] = orig - eps;
        let minus = f.value().unwrap();
        f.h1[index] = orig;
        let numeric = (plus - minus) / (2.0 * eps);
        assert!(
            (numeric - dh[index]).abs() < 1e-7,
            "dh{index:?}: {numeric} vs {}",
            dh[index]
        );
    }
}

#[test]
fn a_stateless_layer_starts_every_batch_from_zero_and_bad_input_is_refused() {
    let mut layer = TimeRnn::from_weights(a2(RNN_WX), a2(RNN_WH), a1(RNN_B), false).unwrap();
    let first = layer.forward(a3(XS1).view()).unwrap().to_owned();
    let again = layer.forward(a3(XS1).view()).unwrap().to_owned();
    assert_eq!(first, again);
    let msg = |r: Result<ndarray::ArrayView3<'_, f64>>| r.unwrap_err().to_string();
    assert_eq!(
        msg(layer.forward(Array3::zeros((3, 4, 2)).view())),
        "TimeRNN.forward: xs must be (N, T, 5) with N, T ≥ 1, got [3, 4, 2]"
    );
    assert!(
        msg(layer.backward(Array3::zeros((3, 4, 2)).view())).contains("dout must have the shape")
    );
    let mut stateful = TimeRnn::from_weights(a2(RNN_WX), a2(RNN_WH), a1(RNN_B), true).unwrap();
    assert!(
        msg(stateful.backward(Array3::zeros((3, 4, 6)).view())).contains("called before forward")
    );
    stateful.forward(a3(XS1).view()).unwrap();
    assert!(
        msg(stateful.forward(Array3::zeros((2, 4, 5)).view()))
            .contains("the carried state is for batches of 3 but xs has 2 sequences")
    );
    stateful.reset_state();
    stateful.forward(Array3::zeros((2, 4, 5)).view()).unwrap();
    assert!(
        TimeRnn::<f64>::from_weights(
            Array2::zeros((5, 6)),
            Array2::zeros((6, 5)),
            Array1::zeros(6),
            false
        )
        .is_err()
    );
    let _: Option<ArrayView2<'_, f64>> = stateful.state();
}

#[test]
fn f32_agrees_with_f64() {
    let mut wide = TimeRnn::from_weights(a2(RNN_WX), a2(RNN_WH), a1(RNN_B), true).unwrap();
    let f = |a: Array2<f64>| a.mapv(|v| v as f32);
    let mut narrow = TimeRnn::from_weights(
        f(a2(RNN_WX)),
        f(a2(RNN_WH)),
        a1(RNN_B).mapv(|v| v as f32),
        true,
    )
    .unwrap();
    for xs in [XS1, XS2] {
        let a = wide.forward(a3(xs).view()).unwrap().to_owned();
        let b = narrow
            .forward(a3(xs).mapv(|v| v as f32).view())
            .unwrap()
            .to_owned();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - f64::from(*y)).abs() < 1e-5);
        }
    }
    let _ = <f32 as Float>::DTYPE;
}

#[test]
fn time_embedding_affine_and_softmax_with_loss_equal_the_books() {
    use nn_core::time::{TimeAffine, TimeEmbedding, TimeSoftmaxWithLoss};
    let ids = Array2::from_shape_vec((3, 4), EMBED_IDS.to_vec()).unwrap();
    let mut embed = TimeEmbedding::from_weights(a2(EMBED_W)).unwrap();
    close(
        "TimeEmbedding out",
        &embed.forward(ids.view()).unwrap().to_owned(),
        EMBED_OUT,
    );
    embed.backward(a3(EMBED_DOUT).view()).unwrap();
    close("TimeEmbedding dW", &embed.dw().to_owned(), EMBED_DW);

    let mut affine = TimeAffine::from_weights(a2(AFFINE_W), a1(AFFINE_B)).unwrap();
    close(
        "TimeAffine out",
        &affine.forward(a3(AFFINE_X).view()).unwrap().to_owned(),
        AFFINE_OUT,
    );
    // A permuted (non-standard-layout) dout takes the copying path.
    let dout = a3(AFFINE_DOUT);
    let stored = dout
        .view()
        .permuted_axes([1, 0, 2])
        .as_standard_layout()
        .into_owned();
    let transposed_back = stored.view().permuted_axes([1, 0, 2]);
    assert_eq!(transposed_back, dout);
    assert!(!transposed_back.is_standard_layout());
    close(
        "TimeAffine dx",
        &affine.backward(transposed_back).unwrap().to_owned(),
        AFFINE_DX,
    );
    let grads = grads(&mut affine);
    close("TimeAffine dW", &grads[0], AFFINE_DW);
    close("TimeAffine db", &grads[1], AFFINE_DB);

    let ts = Array2::from_shape_vec((3, 4), LOSS_TS.to_vec()).unwrap();
    let mut loss = TimeSoftmaxWithLoss::new();
    close(
        "TimeSoftmaxWithLoss loss",
        &[loss.forward(a3(LOSS_XS).view(), ts.view()).unwrap()],
        LOSS,
    );
    close(
        "TimeSoftmaxWithLoss dx",
        &loss.backward(0.5).unwrap().to_owned(),
        LOSS_DX,
    );
}

#[test]
fn time_softmax_with_loss_gradient_and_bad_targets() {
    use nn_core::time::TimeSoftmaxWithLoss;
    let ts = Array2::from_shape_vec((3, 4), LOSS_TS.to_vec()).unwrap();
    let mut xs = a3(LOSS_XS);
    let mut loss = TimeSoftmaxWithLoss::<f64>::new();
    loss.forward(xs.view(), ts.view()).unwrap();
    let dx = loss.backward(1.0).unwrap().to_owned();
    let eps = 1e-6;
    for index in [[0, 0, 0], [0, 1, 3], [1, 2, 6], [2, 3, 2]] {
        let orig = xs[index];
        xs[index] = orig + eps;
        let plus = loss.forward(xs.view(), ts.view()).unwrap();
        xs[index] = orig - eps;
        let minus = loss.forward(xs.view(), ts.view()).unwrap();
        xs[index] = orig;
        let numeric = (plus - minus) / (2.0 * eps);
        assert!(
            (numeric - dx[index]).abs() < 1e-8,
            "dx{index:?}: {numeric} vs {}",
            dx[index]
        );
    }
    let msg = |ts: Array2<isize>| {
        TimeSoftmaxWithLoss::<f64>::new()
            .forward(a3(LOSS_XS).view(), ts.view())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        msg(Array2::from_elem((3, 4), -1)),
        "TimeSoftmaxWithLoss.forward: every target is the ignore label -1: there is nothing to average"
    );
    assert_eq!(
        msg(Array2::from_elem((3, 4), 7)),
        "TimeSoftmaxWithLoss.forward: target 7 at sequence 0, step 0 is neither a class of 7 nor the ignore label -1"
    );
    assert!(msg(Array2::zeros((3, 3))).contains("ts (N, T)"));
    assert!(
        TimeSoftmaxWithLoss::<f64>::new()
            .backward(1.0)
            .unwrap_err()
            .to_string()
            .contains("called before forward")
    );
}

#[test]
fn lstm_cell_and_stateful_time_lstm_equal_the_books() {
    use nn_core::time::{Lstm, TimeLstm};
    let mut cell = Lstm::from_weights(a2(LSTM_WX), a2(LSTM_WH), a1(LSTM_B)).unwrap();
    let (h, c) = cell
        .forward(
            a2(RNN_X).view(),
            a2(RNN_H_PREV).view(),
            a2(LSTM_C_PREV).view(),
        )
        .unwrap();
    let (h, c) = (h.to_owned(), c.to_owned());
    close("LSTM h_next", &h, LSTM_H_NEXT);
    close("LSTM c_next", &c, LSTM_C_NEXT);
    let (dx, dh, dc) = cell
        .backward(a2(RNN_DH_NEXT).view(), a2(LSTM_DC_NEXT).view())
        .unwrap();
    let (dx, dh, dc) = (dx.to_owned(), dh.to_owned(), dc.to_owned());
    close("LSTM dx", &dx, LSTM_DX);
    close("LSTM dh_prev", &dh, LSTM_DH_PREV);
    close("LSTM dc_prev", &dc, LSTM_DC_PREV);
    let g = grads(&mut cell);
    close("LSTM dWx", &g[0], LSTM_DWX);
    close("LSTM dWh", &g[1], LSTM_DWH);
    close("LSTM db", &g[2], LSTM_DB);

    let mut layer = TimeLstm::from_weights(a2(LSTM_WX), a2(LSTM_WH), a1(LSTM_B), true).unwrap();
    close(
        "TimeLSTM hs (batch 1)",
        &layer.forward(a3(XS1).view()).unwrap().to_owned(),
        LSTM_HS1,
    );
    close(
        "TimeLSTM hs (batch 2)",
        &layer.forward(a3(XS2).view()).unwrap().to_owned(),
        LSTM_HS2,
    );
    close(
        "TimeLSTM dxs",
        &layer.backward(a3(DHS).view()).unwrap().to_owned(),
        LSTM_DXS2,
    );
    close("TimeLSTM dh", &layer.dh().to_owned(), LSTM_TIME_DH);
    let g = grads(&mut layer);
    close("TimeLSTM dWx", &g[0], LSTM_TIME_DWX);
    close("TimeLSTM dWh", &g[1], LSTM_TIME_DWH);
    close("TimeLSTM db", &g[2], LSTM_TIME_DB);
}

/// As [`SecondBatch`], for the LSTM: `h` and `c` carried from batch 1.
struct LstmSecondBatch {
    layer: nn_core::time::TimeLstm<f64>,
    h1: Array2<f64>,
    c1: Array2<f64>,
    xs: Array3<f64>,
    r: Array3<f64>,
}

impl Parameters<f64> for LstmSecondBatch {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.layer.visit_params(f)
    }
}

impl Differentiable for LstmSecondBatch {
    fn value(&mut self) -> Result<f64> {
        self.layer.set_state(self.h1.view(), Some(self.c1.view()))?;
        Ok((&self.layer.forward(self.xs.view())? * &self.r).sum())
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        self.layer.backward(self.r.view()).map(|_| ())
    }
}

#[test]
fn time_lstm_passes_a_gradient_check_through_time_with_a_carried_state() {
    let mut layer =
        nn_core::time::TimeLstm::from_weights(a2(LSTM_WX), a2(LSTM_WH), a1(LSTM_B), true).unwrap();
    layer.forward(a3(XS1).view()).unwrap();
    let (h1, c1) = layer
        .state()
        .map(|(h, c)| (h.to_owned(), c.to_owned()))
        .unwrap();
    let mut f = LstmSecondBatch {
        layer,
        h1,
        c1,
        xs: a3(XS2),
        r: a3(DHS),
    };
    let report = GradCheck::default().differentiable(&mut f).unwrap();
    assert!(report.max_error < 1e-7, "{report}");
    f.gradients().unwrap();
    let dxs = f.layer.backward(f.r.view()).unwrap().to_owned();
    let eps = 1e-6;
    for index in [[0, 0, 0], [1, 2, 3], [2, 3, 4]] {
        let orig = f.xs[index];
        f.xs[index] = orig + eps;
        let plus = f.value().unwrap();
        f.xs[index] = orig - eps;
        let minus = f.value().unwrap();
        f.xs[index] = orig;
        let numeric = (plus - minus) / (2.0 * eps);
        assert!(
            (numeric - dxs[index]).abs() < 1e-7,
            "dxs{index:?}: {numeric} vs {}",
            dxs[index]
        );
    }
}

#[test]
fn gru_cell_and_stateful_time_gru_equal_the_books() {
    use nn_core::time::{Gru, TimeGru};
    let mut cell = Gru::from_weights(a2(GRU_WX), a2(GRU_WH), a1(GRU_B)).unwrap();
    let h = cell
        .forward(a2(RNN_X).view(), a2(RNN_H_PREV).view())
        .unwrap()
        .to_owned();
    close("GRU h_next", &h, GRU_H_NEXT);
    let (dx, dh) = cell.backward(a2(RNN_DH_NEXT).view()).unwrap();
    let (dx, dh) = (dx.to_owned(), dh.to_owned());
    close("GRU dx", &dx, GRU_DX);
    close("GRU dh_prev", &dh, GRU_DH_PREV);
    let g = grads(&mut cell);
    close("GRU dWx", &g[0], GRU_DWX);
    close("GRU dWh", &g[1], GRU_DWH);
    close("GRU db", &g[2], GRU_DB);

    let mut layer = TimeGru::from_weights(a2(GRU_WX), a2(GRU_WH), a1(GRU_B), true).unwrap();
    close(
        "TimeGRU hs (batch 1)",
        &layer.forward(a3(XS1).view()).unwrap().to_owned(),
        GRU_HS1,
    );
    close(
        "TimeGRU hs (batch 2)",
        &layer.forward(a3(XS2).view()).unwrap().to_owned(),
        GRU_HS2,
    );
    close(
        "TimeGRU dxs",
        &layer.backward(a3(DHS).view()).unwrap().to_owned(),
        GRU_DXS2,
    );
    close("TimeGRU dh", &layer.dh().to_owned(), GRU_TIME_DH);
    let g = grads(&mut layer);
    close("TimeGRU dWx", &g[0], GRU_TIME_DWX);
    close("TimeGRU dWh", &g[1], GRU_TIME_DWH);
    close("TimeGRU db", &g[2], GRU_TIME_DB);
}

/// `f = Σ layer(xs) ⊙ r` for any time layer, with `before` run first (it
/// restores a carried state), and ∂f/∂xs checked by central differences.
struct Weighted<L, S> {
    layer: L,
    before: S,
    xs: Array3<f64>,
    r: Array3<f64>,
}

impl<L: TimeLayer<f64>, S: FnMut(&mut L) -> Result<()>> Parameters<f64> for Weighted<L, S> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.layer.visit_params(f)
    }
}

impl<L: TimeLayer<f64>, S: FnMut(&mut L) -> Result<()>> Differentiable for Weighted<L, S> {
    fn value(&mut self) -> Result<f64> {
        (self.before)(&mut self.layer)?;
        Ok((&self.layer.forward(self.xs.view())? * &self.r).sum())
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        self.layer.backward(self.r.view()).map(|_| ())
    }
}

impl<L: TimeLayer<f64>, S: FnMut(&mut L) -> Result<()>> Weighted<L, S> {
    /// `tolerance` bounds GradCheck's relative error (entries near zero
    /// need more room than the absolute 1e-7 of `dxs`).
    fn check(&mut self, parameters: usize, tolerance: f64) {
        let report = GradCheck::default().differentiable(self).unwrap();
        assert!(report.max_error < tolerance, "{report}");
        assert_eq!(report.checked, parameters);
        self.gradients().unwrap();
        let dxs = self.layer.backward(self.r.view()).unwrap().to_owned();
        let eps = 1e-6;
        for index in [[0, 0, 0], [1, 2, 3], [2, 3, 4], [2, 0, 1]] {
            let orig = self.xs[index];
            self.xs[index] = orig + eps;
            let plus = self.value().unwrap();
            self.xs[index] = orig - eps;
            let minus = self.value().unwrap();
            self.xs[index] = orig;
            let numeric = (plus - minus) / (2.0 * eps);
            assert!(
                (numeric - dxs[index]).abs() < 1e-7,
                "{} dxs{index:?}: {numeric} vs {}",
                self.layer.name(),
                dxs[index]
            );
        }
    }
}

#[test]
fn time_gru_passes_a_gradient_check_through_time_with_a_carried_state() {
    use nn_core::time::TimeGru;
    let mut layer = TimeGru::from_weights(a2(GRU_WX), a2(GRU_WH), a1(GRU_B), true).unwrap();
    layer.forward(a3(XS1).view()).unwrap();
    let h1 = layer.state().unwrap().to_owned();
    let mut f = Weighted {
        layer,
        before: move |l: &mut TimeGru<f64>| l.set_state(h1.view()),
        xs: a3(XS2),
        r: a3(DHS),
    };
    f.check(5 * 18 + 6 * 18 + 18, 1e-7);
    // A carried state into a batch of another size is refused.
    let e = f
        .layer
        .forward(Array3::zeros((2, 4, 5)).view())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("TimeGRU.forward") && e.contains("reset_state"),
        "{e}"
    );
}

#[test]
fn time_bi_lstm_equals_the_books_and_passes_a_gradient_check() {
    use nn_core::time::TimeBiLstm;
    let fw = (a2(LSTM_WX), a2(LSTM_WH), a1(LSTM_B));
    let bw = (a2(BI_WX2), a2(BI_WH2), a1(BI_B2));
    let mut bi = TimeBiLstm::from_weights(fw, bw, false).unwrap();
    let e = bi.backward(a3(BI_DHS).view()).unwrap_err();
    assert!(
        matches!(e, nn_core::Error::BackwardBeforeForward { .. }),
        "{e}"
    );
    close(
        "TimeBiLSTM hs",
        &bi.forward(a3(XS1).view()).unwrap().to_owned(),
        BI_HS,
    );
    close(
        "TimeBiLSTM dxs",
        &bi.backward(a3(BI_DHS).view()).unwrap().to_owned(),
        BI_DXS,
    );
    let g = grads(&mut bi);
    for (i, r) in [BI_DWX1, BI_DWH1, BI_DB1, BI_DWX2, BI_DWH2, BI_DB2]
        .into_iter()
        .enumerate()
    {
        close(&format!("TimeBiLSTM grad {i}"), &g[i], r);
    }
    let mut f = Weighted {
        layer: bi,
        before: |_: &mut TimeBiLstm<f64>| Ok(()),
        xs: a3(XS2),
        r: a3(BI_DHS),
    };
    f.check(2 * (5 * 24 + 6 * 24 + 24), 1e-6);
}

#[test]
fn time_sigmoid_with_loss_equals_the_books() {
    use nn_core::time::TimeSigmoidWithLoss;
    let mut loss = TimeSigmoidWithLoss::<f64>::new();
    let ts = Array2::from_shape_vec((3, 4), SIG_TS.to_vec()).unwrap();
    let l = loss.forward(a2(SIG_XS).view(), ts.view()).unwrap();
    close("TimeSigmoidWithLoss loss", &[l], SIG_LOSS);
    close(
        "TimeSigmoidWithLoss dxs",
        &loss.backward(0.5).unwrap().to_owned(),
        SIG_DXS,
    );
    let bad = Array2::from_elem((3, 4), 2usize);
    let e = loss
        .forward(a2(SIG_XS).view(), bad.view())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("TimeSigmoidWithLoss") && e.contains("step 0"),
        "{e}"
    );
    assert!(loss.forward(a2(SIG_XS).view(), ts.t()).is_err());
}

/// numpy's uniform draws, replayed.
struct Replay(std::vec::IntoIter<f64>);

impl nn_core::RandomSample for Replay {
    fn random_sample(&mut self) -> f64 {
        self.0.next().expect("enough draws")
    }
}

impl nn_core::Randn for Replay {
    fn randn(&mut self) -> f64 {
        unreachable!("dropout draws uniform numbers only")
    }
}

#[test]
fn dropout_masks_equal_the_books_from_the_same_draws() {
    use nn_core::layers::Dropout;
    use nn_core::time::TimeDropout;
    use nn_core::{Layer, SharedRng};
    let draws = || SharedRng::new(Replay(DROP_DRAWS.1.to_vec().into_iter()));
    let mut td = TimeDropout::new(0.4, draws()).unwrap();
    let out = td.forward(a3(XS1).view()).unwrap().to_owned();
    close("TimeDropout out", &out, DROP_OUT);
    close(
        "TimeDropout dx",
        &td.backward(a3(XS2).view()).unwrap().to_owned(),
        DROP_DX,
    );
    let xs = a3(XS1).into_shape_with_order((12, 5)).unwrap();
    let mut d = Dropout::new(0.4, draws()).unwrap();
    let out = d.forward(xs.view()).unwrap().to_owned();
    close("Dropout out", &out, DROPOUT2_OUT);
    d.set_training(false);
    let out = d.forward(xs.view()).unwrap().to_owned();
    close("Dropout eval", &out, DROPOUT2_EVAL);
}

/// Deterministic weights and inputs in `[-0.5, 0.5)`, different for each `salt`.
fn pattern(shape: &[usize], salt: usize) -> ndarray::ArrayD<f64> {
    let mut k = salt * 7919;
    ndarray::ArrayD::from_shape_fn(shape, |_| {
        k = (k * 1_103_515_245 + 12_345) % 2_147_483_648;
        k as f64 / 2_147_483_648.0 - 0.5
    })
}

#[test]
fn a_peeking_time_lstm_equals_the_lstm_on_the_joined_input() {
    use nn_core::time::TimeLstm;
    let (n, t, k, d, h) = (3, 5, 4, 2, 3);
    let wx = pattern(&[k + d, 4 * h], 1)
        .into_dimensionality::<Ix2>()
        .unwrap();
    let wh = pattern(&[h, 4 * h], 2)
        .into_dimensionality::<Ix2>()
        .unwrap();
    let b = pattern(&[4 * h], 3).into_dimensionality::<Ix1>().unwrap();
    let peeked = pattern(&[n, k], 4).into_dimensionality::<Ix2>().unwrap();
    let xs = pattern(&[n, t, d], 5).into_dimensionality::<Ix3>().unwrap();
    let dhs = pattern(&[n, t, h], 6).into_dimensionality::<Ix3>().unwrap();
    let state = pattern(&[n, h], 7).into_dimensionality::<Ix2>().unwrap();
    // The book's PeekyDecoder: [h, x] at every step, into a plain TimeLSTM.
    let joined = Array3::from_shape_fn((n, t, k + d), |(i, s, j)| {
        if j < k {
            peeked[[i, j]]
        } else {
            xs[[i, s, j - k]]
        }
    });
    let mut plain = TimeLstm::from_weights(wx.clone(), wh.clone(), b.clone(), true).unwrap();
    let mut peeking = TimeLstm::from_weights(wx, wh, b, true).unwrap();
    for layer in [&mut plain, &mut peeking] {
        layer.set_state(state.view(), None).unwrap();
    }
    let expected = plain.forward(joined.view()).unwrap().to_owned();
    let hs = peeking
        .forward_peeking(peeked.view(), xs.view())
        .unwrap()
        .to_owned();
    close("hs", &hs, (expected.shape(), expected.as_slice().unwrap()));
    let dx = plain.backward(dhs.view()).unwrap().to_owned();
    let (dpeeked, dxs) = peeking.backward_peeking(dhs.view()).unwrap();
    let (dpeeked, dxs) = (dpeeked.to_owned(), dxs.to_owned());
    let sum_over_steps = dx
        .slice(ndarray::s![.., .., ..k])
        .sum_axis(ndarray::Axis(1));
    let rest = dx.slice(ndarray::s![.., .., k..]).to_owned();
    close(
        "dpeeked",
        &dpeeked,
        (sum_over_steps.shape(), sum_over_steps.as_slice().unwrap()),
    );
    close("dxs", &dxs, (rest.shape(), rest.as_slice().unwrap()));
    close(
        "dh",
        &peeking.dh().to_owned(),
        (&[n, h], plain.dh().to_owned().as_slice().unwrap()),
    );
    let (ours, theirs) = (grads(&mut peeking), grads(&mut plain));
    for (name, (a, b)) in ["dWx", "dWh", "db"].iter().zip(ours.iter().zip(&theirs)) {
        close(name, a, (b.shape(), b.as_slice().unwrap()));
    }
    // The two backwards are not interchangeable.
    let e = peeking.backward(dhs.view()).unwrap_err().to_string();
    assert!(
        e.contains("TimeLSTM.backward") && e.contains("backward_peeking"),
        "{e}"
    );
    plain.forward(joined.view()).unwrap();
    let e = plain.backward_peeking(dhs.view()).unwrap_err().to_string();
    assert!(e.contains("did not peek"), "{e}");
    // A peeked input of other rows, or too wide for Wx.
    let e = peeking
        .forward_peeking(
            pattern(&[2, k], 8)
                .into_dimensionality::<Ix2>()
                .unwrap()
                .view(),
            xs.view(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("TimeLSTM.forward_peeking") && e.contains("[2, 4]"),
        "{e}"
    );
    let e = peeking
        .forward_peeking(peeked.view(), Array3::zeros((n, t, d + 1)).view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("TimeLSTM.forward_peeking"), "{e}");
}
