//! What a [`Trainer`](crate::Trainer) shows while it runs.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::Record;

/// Receives the events of a training run.
pub trait Progress {
    /// Training starts: `epochs` epochs of `iterations` iterations each.
    fn start(&mut self, epochs: usize, iterations: usize) {
        let _ = (epochs, iterations);
    }

    /// One iteration finished with this batch loss.
    fn iteration(&mut self, epoch: usize, iteration: usize, loss: f64) {
        let _ = (epoch, iteration, loss);
    }

    /// A loss record was made (every `eval_interval` iterations).
    fn record(&mut self, record: &Record, iterations: usize) {
        let _ = (record, iterations);
    }

    /// Training ended, normally or not.
    fn finish(&mut self) {}
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// Prints each record as the book does: `| epoch 1 |  iter 10 / 10 | loss 1.13`.
pub struct PlainLines {
    out: Box<dyn Write + Send>,
}

impl PlainLines {
    /// Lines to standard output.
    pub fn stdout() -> Self {
        Self::new(Box::new(std::io::stdout()))
    }

    /// Lines to any writer.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out }
    }
}

impl Progress for PlainLines {
    fn record(&mut self, record: &Record, iterations: usize) {
        // A closed pipe (`| head`) must not stop training.
        let _ = writeln!(self.out, "{}", record.book_line(iterations));
    }

    fn finish(&mut self) {
        let _ = self.out.flush();
    }
}

/// A progress bar with epoch, iteration, loss and speed, with the book's lines
/// printed above it.
pub struct Bar {
    bar: ProgressBar,
    epoch: usize,
}

impl Bar {
    /// A bar drawn on standard output.
    pub fn stdout() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
        let style = ProgressStyle::with_template(
            "{bar:30.cyan/blue} {pos}/{len} iterations | epoch {prefix} | loss {msg} | {rate} | {eta} left",
        )
        .map(|style| {
            style.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} it/s", state.per_sec());
            })
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Self { bar, epoch: 0 }
    }
}

impl Progress for Bar {
    fn start(&mut self, epochs: usize, iterations: usize) {
        self.bar.set_length((epochs * iterations) as u64);
        self.bar.set_position(0);
    }

    fn iteration(&mut self, epoch: usize, _iteration: usize, _loss: f64) {
        if epoch != self.epoch {
            self.epoch = epoch;
            self.bar.set_prefix(epoch.to_string());
        }
        self.bar.inc(1);
    }

    fn record(&mut self, record: &Record, iterations: usize) {
        self.bar.set_message(format!("{:.4}", record.loss));
        self.bar.println(record.book_line(iterations));
    }

    fn finish(&mut self) {
        self.bar.finish();
    }
}

/// The usual choice: nothing when `quiet`, a bar when standard output is a
/// terminal, the book's plain lines when it is a file or a pipe.
pub fn for_stdout(quiet: bool) -> Box<dyn Progress> {
    if quiet {
        Box::new(Silent)
    } else if std::io::stdout().is_terminal() {
        Box::new(Bar::stdout())
    } else {
        Box::new(PlainLines::stdout())
    }
}
