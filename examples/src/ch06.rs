//! Chapters 6 and 7's language-model scripts: `ch06/train_rnnlm.py`,
//! `ch06/train_better_rnnlm.py`, `ch06/eval.py`, `ch07/generate_text.py`
//! and `ch07/generate_better_text.py`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nn_core::transformer::TransformerConfig;
use nn_core::{Error, Result, SharedRng};
use nn_models::rnnlm::{
    BetterRnnlm, FitConfig, IterationReport, LanguageModel, Precision, Rnnlm, RnnlmTrainer,
    eval_perplexity, generate, load_params, save_params,
};
use nn_models::transformer::{TransformerLm, TransformerLmConfig};
use nn_optim::OptimizerKind;
use nn_text::ptb::{self, Source, Split};
use nn_text::{Corpus, Vocabulary};
use nn_train::{IterationTimes, NpyArray, Npz, NumpyRandom};

use crate::ch03::create_dir;

/// Settings of `rnnlm`; `Default` is `train_rnnlm.py`'s, and
/// [`better`](Self::better) is `train_better_rnnlm.py`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct RnnlmConfig {
    /// Where PTB's files are.
    pub source: Source,
    /// `BetterRnnlm` (two LSTMs, dropout, tied weights, validation and the
    /// learning-rate decay) instead of `Rnnlm`.
    pub better: bool,
    /// Streams per batch (`batch_size = 20`).
    pub batch_size: usize,
    /// `wordvec_size` (100; 650 for the better model).
    pub wordvec_size: usize,
    /// `hidden_size` (100; 650).
    pub hidden_size: usize,
    /// Steps per batch (`time_size = 35`).
    pub time_size: usize,
    /// SGD's learning rate (`lr = 20.0`).
    pub lr: f64,
    /// Epochs (`max_epoch = 4`; 40).
    pub epochs: usize,
    /// Gradient clipping (`max_grad = 0.25`).
    pub max_grad: f64,
    /// `dropout = 0.5` (the better model only).
    pub dropout: f64,
    /// Perplexity lines every this many iterations (`eval_interval=20`).
    pub eval_interval: usize,
    /// numpy seed of the weights and the dropout masks (the book sets none).
    pub seed: u32,
    /// Use only the first N words of each of PTB's files (short runs).
    pub corpus_words: Option<usize>,
    /// Output directory: parameters, checkpoint, figure.
    pub out: PathBuf,
    /// Continue from the checkpoint in `out`.
    pub resume: bool,
    /// Only the results (test perplexity), no training lines.
    pub quiet: bool,
    /// A [`TransformerLm`] of these sizes instead of the book's models
    /// (`transformer-lm`): Adam at `lr`, validation after every epoch, the
    /// best parameters kept.
    pub transformer: Option<TransformerLmSettings>,
}

/// The sizes of `transformer-lm`'s model (the project's choice; the book
/// trains no Transformer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformerLmSettings {
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// The model width `E` (the tied embedding's too).
    pub d_model: usize,
    /// The feed-forward network's width.
    pub d_ff: usize,
    /// Pre-LN instead of the paper's post-LN.
    pub norm_first: bool,
}

impl Default for TransformerLmSettings {
    fn default() -> Self {
        Self {
            layers: 2,
            heads: 4,
            d_model: 128,
            d_ff: 512,
            norm_first: true,
        }
    }
}

impl Default for RnnlmConfig {
    fn default() -> Self {
        Self {
            source: Source::from_args(None),
            better: false,
            batch_size: 20,
            wordvec_size: 100,
            hidden_size: 100,
            time_size: 35,
            lr: 20.0,
            epochs: 4,
            max_grad: 0.25,
            dropout: 0.5,
            eval_interval: 20,
            seed: 1984,
            corpus_words: None,
            out: PathBuf::from("out"),
            resume: false,
            quiet: false,
            transformer: None,
        }
    }
}

