//! Chapter 7's `ch07/train_seq2seq.py` (and chapter 8's `ch08/train.py`,
//! which is the same loop on another data set and model): train a seq2seq
//! model epoch by epoch, answering the test questions after each epoch as
//! the book's `eval_seq2seq` does, and draw the accuracies.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{Array2, s};
use nn_core::SharedRng;
use nn_core::transformer::TransformerConfig;
use nn_core::{Error, Result};
use nn_models::params::{Precision, load_params, save_params};
use nn_models::seq2seq::{
    AttentionSeq2seq, PeekySeq2seq, Seq2seq, Seq2seqEval, Seq2seqModel, eval_seq2seq,
    eval_seq2seq_one_at_a_time,
};
use nn_models::transformer::{TransformerSeq2seq, TransformerSeq2seqConfig};
use nn_optim::OptimizerKind;
use nn_text::sequence::{SequenceData, SequenceSet, load_data_with};
use nn_train::{FitConfig, IterationTimes, Npz, NumpyRandom, Progress, RecordStyle, Trainer};

use crate::ch03::create_dir;

/// The book's three models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// `Seq2seq` (`ch07/seq2seq.py`).
    Seq2seq,
    /// `PeekySeq2seq` (`ch07/peeky_seq2seq.py`).
    Peeky,
    /// `AttentionSeq2seq` (`ch08/attention_seq2seq.py`).
    Attention,
    /// `TransformerSeq2seq`: beyond chapter 8, section 8.5.2's Transformer.
    Transformer,
}

impl ModelKind {
    /// The book's class name, which names the saved parameters.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Seq2seq => "Seq2seq",
            ModelKind::Peeky => "PeekySeq2seq",
            ModelKind::Attention => "AttentionSeq2seq",
            ModelKind::Transformer => "TransformerSeq2seq",
        }
    }
}

/// Settings of `seq2seq` and `attention`: [`seq2seq`](Self::seq2seq) is
/// `train_seq2seq.py`'s, [`attention`](Self::attention) `ch08/train.py`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct Seq2seqConfig {
    /// A directory holding the data file (`addition.txt` or `date.txt`),
    /// directly or in `sequence/`; `None` reads the copy shipped in `nn-text`.
    pub data: Option<PathBuf>,
    /// The data set.
    pub set: SequenceSet,
    /// The model.
    pub model: ModelKind,
    /// Feed the questions reversed (`is_reverse`).
    pub reverse: bool,
    /// `wordvec_size = 16`.
    pub wordvec_size: usize,
    /// `hidden_size` (128; 256 for attention).
    pub hidden_size: usize,
    /// `batch_size = 128`.
    pub batch_size: usize,
    /// `max_epoch` (25; 10 for attention).
    pub epochs: usize,
    /// `max_grad = 5.0`.
    pub max_grad: f64,
    /// The seed of `load_data`'s shuffle, from which the weights and the
    /// trainer's permutations continue (the book's 1984).
    pub seed: u32,
    /// Train on the first N training questions only (short runs).
    pub train_rows: Option<usize>,
    /// Ask the first N test questions only (short runs).
    pub test_rows: Option<usize>,
    /// Answer the test questions one at a time as the book does, instead of
    /// in batches (the same answers; for checking and timing).
    pub one_at_a_time: bool,
    /// Test questions printed per epoch (the book's 10).
    pub verbose: usize,
    /// Output directory: parameters, accuracies, figure.
    pub out: PathBuf,
    /// The Transformer's sizes (for [`ModelKind::Transformer`]).
    pub transformer: TransformerSettings,
    /// Adam's learning rate (the book's default 0.001) falls linearly over
    /// the epochs, from the full rate in the first to `1/epochs` of it in
    /// the last (`rate · (epochs − e) / epochs` in epoch `e` from 0): the
    /// Transformer's runs settle instead of wandering at the end. The
    /// book's models keep the rate.
    pub lr_decay: bool,
}

/// The sizes of `transformer`'s model. The defaults are this project's
/// choice for the book's two problems (the book trains no Transformer):
/// small enough to train in minutes (27 s an epoch on dates at 2 threads,
/// where `attention` takes 17 s), large enough for 100% on dates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformerSettings {
    /// Encoder layers, and as many decoder layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// The model width `E`.
    pub d_model: usize,
    /// The feed-forward network's width.
    pub d_ff: usize,
    /// Pre-LN instead of the paper's post-LN.
    pub norm_first: bool,
    /// Dropout after each sublayer.
    pub dropout: f64,
}

