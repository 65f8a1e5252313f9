//! A character-level LSTM language model on any UTF-8 text: a program
//! built outside the dlfs2-rs workspace with its public API only.
//!
//! The model ([`CharLstm`]) is new (the book's language models read words)
//! and made of `nn_core`'s time layers; because it implements
//! `nn_models::rnnlm::LanguageModel`, the book's `RnnlmTrainer` trains it,
//! `nn_models::rnnlm::generate` samples from it, and `nn_train` saves and
//! loads its parameters by name.
//!
//! ```
//! use char_lm::{Text, TrainConfig, sample, train};
//! let text = Text::parse("abcabcabcabd".repeat(30).as_bytes(), "abc.txt".as_ref())?;
//! let config = TrainConfig { steps: 40, batch_size: 4, time_size: 8, report_every: 10, ..TrainConfig::default() };
//! let mut trained = train(&text, &config, &mut nn_train::Silent)?;
//! assert!(trained.last_loss < trained.first_loss);
//! let out = sample(&mut trained.model, &text.vocab, "a", 10, 1)?;
//! assert_eq!(out.chars().count(), 10);
//! # Ok::<(), nn_core::Error>(())
//! ```

#![warn(missing_docs)]

mod model;
mod text;

use std::path::Path;
use std::time::Instant;

use nn_core::{Error, Result, SharedRng};
use nn_models::rnnlm::{FitConfig, LanguageModel, RnnlmTrainer, generate};
use nn_optim::OptimizerKind;
use nn_text::sequence::CharVocab;
use nn_train::{Npz, Precision, Progress, Record, load_params, save_params, write_atomic};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub use model::{CharLstm, Sizes};
pub use text::Text;

/// The file the parameters are saved in, each under its name.
pub const PARAMS_FILE: &str = "params.npz";
/// The file the vocabulary is saved in: its characters in id order.
pub const VOCAB_FILE: &str = "vocab.txt";

/// How [`train`] trains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Training steps (batches).
    pub steps: usize,
    /// Streams read side by side.
    pub batch_size: usize,
    /// Characters per batch and stream: the truncated BPTT length.
    pub time_size: usize,
    /// Width of a character's vector.
    pub wordvec: usize,
    /// Width of each LSTM's state.
    pub hidden: usize,
    /// Share of units dropped in training.
    pub dropout: f64,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Clip the gradients' global norm to this.
    pub max_grad: f64,
    /// Seed of the weights and the dropout masks.
    pub seed: u64,
    /// Report the loss every this many steps.
    pub report_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 1000,
            batch_size: 32,
            time_size: 64,
            wordvec: 32,
            hidden: 128,
            dropout: 0.1,
            learning_rate: 0.005,
            max_grad: 5.0,
            seed: 1,
            report_every: 50,
        }
    }
}

/// What [`train`] gives back.
#[derive(Debug)]
pub struct Trained {
    /// The trained model.
    pub model: CharLstm,
    /// The loss per character (nats) of the first report: the mean of its
    /// `report_every` steps.
    pub first_loss: f64,
    /// The loss per character of the last report.
    pub last_loss: f64,
    /// Seconds of training.
    pub seconds: f64,
}

