//! `ch02_scaling`: chapter 2's pipeline (co-occurrence → PPMI → randomized
//! SVD to 100 dimensions) on synthetic Zipf corpora of 10k, 50k and 100k
//! distinct words, each in its own process so that its peak memory is its own.
//!
//!     cargo run --release -p nn-benches --bin ch02_scaling -- [--vocab 10000,50000,100000]
//!
//! The corpora have PTB's shape: 93 tokens per vocabulary word (PTB: 929,589
//! for 10,000), word frequencies ∝ 1/rank, window 2, seeded.

use std::process::Command;
use std::time::Instant;

use nn_text::{PPMI_EPS, RandomizedSvd, co_occurrence, ppmi_sparse, randomized_svd};
use rand::{Rng, SeedableRng};

/// Zipf-distributed ids (frequency ∝ 1/rank) by inverse transform sampling.
fn corpus(vocab: usize, tokens: usize, seed: u64) -> Vec<usize> {
    let mut cdf = Vec::with_capacity(vocab);
    let mut total = 0.0;
    for rank in 1..=vocab {
        total += 1.0 / rank as f64;
        cdf.push(total);
    }
    let mut rng = rand_chacha::ChaCha12Rng::seed_from_u64(seed);
    (0..tokens)
        .map(|_| {
            let u = rng.random::<f64>() * total;
            cdf.partition_point(|&c| c < u).min(vocab - 1)
        })
        .collect()
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn worker(vocab: usize) -> nn_core::Result<()> {
    let ids = corpus(vocab, 93 * vocab, 1984);
    let rss_corpus = peak_rss_mb();
    let t0 = Instant::now();
    let c = co_occurrence(&ids, vocab, 2)?;
    let t1 = Instant::now();
    let w = ppmi_sparse::<f32>(&c, PPMI_EPS, |_| {})?;
    drop(c);
    let t2 = Instant::now();
    let threads = std::env::var("OPENBLAS_NUM_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let d = randomized_svd(
        &w,
        RandomizedSvd {
            threads,
            ..RandomizedSvd::default()
        },
    )?;
    let t3 = Instant::now();
    let secs = |a: Instant, b: Instant| (b - a).as_secs_f64();
    println!(
        "| {vocab} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} |",
        ids.len(),
        w.nnz(),
        secs(t0, t1),
        secs(t1, t2),
        secs(t2, t3),
        secs(t0, t3),
        peak_rss_mb(),
        rss_corpus,
    );
    assert_eq!(d.u.dim(), (vocab, 100));
    Ok(())
}

fn main() {
    nn_core::blas::ensure_fitting_kernels();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--worker") {
        let vocab = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(10_000);
        if let Err(e) = worker(vocab) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    let sizes = args
        .iter()
        .position(|a| a == "--vocab")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| "10000,50000,100000".to_owned(), String::clone);
    println!(
        "| words | tokens | PPMI non-zeros | count s | PPMI s | SVD s | total s | peak RSS MB | of which corpus MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let me = std::env::current_exe().expect("the running binary has a path");
    for vocab in sizes.split(',') {
        let status = Command::new(&me).args(["--worker", vocab.trim()]).status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("the run with {vocab} words failed");
        }
    }
}