impl Default for TransformerSettings {
    fn default() -> Self {
        Self {
            layers: 2,
            heads: 4,
            d_model: 64,
            d_ff: 256,
            norm_first: true,
            dropout: 0.0,
        }
    }
}

impl Seq2seqConfig {
    /// `ch07/train_seq2seq.py`: addition, `Seq2seq`, 16/128, batch 128, 25
    /// epochs, Adam, `max_grad = 5.0`.
    pub fn seq2seq() -> Self {
        Self {
            data: None,
            set: SequenceSet::Addition,
            model: ModelKind::Seq2seq,
            reverse: false,
            wordvec_size: 16,
            hidden_size: 128,
            batch_size: 128,
            epochs: 25,
            max_grad: 5.0,
            seed: 1984,
            train_rows: None,
            test_rows: None,
            one_at_a_time: false,
            verbose: 10,
            out: PathBuf::from("out"),
            transformer: TransformerSettings::default(),
            lr_decay: false,
        }
    }

    /// `transformer`: a [`TransformerSeq2seq`] of the default
    /// [`TransformerSettings`] on dates (addition with `set`), the questions
    /// reversed as `attention` reverses them, batch 128, 10 epochs, Adam
    /// with [`lr_decay`](Self::lr_decay), `max_grad = 5.0`.
    pub fn transformer() -> Self {
        Self {
            set: SequenceSet::Date,
            model: ModelKind::Transformer,
            reverse: true,
            epochs: 10,
            lr_decay: true,
            ..Self::seq2seq()
        }
    }

    /// `ch08/train.py`: dates, reversed questions, `AttentionSeq2seq`,
    /// 16/256, batch 128, 10 epochs, Adam, `max_grad = 5.0`.
    pub fn attention() -> Self {
        Self {
            set: SequenceSet::Date,
            model: ModelKind::Attention,
            reverse: true,
            hidden_size: 256,
            epochs: 10,
            ..Self::seq2seq()
        }
    }

    /// The run's name in files and legends: `baseline`, `reverse`, `peeky`,
    /// `reverse + peeky`, `attention` (`attention (not reversed)` without
    /// the reversal).
    pub fn variant(&self) -> &'static str {
        match (self.model, self.reverse) {
            (ModelKind::Seq2seq, false) => "baseline",
            (ModelKind::Seq2seq, true) => "reverse",
            (ModelKind::Peeky, false) => "peeky",
            (ModelKind::Peeky, true) => "reverse + peeky",
            (ModelKind::Attention, true) => "attention",
            (ModelKind::Attention, false) => "attention (not reversed)",
            (ModelKind::Transformer, false) => "transformer",
            (ModelKind::Transformer, true) => "transformer (reversed)",
        }
    }

    /// Where the parameters go: `Seq2seq.npz`, `PeekySeq2seq.npz` or
    /// `AttentionSeq2seq.npz` in `out` (the book's `AttentionSeq2seq.pkl`).
    pub fn params_file(out: &Path, model: ModelKind) -> PathBuf {
        out.join(format!("{}.npz", model.name()))
    }

    /// Where a run's accuracies go: `accuracy_{variant}.csv`; the
    /// Transformer runs on either data set, so its files name the set too
    /// (`accuracy_transformer_date.csv`).
    fn accuracy_file(out: &Path, set: SequenceSet, variant: &str) -> PathBuf {
        let variant = if variant.starts_with("transformer") {
            let name = match set {
                SequenceSet::Addition => "addition",
                SequenceSet::Date => "date",
            };
            format!("{variant} {name}")
        } else {
            variant.to_owned()
        };
        let slug: String = variant
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("_");
        out.join(format!("accuracy_{slug}.csv"))
    }

    fn check(&self) -> Result<()> {
        const OP: &str = "seq2seq";
        if self.epochs == 0
            || self.batch_size == 0
            || self.wordvec_size == 0
            || self.hidden_size == 0
        {
            return Err(Error::invalid(
                OP,
                "epochs, batch size, word-vector size and hidden size must all be ≥ 1",
            ));
        }
        if !(self.max_grad.is_finite() && self.max_grad > 0.0) {
            return Err(Error::invalid(
                OP,
                format!("max_grad must be positive, got {}", self.max_grad),
            ));
        }
        if self.test_rows == Some(0) {
            return Err(Error::invalid(OP, "test_rows must be ≥ 1"));
        }
        Ok(())
    }
}

