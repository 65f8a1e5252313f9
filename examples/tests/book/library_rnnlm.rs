// ANCHOR: all
use ndarray::{Array1, Array2, array};
use nn_core::Parameters;
use nn_models::params::{Precision, load_params, save_params};
use nn_models::rnnlm::{LanguageModel, Rnnlm};
use nn_optim::{OptimizerKind, Update, clip_grads};
use nn_train::NumpyRandom;

fn main() -> nn_core::Result<()> {
    // From your arrays, in the book's order: embed.W, the LSTM's (Wx, Wh, b), affine.W, affine.b.
    let (v, d, h) = (10, 4, 8);
    let lstm = (
        Array2::from_elem((d, 4 * h), 0.1),
        Array2::from_elem((h, 4 * h), -0.1),
        Array1::zeros(4 * h),
    );
    let mut model = Rnnlm::<f32>::from_weights(
        Array2::from_elem((v, d), 0.5),
        lstm,
        Array2::zeros((h, v)),
        Array1::zeros(v),
    )?;
    // ... or drawn as the book draws them: Rnnlm::<f32>::new(v, d, h, &mut NumpyRandom::new(1984))?

    // Your own loop: forward, backward, clipping, an update (RnnlmTrainer does this for you).
    let mut adam = OptimizerKind::Adam.build(Some(0.01))?;
    let (xs, ts) = (
        array![[1, 2, 3, 4], [5, 6, 7, 8]],
        array![[2, 3, 4, 5], [6, 7, 8, 9]],
    );
    let first = model.forward(xs.view(), ts.view())?;
    for _ in 0..20 {
        model.reset_state();
        model.forward(xs.view(), ts.view())?;
        model.backward()?;
        let clip = clip_grads(&mut model, 5.0)?; // the norm, the rate, whether it clipped
        assert!(clip.norm.is_finite());
        assert_eq!(adam.update(&mut model)?, Update::Applied);
    }
    model.reset_state();
    assert!(model.forward(xs.view(), ts.view())? < first);

    // Saved and loaded by name; numpy reads the file (np.load(path)['lstm.Wx']).
    assert_eq!(
        model.param_names(),
        [
            "embed.W", "lstm.Wx", "lstm.Wh", "lstm.b", "affine.W", "affine.b"
        ]
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("Rnnlm.npz");
    save_params(&path, &mut model, Precision::Native)?;
    let mut loaded = Rnnlm::<f32>::new(v, d, h, &mut NumpyRandom::new(0))?;
    load_params(&path, &mut loaded)?;

    // What the last forward computed: every step's gates, the carried state, the probabilities.
    assert_eq!(model.lstm().gates().dim(), (2, 4, 4 * h));
    let (h_last, _c_last) = model
        .lstm()
        .state()
        .expect("a stateful LSTM carries its state");
    assert_eq!(h_last.dim(), (2, h));
    assert_eq!(model.loss_layer().probabilities().dim(), (2, 4, v));
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