/// Trains a new [`CharLstm`] on `text`, reporting the loss per character
/// to `progress` every `config.report_every` steps.
///
/// # Errors
/// A text too short for one batch, bad sizes, or a step that fails (a
/// non-finite loss), named with its step.
pub fn train(text: &Text, config: &TrainConfig, progress: &mut dyn Progress) -> Result<Trained> {
    text.check_length("the text".as_ref(), config.batch_size, config.time_size)?;
    if config.steps == 0 || config.report_every == 0 {
        return Err(Error::invalid(
            "char_lm::train",
            "steps and report_every must be at least 1",
        ));
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let dropout_rng = SharedRng::new(StdRng::seed_from_u64(config.seed.wrapping_add(1)));
    let sizes = Sizes {
        vocab: text.vocab.len(),
        wordvec: config.wordvec,
        hidden: config.hidden,
        dropout: config.dropout,
    };
    let model = CharLstm::new(sizes, &mut rng, dropout_rng)?;
    let adam = OptimizerKind::Adam.build(Some(config.learning_rate))?;
    let mut trainer = RnnlmTrainer::new(model, adam);
    let (xs, ts) = (&text.ids[..text.ids.len() - 1], &text.ids[1..]);
    let per_epoch = xs.len() / (config.batch_size * config.time_size);
    let fit = FitConfig {
        max_epoch: config.steps.div_ceil(per_epoch),
        batch_size: config.batch_size,
        time_size: config.time_size,
        max_grad: Some(config.max_grad),
        // Every step reports its own loss; this sums them per report.
        eval_interval: Some(1),
        max_iterations: Some(config.steps),
    };
    let (mut first, mut last) = (None, f64::NAN);
    let (mut step, mut sum) = (0, 0.0);
    let started = Instant::now();
    progress.start(1, config.steps);
    let fitted = trainer.fit(xs, ts, &fit, &mut |report| {
        let loss = report.perplexity.ln();
        step += 1;
        sum += loss;
        progress.iteration(1, step, loss);
        if step % config.report_every == 0 || step == config.steps {
            let since = (step - 1) % config.report_every + 1;
            last = sum / since as f64;
            sum = 0.0;
            first.get_or_insert(last);
            let record = Record {
                epoch: report.epoch,
                iteration: step,
                loss: last,
                seconds: None,
            };
            progress.record(&record, config.steps);
        }
    });
    progress.finish();
    fitted?;
    Ok(Trained {
        model: trainer.into_model(),
        first_loss: first.unwrap_or(f64::NAN),
        last_loss: last,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes `model`'s parameters under their names (`params.npz`, which
/// `numpy.load` reads) and the vocabulary (`vocab.txt`) into `dir`,
/// atomically.
///
/// # Errors
/// A directory that can't be made, or an I/O error, named with the path.
pub fn save(dir: &Path, model: &mut CharLstm, vocab: &CharVocab) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::file(dir, format!("cannot create the directory: {e}")))?;
    save_params(dir.join(PARAMS_FILE), model, Precision::Native)?;
    let chars: String = vocab.chars().iter().collect();
    write_atomic(&dir.join(VOCAB_FILE), |f| {
        std::io::Write::write_all(f, chars.as_bytes())
    })
}

/// Reads a model and its vocabulary written by [`save`] from `dir`.
///
/// # Errors
/// Missing or damaged files, or files that don't fit together, named.
pub fn load(dir: &Path) -> Result<(CharLstm, CharVocab)> {
    let (params, vocab_path) = (dir.join(PARAMS_FILE), dir.join(VOCAB_FILE));
    let chars = std::fs::read_to_string(&vocab_path)
        .map_err(|e| Error::file(&vocab_path, format!("cannot read it: {e}")))?;
    let vocab = CharVocab::from_chars(chars.chars())
        .map_err(|e| Error::file(&vocab_path, e.to_string()))?;
    let npz = Npz::read(&params)?;
    let rows = |name: &str| -> Result<usize> {
        npz.get(name)
            .and_then(|a| (a.shape().len() == 2).then(|| a.shape()[0]))
            .ok_or_else(|| {
                Error::file(
                    &params,
                    format!("no matrix {name}: not a CharLstm's parameters"),
                )
            })
    };
    let wordvec = rows("lstm1.Wx")?;
    let hidden = rows("lstm1.Wh")?;
    if rows("embed.W")? != vocab.len() {
        return Err(Error::file(
            &params,
            format!(
                "embed.W has {} rows but {} has {} characters",
                rows("embed.W")?,
                vocab_path.display(),
                vocab.len()
            ),
        ));
    }
    let sizes = Sizes {
        vocab: vocab.len(),
        wordvec,
        hidden,
        dropout: 0.0,
    };
    // The weights are the file's; any draws will do.
    let mut model = CharLstm::new(
        sizes,
        &mut StdRng::seed_from_u64(0),
        SharedRng::new(StdRng::seed_from_u64(0)),
    )?;
    load_params(&params, &mut model)?;
    Ok((model, vocab))
}

/// `length` characters: those of `start`, then characters drawn one after
/// another from the model's distribution of the next (dropout off, the
/// state from zeros), from a generator seeded by `seed`.
///
/// # Errors
/// An empty `start`, or a character the model does not know.
pub fn sample(
    model: &mut CharLstm,
    vocab: &CharVocab,
    start: &str,
    length: usize,
    seed: u64,
) -> Result<String> {
    let start_ids = vocab.encode(start)?;
    if start_ids.is_empty() {
        return Err(Error::invalid("char_lm::sample", "the start text is empty"));
    }
    let drawn = length.saturating_sub(start_ids.len() - 1);
    model.reset_state();
    let ids = generate(
        model,
        &start_ids,
        &[],
        drawn,
        &mut StdRng::seed_from_u64(seed),
    )?;
    model.reset_state();
    Ok(vocab.decode(ids.into_iter().take(length)))
}
