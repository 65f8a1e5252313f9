//! The word2vec tools' own training (`--mode fast`): what Mikolov's
//! `word2vec.c` and gensim do, rather than what the book does.
//!
//! The book trains CBOW as a network: mini-batches of 100, dense gradients
//! for the whole `(V, H)` matrices, Adam over every weight at every step.
//! The tools train word by word with plain SGD on the few rows a word
//! touches (its context rows of `W_in`, its target's and negatives' rows of
//! `W_out`), with a learning rate that falls linearly from `alpha` to
//! `min_alpha` over the run, a window shrunk at random for each word (so near
//! words count more), negatives drawn with replacement from counts^0.75, and
//! any number of threads updating the shared weights without locks
//! ("Hogwild"). The result is word vectors of the same kind and quality, not
//! the same numbers: the two modes are different algorithms.
//!
//! ```
//! use nn_models::word2vec::fast::{train, Architecture, FastConfig};
//! let corpus: Vec<usize> = (0..2000).map(|i| (i * 7 + i / 13) % 50).collect();
//! let config = FastConfig { vector_size: 16, epochs: 2, ..FastConfig::default() };
//! let trained = train(&corpus, 50, &config, &mut |_| {})?;
//! assert_eq!(trained.word_vecs.dim(), (50, 16));
//! assert_eq!(trained.words, 4000);
//! # Ok::<(), nn_core::Error>(())
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ndarray::Array2;
use nn_core::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use nn_text::walker_table;

/// Which model the fast trainer trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Architecture {
    /// Continuous bag of words: the mean of the context predicts the word.
    #[default]
    Cbow,
    /// Skip-gram: the word predicts each context word.
    SkipGram,
}

/// Settings of [`train`]; `Default` is gensim's `Word2Vec` with the book's
/// sizes: 100 dimensions, window 5, 5 negatives, 10 epochs, `alpha` 0.025
/// falling to 0.0001, no subsampling, one thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FastConfig {
    /// CBOW or skip-gram.
    pub architecture: Architecture,
    /// Dimensions of the word vectors.
    pub vector_size: usize,
    /// The largest window; each word uses a window drawn from `1..=window`.
    pub window: usize,
    /// Negative samples per prediction.
    pub negative: usize,
    /// Passes over the corpus.
    pub epochs: usize,
    /// The learning rate at the start.
    pub alpha: f64,
    /// The learning rate at the end.
    pub min_alpha: f64,
    /// Threads (each takes a contiguous part of the corpus).
    pub threads: usize,
    /// Seed of the initial vectors and of each thread's stream.
    pub seed: u64,
    /// The id that ends a sentence (PTB's `<eos>`): windows stop after it,
    /// as word2vec.c's stop at `</s>` and gensim's at the end of each
    /// sentence. `None`: the corpus is one stream.
    pub sentence_end: Option<usize>,
}

impl Default for FastConfig {
    fn default() -> Self {
        Self {
            architecture: Architecture::Cbow,
            vector_size: 100,
            window: 5,
            negative: 5,
            epochs: 10,
            alpha: 0.025,
            min_alpha: 0.0001,
            threads: 1,
            seed: 1,
            sentence_end: None,
        }
    }
}

/// What [`train`] reports after each epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Of how many.
    pub epochs: usize,
    /// Seconds since training began.
    pub seconds: f64,
    /// The learning rate at the end of the epoch.
    pub alpha: f64,
    /// Words trained per second so far.
    pub words_per_second: f64,
}

/// The outcome of [`train`].
#[derive(Debug, Clone)]
pub struct Trained {
    /// The input vectors, one row per word: the word vectors.
    pub word_vecs: Array2<f32>,
    /// The output vectors (`W_out`).
    pub w_out: Array2<f32>,
    /// Words trained (corpus length × epochs).
    pub words: usize,
    /// Wall time of the training.
    pub seconds: f64,
}

