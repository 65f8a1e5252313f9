//! `TimeLSTM`'s recurrence, split between threads two ways: by the batch's
//! rows, or by the hidden units.
//!
//! The steps of one row depend only on that row, so blocks of rows can run
//! the whole sequence on their own threads with one split per call
//! ([`forward_by_rows`], [`backward_by_rows`]). But every step multiplies by
//! all of `Wh` `(H, 4H)`, and each thread then streams all of it: once `Wh`
//! outgrows the core's cache (BetterRnnlm's 650 × 2,600 is 6.8 MB in f32), a
//! second thread gains nothing on the step's product. Splitting the units
//! instead gives each thread its columns of the four gates, so it streams
//! only its part of `Wh`, at the price of one split per step
//! ([`forward_by_units`], [`backward_by_units`]). [`unit_blocks`] chooses.
//!
//! Measured on the 2-core Zen 5 machine of `book/src/benchmarks.md`
//! (`benches/examples/step_split.rs`), one step's `(N, H)·(H, 4H)` at 2
//! threads against 1: N = 20, H = 650: rows 1.08×, units 1.87×; N = 128, H
//! = 256: rows 1.80×, units 2.06×; N = 128, H = 128: 1.79× both ways (and
//! rows split once per sequence, not per step).

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayView3, ArrayViewMut2, ArrayViewMut3, Axis, s};

use crate::time::lstm::{cell_backward, cell_forward, gates_backward, gates_forward};
use crate::{Float, Result, parallel};

/// From this hidden size `Wh` (`H × 4H` values) no longer fits a core's
/// cache and the units are split rather than the rows: 192 makes `Wh`
/// 576 KB in f32.
const MIN_UNITS: usize = 192;

/// How many blocks of units each step of an LSTM of `n` rows and `h` units
/// is split into: one per thread when `Wh` is large (see the module's
/// docs) and the step's product worth a split, else 1 (the rows may still
/// be split).
pub(crate) fn unit_blocks(n: usize, h: usize) -> usize {
    if h < MIN_UNITS {
        return 1;
    }
    // The per-step product decides, not the sequence's.
    let blocks = parallel::row_blocks(usize::MAX, n * h * 4 * h);
    blocks.min(h / 32).max(1)
}

/// The four gates' columns `f, g, i, o` of one step's `(N, 4H)` gates.
fn gate_blocks<F>(a: ArrayViewMut2<'_, F>, h: usize) -> [ArrayViewMut2<'_, F>; 4] {
    let (f, rest) = a.split_at(Axis(1), h);
    let (g, rest) = rest.split_at(Axis(1), h);
    let (i, o) = rest.split_at(Axis(1), h);
    [f, g, i, o]
}

/// The same, read-only.
fn gate_views<F>(a: ArrayView2<'_, F>, h: usize) -> [ArrayView2<'_, F>; 4] {
    let (f, rest) = a.split_at(Axis(1), h);
    let (g, rest) = rest.split_at(Axis(1), h);
    let (i, o) = rest.split_at(Axis(1), h);
    [f, g, i, o]
}

/// Consecutive blocks of `per` columns.
fn columns<F>(
    a: ArrayViewMut2<'_, F>,
    per: usize,
) -> impl ExactSizeIterator<Item = ArrayViewMut2<'_, F>> + Send
where
    F: Send,
{
    a.into_axis_chunks_iter_mut(Axis(1), per)
}

/// The same, read-only.
fn columns_of<F>(
    a: ArrayView2<'_, F>,
    per: usize,
) -> impl ExactSizeIterator<Item = ArrayView2<'_, F>> + Send
where
    F: Sync,
{
    a.into_axis_chunks_iter(Axis(1), per)
}

/// Row `r` of a view whose rows are contiguous, as a slice.
fn row<'a, F>(a: &'a ArrayView2<'_, F>, r: usize) -> &'a [F] {
    a.row(r)
        .to_slice()
        .unwrap_or_else(|| unreachable!("column blocks of standard-layout buffers"))
}

/// Row `r` of a view whose rows are contiguous, as a mutable slice.
fn row_mut<'a, F>(a: &'a mut ArrayViewMut2<'_, F>, r: usize) -> &'a mut [F] {
    a.row_mut(r)
        .into_slice()
        .unwrap_or_else(|| unreachable!("column blocks of standard-layout buffers"))
}