/// One epoch of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// Validation accuracy after the epoch.
    pub accuracy: f64,
    /// Seconds of training.
    pub train_seconds: f64,
    /// Seconds answering the test questions.
    pub eval_seconds: f64,
    /// Each training iteration's time.
    pub iteration_times: IterationTimes,
}

/// What a run returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Seq2seqOutcome {
    /// Each epoch's accuracy and times.
    pub epochs: Vec<EpochReport>,
    /// The files written: parameters, accuracies, figure.
    pub files: Vec<PathBuf>,
}

impl Seq2seqOutcome {
    /// Every epoch's training iterations, for the run's median.
    pub fn iteration_times(&self) -> IterationTimes {
        let mut all = IterationTimes::default();
        for epoch in &self.epochs {
            all.append(&epoch.iteration_times);
        }
        all
    }
}

/// The data file of `set` in `dir` or `dir/sequence` (the layout of the
/// project's shared data), if there is one.
pub fn find_set(dir: &Path, set: SequenceSet) -> Option<PathBuf> {
    [
        dir.join(set.file_name()),
        dir.join("sequence").join(set.file_name()),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// Reads `set` from `dir` (see [`find_set`]) or, without a directory, the
/// shipped copy, shuffled from `rng` as the book's `load_data`.
///
/// # Errors
/// No such file in `dir`, or a malformed one.
pub fn load_set(
    dir: Option<&Path>,
    set: SequenceSet,
    rng: &mut NumpyRandom,
) -> Result<SequenceData> {
    match dir {
        Some(dir) => {
            let path = find_set(dir, set).ok_or_else(|| {
                Error::file(
                    dir,
                    format!("has no {} (nor sequence/{0})", set.file_name()),
                )
            })?;
            load_data_with(&path, rng)
        }
        None => set.load_with(rng),
    }
}

/// The book's models' parameters, saved as the book's `save_params` saves
/// them (float16).
fn save<M: Seq2seqModel<f32>>(model: &mut M, path: &Path) -> Result<()> {
    save_params(path, model, Precision::F16)
}

/// Loads the data set as the book's `load_data` (shuffled from `rng`),
/// reversed if asked and cut to the configured rows.
fn load(config: &Seq2seqConfig, rng: &mut NumpyRandom) -> Result<SequenceData> {
    let mut data = load_set(config.data.as_deref(), config.set, rng)?;
    if config.reverse {
        // x[:, ::-1], kept in standard layout.
        let rev = |x: &Array2<usize>| x.slice(s![.., ..;-1]).as_standard_layout().into_owned();
        data.x_train = rev(&data.x_train);
        data.x_test = rev(&data.x_test);
    }
    let cut = |a: &mut Array2<usize>, rows: Option<usize>| {
        if let Some(rows) = rows.filter(|&r| r < a.nrows()) {
            *a = a.slice(s![..rows, ..]).to_owned();
        }
    };
    cut(&mut data.x_train, config.train_rows);
    cut(&mut data.t_train, config.train_rows);
    cut(&mut data.x_test, config.test_rows);
    cut(&mut data.t_test, config.test_rows);
    Ok(data)
}

/// `train_seq2seq.py` / `ch08/train.py`: for each epoch, the `Trainer`'s
/// lines (through `progress`), then the first test questions with their
/// answers and `val acc …` (to `lines`; the ☑/☒ marks coloured when
/// `color`); then the parameters (float16, as the book's `save_params`),
/// the accuracies and the figure of every run in `out` on the same data
/// set (the book's figure 7-26).
///
/// # Errors
/// Invalid settings, an unreadable data file, an error of a step, or a file
/// that cannot be written.
pub fn train_seq2seq(
    config: &Seq2seqConfig,
    progress: &mut dyn Progress,
    lines: &mut dyn Write,
    color: bool,
) -> Result<Seq2seqOutcome> {
    config.check()?;
    create_dir(&config.out)?;
    let mut rng = NumpyRandom::new(config.seed);
    let data = load(config, &mut rng)?;
    let (v, d, h) = (data.vocab.len(), config.wordvec_size, config.hidden_size);
    let mut run = Run {
        data: &data,
        config,
        rng: &mut rng,
        progress,
        lines,
        color,
    };
    let epochs = match config.model {
        ModelKind::Seq2seq => run.epochs(|rng| Seq2seq::<f32>::new(v, d, h, rng), save)?,
        ModelKind::Peeky => run.epochs(|rng| PeekySeq2seq::<f32>::new(v, d, h, rng), save)?,
        ModelKind::Attention => {
            run.epochs(|rng| AttentionSeq2seq::<f32>::new(v, d, h, rng), save)?
        }
        ModelKind::Transformer => {
            let t = config.transformer;
            let longest = data.x_train.ncols().max(data.t_train.ncols());
            let model_config = TransformerSeq2seqConfig {
                vocab_size: v,
                max_len: longest,
                encoder_layers: t.layers,
                decoder_layers: t.layers,
                layer: TransformerConfig {
                    d_ff: t.d_ff,
                    dropout: t.dropout,
                    norm_first: t.norm_first,
                    ..TransformerConfig::new(t.d_model, t.heads)
                },
            };
            // Dropout masks from their own stream, so that the weights and
            // batches follow the book's generator as for the other models.
            let masks = SharedRng::new(NumpyRandom::new(config.seed.wrapping_add(1)));
            run.epochs(
                |rng| TransformerSeq2seq::<f32>::new(model_config, rng, Some(&masks)),
                |model, path| model.save(path, Precision::Native),
            )?
        }
    };
    let mut files = vec![Seq2seqConfig::params_file(&config.out, config.model)];
    let acc_file = Seq2seqConfig::accuracy_file(&config.out, config.set, config.variant());
    let csv: String = epochs
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{},{}\n", i + 1, e.accuracy))
        .collect();
    nn_train::write_atomic(&acc_file, |f| {
        f.write_all(format!("epoch,accuracy\n{csv}").as_bytes())
    })?;
    files.push(acc_file);
    files.push(plot_runs(&config.out, config.set)?);
    Ok(Seq2seqOutcome { epochs, files })
}

/// The runs whose accuracies are in `out` for `set`, in the book's order.
fn plot_runs(out: &Path, set: SequenceSet) -> Result<PathBuf> {
    let (variants, figure, title): (&[&str], _, _) = match set {
        SequenceSet::Addition => (
            &[
                "baseline",
                "reverse",
                "peeky",
                "reverse + peeky",
                "transformer",
                "transformer (reversed)",
            ],
            "seq2seq_accuracy.png",
            "seq2seq on addition.txt",
        ),
        SequenceSet::Date => (
            &[
                "attention",
                "attention (not reversed)",
                "transformer",
                "transformer (reversed)",
            ],
            "attention_accuracy.png",
            "attention seq2seq on date.txt",
        ),
    };
    let mut runs = Vec::new();
    for variant in variants {
        let path = Seq2seqConfig::accuracy_file(out, set, variant);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let acc: Vec<f64> = text
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(1)?.parse().ok())
            .collect();
        if !acc.is_empty() {
            runs.push(((*variant).to_owned(), acc));
        }
    }
    let path = out.join(figure);
    crate::plot::accuracy_curves(&path, title, &runs)?;
    Ok(path)
}

/// What a run's epochs need besides the model.
struct Run<'a> {
    data: &'a SequenceData,
    config: &'a Seq2seqConfig,
    rng: &'a mut NumpyRandom,
    progress: &'a mut dyn Progress,
    lines: &'a mut dyn Write,
    color: bool,
}