impl RnnlmConfig {
    /// `train_better_rnnlm.py`'s settings: 650/650, 40 epochs, dropout 0.5.
    pub fn better() -> Self {
        Self {
            better: true,
            wordvec_size: 650,
            hidden_size: 650,
            epochs: 40,
            ..Self::default()
        }
    }

    /// `transformer-lm`'s settings: a [`TransformerLm`] of the default
    /// [`TransformerLmSettings`], windows of 64 words in batches of 20,
    /// Adam from 0.002 falling linearly per epoch, clipping 0.25, no
    /// dropout, 4 epochs.
    pub fn transformer() -> Self {
        Self {
            transformer: Some(TransformerLmSettings::default()),
            wordvec_size: 128,
            hidden_size: 128,
            time_size: 64,
            lr: 0.002,
            dropout: 0.0,
            ..Self::default()
        }
    }

    /// The model's class name, which names its files.
    pub fn model_name(&self) -> &'static str {
        match (self.transformer, self.better) {
            (Some(_), _) => "TransformerLm",
            (None, true) => "BetterRnnlm",
            (None, false) => "Rnnlm",
        }
    }

    /// Where this run's parameters go: `{model_name}.npz` in `out`.
    pub fn params_path(&self) -> PathBuf {
        self.out.join(format!("{}.npz", self.model_name()))
    }

    /// Where the trained parameters go: `Rnnlm.npz` or `BetterRnnlm.npz`
    /// in `out` (the book's `Rnnlm.pkl`).
    pub fn params_file(out: &Path, better: bool) -> PathBuf {
        out.join(if better {
            "BetterRnnlm.npz"
        } else {
            "Rnnlm.npz"
        })
    }

    /// Where the checkpoint goes: `Rnnlm_checkpoint.npz` in `out`.
    pub fn checkpoint_file(&self) -> PathBuf {
        self.out
            .join(format!("{}_checkpoint.npz", self.model_name()))
    }
}

/// What `rnnlm` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct RnnlmOutcome {
    /// The perplexity reports of the training (`ppl_list`).
    pub ppl_list: Vec<f64>,
    /// Validation perplexity after each epoch (the better model).
    pub valid: Vec<f64>,
    /// The test perplexity at the end.
    pub test: f64,
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Seconds of training and evaluation in this process.
    pub seconds: f64,
    /// Each training iteration's time in this process.
    pub iteration_times: IterationTimes,
}

/// PTB's three splits, cut to `corpus_words` if given.
fn load_ptb(config: &RnnlmConfig) -> Result<(Corpus, Vec<usize>, Vec<usize>)> {
    let mut train = ptb::load_data(Split::Train, &config.source)?;
    let mut val = ptb::load_data(Split::Valid, &config.source)?.ids;
    let mut test = ptb::load_data(Split::Test, &config.source)?.ids;
    if let Some(n) = config.corpus_words {
        train.ids.truncate(n);
        val.truncate(n);
        test.truncate(n);
    }
    Ok((train, val, test))
}

/// Lines above a progress bar on a terminal, plain lines in a pipe, nothing
/// but results when quiet.
struct Screen {
    bar: Option<ProgressBar>,
    /// Whether the bar is drawn now (lines then go above it).
    active: std::cell::Cell<bool>,
    quiet: bool,
}

impl Screen {
    fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stdout().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg} | {eta} left")
            {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            active: std::cell::Cell::new(false),
            quiet,
        }
    }

    /// A line of the book's output (training lines are dropped when quiet).
    fn line(&self, out: &mut dyn Write, line: &str, result: bool) {
        if self.quiet && !result {
            return;
        }
        match &self.bar {
            Some(bar) if self.active.get() => bar.println(line),
            _ => {
                let _ = writeln!(out, "{line}");
            }
        }
    }

    fn start(&self, len: usize, what: &str) {
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_length(len as u64);
            bar.set_message(what.to_owned());
            self.active.set(true);
        }
    }

    fn set(&self, pos: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(pos as u64);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            self.active.set(false);
        }
    }
}

/// The words per batch of the book's `eval_perplexity` calls.
const BOOK_EVAL_TIME: usize = 35;

