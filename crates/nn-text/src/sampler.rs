//! `UnigramSampler` (`ch04/negative_sampling_layer.py`): negative samples
//! drawn by word frequency to the power 0.75.

use ndarray::{Array2, ArrayView1, ArrayViewMut2};
use nn_core::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The book's `UnigramSampler(corpus, power, sample_size)`.
///
/// `P(w) ∝ count(w)^power`. For each target the book draws `sample_size`
/// distinct words with the target's probability set to zero
/// (`np.random.choice(V, size, replace=False, p=p)` per row). numpy does that
/// by drawing from the renormalised distribution and discarding repeats,
/// which is successive sampling without replacement: each new word is drawn
/// in proportion to `P` among the words not yet taken. This sampler draws the
/// same distribution from a Walker alias table (O(1) per draw instead of
/// numpy's O(V) cumulative sum per row), rejecting the target and repeats,
/// with an exact scan of the remaining mass should rejections pile up (a
/// vocabulary where a few words hold nearly all the mass).
///
/// Its random numbers come from its own seeded ChaCha8 stream, not numpy's,
/// so negative samples equal the book's in distribution, not draw for draw.
///
/// ```
/// use nn_text::UnigramSampler;
/// let corpus = [0, 1, 2, 3, 4, 1, 5, 2, 0];
/// let mut sampler = UnigramSampler::new(&corpus, 0.75, 2, 1)?;
/// let negative = sampler.get_negative_sample(&[1, 3, 0])?;
/// assert_eq!(negative.dim(), (3, 2));
/// for (row, &target) in negative.rows().into_iter().zip(&[1, 3, 0]) {
///     assert!(row[0] != row[1] && row[0] != target && row[1] != target);
/// }
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct UnigramSampler {
    word_p: Vec<f64>,
    sample_size: usize,
    /// Walker's table: column `i` keeps `i` with probability `keep[i]`,
    /// else gives `alias[i]`.
    keep: Vec<f64>,
    alias: Vec<u32>,
    rng: ChaCha8Rng,
}

/// Consecutive rejections after which a row is finished by an exact scan.
const MAX_REJECTIONS: usize = 64;

