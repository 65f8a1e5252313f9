//! Chapter 4's scripts: `ch04/train.py` (CBOW or skip-gram with negative
//! sampling on PTB, `--mode book` or `--mode fast`) and `ch04/eval.py`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::Array2;
use nn_core::{Error, Result};
use nn_models::word2vec::fast::{self, Architecture, FastConfig};
use nn_models::word2vec::{Cbow, SkipGram};
use nn_text::ptb::{self, Source, Split};
use nn_text::{
    Corpus, Lookup, Vocabulary, analogy, analogy_f16, create_contexts_target, most_similar,
    most_similar_f16,
};
use nn_train::{FitConfig, IterationTimes, NumpyRandom, Progress, Record, RecordStyle};

use crate::ch02::{QUERIES, WordVecs, read_word_vecs, save_word_vecs_f16};
use crate::ch03::{create_dir, fit_model};

/// The analogies of `ch04/eval.py`: `a:b = c:?`.
pub const ANALOGIES: [[&str; 3]; 4] = [
    ["king", "man", "queen"],
    ["take", "took", "go"],
    ["car", "cars", "child"],
    ["good", "better", "bad"],
];

/// How `word2vec` trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The book's algorithm: mini-batches, dense gradients, Adam, the
    /// sampler without replacement; each layer the book's formulas.
    #[default]
    Book,
    /// The word2vec tools' algorithm ([`nn_models::word2vec::fast`]).
    Fast,
}

/// Settings of `word2vec`; `Default` is `ch04/train.py`'s (CBOW, window 5,
/// 100 dimensions, batches of 100, 10 epochs, Adam) in book mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Word2VecConfig {
    /// Where PTB's files are.
    pub source: Source,
    /// CBOW or skip-gram.
    pub architecture: Architecture,
    /// Book or fast.
    pub mode: Mode,
    /// Context words on each side (`window_size = 5`).
    pub window: usize,
    /// Dimensions of the word vectors (`hidden_size = 100`).
    pub hidden: usize,
    /// Samples per batch in book mode (`batch_size = 100`).
    pub batch_size: usize,
    /// Epochs (`max_epoch = 10`).
    pub epochs: usize,
    /// Seed: numpy's generator for the book mode's weights and shuffles (the
    /// sampler's stream is seeded from it too); the fast mode's streams.
    pub seed: u32,
    /// Threads of the fast mode.
    pub threads: usize,
    /// Train on the first this many words of PTB only (for quick runs).
    pub corpus_words: Option<usize>,
    /// Output directory of the vectors and the loss figure.
    pub out: PathBuf,
}

impl Default for Word2VecConfig {
    fn default() -> Self {
        Self {
            source: Source::from_args(None),
            architecture: Architecture::Cbow,
            mode: Mode::Book,
            window: 5,
            hidden: 100,
            batch_size: 100,
            epochs: 10,
            seed: 1984,
            threads: 1,
            corpus_words: None,
            out: PathBuf::from("out"),
        }
    }
}

impl Word2VecConfig {
    /// The file the vectors go to (and `word2vec-eval` reads by default):
    /// `cbow_params.npz` or `skipgram_params.npz` in `out`, as the book's
    /// pickles are named.
    pub fn params_file(out: &Path, architecture: Architecture) -> PathBuf {
        out.join(match architecture {
            Architecture::Cbow => "cbow_params.npz",
            Architecture::SkipGram => "skipgram_params.npz",
        })
    }
}

/// What `word2vec` produced.
#[derive(Debug, Clone)]
pub struct Word2VecRun {
    /// The vocabulary.
    pub vocab: Vocabulary,
    /// The word vectors, float32 (saved as float16).
    pub word_vecs: Array2<f32>,
    /// Words in the corpus trained on.
    pub corpus_words: usize,
    /// Book mode: iterations per epoch.
    pub iterations: usize,
    /// Book mode: the loss records.
    pub history: Vec<Record>,
    /// Seconds of training.
    pub seconds: f64,
    /// Book mode: each training iteration's time.
    pub iteration_times: IterationTimes,
    /// The saved vectors, and the loss figure in book mode.
    pub files: Vec<PathBuf>,
}

/// `ch04/train.py`: trains on PTB's training corpus and saves the vectors
/// (float16, as the book) with the vocabulary. Book mode prints the book's
/// `Trainer` lines through `progress`; fast mode prints one line per epoch to
/// `lines`.
///
/// # Errors
/// Bad settings, PTB not found, or the files cannot be written.
pub fn word2vec(
    config: &Word2VecConfig,
    progress: &mut dyn Progress,
    lines: &mut dyn Write,
) -> Result<Word2VecRun> {
    check_config(config)?;
    let mut corpus = ptb::load_data(Split::Train, &config.source)?;
    if let Some(n) = config.corpus_words {
        corpus.ids.truncate(n);
    }
    word2vec_on(corpus, config, progress, lines)
}

fn check_config(config: &Word2VecConfig) -> Result<()> {
    for (name, value) in [
        ("window", config.window),
        ("hidden", config.hidden),
        ("batch_size", config.batch_size),
        ("epochs", config.epochs),
        ("threads", config.threads),
    ] {
        if value == 0 {
            return Err(Error::invalid(
                "word2vec",
                format!("{name} must be at least 1, got 0"),
            ));
        }
    }
    Ok(())
}

