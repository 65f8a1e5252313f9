//! Chapter 2's scripts: `count_method_small.py` and `count_method_big.py`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::Array2;
use nn_core::{Error, Result};
use nn_text::ptb::{self, Source, Split};
use nn_text::{
    Csr, Lookup, PPMI_EPS, Vocabulary, co_occurrence, create_co_matrix, most_similar, numpy_str,
    ppmi, ppmi_sparse, preprocess,
};
use nn_train::{NpyArray, Npz};

/// The book's sentence.
pub const TEXT: &str = "You say goodbye and I say hello.";

/// The queries of `count_method_big.py` (and of chapter 4's `eval.py`).
pub const QUERIES: [&str; 4] = ["you", "year", "car", "toyota"];

/// `count_method_small.py`: the co-occurrence, PPMI and SVD rows of `you`
/// as the book prints them (`np.set_printoptions(precision=3)`), and the
/// words plotted at `(U[:,0], U[:,1])` into `out/count_small.png`. Returns
/// the printed lines and the figure's path.
///
/// The PPMI matrix is float32 and its SVD LAPACK's `gesdd`, as numpy's. Its
/// singular values come in equal pairs (3.168, 3.168, 2.703, 2.703, 1.514,
/// 1.514, 0), so the columns of `U` within a pair are any rotation of
/// numpy's: the third line may differ from the book's while
/// `U·diag(s)·Vᵀ = W` holds.
///
/// # Errors
/// The figure cannot be written.
pub fn count_small(out: &Path) -> Result<(Vec<String>, PathBuf)> {
    lapack("count-small")?;
    let corpus = preprocess(TEXT)?;
    let vocab_size = corpus.vocab.len();
    let c = create_co_matrix(&corpus.ids, vocab_size, 1)?;
    let w = ppmi::<f32>(&c.view(), PPMI_EPS)?;
    let u = full_svd_u(&w)?;
    let lines = vec![
        numpy_str(&c.row(0).to_vec(), 3),
        numpy_str(&w.row(0).to_vec(), 3),
        numpy_str(&u.row(0).to_vec(), 3),
    ];
    std::fs::create_dir_all(out)
        .map_err(|e| Error::file(out, format!("cannot create the output directory: {e}")))?;
    let figure = out.join("count_small.png");
    let points: Vec<(String, f64, f64)> = corpus
        .vocab
        .words()
        .iter()
        .enumerate()
        .map(|(id, word)| (word.clone(), f64::from(u[[id, 0]]), f64::from(u[[id, 1]])))
        .collect();
    crate::plot::word_scatter(
        &figure,
        &points,
        "count-based word vectors (U[:, 0], U[:, 1])",
    )?;
    Ok((lines, figure))
}

/// Settings of `count-big`, the book's by default.
#[derive(Debug, Clone, PartialEq)]
pub struct CountBigConfig {
    /// Where PTB's files are.
    pub source: Source,
    /// Context words on each side (the book's `window_size = 2`).
    pub window: usize,
    /// Dimensions of the word vectors (`wordvec_size = 100`).
    pub wordvec_size: usize,
    /// Power iterations of the randomized SVD (`n_iter = 5`).
    pub iterations: usize,
    /// Seed of the randomized SVD (the book leaves it unseeded).
    pub seed: u32,
    /// Threads of the SVD's sparse products (set OpenBLAS's with
    /// `nn_core::blas::set_threads`).
    pub threads: usize,
    /// Output directory for `word_vecs.npz`.
    pub out: PathBuf,
    /// No progress output (the neighbours are still printed).
    pub quiet: bool,
}

impl Default for CountBigConfig {
    fn default() -> Self {
        Self {
            source: Source::from_args(None),
            window: 2,
            wordvec_size: 100,
            iterations: 5,
            seed: 0,
            threads: 1,
            out: PathBuf::from("out"),
            quiet: false,
        }
    }
}

/// What `count-big` measured.
#[derive(Debug, Clone)]
pub struct CountBig {
    /// The vocabulary.
    pub vocab: Vocabulary,
    /// The word vectors, `U[:, :wordvec_size]`, float32 as the book's.
    pub word_vecs: Array2<f32>,
    /// Non-zeros of the PPMI matrix.
    pub ppmi_nonzeros: usize,
    /// The queries' neighbours.
    pub neighbours: Vec<Lookup>,
    /// Seconds in each stage: load, count, PPMI, SVD.
    pub seconds: [f64; 4],
    /// The saved vectors.
    pub saved: PathBuf,
}

