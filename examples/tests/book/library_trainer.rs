// ANCHOR: all
use nn_core::{Affine, Init, Parameters, Sequential, Sigmoid, SoftmaxWithLoss};
use nn_optim::OptimizerKind;
use nn_train::{
    FitConfig, NumpyRandom, Precision, Silent, Spiral, Trainer, load_params, save_params,
};

fn main() -> nn_core::Result<()> {
    // The book's data and initial weights from its seed: np.random.seed(1984).
    let mut rng = NumpyRandom::new(1984);
    let (x, t) = Spiral::default().generate(&mut rng)?; // spiral.load_data()
    let net = Sequential::new(SoftmaxWithLoss::new())
        .with_named("affine1", Affine::init(2, 10, Init::BOOK, &mut rng)?)
        .with_named("sigmoid", Sigmoid::new())
        .with_named("affine2", Affine::init(10, 3, Init::BOOK, &mut rng)?);

    // The book's Trainer: a shuffle per epoch from the same generator, SGD at lr = 1.0.
    let mut trainer = Trainer::new(net, OptimizerKind::Sgd.build(Some(1.0))?);
    let config = FitConfig {
        max_epoch: 30,
        batch_size: 30,
        eval_interval: Some(10),
        ..FitConfig::default()
    };
    trainer.fit(x.view(), &t, &config, &mut rng, &mut Silent)?; // Silent: no printed lines

    // Saved by name, as numpy reads them: np.load(path)["affine1.W"].
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("params.npz");
    save_params(&path, trainer.model(), Precision::Native)?;
    load_params(&path, trainer.model())?;
    assert_eq!(
        trainer.model().param_names(),
        ["affine1.W", "affine1.b", "affine2.W", "affine2.b"]
    );
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