/// How often a thread publishes its progress and recomputes the rate.
const PROGRESS_WORDS: usize = 10_000;

/// Beyond this score a pair is not updated, as gensim's sigmoid table.
const MAX_EXP: f32 = 6.0;

/// Trains word vectors on `corpus` (word ids below `vocab_size`) as the
/// word2vec tools do; calls `on_epoch` after each epoch.
///
/// Initial vectors as word2vec's: `W_in` uniform in `±0.5 / vector_size`,
/// `W_out` zero.
///
/// # Errors
/// An empty corpus, an id outside the vocabulary, a vocabulary of one word,
/// or a zero size, window, epoch count or thread count, or rates that are not
/// finite and positive.
pub fn train(
    corpus: &[usize],
    vocab_size: usize,
    config: &FastConfig,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<Trained> {
    check(corpus, vocab_size, config)?;
    let dim = config.vector_size;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let scale = 1.0 / dim as f32;
    let mut w_in: Vec<f32> = (0..vocab_size * dim)
        .map(|_| (rng.random::<f32>() - 0.5) * scale)
        .collect();
    let mut w_out = vec![0f32; vocab_size * dim];

    let mut counts = vec![0u64; vocab_size];
    for &id in corpus {
        counts[id] += 1;
    }
    let p: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(0.75)).collect();
    let total: f64 = p.iter().sum();
    let (keep, alias) = walker_table(&p.iter().map(|x| x / total).collect::<Vec<_>>());
    let table = NegativeTable {
        // keep[i] as a threshold on 32 random bits.
        keep: keep
            .iter()
            .map(|&k| (k * 4_294_967_296.0).min(4_294_967_295.0) as u32)
            .collect(),
        alias,
    };

    let threads = config.threads.min(corpus.len()).max(1);
    let chunk = corpus.len().div_ceil(threads);
    let total_words = corpus.len() * config.epochs;
    let done = AtomicUsize::new(0);
    let start = Instant::now();
    let weights = Weights {
        w_in: w_in.as_mut_ptr(),
        w_out: w_out.as_mut_ptr(),
        dim,
    };
    for epoch in 0..config.epochs {
        std::thread::scope(|scope| {
            for t in 0..threads {
                let range = (t * chunk).min(corpus.len())..((t + 1) * chunk).min(corpus.len());
                if range.is_empty() {
                    continue;
                }
                let (table, done) = (&table, &done);
                let seed = config
                    .seed
                    .wrapping_add(1 + (epoch * threads + t) as u64)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15);
                scope.spawn(move || {
                    let mut job = Job {
                        corpus,
                        range,
                        weights,
                        table,
                        config,
                        total_words,
                        done,
                        rng: ChaCha8Rng::seed_from_u64(seed),
                    };
                    job.run();
                });
            }
        });
        let seconds = start.elapsed().as_secs_f64();
        let words = done.load(Ordering::Relaxed);
        on_epoch(&EpochReport {
            epoch: epoch + 1,
            epochs: config.epochs,
            seconds,
            alpha: rate(config, words, total_words),
            words_per_second: words as f64 / seconds.max(1e-9),
        });
    }
    let seconds = start.elapsed().as_secs_f64();
    let to_array = |v: Vec<f32>| {
        Array2::from_shape_vec((vocab_size, dim), v)
            .map_err(|e| Error::invalid("word2vec::fast::train", e.to_string()))
    };
    Ok(Trained {
        word_vecs: to_array(w_in)?,
        w_out: to_array(w_out)?,
        words: total_words,
        seconds,
    })
}