/// `count_method_big.py`: PTB's training corpus, co-occurrence within
/// `window`, PPMI, a randomized SVD to `wordvec_size` dimensions, and the
/// five nearest words of each query, printed as the book prints them (to
/// `out`). The counts and PPMI are sparse, so the 10⁸ cells of the book's
/// dense matrices never exist.
///
/// # Errors
/// PTB not found or corrupt, or the vectors cannot be written.
pub fn count_big(config: &CountBigConfig, out: &mut dyn Write) -> Result<CountBig> {
    let say = |out: &mut dyn Write, line: &str| {
        let _ = writeln!(out, "{line}");
    };
    // Settings first, before seconds of loading and counting.
    lapack("count-big")?;
    for (name, value) in [
        ("window", config.window),
        ("wordvec_size", config.wordvec_size),
    ] {
        if value == 0 {
            return Err(Error::invalid(
                "count-big",
                format!("{name} must be at least 1, got 0"),
            ));
        }
    }
    let t0 = Instant::now();
    let corpus = ptb::load_data(Split::Train, &config.source)?;
    let vocab_size = corpus.vocab.len();
    let t1 = Instant::now();
    say(out, "counting  co-occurrence ...");
    let c = co_occurrence(&corpus.ids, vocab_size, config.window)?;
    let t2 = Instant::now();
    say(out, "calculating PPMI ...");
    let w = {
        let mut progress = PpmiProgress::new(vocab_size, config.quiet, out);
        ppmi_sparse::<f32>(&c, PPMI_EPS, |row| progress.row(row))?
    };
    drop(c);
    let t3 = Instant::now();
    say(out, "calculating SVD ...");
    let word_vecs = truncated_svd_u(&w, config)?;
    let t4 = Instant::now();

    let mut neighbours = Vec::new();
    for query in QUERIES {
        let found = most_similar(query, &corpus.vocab, &word_vecs.view(), 5)?;
        let _ = write!(out, "{found}");
        neighbours.push(found);
    }
    std::fs::create_dir_all(&config.out).map_err(|e| {
        Error::file(
            &config.out,
            format!("cannot create the output directory: {e}"),
        )
    })?;
    let saved = config.out.join("word_vecs.npz");
    save_word_vecs(&saved, &word_vecs, &corpus.vocab)?;
    let secs = |a: Instant, b: Instant| (b - a).as_secs_f64();
    Ok(CountBig {
        vocab: corpus.vocab,
        word_vecs,
        ppmi_nonzeros: w.nnz(),
        neighbours,
        seconds: [secs(t0, t1), secs(t1, t2), secs(t2, t3), secs(t3, t4)],
        saved,
    })
}

/// Chapter 2's SVDs need LAPACK, which comes with the `blas` feature.
fn lapack(op: &'static str) -> Result<()> {
    if cfg!(feature = "blas") {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            "this build has no LAPACK for the SVD; build with the default `blas` feature (OpenBLAS)",
        ))
    }
}

/// `U` of `np.linalg.svd(W)`.
#[cfg(feature = "blas")]
fn full_svd_u(w: &Array2<f32>) -> Result<Array2<f32>> {
    Ok(nn_text::svd(&w.view())?.u)
}

#[cfg(not(feature = "blas"))]
fn full_svd_u(_: &Array2<f32>) -> Result<Array2<f32>> {
    lapack("count-small").map(|()| Array2::zeros((0, 0)))
}

/// `U[:, :wordvec_size]` of the book's `randomized_svd(W, wordvec_size, n_iter)`.
#[cfg(feature = "blas")]
fn truncated_svd_u(w: &Csr<f32>, config: &CountBigConfig) -> Result<Array2<f32>> {
    let settings = nn_text::RandomizedSvd {
        components: config.wordvec_size,
        iterations: config.iterations,
        seed: config.seed,
        threads: config.threads,
        ..nn_text::RandomizedSvd::default()
    };
    let d = nn_text::randomized_svd(w, settings)?;
    Ok(d.u.slice(ndarray::s![.., ..config.wordvec_size]).to_owned())
}

#[cfg(not(feature = "blas"))]
fn truncated_svd_u(_: &Csr<f32>, _: &CountBigConfig) -> Result<Array2<f32>> {
    lapack("count-big").map(|()| Array2::zeros((0, 0)))
}

/// Writes word vectors and their vocabulary to an `.npz`: `word_vecs`
/// (float32, one row per word) and `vocab` (the words in id order, UTF-8,
/// one per line, as bytes). In numpy:
/// `f = np.load(path); vecs = f['word_vecs']; words = f['vocab'].tobytes().decode().split('\n')`.
///
/// # Errors
/// A word containing a newline, or the file cannot be written.
pub fn save_word_vecs(path: &Path, word_vecs: &Array2<f32>, vocab: &Vocabulary) -> Result<()> {
    write_word_vecs(path, NpyArray::F32(word_vecs.clone().into_dyn()), vocab)
}

/// As [`save_word_vecs`], with `word_vecs` stored as float16, as chapter 4's
/// `train.py` stores them (`word_vecs.astype(np.float16)`): half the size,
/// about three significant digits.
///
/// # Errors
/// As [`save_word_vecs`].
pub fn save_word_vecs_f16(path: &Path, word_vecs: &Array2<f32>, vocab: &Vocabulary) -> Result<()> {
    let wide = word_vecs.mapv(f64::from).into_dyn();
    write_word_vecs(path, NpyArray::f16_from_f64(&wide), vocab)
}

