//! `char-lm`: train a character-level LSTM on a text file, then sample from it.

use std::path::PathBuf;
use std::process::ExitCode;

use char_lm::{Text, TrainConfig, load, sample, save, train};
use clap::{Parser, Subcommand};

/// A character-level LSTM language model on any UTF-8 text, built on the
/// dlfs2-rs crates.
#[derive(Parser)]
#[command(name = "char-lm", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Trains a model on TEXT and saves it (params.npz, vocab.txt) in --out.
    Train {
        /// A UTF-8 text file.
        text: PathBuf,
        /// Directory to save the model in.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Training steps (batches).
        #[arg(long, default_value_t = 1000)]
        steps: usize,
        /// Streams read side by side.
        #[arg(long, default_value_t = 32)]
        batch_size: usize,
        /// Characters per stream and step (truncated BPTT).
        #[arg(long, default_value_t = 64)]
        time_size: usize,
        /// Width of the LSTMs' states.
        #[arg(long, default_value_t = 128)]
        hidden: usize,
        /// Width of a character's vector.
        #[arg(long, default_value_t = 32)]
        wordvec: usize,
        /// Adam's learning rate.
        #[arg(long, default_value_t = 0.005)]
        lr: f64,
        /// Share of units dropped in training.
        #[arg(long, default_value_t = 0.1)]
        dropout: f64,
        /// Seed of the weights and the dropout masks.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the loss every this many steps.
        #[arg(long, default_value_t = 50)]
        report_every: usize,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Samples text from a model saved by `train`.
    Sample {
        /// Directory the model was saved in.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Characters to write, the start included.
        #[arg(long, default_value_t = 300)]
        length: usize,
        /// The text to start from [default: the vocabulary's first character].
        #[arg(long)]
        start: Option<String>,
        /// Seed of the draws.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn run(cli: Cli) -> nn_core::Result<()> {
    match cli.command {
        Command::Train {
            text,
            out,
            steps,
            batch_size,
            time_size,
            hidden,
            wordvec,
            lr,
            dropout,
            seed,
            report_every,
            quiet,
        } => {
            let corpus = Text::read(&text)?;
            corpus.check_length(&text, batch_size, time_size)?;
            let config = TrainConfig {
                steps,
                batch_size,
                time_size,
                wordvec,
                hidden,
                dropout,
                learning_rate: lr,
                seed,
                report_every,
                ..TrainConfig::default()
            };
            let mut progress = nn_train::for_stdout(quiet);
            let mut trained = train(&corpus, &config, progress.as_mut())?;
            save(&out, &mut trained.model, &corpus.vocab)?;
            if !quiet {
                println!(
                    "{}; {} characters, {} distinct; loss {:.3} -> {:.3} nats per character in {:.1} s",
                    trained.model,
                    corpus.ids.len(),
                    corpus.vocab.len(),
                    trained.first_loss,
                    trained.last_loss,
                    trained.seconds
                );
                println!("saved to {}", out.display());
            }
        }
        Command::Sample {
            out,
            length,
            start,
            seed,
        } => {
            let (mut model, vocab) = load(&out)?;
            let start = start.unwrap_or_else(|| vocab.chars()[..1].iter().collect());
            println!("{}", sample(&mut model, &vocab, &start, length, seed)?);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    // OpenBLAS picks slow generic kernels on CPUs it doesn't know.
    nn_core::blas::ensure_fitting_kernels();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