fn check(corpus: &[usize], vocab_size: usize, config: &FastConfig) -> Result<()> {
    const OP: &str = "word2vec::fast::train";
    if corpus.is_empty() {
        return Err(Error::Empty {
            op: OP,
            shape: vec![0],
        });
    }
    if let Some((i, &id)) = corpus.iter().enumerate().find(|&(_, &id)| id >= vocab_size) {
        return Err(Error::invalid(
            OP,
            format!("word id {id} at position {i} is outside the vocabulary of {vocab_size} words"),
        ));
    }
    let distinct = {
        let mut seen = vec![false; vocab_size];
        corpus.iter().for_each(|&id| seen[id] = true);
        seen.iter().filter(|&&s| s).count()
    };
    if distinct < 2 {
        return Err(Error::invalid(
            OP,
            format!("negative sampling needs at least 2 distinct words; the corpus has {distinct}"),
        ));
    }
    for (name, value) in [
        ("vector_size", config.vector_size),
        ("window", config.window),
        ("epochs", config.epochs),
        ("threads", config.threads),
    ] {
        if value == 0 {
            return Err(Error::invalid(
                OP,
                format!("{name} must be at least 1, got 0"),
            ));
        }
    }
    let alpha_ok = config.alpha.is_finite() && config.alpha > 0.0;
    let min_alpha_ok = config.min_alpha.is_finite() && config.min_alpha >= 0.0;
    if !(alpha_ok && min_alpha_ok) {
        return Err(Error::invalid(
            OP,
            format!(
                "alpha must be positive and min_alpha non-negative, both finite (alpha {}, min_alpha {})",
                config.alpha, config.min_alpha
            ),
        ));
    }
    Ok(())
}

/// The rate after `done` of `total` words: linear from `alpha` to `min_alpha`.
fn rate(config: &FastConfig, done: usize, total: usize) -> f64 {
    let progress = done as f64 / total.max(1) as f64;
    (config.alpha - (config.alpha - config.min_alpha) * progress).max(config.min_alpha)
}

/// Walker's alias table for negatives, drawn with one 64-bit random number.
struct NegativeTable {
    keep: Vec<u32>,
    alias: Vec<u32>,
}

impl NegativeTable {
    #[inline(always)]
    fn draw(&self, rng: &mut ChaCha8Rng) -> usize {
        let bits: u64 = rng.random();
        // The high half picks the column (Lemire's multiply-shift), the low
        // half decides between it and its alias.
        let col = (((bits >> 32) * self.keep.len() as u64) >> 32) as usize;
        if (bits as u32) < self.keep[col] {
            col
        } else {
            self.alias[col] as usize
        }
    }
}

/// The two weight matrices, shared by the threads without locks.
///
/// This is Hogwild, as in word2vec.c and gensim: threads read and write rows
/// of `f32`s that other threads may be writing at the same moment. A read
/// may see a row half updated; the update is then computed from slightly
/// stale numbers, which SGD tolerates (Niu et al., 2011) and which the tools
/// have always accepted for their speed. No other state is shared, every
/// bit pattern is a valid `f32`, and with one thread there is no concurrent
/// access at all.
#[derive(Clone, Copy)]
struct Weights {
    w_in: *mut f32,
    w_out: *mut f32,
    dim: usize,
}

// SAFETY: see the type's documentation: the pointers stay valid for the whole
// scope of the threads (the vectors outlive `thread::scope`), and the only
// concurrent accesses are the deliberate unsynchronised f32 reads and writes
// of Hogwild.
unsafe impl Send for Weights {}
unsafe impl Sync for Weights {}

impl Weights {
    /// Row `id` of `W_in`.
    ///
    /// # Safety
    /// `id` is below the vocabulary size, the buffers outlive `'a`, and the
    /// slice is dropped before another slice of the same row is made on this
    /// thread.
    #[inline(always)]
    unsafe fn input<'a>(self, id: usize) -> &'a mut [f32] {
        unsafe { std::slice::from_raw_parts_mut(self.w_in.add(id * self.dim), self.dim) }
    }

    /// Row `id` of `W_out`.
    ///
    /// # Safety
    /// As [`input`](Self::input).
    #[inline(always)]
    unsafe fn output<'a>(self, id: usize) -> &'a mut [f32] {
        unsafe { std::slice::from_raw_parts_mut(self.w_out.add(id * self.dim), self.dim) }
    }
}

