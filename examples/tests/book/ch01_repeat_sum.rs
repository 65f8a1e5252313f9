// ANCHOR: all
use ndarray::Array2;
use nn_core::{Layer, Repeat, Sum};

fn main() -> nn_core::Result<()> {
    let mut repeat = Repeat::new(7)?;
    let y = repeat.forward(Array2::<f64>::ones((1, 8)).view())?; // (7, 8)
    assert_eq!(y.dim(), (7, 8));
    let dx = repeat.backward(Array2::ones((7, 8)).view())?; // (1, 8), every entry 7
    assert!(dx.iter().all(|&v| v == 7.0));
    let mut sum = Sum::new();
    let y = sum.forward(Array2::<f64>::ones((7, 8)).view())?; // (1, 8)
    assert_eq!(y.dim(), (1, 8));
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
