// ANCHOR: all
use ndarray::array;
use nn_core::{Embedding, Parameters, Shared};

fn main() -> nn_core::Result<()> {
    let w_in = Shared::new("W_in", array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])?;
    let (mut left, mut right) = (Embedding::shared(&w_in), Embedding::shared(&w_in));
    left.forward(&[0, 2])?;
    right.forward(&[2, 2])?;
    right.backward(array![[1.0, 1.0], [1.0, 1.0]].view())?; // overwrites dW
    left.backward(array![[1.0, 1.0], [1.0, 1.0]].view())?; // adds to it
    assert_eq!(*w_in.grad(), array![[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]]);
    assert_eq!(left.num_params(), 0); // the owner lists W_in, once
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
