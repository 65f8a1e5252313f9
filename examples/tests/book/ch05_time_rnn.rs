// ANCHOR: all
use ndarray::{Array1, Array2, Array3, s};
use nn_core::time::{TimeLayer, TimeRnn};

fn main() -> nn_core::Result<()> {
    // Wx (D, H), Wh (H, H), b (H): the book's order; stateful as in SimpleRnnlm.
    let (d, h) = (3, 4);
    let wx = Array2::from_shape_fn((d, h), |(i, j)| 0.1 * (i as f64 - j as f64));
    let wh = Array2::from_shape_fn((h, h), |(i, j)| if i == j { 0.5 } else { 0.0 });
    let mut rnn = TimeRnn::from_weights(wx.clone(), wh.clone(), Array1::zeros(h), true)?;

    // Two blocks of 5 steps, read one after the other (truncated BPTT) ...
    let xs = Array3::from_shape_fn((2, 10, d), |(n, t, i)| ((n + 2 * t + i) % 5) as f64 - 2.0);
    rnn.forward(xs.slice(s![.., ..5, ..]))?;
    let second = rnn.forward(xs.slice(s![.., 5.., ..]))?.to_owned();
    // ... carry the hidden state across: the same as reading all 10 at once.
    let mut whole = TimeRnn::from_weights(wx, wh, Array1::zeros(h), true)?;
    let all = whole.forward(xs.view())?.to_owned();
    assert!(
        (&all.slice(s![.., 5.., ..]) - &second)
            .iter()
            .all(|v| v.abs() < 1e-15)
    );

    // Backward stops at the block's start; the state is readable and settable.
    let dxs = rnn.backward(Array3::ones((2, 5, h)).view())?;
    assert_eq!(dxs.dim(), (2, 5, d));
    assert_eq!(rnn.state().map(|h| h.dim()), Some((2, h)));
    rnn.reset_state(); // the book's reset_state(): the next block starts from zeros
    assert!(rnn.state().is_none());
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
