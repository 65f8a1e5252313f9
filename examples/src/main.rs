//! `nn-examples`: chapter 1's training run, its figures and saved model.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use nn_examples::run::{self, Dtype, GeneratorKind, TrainConfig};
use nn_models::word2vec::fast::Architecture;
use nn_optim::OptimizerKind;

/// Trains the two-layer net of "Deep Learning from Scratch 2", chapter 1, on
/// the spiral data set. With no arguments this is the book's own run: the
/// same random numbers, the same printed losses, 291 of 300 correct.
#[derive(Parser)]
#[command(name = "nn-examples", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Subcommand)]
enum Command {
    /// The version, the BLAS in use (library, kernel set, threads) and the CPU.
    Info,
    /// Chapter 2, count_method_small.py: co-occurrence, PPMI and SVD of "You say goodbye and I say hello.".
    CountSmall {
        /// Output directory for count_small.png.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Don't say where the figure went (the rows are still printed).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Chapter 2, count_method_big.py: PPMI and a 100-dimensional SVD of PTB, and the neighbours of you, year, car, toyota.
    CountBig {
        /// Directory with ptb.train.txt (or ptb/ptb.train.txt) [env: DLFS2_DATA; default: download into the cache].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Output directory for word_vecs.npz.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Context words on each side.
        #[arg(long, default_value_t = 2)]
        window: usize,
        /// Dimensions of the word vectors.
        #[arg(long, default_value_t = 100)]
        wordvec_size: usize,
        /// Power iterations of the randomized SVD.
        #[arg(long, default_value_t = 5)]
        iterations: usize,
        /// Seed of the randomized SVD's Gaussian matrix (numpy's RandomState(seed).normal).
        #[arg(long, default_value_t = 0)]
        seed: u32,
        /// Threads for the SVD's products and BLAS [default: every core].
        #[arg(long)]
        threads: Option<usize>,
        /// No progress output (the neighbours are still printed).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Chapter 3, train.py: SimpleCBOW (or --skip-gram SimpleSkipGram) on "You say goodbye and I say hello.", window 1, Adam; the loss lines, the loss figure, each word's vector.
    CbowSimple {
        /// SimpleSkipGram instead of SimpleCBOW.
        #[arg(long)]
        skip_gram: bool,
        /// Epochs.
        #[arg(long, default_value_t = 1000)]
        epochs: usize,
        /// Hidden units.
        #[arg(long, default_value_t = 5)]
        hidden: usize,
        /// Samples per batch.
        #[arg(long, default_value_t = 3)]
        batch_size: usize,
        /// numpy seed of the weights and the shuffles (the book sets none).
        #[arg(long, default_value_t = 1984)]
        seed: u32,
        /// Output directory for the loss figure.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// No loss lines (the word vectors are still printed).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Chapter 4, train.py: CBOW (or skip-gram) with negative sampling on PTB; saves the word vectors (float16, as the book) to cbow_params.npz.
    ///
    /// --mode book (default) is the book's algorithm: batches of 100, dense gradients, Adam, negative samples
    /// without replacement; every layer computes the book's formulas, and the book's loss lines are printed.
    /// --mode fast is the word2vec tools' algorithm (word2vec.c, gensim): word-by-word SGD on the rows a word
    /// touches with a linearly falling rate, a randomly shrunk window, negatives with replacement, and
    /// --threads N threads updating the vectors without locks. It gives vectors of the same quality, not the
    /// same numbers, hundreds of times faster.
    Word2vec {
        /// Directory with ptb.train.txt (or ptb/ptb.train.txt) [env: DLFS2_DATA; default: download into the cache].
        #[arg(long)]
        data: Option<PathBuf>,
        /// cbow or skip-gram.
        #[arg(long, value_enum, default_value_t = Word2vecModel::Cbow)]
        model: Word2vecModel,
        /// book: the book's algorithm; fast: the word2vec tools' (see above).
        #[arg(long, value_enum, default_value_t = Word2vecMode::Book)]
        mode: Word2vecMode,
        /// Epochs.
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        /// Context words on each side.
        #[arg(long, default_value_t = 5)]
        window: usize,
        /// Dimensions of the word vectors.
        #[arg(long, default_value_t = 100)]
        hidden: usize,
        /// Samples per batch (book mode).
        #[arg(long, default_value_t = 100)]
        batch_size: usize,
        /// Seed (numpy's generator in book mode; the book sets none).
        #[arg(long, default_value_t = 1984)]
        seed: u32,
        /// Threads (fast mode).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Train on the first N words of PTB only.
        #[arg(long)]
        corpus_words: Option<usize>,
        /// Output directory for the vectors and the loss figure.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Chapter 4, eval.py: the nearest words of you, year, car, toyota and four analogies, from saved vectors.
    Word2vecEval {
        /// The vectors [default: cbow_params.npz (skipgram_params.npz with --model skip-gram) in --out].
        #[arg(long)]
        params: Option<PathBuf>,
        /// Which model's file to read from --out.
        #[arg(long, value_enum, default_value_t = Word2vecModel::Cbow)]
        model: Word2vecModel,
        /// Directory of the saved vectors.
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Chapter 5, train_custom_loop.py: SimpleRnnlm on PTB's first 1000 words (batch 10, time 5, SGD lr 0.1); perplexity per epoch and its figure.
    RnnlmSimple {
        /// Directory with ptb.train.txt (or ptb/ptb.train.txt) [env: DLFS2_DATA; default: download into the cache].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Epochs.
        #[arg(long, default_value_t = 100)]
        epochs: usize,
        /// numpy seed of the initial weights (the book sets none).
        #[arg(long, default_value_t = 1984)]
        seed: u32,
        /// Output directory for the perplexity figure.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Don't say where the figure went.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Chapter 6, train_rnnlm.py: the LSTM language model on PTB (batch 20, time 35, 100/100, SGD lr 20, clipping 0.25, 4 epochs); perplexity lines, the figure, test perplexity, Rnnlm.npz (float16).
    ///
    /// --better is train_better_rnnlm.py: two LSTM layers of 650, dropout 0.5, the embedding tied to the output
    /// layer, 40 epochs; validation perplexity after each epoch, the learning rate divided by 4 when it worsens,
    /// BetterRnnlm.npz saved when it improves. A checkpoint is written after every epoch; --resume continues it.
    Rnnlm {
        /// Directory with PTB's ptb.{train,valid,test}.txt [env: DLFS2_DATA; default: download into the cache].
        #[arg(long)]
        data: Option<PathBuf>,
        /// BetterRnnlm (train_better_rnnlm.py) instead of Rnnlm.
        #[arg(long)]
        better: bool,
        /// Epochs [default: 4; 40 with --better].
        #[arg(long)]
        epochs: Option<usize>,
        /// Streams per batch.
        #[arg(long, default_value_t = 20)]
        batch_size: usize,
        /// Steps per batch (the truncated BPTT length).
        #[arg(long, default_value_t = 35)]
        time_size: usize,
        /// Word vector and hidden size [default: 100; 650 with --better].
        #[arg(long)]
        hidden: Option<usize>,
        /// SGD's learning rate.
        #[arg(long, default_value_t = 20.0)]
        lr: f64,
        /// Clip the gradients' global norm to this.
        #[arg(long, default_value_t = 0.25)]
        max_grad: f64,
        /// Dropout ratio (--better).
        #[arg(long, default_value_t = 0.5)]
        dropout: f64,
        /// A perplexity line every this many iterations.
        #[arg(long, default_value_t = 20)]
        eval_interval: usize,
        /// numpy seed of the weights and dropout masks (the book sets none).
        #[arg(long, default_value_t = 1984)]
        seed: u32,
        /// Use only the first N words of each PTB file (a short run).
        #[arg(long)]
        corpus_words: Option<usize>,
        /// Threads for the matrix products [default: every core].
        #[arg(long)]
        threads: Option<usize>,
        /// Output directory: parameters, checkpoint, figure.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Continue the run whose checkpoint is in --out.
        #[arg(long)]
        resume: bool,
        /// Only the results, no training lines or progress.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Beyond chapter 8 (8.5.2): a decoder-only Transformer language model on PTB (2 pre-LN layers, E = 128, 4 heads, d_ff = 512, the output tied to the embedding, windows of 64 words, batch 20, Adam from 0.002 falling linearly per epoch, clipping 0.25, 4 epochs); perplexity lines, validation perplexity per epoch, test perplexity, TransformerLm.npz (the best epoch's). rnnlm-eval and rnnlm-generate --params out/TransformerLm.npz read it; --resume continues the checkpoint.
    TransformerLm {
        /// Directory with PTB's ptb.{train,valid,test}.txt [env: DLFS2_DATA; default: download into the cache].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Layers.
        #[arg(long, default_value_t = 2)]
        layers: usize,
        /// Attention heads (they must divide --d-model).
        #[arg(long, default_value_t = 4)]
        heads: usize,
        /// The model width E.
        #[arg(long, default_value_t = 128)]
        d_model: usize,
        /// The feed-forward network's width.
        #[arg(long, default_value_t = 512)]
        d_ff: usize,
        /// Post-LN, as the paper, instead of pre-LN.
        #[arg(long)]
        post_ln: bool,
        /// Epochs.
        #[arg(long, default_value_t = 4)]
        epochs: usize,
        /// Streams per batch.
        #[arg(long, default_value_t = 20)]
        batch_size: usize,
        /// Words per window: the context the model learns to read, and its positional table.
        #[arg(long, default_value_t = 64)]
        time_size: usize,
        /// Adam's learning rate in the first epoch (it falls linearly to lr / epochs in the last).
        #[arg(long, default_value_t = 0.002)]
        lr: f64,
        /// Clip the gradients' global norm to this.
        #[arg(long, default_value_t = 0.25)]
        max_grad: f64,
        /// Dropout after the embedding and each sublayer.
        #[arg(long, default_value_t = 0.0)]
        dropout: f64,
        /// A perplexity line every this many iterations.
        #[arg(long, default_value_t = 20)]
        eval_interval: usize,
        /// numpy seed of the weights and dropout masks.
        #[arg(long, default_value_t = 1984)]
        seed: u32,
        /// Use only the first N words of each PTB file (a short run).
        #[arg(long)]
        corpus_words: Option<usize>,
        /// Threads for the matrix products [default: every core].
        #[arg(long)]
        threads: Option<usize>,
        /// Output directory: parameters, checkpoint, figure.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Continue the run whose checkpoint is in --out.
        #[arg(long)]
        resume: bool,
        /// Only the results, no training lines or progress.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Chapter 6, eval.py: the test perplexity of saved parameters (Rnnlm, BetterRnnlm or TransformerLm, told by their names).
    RnnlmEval {
        #[command(flatten)]
        saved: SavedRnnlm,
        /// Threads for the matrix products [default: every core].
        #[arg(long)]
        threads: Option<usize>,
        /// Evaluate on the first N words of the test set only.
        #[arg(long)]
        corpus_words: Option<usize>,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Chapter 7, generate_text.py (generate_better_text.py for a BetterRnnlm): 100 words sampled from saved parameters, starting at "you", skipping N, <unk> and $.
    RnnlmGenerate {
        #[command(flatten)]
        saved: SavedRnnlm,
        /// The first word (or words: all but the last are read before sampling).
        #[arg(long, default_value = "you")]
        start: String,
        /// numpy seed of the sampling (the book sets none).
        #[arg(long, default_value_t = 1984)]
        seed: u32,
    },
    /// Chapter 7, train_seq2seq.py: seq2seq on addition.txt (16/128, batch 128, Adam, clipping 5.0, 25 epochs); the Trainer's lines, 10 test questions and val acc per epoch, the accuracy figure of every variant run into --out (figure 7-26), Seq2seq.npz.
    Seq2seq {
        /// Feed the questions reversed (the book's first improvement).
        #[arg(long)]
        reverse: bool,
        /// PeekySeq2seq (the book's second improvement).
        #[arg(long)]
        peeky: bool,
        /// Hidden size.
        #[arg(long, default_value_t = 128)]
        hidden: usize,
        /// Epochs.
        #[arg(long, default_value_t = 25)]
        epochs: usize,
        #[command(flatten)]
        common: Seq2seqArgs,
    },
    /// Chapter 8, train.py: AttentionSeq2seq on date.txt, questions reversed (16/256, batch 128, Adam, clipping 5.0, 10 epochs); the same lines, the figure, AttentionSeq2seq.npz (float16).
    Attention {
        /// Feed the questions in reading order (the book reverses them).
        #[arg(long)]
        no_reverse: bool,
        /// Hidden size.
        #[arg(long, default_value_t = 256)]
        hidden: usize,
        /// Epochs.
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        #[command(flatten)]
        common: Seq2seqArgs,
    },
    /// Beyond chapter 8 (8.5.2): a Transformer seq2seq on date.txt (questions reversed, as `attention`) or addition.txt (2+2 pre-LN layers, E = 64, 4 heads, d_ff = 256, batch 128, Adam from 0.001 falling linearly per epoch, clipping 5.0, 10 epochs); the lines of seq2seq/attention, its curve added to the accuracy figure of the runs in --out, TransformerSeq2seq.npz.
    Transformer {
        /// The problem: date.txt (as `attention`) or addition.txt (as `seq2seq`).
        #[arg(long, value_enum, default_value_t = TaskArg::Date)]
        task: TaskArg,
        /// Encoder layers, and as many decoder layers.
        #[arg(long, default_value_t = 2)]
        layers: usize,
        /// Attention heads (they must divide --d-model).
        #[arg(long, default_value_t = 4)]
        heads: usize,
        /// The model width E.
        #[arg(long, default_value_t = 64)]
        d_model: usize,
        /// The feed-forward network's width.
        #[arg(long, default_value_t = 256)]
        d_ff: usize,
        /// Post-LN, as the paper (normalise after each skip connection) instead of pre-LN.
        #[arg(long)]
        post_ln: bool,
        /// Dropout after each sublayer.
        #[arg(long, default_value_t = 0.0)]
        dropout: f64,
        /// Feed the questions reversed [default: on dates, as `attention`; in reading order, the year at the far end, two questions of 5,000 stayed wrong].
        #[arg(long, conflicts_with = "no_reverse")]
        reverse: bool,
        /// Feed the questions in reading order.
        #[arg(long)]
        no_reverse: bool,
        /// Epochs.
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        #[command(flatten)]
        common: Seq2seqArgs,
    },
    /// Chapters 7-8: the book's ten test questions and val acc of saved parameters (any of the three models, told by their arrays; the data set by the vocabulary's size).
    Seq2seqEval {
        /// The parameters [default: the --model's file in --out].
        #[arg(long)]
        params: Option<PathBuf>,
        /// Which model's file to read from --out.
        #[arg(long, value_enum, default_value_t = Seq2seqModelArg::Attention)]
        model: Seq2seqModelArg,
        /// Directory with the parameters when --params is not given.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Directory with addition.txt / date.txt, or with sequence/ holding them [env: DLFS2_DATA, if it holds them; default: the shipped copies].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Feed the questions reversed [default: as each model trains by default: AttentionSeq2seq, and TransformerSeq2seq on dates].
        #[arg(long, conflicts_with = "no_reverse")]
        reverse: bool,
        /// Feed the questions in reading order.
        #[arg(long)]
        no_reverse: bool,
        /// numpy seed of the data set's shuffle (the split).
        #[arg(long, default_value_t = 1984)]
        seed: u32,
        /// Answer one question at a time, as the book.
        #[arg(long)]
        one_at_a_time: bool,
        /// Threads [default: every core].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Chapter 8, visualize_attention.py: heat maps of the attention weights (attention_1.png …) for 5 test dates, from saved parameters.
    AttentionShow {
        /// The parameters: an AttentionSeq2seq's, or a TransformerSeq2seq's for every head of every decoder layer [default: AttentionSeq2seq.npz in --out; TransformerSeq2seq.npz with --transformer].
        #[arg(long)]
        params: Option<PathBuf>,
        /// Read TransformerSeq2seq.npz from --out (`transformer`'s model): a map per question, layer and head.
        #[arg(long)]
        transformer: bool,
        /// Feed the questions reversed [default: reversed, as attention and transformer train on dates].
        #[arg(long, conflicts_with = "no_reverse")]
        reverse: bool,
        /// Feed the questions in reading order.
        #[arg(long)]
        no_reverse: bool,
        /// Directory with date.txt, or with sequence/ holding it [env: DLFS2_DATA, if it holds it; default: the copy shipped with nn-text].
        #[arg(long)]
        data: Option<PathBuf>,
        /// numpy seed of the data set's shuffle and of the choice of questions.
        #[arg(long, default_value_t = 1984)]
        seed: u32,
        /// How many test questions.
        #[arg(long, default_value_t = 5)]
        count: usize,
        /// Output directory of the heat maps (and where the parameters are read from).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Don't list the questions and files.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Accuracy of saved parameters (a params.npz) on the spiral data.
    Eval {
        /// The parameter file.
        #[arg(long, default_value = "out/params.npz")]
        params: PathBuf,
        /// Seed of the spiral data.
        #[arg(long, default_value_t = 1984)]
        seed: u64,
        /// Generator of the spiral data.
        #[arg(long, value_enum, default_value_t = GeneratorKind::Numpy)]
        generator: GeneratorKind,
    },
    /// Continue a saved run (params.npz and state.npz in --out) bit for bit.
    Resume {
        /// The run's directory.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Epochs in total [default: the saved run's total].
        #[arg(long)]
        epochs: Option<usize>,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
        /// Snap the decision boundary to a grid of this step, as the book's 0.001 [default: per pixel].
        #[arg(long)]
        grid_step: Option<f64>,
    },
}

/// Where `rnnlm-eval` and `rnnlm-generate` find a saved language model.
#[derive(Args)]
struct SavedRnnlm {
    /// The parameters [default: Rnnlm.npz (BetterRnnlm.npz with --better) in --out].
    #[arg(long)]
    params: Option<PathBuf>,
    /// Read BetterRnnlm.npz from --out.
    #[arg(long)]
    better: bool,
    /// Directory of the saved parameters.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Directory with PTB's files [env: DLFS2_DATA; default: download into the cache].
    #[arg(long)]
    data: Option<PathBuf>,
}

impl SavedRnnlm {
    /// The parameter file and PTB's place.
    fn resolve(self) -> (PathBuf, nn_text::ptb::Source) {
        let path = self
            .params
            .unwrap_or_else(|| nn_examples::ch06::RnnlmConfig::params_file(&self.out, self.better));
        (path, nn_text::ptb::Source::from_args(self.data.as_deref()))
    }
}

/// `DLFS2_DATA` when it holds `set`'s file (it may be PTB's directory only:
/// then the shipped copy is read).
fn env_data(set: nn_text::sequence::SequenceSet) -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("DLFS2_DATA")?);
    nn_examples::ch07::find_set(&dir, set).map(|_| dir)
}

/// The Transformer's two problems.
#[derive(Clone, Copy, clap::ValueEnum)]
enum TaskArg {
    /// addition.txt (chapter 7).
    Addition,
    /// date.txt (chapter 8).
    Date,
}

/// The seq2seq models, for file names.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Seq2seqModelArg {
    Seq2seq,
    Peeky,
    Attention,
    Transformer,
}

/// The flags `seq2seq` and `attention` share.
#[derive(Args)]
struct Seq2seqArgs {
    /// Directory with addition.txt / date.txt, or with sequence/ holding them [env: DLFS2_DATA, if it holds them; default: the copies shipped with nn-text].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Word-vector size.
    #[arg(long, default_value_t = 16)]
    wordvec_size: usize,
    /// Questions per batch.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Gradient clipping (global norm).
    #[arg(long, default_value_t = 5.0)]
    max_grad: f64,
    /// numpy seed of the data set's shuffle, from which the weights and the batches follow (the book's 1984).
    #[arg(long, default_value_t = 1984)]
    seed: u32,
    /// Train on the first N training questions only.
    #[arg(long)]
    train_rows: Option<usize>,
    /// Ask the first N test questions only.
    #[arg(long)]
    test_rows: Option<usize>,
    /// Answer the test questions one at a time, as the book, instead of in batches (the same answers).
    #[arg(long)]
    one_at_a_time: bool,
    /// Threads [default: every core].
    #[arg(long)]
    threads: Option<usize>,
    /// Output directory: parameters, accuracies, figure.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Only the val acc lines.
    #[arg(long, short)]
    quiet: bool,
}

impl Seq2seqArgs {
    /// Runs `config` with these flags over it.
    fn run(
        self,
        mut config: nn_examples::ch07::Seq2seqConfig,
        epochs: usize,
        hidden: usize,
    ) -> nn_core::Result<()> {
        use std::io::IsTerminal;
        set_split_threads(self.threads);
        config.data = self.data.or_else(|| env_data(config.set));
        config.wordvec_size = self.wordvec_size;
        config.hidden_size = hidden;
        config.batch_size = self.batch_size;
        config.epochs = epochs;
        config.max_grad = self.max_grad;
        config.seed = self.seed;
        config.train_rows = self.train_rows;
        config.test_rows = self.test_rows;
        config.one_at_a_time = self.one_at_a_time;
        config.out = self.out;
        if self.quiet {
            config.verbose = 0;
        }
        let mut progress = nn_train::for_stdout(self.quiet);
        let color = std::io::stdout().is_terminal();
        let outcome = nn_examples::ch07::train_seq2seq(
            &config,
            &mut *progress,
            &mut std::io::stdout(),
            color,
        )?;
        if !self.quiet {
            for file in &outcome.files {
                eprintln!("wrote {}", file.display());
            }
            let median = |f: fn(&nn_examples::ch07::EpochReport) -> f64| {
                let mut v: Vec<f64> = outcome.epochs.iter().map(f).collect();
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            eprintln!(
                "per epoch (median of {}): training {:.2} s, evaluation {:.3} s",
                outcome.epochs.len(),
                median(|e| e.train_seconds),
                median(|e| e.eval_seconds)
            );
            iteration_line(&outcome.iteration_times());
        }
        Ok(())
    }
}

/// `word2vec --model`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Word2vecModel {
    /// Continuous bag of words (ch04/cbow.py).
    Cbow,
    /// Skip-gram (ch04/skip_gram.py).
    SkipGram,
}

impl From<Word2vecModel> for Architecture {
    fn from(m: Word2vecModel) -> Self {
        match m {
            Word2vecModel::Cbow => Architecture::Cbow,
            Word2vecModel::SkipGram => Architecture::SkipGram,
        }
    }
}

/// `word2vec --mode`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Word2vecMode {
    /// The book's algorithm.
    Book,
    /// The word2vec tools' algorithm.
    Fast,
}

#[derive(Args)]
struct TrainArgs {
    /// Epochs (the book's max_epoch).
    #[arg(long, default_value_t = 300)]
    epochs: usize,
    /// Samples per batch.
    #[arg(long, default_value_t = 30)]
    batch_size: usize,
    /// Hidden units.
    #[arg(long, default_value_t = 10)]
    hidden: usize,
    /// Learning rate [default: 1.0 for sgd, as the book; the optimizer's own default otherwise].
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Optimizer: sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw.
    #[arg(long, default_value = "sgd", value_parser = parse_optimizer)]
    optimizer: OptimizerKind,
    /// Clip the gradients' global norm to this (the book's max_grad) [default: no clipping].
    #[arg(long, allow_negative_numbers = true)]
    max_grad: Option<f64>,
    /// Iterations per printed loss.
    #[arg(long, default_value_t = 10)]
    eval_interval: usize,
    /// Random seed (np.random.seed for the numpy generator).
    #[arg(long, default_value_t = 1984)]
    seed: u64,
    /// numpy: the book's exact random numbers; std: ChaCha12.
    #[arg(long, value_enum, default_value_t = GeneratorKind::Numpy)]
    generator: GeneratorKind,
    /// Float type of the computation.
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    dtype: Dtype,
    /// Output directory for params.npz, state.npz, history.json and the figures.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// No progress output (the accuracy is still printed).
    #[arg(long, short)]
    quiet: bool,
    /// Snap the decision boundary to a grid of this step, as the book's 0.001 [default: per pixel].
    #[arg(long, allow_negative_numbers = true)]
    grid_step: Option<f64>,
    /// BLAS threads [default: OpenBLAS's own choice, or OPENBLAS_NUM_THREADS].
    #[arg(long)]
    threads: Option<usize>,
}

/// `println!` that ignores a closed pipe (`| head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

fn parse_optimizer(name: &str) -> Result<OptimizerKind, String> {
    name.parse::<OptimizerKind>().map_err(|e| match e {
        nn_core::Error::InvalidArgument { detail, .. } => detail,
        other => other.to_string(),
    })
}

fn report(outcome: &run::Outcome, quiet: bool) {
    let (correct, total) = outcome.accuracy;
    say!(
        "accuracy: {:.0}% ({correct} of {total})",
        100.0 * correct as f64 / total as f64
    );
    if !quiet {
        for file in &outcome.files {
            eprintln!("wrote {}", file.display());
        }
        eprintln!(
            "training took {:.3} s, the figures {:.3} s",
            outcome.train_seconds, outcome.plot_seconds
        );
        iteration_line(&outcome.iteration_times);
    }
}

/// The line every training command ends with (on stderr, beside its other
/// notes, so that stdout stays the book's lines): the median training
/// iteration of the run, apart from loading and evaluation.
fn iteration_line(times: &nn_train::IterationTimes) {
    if let Some(line) = times.summary() {
        eprintln!("{line}");
    }
}

/// Chapter 6's threads: as given, or every core, for the softmax and the
/// large products split by `nn_core::parallel`; OpenBLAS itself on one (its
/// idle workers would spin on the cores the work between products needs).
fn set_split_threads(threads: Option<usize>) {
    let threads = threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    nn_core::blas::set_threads(threads);
    nn_core::blas::set_openblas_threads(1);
}

/// `info`: what runs the matrix products, on what.
fn info() {
    use nn_core::blas::{self, KernelAdvice};
    say!("nn-examples {}", env!("CARGO_PKG_VERSION"));
    say!("BLAS: {}", blas::backend_name());
    say!("CPU: {}", blas::CpuInfo::detect());
    let advice = blas::kernel_advice();
    let verdict = match &advice {
        KernelAdvice::Fitting => "fit the CPU".to_owned(),
        KernelAdvice::UserChoice { coretype } => {
            // What the rule would pick without the user's setting.
            let core = blas::blas_info().map(|i| i.core).unwrap_or_default();
            let hint = match blas::advise(&core, blas::CpuFeatures::detect(), None, &[]) {
                KernelAdvice::Switch {
                    coretype: better, ..
                } => format!(
                    "; this CPU would run {better}'s kernels, faster: \
                     OPENBLAS_CORETYPE={better}"
                ),
                _ => String::new(),
            };
            format!("set by OPENBLAS_CORETYPE={coretype} (yours, left as it is{hint})")
        }
        _ => blas::kernel_warning(&advice).unwrap_or_default(),
    };
    say!("kernels: {verdict}");
}

fn main() -> ExitCode {
    // Before anything else: a restart with the right OpenBLAS kernels repeats what ran before it.
    nn_core::blas::ensure_fitting_kernels();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Info) => {
            info();
            Ok(())
        }
        Some(Command::CountSmall { out, quiet }) => {
            nn_examples::ch02::count_small(&out).map(|(lines, figure)| {
                for line in lines {
                    say!("{line}");
                }
                if !quiet {
                    eprintln!("wrote {}", figure.display());
                }
            })
        }
        Some(Command::CountBig {
            data,
            out,
            window,
            wordvec_size,
            iterations,
            seed,
            threads,
            quiet,
        }) => {
            let threads = threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            nn_core::blas::set_threads(threads);
            let config = nn_examples::ch02::CountBigConfig {
                source: nn_text::ptb::Source::from_args(data.as_deref()),
                window,
                wordvec_size,
                iterations,
                seed,
                threads,
                out,
                quiet,
            };
            nn_examples::ch02::count_big(&config, &mut std::io::stdout().lock()).map(|r| {
                if !quiet {
                    let [load, count, ppmi, svd] = r.seconds;
                    eprintln!(
                        "wrote {} ({} words × {}); PPMI non-zeros {}; load {load:.2} s, count {count:.2} s, PPMI {ppmi:.2} s, SVD {svd:.2} s",
                        r.saved.display(),
                        r.vocab.len(),
                        r.word_vecs.ncols(),
                        r.ppmi_nonzeros
                    );
                }
            })
        }
        Some(Command::CbowSimple {
            skip_gram,
            epochs,
            hidden,
            batch_size,
            seed,
            out,
            quiet,
        }) => {
            let config = nn_examples::ch03::CbowSimpleConfig {
                skip_gram,
                hidden,
                batch_size,
                epochs,
                seed,
                out,
            };
            let mut progress = nn_train::for_stdout(quiet);
            nn_examples::ch03::cbow_simple(&config, &mut *progress).map(|r| {
                for line in &r.word_lines {
                    say!("{line}");
                }
                if !quiet {
                    eprintln!("wrote {}", r.figure.display());
                    iteration_line(&r.iteration_times);
                }
            })
        }
        Some(Command::Word2vec {
            data,
            model,
            mode,
            epochs,
            window,
            hidden,
            batch_size,
            seed,
            threads,
            corpus_words,
            out,
            quiet,
        }) => {
            let config = nn_examples::ch04::Word2VecConfig {
                source: nn_text::ptb::Source::from_args(data.as_deref()),
                architecture: model.into(),
                mode: match mode {
                    Word2vecMode::Book => nn_examples::ch04::Mode::Book,
                    Word2vecMode::Fast => nn_examples::ch04::Mode::Fast,
                },
                window,
                hidden,
                batch_size,
                epochs,
                seed,
                threads,
                corpus_words,
                out,
            };
            let mut progress = nn_train::for_stdout(quiet);
            let mut lines: Box<dyn std::io::Write> = if quiet {
                Box::new(std::io::sink())
            } else {
                Box::new(std::io::stdout())
            };
            nn_examples::ch04::word2vec(&config, &mut *progress, &mut lines).map(|r| {
                if !quiet {
                    for file in &r.files {
                        eprintln!("wrote {}", file.display());
                    }
                    let words = r.corpus_words * config.epochs;
                    eprintln!(
                        "trained {} epochs on {} words in {:.1} s ({:.0} words/s)",
                        config.epochs,
                        r.corpus_words,
                        r.seconds,
                        words as f64 / r.seconds,
                    );
                    iteration_line(&r.iteration_times);
                }
            })
        }
        Some(Command::Word2vecEval { params, model, out }) => {
            let path = params.unwrap_or_else(|| {
                nn_examples::ch04::Word2VecConfig::params_file(&out, model.into())
            });
            nn_examples::ch04::word2vec_eval(&path, &mut std::io::stdout().lock()).map(|_| ())
        }
        Some(Command::RnnlmSimple {
            data,
            epochs,
            seed,
            out,
            quiet,
        }) => {
            let config = nn_examples::ch05::RnnlmSimpleConfig {
                source: nn_text::ptb::Source::from_args(data.as_deref()),
                epochs,
                seed,
                out,
                ..Default::default()
            };
            nn_examples::ch05::rnnlm_simple(&config, &mut std::io::stdout()).map(|r| {
                if !quiet {
                    eprintln!(
                        "wrote {}",
                        config.out.join("rnnlm_simple_perplexity.png").display()
                    );
                    iteration_line(&r.iteration_times);
                }
            })
        }
        Some(Command::Rnnlm {
            data,
            better,
            epochs,
            batch_size,
            time_size,
            hidden,
            lr,
            max_grad,
            dropout,
            eval_interval,
            seed,
            corpus_words,
            threads,
            out,
            resume,
            quiet,
        }) => {
            set_split_threads(threads);
            let base = if better {
                nn_examples::ch06::RnnlmConfig::better()
            } else {
                nn_examples::ch06::RnnlmConfig::default()
            };
            let config = nn_examples::ch06::RnnlmConfig {
                source: nn_text::ptb::Source::from_args(data.as_deref()),
                batch_size,
                time_size,
                wordvec_size: hidden.unwrap_or(base.wordvec_size),
                hidden_size: hidden.unwrap_or(base.hidden_size),
                lr,
                epochs: epochs.unwrap_or(base.epochs),
                max_grad,
                dropout,
                eval_interval,
                seed,
                corpus_words,
                out,
                resume,
                quiet,
                ..base
            };
            nn_examples::ch06::rnnlm(&config, &mut std::io::stdout()).map(|r| {
                if !quiet {
                    for file in &r.files {
                        eprintln!("wrote {}", file.display());
                    }
                    eprintln!("took {:.1} s", r.seconds);
                    iteration_line(&r.iteration_times);
                }
            })
        }
        Some(Command::TransformerLm {
            data,
            layers,
            heads,
            d_model,
            d_ff,
            post_ln,
            epochs,
            batch_size,
            time_size,
            lr,
            max_grad,
            dropout,
            eval_interval,
            seed,
            corpus_words,
            threads,
            out,
            resume,
            quiet,
        }) => {
            set_split_threads(threads);
            let config = nn_examples::ch06::RnnlmConfig {
                source: nn_text::ptb::Source::from_args(data.as_deref()),
                transformer: Some(nn_examples::ch06::TransformerLmSettings {
                    layers,
                    heads,
                    d_model,
                    d_ff,
                    norm_first: !post_ln,
                }),
                batch_size,
                time_size,
                wordvec_size: d_model,
                hidden_size: d_model,
                lr,
                epochs,
                max_grad,
                dropout,
                eval_interval,
                seed,
                corpus_words,
                out,
                resume,
                quiet,
                ..nn_examples::ch06::RnnlmConfig::transformer()
            };
            nn_examples::ch06::rnnlm(&config, &mut std::io::stdout()).map(|r| {
                if !quiet {
                    for file in &r.files {
                        eprintln!("wrote {}", file.display());
                    }
                    eprintln!("took {:.1} s", r.seconds);
                    iteration_line(&r.iteration_times);
                }
            })
        }
        Some(Command::RnnlmEval {
            saved,
            threads,
            corpus_words,
            quiet,
        }) => {
            set_split_threads(threads);
            let (path, source) = saved.resolve();
            nn_examples::ch06::rnnlm_eval(
                &path,
                &source,
                corpus_words,
                quiet,
                &mut std::io::stdout(),
            )
            .map(|_| ())
        }
        Some(Command::RnnlmGenerate { saved, start, seed }) => {
            let (path, source) = saved.resolve();
            nn_examples::ch06::rnnlm_generate(&path, &source, &start, seed, &mut std::io::stdout())
                .map(|_| ())
        }
        Some(Command::Seq2seq {
            reverse,
            peeky,
            hidden,
            epochs,
            common,
        }) => {
            let mut config = nn_examples::ch07::Seq2seqConfig::seq2seq();
            config.reverse = reverse;
            if peeky {
                config.model = nn_examples::ch07::ModelKind::Peeky;
            }
            common.run(config, epochs, hidden)
        }
        Some(Command::Attention {
            no_reverse,
            hidden,
            epochs,
            common,
        }) => {
            let mut config = nn_examples::ch07::Seq2seqConfig::attention();
            config.reverse = !no_reverse;
            common.run(config, epochs, hidden)
        }
        Some(Command::Transformer {
            task,
            layers,
            heads,
            d_model,
            d_ff,
            post_ln,
            dropout,
            reverse,
            no_reverse,
            epochs,
            common,
        }) => {
            let mut config = nn_examples::ch07::Seq2seqConfig::transformer();
            config.set = match task {
                TaskArg::Addition => nn_text::sequence::SequenceSet::Addition,
                TaskArg::Date => nn_text::sequence::SequenceSet::Date,
            };
            config.reverse = match task {
                TaskArg::Date => !no_reverse,
                TaskArg::Addition => reverse,
            };
            config.transformer = nn_examples::ch07::TransformerSettings {
                layers,
                heads,
                d_model,
                d_ff,
                norm_first: !post_ln,
                dropout,
            };
            common.run(config, epochs, d_model)
        }
        Some(Command::Seq2seqEval {
            params,
            model,
            out,
            data,
            reverse,
            no_reverse,
            seed,
            one_at_a_time,
            threads,
        }) => {
            use nn_examples::ch07::{ModelKind, Seq2seqConfig, seq2seq_eval};
            use std::io::IsTerminal;
            set_split_threads(threads);
            let kind = match model {
                Seq2seqModelArg::Seq2seq => ModelKind::Seq2seq,
                Seq2seqModelArg::Peeky => ModelKind::Peeky,
                Seq2seqModelArg::Attention => ModelKind::Attention,
                Seq2seqModelArg::Transformer => ModelKind::Transformer,
            };
            let params = params.unwrap_or_else(|| Seq2seqConfig::params_file(&out, kind));
            let reverse = (reverse || no_reverse).then_some(reverse);
            let data = data.or_else(|| {
                env_data(nn_text::sequence::SequenceSet::Addition)
                    .or_else(|| env_data(nn_text::sequence::SequenceSet::Date))
            });
            let color = std::io::stdout().is_terminal();
            seq2seq_eval(
                &params,
                data.as_deref(),
                reverse,
                seed,
                one_at_a_time,
                &mut std::io::stdout(),
                color,
            )
            .map(|_| ())
        }
        Some(Command::AttentionShow {
            params,
            transformer,
            reverse,
            no_reverse,
            data,
            seed,
            count,
            out,
            quiet,
        }) => {
            let config = nn_examples::ch08::AttentionShowConfig {
                params: params.unwrap_or_else(|| {
                    nn_examples::ch07::Seq2seqConfig::params_file(
                        &out,
                        if transformer {
                            nn_examples::ch07::ModelKind::Transformer
                        } else {
                            nn_examples::ch07::ModelKind::Attention
                        },
                    )
                }),
                data: data.or_else(|| env_data(nn_text::sequence::SequenceSet::Date)),
                out,
                seed,
                count,
                reverse: (reverse || no_reverse).then_some(reverse),
            };
            nn_examples::ch08::attention_show(&config).map(|maps| {
                if !quiet {
                    for map in maps {
                        let head = map
                            .head
                            .map(|(l, h)| format!(" (layer {}, head {})", l + 1, h + 1))
                            .unwrap_or_default();
                        eprintln!(
                            "wrote {}: {} → {}{head}",
                            map.file.display(),
                            map.question.trim_end(),
                            map.answer
                        );
                    }
                }
            })
        }
        Some(Command::Eval {
            params,
            seed,
            generator,
        }) => run::evaluate(&params, seed, generator).map(|(c, n)| {
            say!("accuracy: {:.0}% ({c} of {n})", 100.0 * c as f64 / n as f64);
        }),
        Some(Command::Resume {
            out,
            epochs,
            quiet,
            grid_step,
        }) => run::resume(&out, epochs, quiet, grid_step).map(|o| report(&o, quiet)),
        None => {
            let a = cli.train;
            if let Some(t) = a.threads {
                nn_core::blas::set_threads(t);
            }
            let config = TrainConfig {
                epochs: a.epochs,
                batch_size: a.batch_size,
                hidden: a.hidden,
                lr: a.lr,
                optimizer: a.optimizer,
                max_grad: a.max_grad,
                eval_interval: a.eval_interval,
                seed: a.seed,
                generator: a.generator,
                dtype: a.dtype,
                out: a.out,
                quiet: a.quiet,
                grid_step: a.grid_step,
            };
            run::train(&config).map(|o| report(&o, config.quiet))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
