//! Every model names its parameters uniquely and by part, and the files
//! of the names before them (version 0.1) still load.

use nn_core::{Parameters, Result, SharedRng};
use nn_models::params::{NamedModel, Precision, load_params, save_params};
use nn_models::rnnlm::{BetterRnnlm, FitConfig, Rnnlm, RnnlmTrainer, SimpleRnnlm};
use nn_models::seq2seq::{AttentionSeq2seq, PeekySeq2seq, Seq2seq};
use nn_models::word2vec::{Cbow, SimpleCbow, SimpleSkipGram, SkipGram};
use nn_optim::OptimizerKind;
use nn_train::{Npz, NumpyRandom};

fn rng() -> NumpyRandom {
    NumpyRandom::new(7)
}

fn values(m: &mut dyn Parameters<f32>) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.value.iter().copied().collect());
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn every_model_lists_its_parameters_by_part() -> Result<()> {
    let lstm = ["Wx", "Wh", "b"];
    let under = |scope: &str, names: &[&str]| -> Vec<String> {
        names.iter().map(|n| format!("{scope}.{n}")).collect()
    };
    let stack = |rnn: &str| -> Vec<String> {
        [
            under("embed", &["W"]),
            under(rnn, &lstm),
            under("affine", &["W", "b"]),
        ]
        .concat()
    };
    assert_eq!(
        SimpleRnnlm::<f32>::new(9, 4, 4, &mut rng())?.param_names(),
        stack("rnn")
    );
    assert_eq!(
        Rnnlm::<f32>::new(9, 4, 4, &mut rng())?.param_names(),
        stack("lstm")
    );
    assert_eq!(
        BetterRnnlm::<f32>::new(9, 4, 4, 0.5, &mut rng(), SharedRng::new(rng()))?.param_names(),
        [
            under("embed", &["W"]),
            under("lstm1", &lstm),
            under("lstm2", &lstm),
            under("affine", &["b"])
        ]
        .concat()
    );
    let seq2seq: Vec<String> = [
        under("encoder.embed", &["W"]),
        under("encoder.lstm", &lstm),
        under(
            "decoder",
            &stack("lstm").iter().map(String::as_str).collect::<Vec<_>>(),
        ),
    ]
    .concat();
    assert_eq!(
        Seq2seq::<f32>::new(9, 4, 4, &mut rng())?.param_names(),
        seq2seq
    );
    assert_eq!(
        PeekySeq2seq::<f32>::new(9, 4, 4, &mut rng())?.param_names(),
        seq2seq
    );
    assert_eq!(
        AttentionSeq2seq::<f32>::new(9, 4, 4, &mut rng())?.param_names(),
        seq2seq
    );
    let corpus: Vec<usize> = (0..40).map(|i| i % 9).collect();
    for names in [
        SimpleCbow::<f32>::new(9, 4, &mut rng())?.param_names(),
        SimpleSkipGram::<f32>::new(9, 4, &mut rng())?.param_names(),
        Cbow::<f32>::new(9, 4, 2, &corpus, &mut rng(), 0)?.param_names(),
        SkipGram::<f32>::new(9, 4, 2, &corpus, &mut rng(), 0)?.param_names(),
    ] {
        assert_eq!(names, ["W_in", "W_out"]);
    }
    Ok(())
}

/// Writes `from`'s parameters under the names of version 0.1, loads the
/// file into `into`, and checks that `into` now has `from`'s values.
fn old_file_loads(from: &mut dyn NamedModel<f32>, into: &mut dyn NamedModel<f32>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.npz");
    let legacy = from.legacy_param_names();
    assert_eq!(legacy.len(), from.num_params(), "{}", from.name());
    let mut npz = Npz::new();
    let mut k = 0;
    from.visit_params(&mut |p| {
        npz.insert(legacy[k], p.value.to_owned());
        k += 1;
        Ok(())
    })
    .unwrap();
    npz.write(&path).unwrap();
    assert_ne!(values(from), values(into));
    load_params(&path, into).unwrap();
    assert_eq!(values(from), values(into), "{}", into.name());
    // Saved again, the file has the new names.
    save_params(&path, into, Precision::Native).unwrap();
    let names: Vec<String> = Npz::read(&path)
        .unwrap()
        .names()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, into.param_names());
}

#[test]
fn files_of_the_old_names_still_load() -> Result<()> {
    let (mut a, mut b) = (NumpyRandom::new(1), NumpyRandom::new(2));
    old_file_loads(
        &mut SimpleRnnlm::<f32>::new(9, 4, 5, &mut a)?,
        &mut SimpleRnnlm::<f32>::new(9, 4, 5, &mut b)?,
    );
    old_file_loads(
        &mut Rnnlm::<f32>::new(9, 4, 5, &mut a)?,
        &mut Rnnlm::<f32>::new(9, 4, 5, &mut b)?,
    );
    old_file_loads(
        &mut BetterRnnlm::<f32>::new(9, 5, 5, 0.5, &mut a, SharedRng::new(rng()))?,
        &mut BetterRnnlm::<f32>::new(9, 5, 5, 0.5, &mut b, SharedRng::new(rng()))?,
    );
    old_file_loads(
        &mut Seq2seq::<f32>::new(9, 4, 5, &mut a)?,
        &mut Seq2seq::<f32>::new(9, 4, 5, &mut b)?,
    );
    old_file_loads(
        &mut PeekySeq2seq::<f32>::new(9, 4, 5, &mut a)?,
        &mut PeekySeq2seq::<f32>::new(9, 4, 5, &mut b)?,
    );
    old_file_loads(
        &mut AttentionSeq2seq::<f32>::new(9, 4, 5, &mut a)?,
        &mut AttentionSeq2seq::<f32>::new(9, 4, 5, &mut b)?,
    );
    Ok(())
}

/// A checkpoint of version 0.1 holds `param.embed_W`, …: it restores.
#[test]
fn checkpoints_of_the_old_names_restore() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.npz");
    let corpus: Vec<usize> = (0..200).map(|i| (i * 7 + i / 3) % 9).collect();
    let sgd = || OptimizerKind::Sgd.build::<f32>(Some(1.0)).unwrap();
    let mut trainer = RnnlmTrainer::new(Rnnlm::<f32>::new(9, 4, 4, &mut rng())?, sgd());
    let config = FitConfig {
        max_epoch: 1,
        batch_size: 2,
        time_size: 5,
        ..FitConfig::default()
    };
    trainer.fit(&corpus[..199], &corpus[1..], &config, &mut |_| {})?;
    let mut npz = trainer.checkpoint()?;
    let model = trainer.model_mut();
    let (new, old) = (model.param_names(), model.legacy_param_names());
    for (new, old) in new.iter().zip(old) {
        let array = npz.get(&format!("param.{new}")).unwrap().clone();
        npz.insert(format!("param.{old}"), array);
    }
    let mut renamed = Npz::new();
    for name in npz.names() {
        let kept = !new.iter().any(|n| name == format!("param.{n}"));
        if kept {
            renamed.insert(name, npz.get(name).unwrap().clone());
        }
    }
    renamed.write(&path)?;
    let mut resumed =
        RnnlmTrainer::new(Rnnlm::<f32>::new(9, 4, 4, &mut NumpyRandom::new(3))?, sgd());
    resumed.load_checkpoint(&path)?;
    assert_eq!(values(resumed.model_mut()), values(trainer.model_mut()));
    Ok(())
}
