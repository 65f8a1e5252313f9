// ANCHOR: all
use ndarray::Array2;
use nn_core::{Affine, Init, Layer, MatMul, Sigmoid};

fn main() -> nn_core::Result<()> {
    let mut rng = rand::rng();
    let x = Array2::<f64>::ones((30, 2));
    let mut matmul = MatMul::<f64>::init(2, 10, Init::BOOK, &mut rng)?; // W = 0.01·randn
    let _xw = matmul.forward(x.view())?;
    let mut affine = Affine::init(2, 10, Init::BOOK, &mut rng)?; // and b = 0
    let h = affine.forward(x.view())?.to_owned();
    let mut sigmoid = Sigmoid::new();
    let _a = sigmoid.forward(h.view())?;
    let dh = sigmoid.backward(Array2::ones((30, 10)).view())?.to_owned();
    let dx = affine.backward(dh.view())?; // also fills affine.dw(), affine.db()
    assert_eq!(dx.dim(), (30, 2));
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