/// One thread's share of an epoch.
struct Job<'a> {
    corpus: &'a [usize],
    range: std::ops::Range<usize>,
    weights: Weights,
    table: &'a NegativeTable,
    config: &'a FastConfig,
    total_words: usize,
    done: &'a AtomicUsize,
    rng: ChaCha8Rng,
}

impl Job<'_> {
    fn run(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA.
            unsafe { self.run_avx2_fma() };
            return;
        }
        self.run_kernel::<false>();
    }

    // The loop compiled for AVX2 and FMA; the generic one is inlined into it.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn run_avx2_fma(&mut self) {
        self.run_kernel::<true>();
    }

    #[inline(always)]
    fn run_kernel<const FMA: bool>(&mut self) {
        let weights = self.weights;
        let dim = weights.dim;
        let mut neu1 = vec![0f32; dim];
        let mut neu1e = vec![0f32; dim];
        let mut alpha = rate(
            self.config,
            self.done.load(Ordering::Relaxed),
            self.total_words,
        ) as f32;
        let mut since = 0;
        let (corpus, end_id) = (self.corpus, self.config.sentence_end);
        let is_end = |j: usize| Some(corpus[j]) == end_id;
        // The sentence around position i: [start, end], `end` inclusive (the
        // `<eos>` belongs to its sentence, as gensim sees it).
        let mut start = (0..self.range.start)
            .rev()
            .find(|&j| is_end(j))
            .map_or(0, |j| j + 1);
        let mut end = self.range.start;
        let last = corpus.len() - 1;
        for i in self.range.clone() {
            if i > end || i == self.range.start {
                if i > end {
                    start = i;
                }
                end = (i..=last).find(|&j| is_end(j)).unwrap_or(last);
            }
            if since == PROGRESS_WORDS {
                let done = self.done.fetch_add(since, Ordering::Relaxed) + since;
                alpha = rate(self.config, done, self.total_words) as f32;
                since = 0;
            }
            since += 1;
            let word = self.corpus[i];
            let reach = self.config.window - self.rng.random_range(0..self.config.window);
            let lo = i.saturating_sub(reach).max(start);
            let hi = (i + reach).min(end);
            match self.config.architecture {
                Architecture::Cbow => {
                    neu1.fill(0.0);
                    let mut count = 0;
                    for j in (lo..=hi).filter(|&j| j != i) {
                        // SAFETY: ids were checked against the vocabulary.
                        add::<FMA>(&mut neu1, 1.0, unsafe { weights.input(self.corpus[j]) });
                        count += 1;
                    }
                    if count == 0 {
                        continue;
                    }
                    let inv = 1.0 / count as f32;
                    neu1.iter_mut().for_each(|v| *v *= inv);
                    neu1e.fill(0.0);
                    self.negative_sampling::<FMA>(word, &neu1, &mut neu1e, alpha);
                    for j in (lo..=hi).filter(|&j| j != i) {
                        // SAFETY: as above.
                        add::<FMA>(unsafe { weights.input(self.corpus[j]) }, 1.0, &neu1e);
                    }
                }
                Architecture::SkipGram => {
                    for j in (lo..=hi).filter(|&j| j != i) {
                        let context = self.corpus[j];
                        neu1e.fill(0.0);
                        // SAFETY: as above; `W_in` and `W_out` are different buffers.
                        let l1 = unsafe { weights.input(context) };
                        self.negative_sampling::<FMA>(word, l1, &mut neu1e, alpha);
                        add::<FMA>(l1, 1.0, &neu1e);
                    }
                }
            }
        }
        self.done.fetch_add(since, Ordering::Relaxed);
    }

    /// The word's positive and negative predictions from `h`: updates their
    /// `W_out` rows and adds the gradient for `h` into `neu1e`.
    #[inline(always)]
    fn negative_sampling<const FMA: bool>(
        &mut self,
        word: usize,
        h: &[f32],
        neu1e: &mut [f32],
        alpha: f32,
    ) {
        // Draw the targets first and ask for their rows: each is a random
        // row of a matrix larger than the caches, and the loads of one then
        // overlap the arithmetic of the others. (The same draws in the same
        // order as drawing one at a time.)
        let mut targets = [0usize; 16];
        let count = (self.config.negative + 1).min(targets.len());
        targets[0] = word;
        for t in &mut targets[1..count] {
            *t = self.table.draw(&mut self.rng);
        }
        for &t in &targets[1..count] {
            prefetch(
                self.weights.w_out.wrapping_add(t * self.weights.dim),
                self.weights.dim,
            );
        }
        for d in 0..=self.config.negative {
            let target = match targets.get(d) {
                Some(&t) if d < count => t,
                _ => self.table.draw(&mut self.rng),
            };
            if d > 0 && target == word {
                continue;
            }
            let label = if d == 0 { 1.0 } else { 0.0 };
            // SAFETY: sampled ids are below the vocabulary size.
            let out = unsafe { self.weights.output(target) };
            let f = dot::<FMA>(h, out);
            // Beyond ±6 gensim leaves the pair alone (its sigmoid table
            // ends there); in practice these are the pairs already learnt.
            if f.abs() >= MAX_EXP {
                continue;
            }
            let g = (label - 1.0 / (1.0 + (-f).exp())) * alpha;
            add::<FMA>(neu1e, g, out);
            add::<FMA>(out, g, h);
        }
    }
}

