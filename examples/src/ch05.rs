//! Chapter 5's script: `ch05/train_custom_loop.py` (`SimpleRnnlm` on the
//! first 1000 words of PTB).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use ndarray::Array2;
use nn_core::{Error, Result};
use nn_models::rnnlm::{LanguageModel, SimpleRnnlm};
use nn_optim::{OptimizerKind, Update};
use nn_text::ptb::{self, Source, Split};
use nn_train::{IterationTimes, NumpyRandom};

use crate::ch03::create_dir;

/// Settings of `rnnlm-simple`; `Default` is `train_custom_loop.py`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct RnnlmSimpleConfig {
    /// Where PTB's files are.
    pub source: Source,
    /// Words of PTB's training corpus used (`corpus_size = 1000`).
    pub corpus_size: usize,
    /// Sequences per batch (`batch_size = 10`).
    pub batch_size: usize,
    /// Steps per batch, the truncated BPTT length (`time_size = 5`).
    pub time_size: usize,
    /// `wordvec_size = 100`.
    pub wordvec_size: usize,
    /// `hidden_size = 100`.
    pub hidden_size: usize,
    /// SGD's learning rate (`lr = 0.1`).
    pub lr: f64,
    /// Epochs (`max_epoch = 100`).
    pub epochs: usize,
    /// numpy seed of the initial weights (the book sets none).
    pub seed: u32,
    /// Output directory of the perplexity figure.
    pub out: PathBuf,
}

impl Default for RnnlmSimpleConfig {
    fn default() -> Self {
        Self {
            source: Source::from_args(None),
            corpus_size: 1000,
            batch_size: 10,
            time_size: 5,
            wordvec_size: 100,
            hidden_size: 100,
            lr: 0.1,
            epochs: 100,
            seed: 1984,
            out: PathBuf::from("out"),
        }
    }
}

/// What `rnnlm-simple` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct RnnlmSimple {
    /// The perplexity of each epoch.
    pub perplexities: Vec<f64>,
    /// Each training iteration's time.
    pub iteration_times: IterationTimes,
}

/// `train_custom_loop.py`: prints `corpus size: 1000, vocabulary size: 418`
/// and one `| epoch 1 | perplexity 400.31` line per epoch to `out`, draws
/// `rnnlm_simple_perplexity.png`, and returns the perplexities.
///
/// # Errors
/// PTB not found, a corpus too short for one batch, bad sizes, a non-finite
/// loss (named with its epoch and iteration), or the figure can't be written.
pub fn rnnlm_simple(config: &RnnlmSimpleConfig, out: &mut dyn Write) -> Result<RnnlmSimple> {
    const OP: &str = "rnnlm-simple";
    for (name, value) in [
        ("batch_size", config.batch_size),
        ("time_size", config.time_size),
        ("wordvec_size", config.wordvec_size),
        ("hidden_size", config.hidden_size),
    ] {
        if value == 0 {
            return Err(Error::invalid(
                OP,
                format!("{name} must be at least 1, got 0"),
            ));
        }
    }
    let mut corpus = ptb::load_data(Split::Train, &config.source)?.ids;
    corpus.truncate(config.corpus_size);
    let corpus_size = corpus.len();
    let vocab_size = corpus.iter().max().map_or(0, |&m| m + 1);
    let (xs, ts) = (
        &corpus[..corpus_size.saturating_sub(1)],
        &corpus[1.min(corpus_size)..],
    );
    let data_size = xs.len();
    let max_iters = data_size / (config.batch_size * config.time_size);
    if max_iters == 0 {
        return Err(Error::invalid(
            OP,
            format!(
                "{data_size} input words are fewer than one batch of {} sequences × {} steps",
                config.batch_size, config.time_size
            ),
        ));
    }
    let _ = writeln!(
        out,
        "corpus size: {corpus_size}, vocabulary size: {vocab_size}"
    );

    let mut rng = NumpyRandom::new(config.seed);
    let mut model = SimpleRnnlm::<f32>::new(
        vocab_size,
        config.wordvec_size,
        config.hidden_size,
        &mut rng,
    )?;
    let mut optimizer = OptimizerKind::Sgd.build::<f32>(Some(config.lr))?;
    let jump = (corpus_size - 1) / config.batch_size;
    let offsets: Vec<usize> = (0..config.batch_size).map(|i| i * jump).collect();
    let (mut batch_x, mut batch_t) = (
        Array2::<usize>::zeros((config.batch_size, config.time_size)),
        Array2::<isize>::zeros((config.batch_size, config.time_size)),
    );
    let mut time_idx = 0;
    let mut perplexities = Vec::with_capacity(config.epochs);
    let mut times = IterationTimes::default();
    times.start(config.epochs * max_iters);
    for epoch in 0..config.epochs {
        let (mut total_loss, mut loss_count) = (0.0, 0);
        for iter in 0..max_iters {
            for t in 0..config.time_size {
                for (i, &offset) in offsets.iter().enumerate() {
                    let at = (offset + time_idx) % data_size;
                    batch_x[[i, t]] = xs[at];
                    batch_t[[i, t]] = ts[at] as isize;
                }
                time_idx += 1;
            }
            let at = |source| Error::Training {
                epoch: epoch + 1,
                iteration: iter + 1,
                source: Box::new(source),
            };
            let step = Instant::now();
            let loss = model.forward(batch_x.view(), batch_t.view()).map_err(at)?;
            model.backward().map_err(at)?;
            let _: Update = optimizer.update(&mut model).map_err(at)?;
            times.record(step.elapsed());
            total_loss += f64::from(loss);
            loss_count += 1;
        }
        let ppl = (total_loss / f64::from(loss_count)).exp();
        let _ = writeln!(out, "| epoch {} | perplexity {ppl:.2}", epoch + 1);
        perplexities.push(ppl);
    }
    create_dir(&config.out)?;
    crate::plot::curve(
        &config.out.join("rnnlm_simple_perplexity.png"),
        "SimpleRnnlm on PTB's first 1000 words",
        "epochs",
        "perplexity",
        &perplexities,
    )?;
    Ok(RnnlmSimple {
        perplexities,
        iteration_times: times,
    })
}