/// The book's `eval_perplexity` with its output: `evaluating perplexity
/// ...`, then a bar on a terminal, or in a pipe the last `\r` progress the
/// book leaves visible (`234 / 235`).
fn evaluate<M: LanguageModel<f32> + ?Sized>(
    model: &mut M,
    corpus: &[usize],
    time_size: usize,
    screen: &Screen,
    out: &mut dyn Write,
) -> Result<f64> {
    screen.line(out, "evaluating perplexity ...", false);
    let mut last = (0, 0);
    screen.start(0, "evaluating");
    let ppl = eval_perplexity(model, corpus, 10, time_size, &mut |done, total| {
        if done == 1 {
            screen.start(total, "evaluating");
        }
        screen.set(done);
        last = (done, total);
    })?;
    screen.finish();
    if screen.bar.is_none() {
        screen.line(out, &format!("{} / {}", last.0 - 1, last.1), false);
    }
    Ok(ppl)
}

/// `train_rnnlm.py` (or with `better`, `train_better_rnnlm.py`): trains on
/// PTB printing the book's lines, evaluates (validation per epoch for the
/// better model, test at the end), saves the parameters as float16
/// (`Rnnlm.npz`; the better model saves them whenever validation improves,
/// as the book), the perplexity figure, and a checkpoint after every epoch
/// from which `resume` continues exactly.
///
/// # Errors
/// PTB not found, a corpus too short for one batch, bad sizes, a checkpoint
/// that doesn't fit, a non-finite loss (named with its epoch and
/// iteration), or a file that can't be written.
pub fn rnnlm(config: &RnnlmConfig, out: &mut dyn Write) -> Result<RnnlmOutcome> {
    let (train, val, test) = load_ptb(config)?;
    let vocab_size = train.vocab.len();
    let mut rng = NumpyRandom::new(config.seed);
    let (v, d, h) = (vocab_size, config.wordvec_size, config.hidden_size);
    if let Some(t) = config.transformer {
        let model_config = TransformerLmConfig {
            vocab_size: v,
            max_len: config.time_size,
            layers: t.layers,
            layer: TransformerConfig {
                d_ff: t.d_ff,
                dropout: config.dropout,
                norm_first: t.norm_first,
                ..TransformerConfig::new(t.d_model, t.heads)
            },
        };
        let rng = SharedRng::new(rng);
        let model = TransformerLm::<f32>::new(model_config, &mut *rng.lock(), Some(&rng))?;
        if !config.quiet {
            let _ = writeln!(out, "{model}");
        }
        run_training(config, model, &train.ids, &val, &test, out)
    } else if config.better {
        // The book draws the weights, then every dropout mask, from numpy's
        // one generator.
        let rng = SharedRng::new(rng);
        let model =
            BetterRnnlm::<f32>::new(v, d, h, config.dropout, &mut *rng.lock(), rng.clone())?;
        run_training(config, model, &train.ids, &val, &test, out)
    } else {
        let model = Rnnlm::<f32>::new(v, d, h, &mut rng)?;
        run_training(config, model, &train.ids, &val, &test, out)
    }
}

/// A model that `run_training` can save: the book's as `save_params`
/// saves them (float16), the Transformer with its sizes.
trait SaveModel: LanguageModel<f32> + Sized {
    fn save_to(&mut self, path: &Path) -> Result<()> {
        save_params(path, self, Precision::F16)
    }
}

impl SaveModel for Rnnlm<f32> {}
impl SaveModel for BetterRnnlm<f32> {}
impl SaveModel for TransformerLm<f32> {
    fn save_to(&mut self, path: &Path) -> Result<()> {
        self.save(path, Precision::Native)
    }
}