/// [`word2vec`] on a corpus of one's own (`config.source` and
/// `config.corpus_words` are not used).
///
/// # Errors
/// As [`word2vec`].
pub fn word2vec_on(
    corpus: Corpus,
    config: &Word2VecConfig,
    progress: &mut dyn Progress,
    lines: &mut dyn Write,
) -> Result<Word2VecRun> {
    const OP: &str = "word2vec";
    check_config(config)?;
    let vocab_size = corpus.vocab.len();
    create_dir(&config.out)?;
    let start = Instant::now();
    let (word_vecs, history, iterations, iteration_times) = match config.mode {
        Mode::Book => {
            let (contexts, target) = create_contexts_target(&corpus.ids, config.window)?;
            let mut rng = NumpyRandom::new(config.seed);
            let fit = FitConfig {
                max_epoch: config.epochs,
                batch_size: config.batch_size,
                max_grad: None,
                eval_interval: Some(20),
                style: RecordStyle::Trainer,
            };
            if contexts.nrows() < config.batch_size {
                return Err(Error::invalid(
                    OP,
                    format!(
                        "{} samples are fewer than one batch of {}",
                        contexts.nrows(),
                        config.batch_size
                    ),
                ));
            }
            let iterations = contexts.nrows() / config.batch_size;
            let seed = u64::from(config.seed);
            let (vecs, history, times) = match config.architecture {
                Architecture::Cbow => {
                    let model = Cbow::<f32>::new(
                        vocab_size,
                        config.hidden,
                        config.window,
                        &corpus.ids,
                        &mut rng,
                        seed,
                    )?;
                    let (history, model, times) =
                        fit_model(model, &contexts, &target, &fit, &mut rng, progress)?;
                    (model.word_vecs().to_owned(), history, times)
                }
                Architecture::SkipGram => {
                    let model = SkipGram::<f32>::new(
                        vocab_size,
                        config.hidden,
                        config.window,
                        &corpus.ids,
                        &mut rng,
                        seed,
                    )?;
                    let (history, model, times) =
                        fit_model(model, &contexts, &target, &fit, &mut rng, progress)?;
                    (model.word_vecs().to_owned(), history, times)
                }
            };
            (vecs, history, iterations, times)
        }
        Mode::Fast => {
            let fast_config = FastConfig {
                architecture: config.architecture,
                vector_size: config.hidden,
                window: config.window,
                epochs: config.epochs,
                threads: config.threads,
                seed: u64::from(config.seed),
                // PTB's lines are sentences, as word2vec and gensim read them.
                sentence_end: corpus.vocab.id("<eos>"),
                ..FastConfig::default()
            };
            let trained = fast::train(&corpus.ids, vocab_size, &fast_config, &mut |r| {
                let _ = writeln!(
                    lines,
                    "| epoch {} | time {}[s] | alpha {:.4} | {:.0} words/s",
                    r.epoch, r.seconds as u64, r.alpha, r.words_per_second
                );
            })?;
            (trained.word_vecs, Vec::new(), 0, IterationTimes::default())
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let saved = Word2VecConfig::params_file(&config.out, config.architecture);
    save_word_vecs_f16(&saved, &word_vecs, &corpus.vocab)?;
    let mut files = vec![saved];
    if !history.is_empty() {
        let figure = config.out.join(match config.architecture {
            Architecture::Cbow => "cbow_loss.png",
            Architecture::SkipGram => "skipgram_loss.png",
        });
        crate::plot::loss_curve(&figure, &history, 20)?;
        files.push(figure);
    }
    Ok(Word2VecRun {
        vocab: corpus.vocab,
        word_vecs,
        corpus_words: corpus.ids.len(),
        iterations,
        history,
        seconds,
        iteration_times,
        files,
    })
}

/// `ch04/eval.py`: the five nearest words of `you`, `year`, `car`, `toyota`,
/// a line of dashes, and the four analogies, as the book prints them (the
/// book's `analogy` on the raw vectors, as its `eval.py` calls it). Float16
/// vectors (what `word2vec` saves, and the book's pickle) are evaluated in
/// float16 as numpy does, so the scores are the book's numbers; wider ones in
/// float32.
///
/// # Errors
/// The file is missing or not word vectors with their vocabulary.
pub fn word2vec_eval(params: &Path, out: &mut dyn Write) -> Result<Vec<Lookup>> {
    let (word_vecs, vocab) = read_word_vecs(params)?;
    let mut found = Vec::new();
    for query in QUERIES {
        let lookup = match &word_vecs {
            WordVecs::F16(m) => most_similar_f16(query, &vocab, &m.view(), 5)?,
            WordVecs::F32(m) => most_similar(query, &vocab, &m.view(), 5)?,
        };
        let _ = write!(out, "{lookup}");
        found.push(lookup);
    }
    let _ = writeln!(out, "{}", "-".repeat(50));
    for words in ANALOGIES {
        let lookup = match &word_vecs {
            WordVecs::F16(m) => analogy_f16(words, &vocab, &m.view(), 5)?,
            WordVecs::F32(m) => analogy(words, &vocab, &m.view(), 5, None)?,
        };
        let _ = write!(out, "{lookup}");
        found.push(lookup);
    }
    Ok(found)
}
