//! Chapter 3's script: `ch03/train.py` (`SimpleCBOW`, or `SimpleSkipGram`).

use std::path::{Path, PathBuf};

use nn_core::{Error, Result};
use nn_models::word2vec::{SimpleCbow, SimpleSkipGram};
use nn_optim::{Adam, Optimizer};
use nn_text::{create_contexts_target, numpy_str, preprocess};
use nn_train::{FitConfig, Model, NumpyRandom, Progress, Record, RecordStyle, Trainer};

use crate::ch02::TEXT;

/// Settings of `cbow-simple`; `Default` is `ch03/train.py`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct CbowSimpleConfig {
    /// `SimpleSkipGram` instead of `SimpleCBOW`.
    pub skip_gram: bool,
    /// Hidden units (`hidden_size = 5`).
    pub hidden: usize,
    /// Samples per batch (`batch_size = 3`).
    pub batch_size: usize,
    /// Epochs (`max_epoch = 1000`).
    pub epochs: usize,
    /// numpy seed of the weights and the shuffles (the book sets none).
    pub seed: u32,
    /// Output directory of the loss figure.
    pub out: PathBuf,
}

impl Default for CbowSimpleConfig {
    fn default() -> Self {
        Self {
            skip_gram: false,
            hidden: 5,
            batch_size: 3,
            epochs: 1000,
            seed: 1984,
            out: PathBuf::from("out"),
        }
    }
}

/// What `cbow-simple` produced.
#[derive(Debug, Clone)]
pub struct CbowSimple {
    /// The loss records, one per epoch (the book's `eval_interval=20` with 2
    /// iterations per epoch).
    pub history: Vec<Record>,
    /// `word vector` lines as the book prints them: `you [ 0.8 ... ]`.
    pub word_lines: Vec<String>,
    /// The loss figure.
    pub figure: PathBuf,
    /// Each training iteration's time.
    pub iteration_times: nn_train::IterationTimes,
}

/// `ch03/train.py`: window 1 on the book's sentence, Adam, the book's
/// `Trainer`; returns the loss records (printed through `progress` as the
/// book prints them), each word's vector as the book prints it, and the loss
/// figure's path (`out/cbow_simple_loss.png`).
///
/// # Errors
/// Bad settings, or the figure cannot be written.
pub fn cbow_simple(config: &CbowSimpleConfig, progress: &mut dyn Progress) -> Result<CbowSimple> {
    let corpus = preprocess(TEXT)?;
    let vocab_size = corpus.vocab.len();
    let (contexts, target) = create_contexts_target(&corpus.ids, 1)?;
    let mut rng = NumpyRandom::new(config.seed);
    let fit = FitConfig {
        max_epoch: config.epochs,
        batch_size: config.batch_size,
        max_grad: None,
        eval_interval: Some(20),
        style: RecordStyle::Trainer,
    };
    let (history, vecs, iteration_times) = if config.skip_gram {
        let model = SimpleSkipGram::<f32>::new(vocab_size, config.hidden, &mut rng)?;
        let (history, model, times) =
            fit_model(model, &contexts, &target, &fit, &mut rng, progress)?;
        (history, model.word_vecs().to_owned(), times)
    } else {
        let model = SimpleCbow::<f32>::new(vocab_size, config.hidden, &mut rng)?;
        let (history, model, times) =
            fit_model(model, &contexts, &target, &fit, &mut rng, progress)?;
        (history, model.word_vecs().to_owned(), times)
    };
    let word_lines = corpus
        .vocab
        .words()
        .iter()
        .zip(vecs.rows())
        .map(|(word, row)| format!("{word} {}", numpy_str(&row.to_vec(), 8)))
        .collect();
    create_dir(&config.out)?;
    let name = if config.skip_gram {
        "skip_gram_simple_loss.png"
    } else {
        "cbow_simple_loss.png"
    };
    let figure = config.out.join(name);
    crate::plot::loss_curve(&figure, &history, 20)?;
    Ok(CbowSimple {
        history,
        word_lines,
        figure,
        iteration_times,
    })
}

/// Trains a word2vec model with the book's `Trainer` and `Adam()`; returns
/// the loss records and the trained model.
pub(crate) fn fit_model<M: Model<f32, Input = usize, Label = usize>>(
    model: M,
    contexts: &ndarray::Array2<usize>,
    target: &[usize],
    fit: &FitConfig,
    rng: &mut NumpyRandom,
    progress: &mut dyn Progress,
) -> Result<(Vec<Record>, M, nn_train::IterationTimes)> {
    let mut trainer = Trainer::new(
        model,
        Box::new(Adam::<f32>::default()) as Box<dyn Optimizer<f32> + Send>,
    );
    trainer.fit(contexts.view(), target, fit, rng, progress)?;
    let history = trainer.history().to_vec();
    let times = trainer.iteration_times().clone();
    Ok((history, trainer.into_parts().0, times))
}

/// Creates the output directory.
pub(crate) fn create_dir(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)
        .map_err(|e| Error::file(out, format!("cannot create the output directory: {e}")))
}
