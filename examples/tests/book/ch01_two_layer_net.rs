// ANCHOR: all
use ndarray::array;
use nn_core::{Affine, GradCheck, Init, Parameters, Sequential, Sigmoid, SoftmaxWithLoss};
use nn_optim::{Optimizer, Sgd, SgdConfig, Update};

fn main() -> nn_core::Result<()> {
    let mut rng = rand::rng();
    let mut net = Sequential::new(SoftmaxWithLoss::new())
        .with(Affine::init(2, 10, Init::BOOK, &mut rng)?)
        .with(Sigmoid::new())
        .with(Affine::init(10, 3, Init::BOOK, &mut rng)?);
    let x = array![[0.5, -0.2], [0.1, 0.9], [-0.7, 0.3]];
    let t = [2, 0, 1]; // class indices (&[usize]) or one-hot rows
    let loss: f64 = net.forward(&x, &t)?;
    net.backward()?;
    // 0.W, 0.b, 2.W, 2.b (the layers' positions): the book's W1, b1, W2, b2
    assert_eq!(net.param_names(), ["0.W", "0.b", "2.W", "2.b"]);

    let mut sgd = Sgd::new(SgdConfig {
        lr: 1.0,
        ..SgdConfig::default()
    })?;
    nn_optim::clip_grads(&mut net, 5.0)?; // optional: the book's max_grad
    assert_eq!(sgd.update(&mut net)?, Update::Applied); // every parameter updated in place
    assert!(net.forward(&x, &t)? < loss);

    // Checking gradients against central differences: without the book's 1e-7
    // inside the log, the loss's backward is its exact gradient.
    let mut exact = Sequential::new(SoftmaxWithLoss::with_delta(0.0)?)
        .with(Affine::init(2, 10, Init::BOOK, &mut rng)?)
        .with(Sigmoid::new())
        .with(Affine::init(10, 3, Init::BOOK, &mut rng)?);
    let report = GradCheck::default().model(&mut exact, x.view(), &t)?;
    assert!(report.max_error < 1e-6, "{report}"); // says which entry is worst
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