impl Run<'_> {
    /// Builds the model from the run's generator (the book draws the
    /// weights right after the data set's shuffle), trains it epoch by
    /// epoch with the book's `Trainer` and Adam, evaluating and printing
    /// after each, then saves it.
    fn epochs<M: Seq2seqModel<f32> + 'static>(
        &mut self,
        build: impl FnOnce(&mut NumpyRandom) -> Result<M>,
        save: impl FnOnce(&mut M, &Path) -> Result<()>,
    ) -> Result<Vec<EpochReport>> {
        let (data, config) = (self.data, self.config);
        let model = build(self.rng)?;
        let mut trainer = Trainer::new(model, OptimizerKind::Adam.build(None)?);
        let fit = FitConfig {
            max_epoch: 1,
            batch_size: config.batch_size,
            max_grad: Some(config.max_grad),
            eval_interval: Some(20),
            style: RecordStyle::Trainer,
        };
        let mut reports = Vec::new();
        let lr = trainer.optimizer().learning_rate();
        for epoch in 0..config.epochs {
            if config.lr_decay {
                let left = (config.epochs - epoch) as f64 / config.epochs as f64;
                trainer.optimizer().set_learning_rate(lr * left)?;
            }
            let start = Instant::now();
            trainer.fit_rows(
                data.x_train.view(),
                data.t_train.view(),
                &fit,
                self.rng,
                self.progress,
            )?;
            let train_seconds = start.elapsed().as_secs_f64();
            let start = Instant::now();
            let result = evaluate(trainer.model(), data, config)?;
            let eval_seconds = start.elapsed().as_secs_f64();
            print_eval(&result, self.lines, self.color);
            reports.push(EpochReport {
                accuracy: result.accuracy(),
                train_seconds,
                eval_seconds,
                iteration_times: trainer.iteration_times().clone(),
            });
        }
        save(
            trainer.model(),
            &Seq2seqConfig::params_file(&config.out, config.model),
        )?;
        Ok(reports)
    }
}

