// ANCHOR: all
use ndarray::{Array3, Axis};
use nn_core::attention::TimeAttention;

fn main() -> nn_core::Result<()> {
    // The encoder's hidden states (N, T_enc, H) and the decoder's (N, T_dec, H).
    let hs_enc = Array3::from_shape_fn((2, 6, 4), |(n, t, h)| ((n + t * h) % 3) as f64);
    let hs_dec = Array3::from_shape_fn((2, 3, 4), |(n, t, h)| ((n * t + h) % 2) as f64);
    let mut attention = TimeAttention::new();
    let contexts = attention.forward(hs_enc.view(), hs_dec.view())?;
    assert_eq!(contexts.dim(), (2, 3, 4)); // one context vector per decoder step

    // The weights of figure 8-17's heat maps: (N, T_dec, T_enc), each row sums to 1.
    let weights = attention.attention_weights();
    for row in weights.lanes(Axis(2)) {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }

    // Backward gives both hidden states' gradients.
    let (dhs_enc, dhs_dec) = attention.backward(Array3::ones((2, 3, 4)).view())?;
    assert_eq!((dhs_enc.dim(), dhs_dec.dim()), ((2, 6, 4), (2, 3, 4)));
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