fn run_training<M: SaveModel>(
    config: &RnnlmConfig,
    model: M,
    corpus: &[usize],
    val: &[usize],
    test: &[usize],
    out: &mut dyn Write,
) -> Result<RnnlmOutcome> {
    let start = Instant::now();
    create_dir(&config.out)?;
    if corpus.len() < 2 {
        return Err(Error::invalid(
            "rnnlm",
            format!("a training corpus of {} words has no targets", corpus.len()),
        ));
    }
    let (xs, ts) = (&corpus[..corpus.len() - 1], &corpus[1..]);
    // The book's SGD for its models; the Transformer wants Adam.
    let kind = match config.transformer {
        Some(_) => OptimizerKind::Adam,
        None => OptimizerKind::Sgd,
    };
    let validate = config.better || config.transformer.is_some();
    // The book evaluates in batches of 35 words; a Transformer trained on
    // shorter windows has no positions beyond them, so it reads its own.
    let eval_time = match config.transformer {
        Some(_) => config.time_size.min(BOOK_EVAL_TIME),
        None => BOOK_EVAL_TIME,
    };
    let optimizer = kind.build::<f32>(Some(config.lr))?;
    let mut trainer = RnnlmTrainer::new(model, optimizer);
    let checkpoint = config.checkpoint_file();
    let mut best_ppl = f64::INFINITY;
    let mut valid = Vec::new();
    if config.resume {
        let npz = Npz::read(&checkpoint)?;
        trainer.restore(&npz, &checkpoint)?;
        let r = npz.fields(&checkpoint);
        best_ppl = r.f64_scalar("run.best_ppl")?;
        valid = r.f64_vector("run.valid")?;
    }
    let fit = FitConfig {
        max_epoch: 1,
        batch_size: config.batch_size,
        time_size: config.time_size,
        max_grad: Some(config.max_grad),
        eval_interval: Some(config.eval_interval),
        max_iterations: None,
    };
    let iterations = xs.len() / (config.batch_size * config.time_size).max(1);
    let screen = Screen::new(config.quiet);
    let params = config.params_path();
    let mut files = Vec::new();
    let mut iteration_times = IterationTimes::default();
    let lr = config.lr;
    for epoch in trainer.current_epoch()..config.epochs {
        if config.transformer.is_some() {
            // Adam's rate falls linearly over the epochs, from `lr` in the
            // first to `lr / epochs` in the last.
            let left = (config.epochs - epoch) as f64 / config.epochs as f64;
            trainer.optimizer_mut().set_learning_rate(lr * left)?;
        }
        screen.start(iterations, &format!("epoch {}", epoch + 1));
        let mut report = |r: &IterationReport| {
            screen.line(out, &r.to_string(), false);
            screen.set(r.iteration);
        };
        // `train_rnnlm.py` is one fit of all epochs, `train_better_rnnlm.py`
        // one fit per epoch (each starts reading at the corpus's start).
        if config.better || epoch == 0 {
            trainer.fit(xs, ts, &fit, &mut report)?;
        } else {
            trainer.fit_more(xs, ts, &fit, &mut report)?;
        }
        screen.finish();
        iteration_times.append(trainer.iteration_times());
        if validate {
            let model = trainer.model_mut();
            model.reset_state();
            let ppl = evaluate(model, val, eval_time, &screen, out)?;
            screen.line(out, &format!("valid perplexity:  {ppl}"), true);
            valid.push(ppl);
            if best_ppl > ppl {
                best_ppl = ppl;
                model.save_to(&params)?;
                if !files.contains(&params) {
                    files.push(params.clone());
                }
            } else if config.better {
                let lr = trainer.optimizer_mut().learning_rate() / 4.0;
                trainer.optimizer_mut().set_learning_rate(lr)?;
            }
            trainer.model_mut().reset_state();
            screen.line(out, &"-".repeat(50), false);
        }
        let mut npz = trainer.checkpoint()?;
        npz.insert("run.best_ppl", ndarray::arr0(best_ppl).into_dyn());
        npz.insert(
            "run.valid",
            NpyArray::F64(ndarray::Array1::from(valid.clone()).into_dyn()),
        );
        npz.write(&checkpoint)?;
    }
    if !files.contains(&checkpoint) {
        files.push(checkpoint);
    }
    if !config.better && !trainer.ppl_list().is_empty() {
        let figure = config.out.join(format!(
            "{}_perplexity.png",
            config.model_name().to_lowercase()
        ));
        crate::plot::curve_up_to(
            &figure,
            &format!("{} on PTB (training perplexity)", config.model_name()),
            &format!("iterations (x{})", config.eval_interval),
            "perplexity",
            trainer.ppl_list(),
            Some(500.0),
        )?;
        files.push(figure);
    }
    let model = trainer.model_mut();
    model.reset_state();
    let test_ppl = evaluate(model, test, eval_time, &screen, out)?;
    screen.line(out, &format!("test perplexity:  {test_ppl}"), true);
    if !validate {
        model.save_to(&params)?;
        files.push(params);
    }
    Ok(RnnlmOutcome {
        ppl_list: trainer.ppl_list().to_vec(),
        valid,
        test: test_ppl,
        files,
        seconds: start.elapsed().as_secs_f64(),
        iteration_times,
    })
}