/// The test questions of `data` answered by `model`, as `config` asks
/// (reversed or not, in batches or one at a time, how many kept to print).
fn evaluate(
    model: &mut dyn Seq2seqModel<f32>,
    data: &SequenceData,
    config: &Seq2seqConfig,
) -> Result<Seq2seqEval> {
    let evaluate = if config.one_at_a_time {
        eval_seq2seq_one_at_a_time
    } else {
        eval_seq2seq
    };
    evaluate(
        model,
        data.x_test.view(),
        data.t_test.view(),
        &data.vocab,
        config.reverse,
        config.verbose,
    )
}

/// The book's printout of an evaluation: the kept questions, then `val
/// acc`. A closed pipe (`| head`) must not stop training, so write errors
/// are ignored.
fn print_eval(result: &Seq2seqEval, lines: &mut dyn Write, color: bool) {
    for sample in &result.samples {
        let _ = writeln!(lines, "{}", sample.book_lines(color));
    }
    let _ = writeln!(lines, "{}", result.book_line());
    let _ = lines.flush();
}

/// Parameters saved by `seq2seq` or `attention` (or the book's, converted
/// by `scripts/convert_book_params.py`), as the model they belong to.
#[derive(Debug, Clone)]
pub enum SavedSeq2seq {
    /// A `Seq2seq`.
    Seq2seq(Box<Seq2seq<f32>>),
    /// A `PeekySeq2seq`.
    Peeky(Box<PeekySeq2seq<f32>>),
    /// An `AttentionSeq2seq`.
    Attention(Box<AttentionSeq2seq<f32>>),
    /// A `TransformerSeq2seq`.
    Transformer(Box<TransformerSeq2seq<f32>>),
}

impl SavedSeq2seq {
    /// Reads `path`, telling the model by its arrays' shapes (the decoder's
    /// LSTM input and affine widths: `D`, `H` for `Seq2seq`; `H + D`, `2H`
    /// for `PeekySeq2seq`; `D`, `2H` for `AttentionSeq2seq`).
    ///
    /// # Errors
    /// A missing or damaged file, or arrays that are none of the three.
    pub fn load(path: &Path) -> Result<Self> {
        let npz = Npz::read(path)?;
        if npz.get("src_embed.W").is_some() {
            return Ok(Self::Transformer(Box::new(TransformerSeq2seq::load(path)?)));
        }
        // A matrix by its name, or by its name in a file of version 0.1.
        let shape = |names: [&str; 2]| -> Result<(usize, usize)> {
            let found = names.into_iter().find_map(|n| npz.get(n).map(|a| (n, a)));
            match found.map(|(n, a)| (n, a.shape().to_vec())) {
                Some((_, shape)) if shape.len() == 2 => Ok((shape[0], shape[1])),
                Some((name, other)) => Err(Error::file(
                    path,
                    format!("{name} is {other:?}, not a matrix"),
                )),
                None => Err(Error::file(
                    path,
                    format!(
                        "no array {}: not a seq2seq model's parameters (it has {:?})",
                        names[0],
                        npz.names().collect::<Vec<_>>()
                    ),
                )),
            }
        };
        let ((v, d), (h, _)) = (
            shape(["encoder.embed.W", "encoder.embed_W"])?,
            shape(["encoder.lstm.Wh", "encoder.lstm_Wh"])?,
        );
        let (dec_in, affine_in) = (
            shape(["decoder.lstm.Wx", "decoder.lstm_Wx"])?.0,
            shape(["decoder.affine.W", "decoder.affine_W"])?.0,
        );
        let mut rng = NumpyRandom::new(0);
        let mut saved = if (dec_in, affine_in) == (d, h) {
            Self::Seq2seq(Box::new(Seq2seq::new(v, d, h, &mut rng)?))
        } else if (dec_in, affine_in) == (h + d, 2 * h) {
            Self::Peeky(Box::new(PeekySeq2seq::new(v, d, h, &mut rng)?))
        } else if (dec_in, affine_in) == (d, 2 * h) {
            Self::Attention(Box::new(AttentionSeq2seq::new(v, d, h, &mut rng)?))
        } else {
            return Err(Error::file(
                path,
                format!(
                    "a decoder with LSTM input {dec_in} and affine input {affine_in} for D = {d}, \
                     H = {h} is none of the book's three models"
                ),
            ));
        };
        load_params(path, saved.model())?;
        Ok(saved)
    }

