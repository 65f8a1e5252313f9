//! Saving, loading, and resuming a run bit for bit.

mod common;

use common::{book_config, book_setup, two_layer_net};
use nn_core::{Float, Parameters};
use nn_train::{
    Generator, Npz, Precision, RunState, Silent, Trainer, load_params, load_params_from,
    save_params,
};

/// The names of the files written before the names were hierarchical.
const LEGACY: [&str; 4] = ["W1", "b1", "W2", "b2"];

fn params<F: Float>(trainer: &mut Trainer<F>) -> Vec<Vec<F>> {
    let mut out = Vec::new();
    trainer
        .model()
        .visit_params(&mut |p| {
            out.push(p.value.iter().copied().collect());
            Ok(())
        })
        .unwrap();
    out
}

/// 40 epochs straight, against 15 + save + load into fresh objects + 25.
/// Records every 7 iterations, which does not divide the 10 of an epoch, so
/// a pending loss sum must cross the checkpoint too.
fn resume_is_bit_for_bit<F: Float>(generator: Generator) {
    let dir = tempfile::tempdir().unwrap();
    let config = |epochs| nn_train::FitConfig {
        eval_interval: Some(7),
        ..book_config(epochs)
    };

    let mut rng = generator.clone();
    let (x, t, mut whole) = book_setup::<F>(&mut rng);
    whole
        .fit(x.view(), &t, &config(40), &mut rng, &mut Silent)
        .unwrap();

    let mut rng = generator;
    let (x, t, mut first) = book_setup::<F>(&mut rng);
    first
        .fit(x.view(), &t, &config(15), &mut rng, &mut Silent)
        .unwrap();
    save_params(
        dir.path().join("params.npz"),
        first.model(),
        Precision::Native,
    )
    .unwrap();
    let state = RunState {
        optimizer: first.optimizer().state(),
        trainer: first.state().clone(),
        generator: rng.state(),
    };
    state.to_npz().write(dir.path().join("state.npz")).unwrap();
    drop((first, rng));

    let path = dir.path().join("state.npz");
    let state = RunState::<F>::from_npz(&Npz::read(&path).unwrap(), &path).unwrap();
    let mut rng = Generator::from_state(&state.generator).unwrap();
    let model = two_layer_net::<F>(10, &mut Generator::chacha(0));
    let mut second = Trainer::new(model, nn_optim::OptimizerKind::Sgd.build(None).unwrap());
    load_params(dir.path().join("params.npz"), second.model()).unwrap();
    second.optimizer().load_state(&state.optimizer).unwrap();
    second.restore(state.trainer);
    second
        .fit(x.view(), &t, &config(25), &mut rng, &mut Silent)
        .unwrap();

    assert_eq!(params(&mut second), params(&mut whole));
    assert_eq!(second.history(), whole.history());
    assert_eq!(second.state(), whole.state());
}

#[test]
fn resuming_equals_an_uninterrupted_run_with_numpys_generator() {
    resume_is_bit_for_bit::<f64>(Generator::numpy(1984));
    resume_is_bit_for_bit::<f32>(Generator::numpy(1984));
}

#[test]
fn resuming_equals_an_uninterrupted_run_with_chacha() {
    resume_is_bit_for_bit::<f64>(Generator::chacha(7));
    resume_is_bit_for_bit::<f32>(Generator::chacha(7));
}