/// Asks the CPU to start loading the `len` floats at `row` into its caches.
#[inline(always)]
fn prefetch(row: *const f32, len: usize) {
    #[cfg(target_arch = "x86_64")]
    for line in (0..len).step_by(16) {
        // SAFETY: prefetching is a hint; it never faults, whatever the address.
        #[allow(unused_unsafe)]
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                row.wrapping_add(line).cast::<i8>(),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (row, len);
}

/// `Σ a·b`: with `FMA` (only inside the AVX2 loop) in two 8-lane fused
/// accumulators, otherwise in eight lanes the compiler vectorises.
#[inline(always)]
fn dot<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: `dot::<true>` is only called from `run_avx2_fma`, which
        // runs only on a CPU with AVX2 and FMA.
        return unsafe { dot_avx2_fma(a, b) };
    }
    let mut lanes = [0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ac.zip(bc) {
        for k in 0..8 {
            lanes[k] = if FMA {
                x[k].mul_add(y[k], lanes[k])
            } else {
                lanes[k] + x[k] * y[k]
            };
        }
    }
    ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
        + tail
}

/// `Σ a·b` with AVX2 and FMA: two independent accumulators hide the
/// latency of the fused multiply-adds; one horizontal sum at the end.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2_fma(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::{
        _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_movehl_ps, _mm_shuffle_ps, _mm256_add_ps,
        _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_setzero_ps,
    };
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut i = 0;
    // SAFETY: every load reads 8 floats at i < n - 7 of both slices.
    unsafe {
        let (mut acc0, mut acc1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        while i + 16 <= n {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
            acc1 = _mm256_fmadd_ps(
                _mm256_loadu_ps(pa.add(i + 8)),
                _mm256_loadu_ps(pb.add(i + 8)),
                acc1,
            );
            i += 16;
        }
        if i + 8 <= n {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
            i += 8;
        }
        let acc = _mm256_add_ps(acc0, acc1);
        let s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps::<1>(acc));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps::<1>(s, s));
        let mut sum = _mm_cvtss_f32(s);
        while i < n {
            sum = a[i].mul_add(b[i], sum);
            i += 1;
        }
        sum
    }
}