/// A model read from saved parameters: `Rnnlm` or `BetterRnnlm` by the
/// arrays' names, its sizes from their shapes.
pub enum SavedModel {
    /// `ch06/rnnlm.py`'s model.
    Rnnlm(Box<Rnnlm<f32>>),
    /// `ch06/better_rnnlm.py`'s model (dropout off when evaluating).
    Better(Box<BetterRnnlm<f32>>),
    /// `transformer-lm`'s model.
    Transformer(Box<TransformerLm<f32>>),
}

impl SavedModel {
    /// Reads `path` (written by `rnnlm`, or the book's pickles converted by
    /// `scripts/convert_book_params.py`).
    ///
    /// # Errors
    /// A missing or damaged file, or arrays that are not one of the two
    /// models' (named, with their shapes).
    pub fn load(path: &Path) -> Result<Self> {
        let npz = Npz::read(path)?;
        if npz.get("decoder.layers.0.self_attn.q_proj.W").is_some() {
            return Ok(Self::Transformer(Box::new(TransformerLm::load(path)?)));
        }
        // A matrix by its name, or by its name in a file of version 0.1.
        let find = |names: [&str; 2]| names.into_iter().find_map(|n| npz.get(n));
        let shape = |names: [&str; 2]| -> Result<Vec<usize>> {
            find(names)
                .map(|a| a.shape().to_vec())
                .filter(|s| s.len() == 2)
                .ok_or_else(|| {
                    let present: Vec<_> = npz.names().collect();
                    Error::file(
                        path,
                        format!(
                            "no matrix {}: not an Rnnlm's or BetterRnnlm's parameters (the file has {})",
                            names[0],
                            present.join(", ")
                        ),
                    )
                })
        };
        let embed = shape(["embed.W", "embed_W"])?;
        let (v, d) = (embed[0], embed[1]);
        // The weights are overwritten by the file; any draws will do.
        let mut rng = NumpyRandom::new(0);
        let mut model = if find(["lstm1.Wx", "lstm_Wx1"]).is_some() {
            let h = shape(["lstm1.Wh", "lstm_Wh1"])?[0];
            let dropout = SharedRng::new(NumpyRandom::new(0));
            Self::Better(Box::new(BetterRnnlm::new(v, d, h, 0.5, &mut rng, dropout)?))
        } else {
            let h = shape(["lstm.Wh", "lstm_Wh"])?[0];
            Self::Rnnlm(Box::new(Rnnlm::new(v, d, h, &mut rng)?))
        };
        load_params(path, model.as_dyn())?;
        Ok(model)
    }

    /// The words per batch its perplexity is evaluated on: the book's 35,
    /// or a Transformer's positional table if shorter.
    pub fn eval_time_size(&self) -> usize {
        match self {
            Self::Transformer(m) => m.config().max_len.min(BOOK_EVAL_TIME),
            _ => BOOK_EVAL_TIME,
        }
    }

