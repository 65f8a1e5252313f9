//! The wall time of each training iteration of a run, and their median: what
//! the commands report after the book's lines.

use std::time::{Duration, Instant};

/// The wall time of each training iteration (forward, backward, clipping,
/// update: not loading, reordering or evaluation) of the last `fit`, kept
/// so that the run can report its median, which a slow first iteration or
/// a pause of the machine doesn't move.
///
/// ```
/// use nn_train::IterationTimes;
/// use std::time::Duration;
///
/// let mut times = IterationTimes::default();
/// times.start(3);
/// for ms in [4, 9, 5] {
///     times.record(Duration::from_millis(ms));
/// }
/// assert_eq!(times.median_ms(), Some(5.0));
/// assert_eq!(
///     times.summary().unwrap(),
///     "training: 5.00 ms per iteration (median of 3 iterations)"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IterationTimes {
    seconds: Vec<f64>,
}

impl IterationTimes {
    /// Forgets the earlier run and makes room for `iterations` (the store
    /// keeps its allocation, so a run no longer than the last allocates
    /// nothing).
    pub fn start(&mut self, iterations: usize) {
        self.seconds.clear();
        self.seconds.reserve(iterations);
    }

    /// Adds one iteration's time.
    pub fn record(&mut self, elapsed: Duration) {
        self.seconds.push(elapsed.as_secs_f64());
    }

    /// Adds `other`'s iterations: a run of several `fit` calls, gathered.
    pub fn append(&mut self, other: &IterationTimes) {
        self.seconds.extend_from_slice(&other.seconds);
    }

    /// Runs `f` as one iteration and records its time.
    pub fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.record(start.elapsed());
        out
    }

    /// The iterations recorded.
    pub fn len(&self) -> usize {
        self.seconds.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.seconds.is_empty()
    }

    /// The median iteration in milliseconds (the mean of the middle two for
    /// an even count), or `None` before any.
    pub fn median_ms(&self) -> Option<f64> {
        if self.seconds.is_empty() {
            return None;
        }
        let mut sorted = self.seconds.clone();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        };
        Some(median * 1e3)
    }

    /// The line the commands end with: `training: 4.06 ms per iteration
    /// (median of 3,000 iterations)`, or `None` before any iteration.
    pub fn summary(&self) -> Option<String> {
        let n = self.len();
        self.median_ms().map(|ms| {
            // Three significant digits down to microseconds.
            let digits = if ms >= 100.0 {
                1
            } else if ms >= 1.0 {
                2
            } else {
                3
            };
            format!(
                "training: {ms:.digits$} ms per iteration (median of {} iteration{})",
                thousands(n),
                if n == 1 { "" } else { "s" }
            )
        })
    }
}

/// `n` with commas between thousands.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_and_its_line() {
        let mut times = IterationTimes::default();
        assert_eq!(times.median_ms(), None);
        assert_eq!(times.summary(), None);
        times.start(4);
        for ms in [8, 2, 4, 100] {
            times.record(Duration::from_millis(ms));
        }
        assert_eq!(times.median_ms(), Some(6.0));
        let mut run = IterationTimes::default();
        run.append(&times);
        run.append(&times);
        assert_eq!((run.len(), run.median_ms()), (8, Some(6.0)));
        times.start(1);
        assert!(times.is_empty());
        times.time(|| ());
        assert_eq!(times.len(), 1);
        assert!(
            times
                .summary()
                .unwrap()
                .ends_with("(median of 1 iteration)")
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