fn write_word_vecs(path: &Path, word_vecs: NpyArray, vocab: &Vocabulary) -> Result<()> {
    if let Some(w) = vocab.words().iter().find(|w| w.contains('\n')) {
        return Err(Error::invalid(
            "save_word_vecs",
            format!("the word {w:?} contains a newline"),
        ));
    }
    let mut npz = Npz::new();
    npz.insert("word_vecs", word_vecs);
    let bytes = vocab.words().join("\n").into_bytes();
    npz.insert(
        "vocab",
        NpyArray::U8(ndarray::Array1::from(bytes).into_dyn()),
    );
    npz.write(path)
}

/// Reads what [`save_word_vecs`] or [`save_word_vecs_f16`] wrote (the
/// vectors may be float16, float32 or float64; they come back as float32,
/// float16 exactly).
///
/// # Errors
/// A missing or unreadable file, missing arrays, or vectors that don't have
/// one row per word.
pub fn load_word_vecs(path: &Path) -> Result<(Array2<f32>, Vocabulary)> {
    let (vecs, vocab) = read_word_vecs(path)?;
    Ok((vecs.to_f32(), vocab))
}

/// Word vectors as they were stored: float16 (the book's choice) or wider.
#[derive(Debug, Clone, PartialEq)]
pub enum WordVecs {
    /// `<f2`, one row per word.
    F16(Array2<half::f16>),
    /// `<f4` or `<f8`, as float32.
    F32(Array2<f32>),
}

impl WordVecs {
    /// The vectors as float32 (float16 widens exactly).
    pub fn to_f32(&self) -> Array2<f32> {
        match self {
            WordVecs::F16(a) => a.mapv(f32::from),
            WordVecs::F32(a) => a.clone(),
        }
    }

    fn rows(&self) -> usize {
        match self {
            WordVecs::F16(a) => a.nrows(),
            WordVecs::F32(a) => a.nrows(),
        }
    }
}

/// Reads what [`save_word_vecs`] or [`save_word_vecs_f16`] wrote, keeping
/// float16 vectors as they are.
///
/// # Errors
/// As [`load_word_vecs`].
pub fn read_word_vecs(path: &Path) -> Result<(WordVecs, Vocabulary)> {
    let npz = Npz::read(path)?;
    let matrix = |a: &ndarray::ArrayD<_>| a.clone().into_dimensionality::<ndarray::Ix2>().ok();
    let vecs = match npz.get("word_vecs") {
        Some(NpyArray::F16(a)) => matrix(a).map(WordVecs::F16),
        Some(other) => other
            .to_f64()
            .and_then(|a| a.into_dimensionality::<ndarray::Ix2>().ok())
            .map(|a| WordVecs::F32(a.mapv(|v| v as f32))),
        None => None,
    }
    .ok_or_else(|| Error::file(path, "no 2-D float array 'word_vecs'"))?;
    let words = match npz.get("vocab") {
        Some(NpyArray::U8(a)) => String::from_utf8(a.iter().copied().collect()).ok(),
        _ => None,
    }
    .ok_or_else(|| Error::file(path, "no UTF-8 byte array 'vocab'"))?;
    let vocab =
        Vocabulary::from_words(words.split('\n')).map_err(|e| Error::file(path, e.to_string()))?;
    if vocab.len() != vecs.rows() {
        return Err(Error::file(
            path,
            format!(
                "'word_vecs' has {} rows but 'vocab' has {} words",
                vecs.rows(),
                vocab.len()
            ),
        ));
    }
    Ok((vecs, vocab))
}

/// The book's PPMI progress: `1.0% done` … `99.0% done` (its counter steps
/// through the rows × cols cells; here whole rows at a time, so the same
/// lines come out), or a bar on a terminal.
struct PpmiProgress<'a> {
    cols: usize,
    total: usize,
    step: usize,
    next: usize,
    bar: Option<indicatif::ProgressBar>,
    out: Option<&'a mut dyn Write>,
}

impl<'a> PpmiProgress<'a> {
    fn new(n: usize, quiet: bool, out: &'a mut dyn Write) -> Self {
        let total = n * n;
        let step = total / 100 + 1;
        let terminal = std::io::stdout().is_terminal();
        let bar = (!quiet && terminal).then(|| indicatif::ProgressBar::new(n as u64));
        let out = (!quiet && !terminal).then_some(out);
        Self {
            cols: n,
            total,
            step,
            next: step,
            bar,
            out,
        }
    }

    fn row(&mut self, row: usize) {
        let done = (row + 1) * self.cols;
        if let Some(out) = self.out.as_mut() {
            while self.next <= done {
                let _ = writeln!(
                    out,
                    "{:.1}% done",
                    100.0 * self.next as f64 / self.total as f64
                );
                self.next += self.step;
            }
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if row + 1 == self.cols {
                bar.finish_and_clear();
            }
        }
    }
}