    /// The model as a [`LanguageModel`].
    pub fn as_dyn(&mut self) -> &mut dyn LanguageModel<f32> {
        match self {
            Self::Rnnlm(m) => &mut **m,
            Self::Better(m) => &mut **m,
            Self::Transformer(m) => &mut **m,
        }
    }
}

/// Checks that a saved model has PTB's vocabulary size.
fn check_vocab(path: &Path, model: &mut dyn LanguageModel<f32>, vocab: &Vocabulary) -> Result<()> {
    if model.vocab_size() != vocab.len() {
        return Err(Error::file(
            path,
            format!(
                "the model knows {} words but PTB's vocabulary has {}",
                model.vocab_size(),
                vocab.len()
            ),
        ));
    }
    Ok(())
}

/// `ch06/eval.py`: the test perplexity of saved parameters (on the first
/// `corpus_words` words of the test set, if given), printed as the book
/// prints it (`test perplexity:  136.07758877196096`).
///
/// # Errors
/// As [`SavedModel::load`], PTB not found, or parameters for another
/// vocabulary.
pub fn rnnlm_eval(
    path: &Path,
    source: &Source,
    corpus_words: Option<usize>,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<f64> {
    let mut model = SavedModel::load(path)?;
    let train = ptb::load_data(Split::Train, source)?;
    check_vocab(path, model.as_dyn(), &train.vocab)?;
    let mut test = ptb::load_data(Split::Test, source)?.ids;
    if let Some(n) = corpus_words {
        test.truncate(n);
    }
    let screen = Screen::new(quiet);
    let eval_time = model.eval_time_size();
    let model = model.as_dyn();
    model.reset_state();
    let ppl = evaluate(model, &test, eval_time, &screen, out)?;
    screen.line(out, &format!("test perplexity:  {ppl}"), true);
    Ok(ppl)
}

/// The words the book's generation scripts skip: `N`, `<unk>`, `$`.
pub const SKIP_WORDS: [&str; 3] = ["N", "<unk>", "$"];

/// `ch07/generate_text.py` (for a `BetterRnnlm`, `generate_better_text.py`,
/// which then also continues `the meaning of life is`): 100 words sampled
/// from saved parameters, starting at `start`, skipping [`SKIP_WORDS`], the
/// draws from numpy's generator seeded with `seed`; `<eos>` printed as the
/// book does (`.` and a new line). Returns the texts.
///
/// # Errors
/// As [`SavedModel::load`], PTB not found, parameters for another
/// vocabulary, or a start word PTB doesn't have.
pub fn rnnlm_generate(
    path: &Path,
    source: &Source,
    start: &str,
    seed: u32,
    out: &mut dyn Write,
) -> Result<Vec<String>> {
    let mut saved = SavedModel::load(path)?;
    let better = matches!(saved, SavedModel::Better(_) | SavedModel::Transformer(_));
    let vocab = ptb::load_data(Split::Train, source)?.vocab;
    let model = saved.as_dyn();
    check_vocab(path, model, &vocab)?;
    let ids = |text: &str| -> Result<Vec<usize>> {
        text.split_whitespace()
            .map(|w| {
                vocab.id(w).ok_or_else(|| {
                    Error::invalid(
                        "rnnlm-generate",
                        format!("{w:?} is not in PTB's vocabulary"),
                    )
                })
            })
            .collect()
    };
    let skip: Vec<usize> = SKIP_WORDS.iter().filter_map(|w| vocab.id(w)).collect();
    let mut rng = NumpyRandom::new(seed);
    let text = |words: &[usize]| {
        words
            .iter()
            .filter_map(|&id| vocab.word(id))
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" <eos>", ".\n")
    };
    let mut texts = Vec::new();
    let words = generate(model, &ids(start)?, &skip, 100, &mut rng)?;
    texts.push(text(&words));
    if better {
        model.reset_state();
        let words = generate(model, &ids("the meaning of life is")?, &skip, 100, &mut rng)?;
        texts.push(text(&words));
    }
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out, "{}", "-".repeat(50));
        }
        let _ = writeln!(out, "{t}");
    }
    Ok(texts)
}