/// `dst += g·src`.
#[inline(always)]
fn add<const FMA: bool>(dst: &mut [f32], g: f32, src: &[f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = if FMA { g.mul_add(s, *d) } else { *d + g * s };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A corpus of two topics that never mix: words 0-9 follow each other,
    /// and words 10-19 do; after training, each word's nearest neighbour
    /// (by cosine) is from its own topic.
    fn two_topics() -> Vec<usize> {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut corpus = Vec::new();
        for _ in 0..400 {
            let base = if rng.random::<bool>() { 0 } else { 10 };
            corpus.extend((0..20).map(|_| base + rng.random_range(0..10)));
        }
        corpus
    }

    fn neighbours_share_topics(w: &Array2<f32>) -> usize {
        let norm: Vec<f32> = w.rows().into_iter().map(|r| r.dot(&r).sqrt()).collect();
        (0..20)
            .filter(|&i| {
                let best = (0..20)
                    .filter(|&j| j != i)
                    .max_by(|&a, &b| {
                        let ca = w.row(i).dot(&w.row(a)) / (norm[i] * norm[a]);
                        let cb = w.row(i).dot(&w.row(b)) / (norm[i] * norm[b]);
                        ca.total_cmp(&cb)
                    })
                    .unwrap();
                best / 10 == i / 10
            })
            .count()
    }

    #[test]
    fn cbow_and_skip_gram_learn_topics_with_one_and_two_threads() {
        let corpus = two_topics();
        for architecture in [Architecture::Cbow, Architecture::SkipGram] {
            for threads in [1, 2] {
                let config = FastConfig {
                    architecture,
                    vector_size: 16,
                    window: 3,
                    epochs: 5,
                    threads,
                    ..FastConfig::default()
                };
                let mut reports = Vec::new();
                let trained = train(&corpus, 20, &config, &mut |r| reports.push(*r)).unwrap();
                assert_eq!(reports.len(), 5);
                assert!(reports[4].alpha < 0.001, "the rate fell to min_alpha");
                let good = neighbours_share_topics(&trained.word_vecs);
                assert!(
                    good >= 19,
                    "{architecture:?}, {threads} threads: {good} of 20"
                );
            }
        }
    }

    #[test]
    fn more_threads_than_chunks_of_a_tiny_corpus() {
        // 5 words in chunks of 2 for 4 threads: the last has nothing to do.
        let config = FastConfig {
            vector_size: 4,
            window: 2,
            threads: 4,
            epochs: 2,
            sentence_end: Some(4),
            ..FastConfig::default()
        };
        let trained = train(&[0, 1, 2, 3, 4], 5, &config, &mut |_| {}).unwrap();
        assert!(trained.word_vecs.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn one_thread_is_reproducible() {
        let corpus = two_topics();
        let config = FastConfig {
            vector_size: 8,
            epochs: 1,
            ..FastConfig::default()
        };
        let a = train(&corpus, 20, &config, &mut |_| {}).unwrap();
        let b = train(&corpus, 20, &config, &mut |_| {}).unwrap();
        assert_eq!(a.word_vecs, b.word_vecs);
    }

    #[test]
    fn bad_settings_are_errors() {
        let msg = |corpus: &[usize], v, c: FastConfig| {
            train(corpus, v, &c, &mut |_| {}).unwrap_err().to_string()
        };
        let ok = FastConfig::default();
        assert!(msg(&[], 3, ok).contains("empty"));
        assert!(msg(&[0, 0, 0], 3, ok).contains("at least 2 distinct words"));
        assert!(msg(&[0, 5], 3, ok).contains("word id 5 at position 1"));
        assert!(
            msg(&[0, 1], 2, FastConfig { window: 0, ..ok }).contains("window must be at least 1")
        );
        assert!(
            msg(
                &[0, 1],
                2,
                FastConfig {
                    alpha: f64::NAN,
                    ..ok
                }
            )
            .contains("alpha")
        );
    }
}