    /// Which model it is.
    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Seq2seq(_) => ModelKind::Seq2seq,
            Self::Peeky(_) => ModelKind::Peeky,
            Self::Attention(_) => ModelKind::Attention,
            Self::Transformer(_) => ModelKind::Transformer,
        }
    }

    /// The model.
    pub fn model(&mut self) -> &mut dyn Seq2seqModel<f32> {
        match self {
            Self::Seq2seq(m) => &mut **m,
            Self::Peeky(m) => &mut **m,
            Self::Attention(m) => &mut **m,
            Self::Transformer(m) => &mut **m,
        }
    }
}

/// The data set whose vocabulary has `vocab_size` characters.
///
/// # Errors
/// Neither's: parameters from another data set.
pub fn set_of_vocab(vocab_size: usize, path: &Path) -> Result<SequenceSet> {
    let sizes = [SequenceSet::Addition, SequenceSet::Date].map(|set| {
        let size = set.load(0).map(|d| d.vocab.len()).unwrap_or(0);
        (set, size)
    });
    sizes
        .iter()
        .find(|(_, size)| *size == vocab_size)
        .map(|(set, _)| *set)
        .ok_or_else(|| {
            Error::file(
                path,
                format!(
                    "parameters for {vocab_size} characters: neither addition.txt's {} nor date.txt's {} \
                     (parameters from another data set)",
                    sizes[0].1, sizes[1].1
                ),
            )
        })
}

/// Evaluates saved parameters as one epoch's evaluation of `seq2seq` /
/// `attention`: the data set told by the vocabulary's size, split with
/// `seed`, questions reversed when `reverse` (by default as each model is
/// trained: reversed for `AttentionSeq2seq`, and for `TransformerSeq2seq`
/// on dates); the book's
/// ten questions and `val acc` to `lines`.
///
/// # Errors
/// A missing, damaged or foreign parameter file, or an unreadable data file.
pub fn seq2seq_eval(
    params: &Path,
    data: Option<&Path>,
    reverse: Option<bool>,
    seed: u32,
    one_at_a_time: bool,
    lines: &mut dyn Write,
    color: bool,
) -> Result<Seq2seqEval> {
    let mut saved = SavedSeq2seq::load(params)?;
    let set = set_of_vocab(saved.model().vocab_size(), params)?;
    let config = Seq2seqConfig {
        data: data.map(Path::to_path_buf),
        set,
        // As each model is trained by default: AttentionSeq2seq reversed (the
        // book), the Transformer reversed on dates.
        reverse: reverse.unwrap_or(match saved.kind() {
            ModelKind::Attention => true,
            ModelKind::Transformer => set == SequenceSet::Date,
            _ => false,
        }),
        one_at_a_time,
        seed,
        ..Seq2seqConfig::seq2seq()
    };
    let data = load(&config, &mut NumpyRandom::new(seed))?;
    let result = evaluate(saved.model(), &data, &config)?;
    print_eval(&result, lines, color);
    Ok(result)
}