/// The forward recurrence over one block of rows: each step's `h_{t−1}·Wh`
/// added to the gates' `xs·Wx + b`, the gates, `c_t` and `h_t`; `h` and `c`
/// hold the state it starts from and, after it, the last step's.
#[allow(clippy::too_many_arguments)] // the step buffers of one block, by name
pub(crate) fn forward_by_rows<F: Float>(
    wh: &ArrayView2<'_, F>,
    mut gates: ArrayViewMut3<'_, F>,
    mut h_prevs: ArrayViewMut3<'_, F>,
    mut c_prevs: ArrayViewMut3<'_, F>,
    mut tanh_cs: ArrayViewMut3<'_, F>,
    mut cs: ArrayViewMut3<'_, F>,
    mut hs: ArrayViewMut3<'_, F>,
    mut h: ArrayViewMut2<'_, F>,
    mut c: ArrayViewMut2<'_, F>,
) {
    let t = gates.len_of(Axis(1));
    for step in 0..t {
        {
            let (mut hp, mut cp) = (
                h_prevs.slice_mut(s![.., step, ..]),
                c_prevs.slice_mut(s![.., step, ..]),
            );
            if step == 0 {
                hp.assign(&h);
                cp.assign(&c);
            } else {
                hp.assign(&hs.slice(s![.., step - 1, ..]));
                cp.assign(&cs.slice(s![.., step - 1, ..]));
            }
        }
        let mut a = gates.slice_mut(s![.., step, ..]);
        general_mat_mul(
            F::one(),
            &h_prevs.slice(s![.., step, ..]),
            wh,
            F::one(),
            &mut a,
        );
        gates_forward(
            a,
            c_prevs.slice(s![.., step, ..]),
            cs.slice_mut(s![.., step, ..]),
            tanh_cs.slice_mut(s![.., step, ..]),
            hs.slice_mut(s![.., step, ..]),
        );
    }
    h.assign(&hs.slice(s![.., t - 1, ..]));
    c.assign(&cs.slice(s![.., t - 1, ..]));
}

/// The backward recurrence over one block of rows, last step first: each
/// step's gate gradients into `das`, `dh` and `dc` carried back a step
/// (`dh` ends as ∂L/∂h of the starting state). `dh`, `dc` and `dc_prev`
/// start at zero.
#[allow(clippy::too_many_arguments)] // the step buffers of one block, by name
pub(crate) fn backward_by_rows<'a, F: Float>(
    wh: &ArrayView2<'_, F>,
    dout: ArrayView3<'_, F>,
    gates: ArrayView3<'_, F>,
    c_prevs: ArrayView3<'_, F>,
    tanh_cs: ArrayView3<'_, F>,
    mut das: ArrayViewMut3<'_, F>,
    mut dh: ArrayViewMut2<'_, F>,
    mut dc: ArrayViewMut2<'a, F>,
    mut dc_prev: ArrayViewMut2<'a, F>,
) {
    for step in (0..gates.len_of(Axis(1))).rev() {
        // dh_next = dhs[:, t] + dh, reusing dh's buffer.
        dh += &dout.slice(s![.., step, ..]);
        gates_backward(
            dh.view(),
            dc.view(),
            gates.slice(s![.., step, ..]),
            c_prevs.slice(s![.., step, ..]),
            tanh_cs.slice(s![.., step, ..]),
            das.slice_mut(s![.., step, ..]),
            dc_prev.view_mut(),
        );
        std::mem::swap(&mut dc, &mut dc_prev);
        general_mat_mul(
            F::one(),
            &das.slice(s![.., step, ..]),
            &wh.t(),
            F::zero(),
            &mut dh,
        );
    }
}

