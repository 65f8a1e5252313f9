//! Text generation (`ch07/rnnlm_gen.py`: `RnnlmGen`, `BetterRnnlmGen`).

use ndarray::Array2;
use nn_core::{Error, Float, RandomSample, Result};

use super::LanguageModel;

/// Consecutive draws of skipped words after which [`generate`] gives up.
const MAX_SKIPPED_DRAWS: usize = 100_000;

/// The book's `generate(start_id, skip_ids, sample_size)` for any language
/// model (`RnnlmGen` and `BetterRnnlmGen` are the same loop): feeds the
/// words of `start` but the last to the model (the book's priming of
/// `generate_better_text.py`), then from the last one repeatedly predicts
/// the next word's distribution (softmax of the scores, dropout off) and
/// draws from it with [`choice`]; a drawn word in `skip` is dropped and the
/// model is asked again with the same input, as in the book. Returns `start`
/// followed by the drawn words, `sample_size` words after the primed ones
/// in all.
///
/// The model starts from whatever state it carries (the book's scripts start
/// from a fresh model or call `reset_state`) and is left in training mode.
///
/// # Errors
/// An empty `start`, ids outside the vocabulary, a `skip` list that covers
/// the whole vocabulary, or a model that keeps predicting skipped words
/// (100,000 draws in a row).
pub fn generate<F: Float>(
    model: &mut (impl LanguageModel<F> + ?Sized),
    start: &[usize],
    skip: &[usize],
    sample_size: usize,
    rng: &mut dyn RandomSample,
) -> Result<Vec<usize>> {
    const OP: &str = "generate";
    let vocab = model.vocab_size();
    let Some((&first, primer)) = start.split_last() else {
        return Err(Error::invalid(OP, "no start word"));
    };
    if let Some(&id) = start.iter().find(|&&id| id >= vocab) {
        return Err(Error::invalid(
            OP,
            format!("start word id {id} is outside the model's vocabulary of {vocab}"),
        ));
    }
    let mut skipped = vec![false; vocab];
    for &id in skip {
        if let Some(s) = skipped.get_mut(id) {
            *s = true;
        }
    }
    if skipped.iter().all(|&s| s) {
        return Err(Error::invalid(
            OP,
            format!("the skip list covers the whole vocabulary of {vocab} words"),
        ));
    }
    model.set_training(false);
    let result = (|| {
        let mut x = Array2::<usize>::zeros((1, 1));
        for &id in primer {
            x[[0, 0]] = id;
            model.predict(x.view())?;
        }
        let mut words = primer.to_vec();
        words.push(first);
        let mut current = first;
        let mut p = Vec::with_capacity(vocab);
        let mut misses = 0;
        while words.len() - primer.len() < sample_size {
            x[[0, 0]] = current;
            let scores = model.predict(x.view())?;
            softmax_into(scores.iter().copied(), &mut p);
            let sampled = choice(&p, rng)?;
            if skipped[sampled] {
                misses += 1;
                if misses == MAX_SKIPPED_DRAWS {
                    return Err(Error::invalid(
                        OP,
                        format!("{MAX_SKIPPED_DRAWS} draws in a row were skipped words"),
                    ));
                }
            } else {
                misses = 0;
                current = sampled;
                words.push(sampled);
            }
        }
        Ok(words)
    })();
    model.set_training(true);
    result
}

/// The book's 1-D `softmax`: `exp(x − max) / Σ exp(x − max)` in the
/// scores' type.
fn softmax_into<F: Float>(scores: impl Iterator<Item = F> + Clone, p: &mut Vec<F>) {
    let max = scores.clone().fold(F::neg_infinity(), F::max);
    p.clear();
    p.extend(scores.map(|s| (s - max).exp()));
    let sum = p.iter().fold(F::zero(), |a, &b| a + b);
    for v in p.iter_mut() {
        *v /= sum;
    }
}

/// numpy's `np.random.choice(len(p), p=p)`: the cumulative sum of `p` in
/// double precision, normalised by its last entry, and the first index whose
/// sum exceeds one `random_sample` draw. With numpy's generator the draw is
/// numpy's.
///
/// # Errors
/// An empty `p`, a negative or non-finite probability, or probabilities
/// that don't sum to 1 (numpy's tolerance: √ε of their type).
pub fn choice<F: Float>(p: &[F], rng: &mut dyn RandomSample) -> Result<usize> {
    const OP: &str = "choice";
    if p.is_empty() {
        return Err(Error::invalid(OP, "no probabilities"));
    }
    if let Some(v) = p.iter().find(|v| !(v.is_finite() && **v >= F::zero())) {
        return Err(Error::invalid(
            OP,
            format!("probabilities must be finite and non-negative, got {v}"),
        ));
    }
    let sum: f64 = p.iter().map(|v| v.as_f64()).sum();
    let tolerance = F::epsilon().as_f64().sqrt().max(f64::EPSILON.sqrt());
    if (sum - 1.0).abs() > tolerance {
        return Err(Error::invalid(
            OP,
            format!("probabilities do not sum to 1 (sum {sum})"),
        ));
    }
    let mut cdf = 0.0;
    let total = p.iter().fold(0.0, |a, v| a + v.as_f64());
    let u = rng.random_sample();
    for (i, v) in p.iter().enumerate() {
        cdf += v.as_f64();
        if cdf / total > u {
            return Ok(i);
        }
    }
    // u < 1 = cdf[-1] / cdf[-1], so the loop returns unless p ends in zeros.
    Ok(p.iter()
        .rposition(|v| *v > F::zero())
        .unwrap_or(p.len() - 1))
}