#[test]
fn loading_checks_names_types_and_shapes_and_changes_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("params.npz");
    let mut rng = Generator::numpy(1);
    let mut model = two_layer_net::<f64>(10, &mut rng);
    save_params(&path, &mut model, Precision::Native).unwrap();
    let shown = path.display();
    let names: Vec<_> = Npz::read(&path)
        .unwrap()
        .names()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, ["affine1.W", "affine1.b", "affine2.W", "affine2.b"]);

    let mut other = two_layer_net::<f64>(10, &mut rng);
    let before = other.num_scalars();
    load_params(&path, &mut other).unwrap();
    assert_eq!(other.num_scalars(), before);

    let message = |result: nn_core::Result<()>| result.unwrap_err().to_string();
    let mut wider = two_layer_net::<f64>(12, &mut rng);
    assert_eq!(
        message(load_params(&path, &mut wider)),
        format!("{shown}: affine1.W has shape [2, 10], the model expects [2, 12]")
    );
    let mut narrow = two_layer_net::<f32>(10, &mut rng);
    assert_eq!(
        message(load_params(&path, &mut narrow)),
        format!("{shown}: affine1.W has dtype float64, the model expects float32")
    );
    // Parameters named otherwise: the file's extra array is named, and the model's names.
    let mut renamed = nn_core::Sequential::<f64>::new(nn_core::SoftmaxWithLoss::new()).with_named(
        "fc1",
        nn_core::Affine::init(2, 10, nn_core::Init::BOOK, &mut rng).unwrap(),
    );
    assert_eq!(
        message(load_params(&path, &mut renamed)),
        format!("{shown}: unexpected array affine1.W (the model has fc1.W, fc1.b)")
    );
    // Rewrite affine2.W with the wrong shape, as the example.
    let mut npz = Npz::read(&path).unwrap();
    npz.insert(
        "affine2.W",
        ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(&[10, 4])),
    );
    npz.write(&path).unwrap();
    let snapshot = format!("{:?}", model.layers()[0].name());
    assert_eq!(
        message(load_params(&path, &mut model)),
        format!("{shown}: affine2.W has shape [10, 4], the model expects [10, 3]")
    );
    assert_eq!(snapshot, "\"Affine\"");

    std::fs::write(&path, b"not a zip").unwrap();
    assert!(
        message(load_params(&path, &mut model)).starts_with(&format!("{shown}: not a valid .npz"))
    );
}

/// Two parameters of one name can't be saved: the file could not tell them apart.
#[test]
fn a_model_whose_names_repeat_is_refused_on_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("params.npz");
    let mut rng = Generator::numpy(1);
    let mut twice = nn_core::Sequential::<f64>::new(nn_core::SoftmaxWithLoss::new())
        .with_named(
            "fc",
            nn_core::Affine::init(2, 2, nn_core::Init::BOOK, &mut rng).unwrap(),
        )
        .with_named(
            "fc",
            nn_core::Affine::init(2, 2, nn_core::Init::BOOK, &mut rng).unwrap(),
        );
    let err = save_params(&path, &mut twice, Precision::Native)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}: save_params: two parameters are named fc.W",
            path.display()
        )),
        "{err}"
    );
    assert!(!path.exists(), "nothing is written");
}

/// Files written by the chapter-1 command before the names were
/// hierarchical (`W1`, `b1`, `W2`, `b2`) still load, by their old names.
#[test]
fn files_of_the_old_names_load_by_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("params.npz");
    let mut rng = Generator::numpy(2);
    let mut model = two_layer_net::<f64>(10, &mut rng);
    let mut old = Npz::new();
    let mut k = 0;
    model
        .visit_params(&mut |p| {
            old.insert(LEGACY[k], p.value.mapv(|v| v + 1.0));
            k += 1;
            Ok(())
        })
        .unwrap();
    old.write(&path).unwrap();
    let before = params_of(&mut model);
    load_params_from(&Npz::read(&path).unwrap(), &path, &mut model, &LEGACY).unwrap();
    let after = params_of(&mut model);
    for (a, b) in after.iter().flatten().zip(before.iter().flatten()) {
        assert_eq!(*a, b + 1.0);
    }
    // Without the old names the file is another model's.
    assert!(load_params(&path, &mut model).is_err());
}

fn params_of(model: &mut dyn Parameters<f64>) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    model
        .visit_params(&mut |p| {
            out.push(p.value.iter().copied().collect());
            Ok(())
        })
        .unwrap();
    out
}