/// The forward recurrence with each step's units split into `blocks`
/// blocks, one per thread: block `j` adds `h_{t−1}·Wh` on its columns of
/// each gate and runs the cell on its units. `h` and `c` hold the starting
/// state (they are not updated).
#[allow(clippy::too_many_arguments)] // the layer's step buffers, by name
pub(crate) fn forward_by_units<F: Float>(
    blocks: usize,
    wh: &ArrayView2<'_, F>,
    h: ArrayView2<'_, F>,
    c: ArrayView2<'_, F>,
    mut gates: ArrayViewMut3<'_, F>,
    mut h_prevs: ArrayViewMut3<'_, F>,
    mut c_prevs: ArrayViewMut3<'_, F>,
    mut tanh_cs: ArrayViewMut3<'_, F>,
    mut cs: ArrayViewMut3<'_, F>,
    mut hs: ArrayViewMut3<'_, F>,
) -> Result<()> {
    let (n, t, units) = hs.dim();
    let per = units.div_ceil(blocks);
    for step in 0..t {
        let (done_h, mut rest_h) = hs.view_mut().split_at(Axis(1), step);
        let (done_c, mut rest_c) = cs.view_mut().split_at(Axis(1), step);
        let (last_h, last_c);
        let (h_prev, c_prev) = if step == 0 {
            (h.view(), c.view())
        } else {
            last_h = done_h.index_axis_move(Axis(1), step - 1);
            last_c = done_c.index_axis_move(Axis(1), step - 1);
            (last_h.view(), last_c.view())
        };
        let [f, g, i, o] = gate_blocks(gates.index_axis_mut(Axis(1), step), units);
        let gate_blocks = columns(f, per)
            .zip(columns(g, per))
            .zip(columns(i, per))
            .zip(columns(o, per));
        let stored = columns(h_prevs.index_axis_mut(Axis(1), step), per)
            .zip(columns(c_prevs.index_axis_mut(Axis(1), step), per));
        let out = columns(tanh_cs.index_axis_mut(Axis(1), step), per)
            .zip(columns(rest_c.index_axis_mut(Axis(1), 0), per))
            .zip(columns(rest_h.index_axis_mut(Axis(1), 0), per));
        let prev = columns_of(h_prev.view(), per).zip(columns_of(c_prev.view(), per));
        let items = gate_blocks.zip(stored).zip(out).zip(prev).enumerate();
        parallel::for_each_block(items, |(j, item)| {
            let ((((((mut f, mut g), mut i), mut o), (mut hp, mut cp)), out), prev) = item;
            let ((mut tc, mut c), mut hn) = out;
            let (hp_j, cp_j) = prev;
            let (u0, width) = (j * per, c.ncols());
            for (k, a) in [&mut f, &mut g, &mut i, &mut o].into_iter().enumerate() {
                let cols = k * units + u0..k * units + u0 + width;
                general_mat_mul(F::one(), &h_prev, &wh.slice(s![.., cols]), F::one(), a);
            }
            hp.assign(&hp_j);
            cp.assign(&cp_j);
            for r in 0..n {
                cell_forward(
                    [
                        row_mut(&mut f, r),
                        row_mut(&mut g, r),
                        row_mut(&mut i, r),
                        row_mut(&mut o, r),
                    ],
                    row(&cp.view(), r),
                    row_mut(&mut c, r),
                    row_mut(&mut tc, r),
                    row_mut(&mut hn, r),
                );
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The backward recurrence with each step's units split into `blocks`
/// blocks, one per thread: at step `t`, block `j` takes its units' `dh =
/// das_{t+1}·Wh[units]ᵀ + dout_t` and runs the cell's backward on them; at
/// the end `dh = das_0·Whᵀ`, ∂L/∂h of the starting state. `dh`, `dc` and
/// `dc_prev` start at zero.
#[allow(clippy::too_many_arguments)] // the layer's step buffers, by name
pub(crate) fn backward_by_units<F: Float>(
    blocks: usize,
    wh: &ArrayView2<'_, F>,
    dout: ArrayView3<'_, F>,
    gates: ArrayView3<'_, F>,
    c_prevs: ArrayView3<'_, F>,
    tanh_cs: ArrayView3<'_, F>,
    mut das: ArrayViewMut3<'_, F>,
    mut dh: ArrayViewMut2<'_, F>,
    mut dc: ArrayViewMut2<'_, F>,
    mut dc_prev: ArrayViewMut2<'_, F>,
) -> Result<()> {
    let (n, t, units) = dout.dim();
    let per = units.div_ceil(blocks);
    for step in (0..t).rev() {
        let (mut now, next) = das.view_mut().split_at(Axis(1), step + 1);
        let next_step;
        let das_next = if step + 1 < t {
            next_step = next.index_axis_move(Axis(1), 0);
            Some(next_step.view())
        } else {
            None
        };
        // The carried dc alternates between the two buffers.
        let (dc_now, dc_out) = if (t - 1 - step) % 2 == 0 {
            (dc.view(), dc_prev.view_mut())
        } else {
            (dc_prev.view(), dc.view_mut())
        };
        let [df, dg, di, d_o] = gate_blocks(now.index_axis_mut(Axis(1), step), units);
        let d_gates = columns(df, per)
            .zip(columns(dg, per))
            .zip(columns(di, per))
            .zip(columns(d_o, per));
        let [f, g, i, o] = gate_views(gates.index_axis(Axis(1), step), units);
        let cell = columns_of(f, per)
            .zip(columns_of(g, per))
            .zip(columns_of(i, per))
            .zip(columns_of(o, per))
            .zip(columns_of(c_prevs.index_axis(Axis(1), step), per))
            .zip(columns_of(tanh_cs.index_axis(Axis(1), step), per));
        let carried = columns(dh.view_mut(), per)
            .zip(columns_of(dc_now, per))
            .zip(columns(dc_out, per))
            .zip(columns_of(dout.index_axis(Axis(1), step), per));
        let items = d_gates.zip(cell).zip(carried).enumerate();
        parallel::for_each_block(items, |(j, item)| {
            let (((((mut df, mut dg), mut di), mut d_o), cell), carried) = item;
            let (((((f, g), i), o), cp), tc) = cell;
            let (((mut dh, dc), mut dcp), dout) = carried;
            let u0 = j * per;
            match &das_next {
                Some(next) => general_mat_mul(
                    F::one(),
                    next,
                    &wh.slice(s![u0..u0 + dh.ncols(), ..]).t(),
                    F::zero(),
                    &mut dh,
                ),
                None => dh.fill(F::zero()),
            }
            dh += &dout;
            let dh = dh.view();
            for r in 0..n {
                cell_backward(
                    [row(&f, r), row(&g, r), row(&i, r), row(&o, r)],
                    row(&dh, r),
                    row(&dc, r),
                    row(&cp, r),
                    row(&tc, r),
                    [
                        row_mut(&mut df, r),
                        row_mut(&mut dg, r),
                        row_mut(&mut di, r),
                        row_mut(&mut d_o, r),
                    ],
                    row_mut(&mut dcp, r),
                );
            }
            Ok(())
        })?;
    }
    parallel::gemm(
        F::one(),
        &das.index_axis(Axis(1), 0),
        &wh.t(),
        F::zero(),
        &mut dh,
    );
    Ok(())
}