impl UnigramSampler {
    /// A sampler for the word ids of `corpus`, with its own stream seeded
    /// by `seed`. The vocabulary is `0..=max id`.
    ///
    /// # Errors
    /// An empty corpus, a `power` that is not finite and positive, a
    /// `sample_size` of 0, or fewer than `sample_size + 1` distinct words (a
    /// target and `sample_size` others are needed).
    pub fn new(corpus: &[usize], power: f64, sample_size: usize, seed: u64) -> Result<Self> {
        const OP: &str = "UnigramSampler.new";
        let Some(&max) = corpus.iter().max() else {
            return Err(Error::Empty {
                op: OP,
                shape: vec![0],
            });
        };
        if !(power.is_finite() && power > 0.0) {
            return Err(Error::invalid(
                OP,
                format!("power must be positive and finite, got {power}"),
            ));
        }
        if sample_size == 0 {
            return Err(Error::invalid(OP, "sample_size must be at least 1, got 0"));
        }
        if max >= u32::MAX as usize {
            return Err(Error::invalid(OP, format!("word id {max} is too large")));
        }
        let mut counts = vec![0u64; max + 1];
        for &id in corpus {
            counts[id] += 1;
        }
        let distinct = counts.iter().filter(|&&c| c > 0).count();
        if distinct <= sample_size {
            return Err(Error::invalid(
                OP,
                format!(
                    "sample_size {sample_size} needs at least {} distinct words \
                     (a target and {sample_size} others); the corpus has {distinct}",
                    sample_size + 1
                ),
            ));
        }
        let mut word_p: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(power)).collect();
        let total: f64 = word_p.iter().sum();
        for p in &mut word_p {
            *p /= total;
        }
        let (keep, alias) = walker_table(&word_p);
        Ok(Self {
            word_p,
            sample_size,
            keep,
            alias,
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }

    /// The probabilities `P(w)` (the book's `word_p`), one per word id.
    pub fn word_p(&self) -> &[f64] {
        &self.word_p
    }

    /// Words per target.
    pub fn sample_size(&self) -> usize {
        self.sample_size
    }

    /// The book's `get_negative_sample(target)`: `(targets, sample_size)`
    /// distinct word ids per row, none equal to its row's target.
    ///
    /// # Errors
    /// A target outside the vocabulary.
    pub fn get_negative_sample(&mut self, target: &[usize]) -> Result<Array2<usize>> {
        let mut out = Array2::zeros((target.len(), self.sample_size));
        self.negative_sample_into(ArrayView1::from(target), out.view_mut())?;
        Ok(out)
    }

    /// As [`get_negative_sample`](Self::get_negative_sample), into `out`
    /// (`(targets, sample_size)`), allocating nothing.
    ///
    /// # Errors
    /// A target outside the vocabulary, or `out` of the wrong shape.
    pub fn negative_sample_into(
        &mut self,
        target: ArrayView1<'_, usize>,
        mut out: ArrayViewMut2<'_, usize>,
    ) -> Result<()> {
        const OP: &str = "UnigramSampler.get_negative_sample";
        if out.dim() != (target.len(), self.sample_size) {
            return Err(Error::shape(
                OP,
                format!(
                    "out must be (targets, sample_size) = ({}, {}), got {:?}",
                    target.len(),
                    self.sample_size,
                    out.shape()
                ),
            ));
        }
        let vocab = self.word_p.len();
        if let Some((i, &t)) = target.indexed_iter().find(|&(_, &t)| t >= vocab) {
            return Err(Error::invalid(
                OP,
                format!("target {t} at row {i} is outside the vocabulary of {vocab} words"),
            ));
        }
        let mut row = [0usize; 64];
        let mut long_row = Vec::new();
        for (mut dst, &t) in out.rows_mut().into_iter().zip(&target) {
            let taken: &mut [usize] = if self.sample_size <= row.len() {
                &mut row[..self.sample_size]
            } else {
                long_row.resize(self.sample_size, 0);
                &mut long_row
            };
            self.sample_row(t, taken);
            for (d, &w) in dst.iter_mut().zip(taken.iter()) {
                *d = w;
            }
        }
        Ok(())
    }

    /// Fills `taken` with distinct words other than `target`.
    fn sample_row(&mut self, target: usize, taken: &mut [usize]) {
        let n = self.word_p.len();
        let mut filled = 0;
        let mut rejections = 0;
        while filled < taken.len() {
            if rejections >= MAX_REJECTIONS {
                self.finish_exactly(target, taken, filled);
                return;
            }
            let col = self.rng.random_range(0..n);
            let word = if self.rng.random::<f64>() < self.keep[col] {
                col
            } else {
                self.alias[col] as usize
            };
            if word == target || taken[..filled].contains(&word) {
                rejections += 1;
                continue;
            }
            taken[filled] = word;
            filled += 1;
            rejections = 0;
        }
    }

    /// Draws the rest of a row by scanning the mass not yet excluded: the
    /// same successive-sampling distribution, without rejections.
    fn finish_exactly(&mut self, target: usize, taken: &mut [usize], mut filled: usize) {
        while filled < taken.len() {
            let excluded = |w: usize, taken: &[usize]| w == target || taken.contains(&w);
            let mass: f64 = self
                .word_p
                .iter()
                .enumerate()
                .filter(|&(w, _)| !excluded(w, &taken[..filled]))
                .map(|(_, &p)| p)
                .sum();
            let mut u = self.rng.random::<f64>() * mass;
            let mut pick = None;
            for (w, &p) in self.word_p.iter().enumerate() {
                if p == 0.0 || excluded(w, &taken[..filled]) {
                    continue;
                }
                pick = Some(w);
                if u < p {
                    break;
                }
                u -= p;
            }
            // `new` guarantees another word with mass exists.
            taken[filled] = pick.unwrap_or(0);
            filled += 1;
        }
    }
}

/// Walker's alias table for the probabilities `p` (summing to 1), by Vose's
/// construction: `(keep, alias)`, so that a draw is one uniform column `i`
/// and one uniform `u`, giving `i` if `u < keep[i]` and `alias[i]`
/// otherwise. Words of probability 0 are never drawn. The sampler uses it;
/// the word2vec tools' trainer draws its negatives from it with replacement.
///
/// ```
/// let (keep, alias) = nn_text::walker_table(&[0.5, 0.25, 0.25, 0.0]);
/// assert_eq!(keep.len(), 4);
/// assert_eq!(keep[3], 0.0); // word 3 is never drawn: its column goes to
/// assert_ne!(alias[3], 3); // another word
/// ```
pub fn walker_table(p: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let n = p.len();
    let mut keep: Vec<f64> = p.iter().map(|&x| x * n as f64).collect();
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| keep[i] < 1.0);
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        alias[s] = l as u32;
        keep[l] -= 1.0 - keep[s];
        if keep[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left is 1 up to rounding, except words of zero probability
    // (left over only when rounding emptied `large` first): they must never
    // be drawn, so they hand their column to the most probable word.
    let top = (0..n).fold(0, |best, i| if p[i] > p[best] { i } else { best });
    for i in large.into_iter().chain(small) {
        if p[i] > 0.0 {
            keep[i] = 1.0;
        } else {
            keep[i] = 0.0;
            alias[i] = top as u32;
        }
    }
    (keep, alias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_p_is_the_books() {
        let s = UnigramSampler::new(&[0, 0, 0, 1, 2, 2], 0.75, 1, 0).unwrap();
        let raw = [3f64.powf(0.75), 1.0, 2f64.powf(0.75)];
        let total: f64 = raw.iter().sum();
        for (p, r) in s.word_p().iter().zip(raw) {
            assert!((p - r / total).abs() < 1e-15);
        }
    }

    /// The frequencies of the first and second draws of a row match
    /// successive sampling without replacement, computed exactly.
    #[test]
    fn draws_follow_successive_sampling_without_replacement() {
        let corpus: Vec<usize> = [(0, 50), (1, 20), (2, 10), (3, 5), (4, 1)]
            .iter()
            .flat_map(|&(w, c)| std::iter::repeat_n(w, c))
            .collect();
        let mut s = UnigramSampler::new(&corpus, 0.75, 2, 7).unwrap();
        let p = s.word_p().to_vec();
        let target = 1;
        let rows = 200_000;
        let out = s.get_negative_sample(&vec![target; rows]).unwrap();
        let rest: f64 = 1.0 - p[target];
        for w in 0..5 {
            let first = out.column(0).iter().filter(|&&x| x == w).count() as f64 / rows as f64;
            let expect_first = if w == target { 0.0 } else { p[w] / rest };
            assert!(
                (first - expect_first).abs() < 0.005,
                "first {w}: {first} vs {expect_first}"
            );
            // P(second = w) = Σ_{u ≠ w, target} P(first = u) · p[w] / (rest − p[u]).
            let expect_second: f64 = if w == target {
                0.0
            } else {
                (0..5)
                    .filter(|&u| u != w && u != target)
                    .map(|u| p[u] / rest * p[w] / (rest - p[u]))
                    .sum()
            };
            let second = out.column(1).iter().filter(|&&x| x == w).count() as f64 / rows as f64;
            assert!(
                (second - expect_second).abs() < 0.005,
                "second {w}: {second} vs {expect_second}"
            );
        }
        assert!(out.rows().into_iter().all(|r| r[0] != r[1]));
    }

    #[test]
    fn a_dominant_word_does_not_stall_the_sampler() {
        // One word with nearly all the mass: after it is taken, rejections
        // pile up and the exact scan finishes the row.
        let mut corpus = vec![0usize; 1_000_000];
        corpus.extend([1, 2, 3]);
        let mut s = UnigramSampler::new(&corpus, 1.0, 3, 3).unwrap();
        let out = s.get_negative_sample(&[3, 0]).unwrap();
        let mut first: Vec<_> = out.row(0).to_vec();
        first.sort_unstable();
        assert_eq!(first, [0, 1, 2]);
        let mut second: Vec<_> = out.row(1).to_vec();
        second.sort_unstable();
        assert_eq!(second, [1, 2, 3]);
    }

    #[test]
    fn bad_settings_are_errors() {
        let msg = |r: Result<UnigramSampler>| r.unwrap_err().to_string();
        assert!(msg(UnigramSampler::new(&[], 0.75, 5, 0)).contains("empty"));
        assert!(
            msg(UnigramSampler::new(&[0, 1, 2], 0.75, 3, 0))
                .contains("sample_size 3 needs at least 4 distinct words")
        );
        assert!(msg(UnigramSampler::new(&[0, 0], 0.75, 1, 0)).contains("has 1"));
        assert!(msg(UnigramSampler::new(&[0, 1], f64::NAN, 1, 0)).contains("power"));
        let mut s = UnigramSampler::new(&[0, 1, 2], 0.75, 1, 0).unwrap();
        assert_eq!(
            s.get_negative_sample(&[3]).unwrap_err().to_string(),
            "UnigramSampler.get_negative_sample: target 3 at row 0 is outside the vocabulary of 3 words"
        );
    }
}
