//! A steady-state training step of the word2vec, RNN language and seq2seq
//! models allocates nothing:
//! the shared weights' single gradients, the samplers' buffers and every
//! layer's outputs are reused. Counted with a global allocator; this test
//! binary holds this one test so that no other test's allocations count, and
//! takes the fewest of three rounds so that the harness's own thread can't
//! make a step look like it allocates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use nn_core::transformer::TransformerConfig;
use nn_models::transformer::{
    TransformerLm, TransformerLmConfig, TransformerSeq2seq, TransformerSeq2seqConfig,
};
use nn_models::word2vec::{Cbow, SimpleCbow, SkipGram};
use nn_optim::{Adam, Optimizer, Update};
use nn_text::create_contexts_target;
use nn_train::{Model, NumpyRandom};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

fn steps<M: Model<f32, Input = usize, Label = usize>>(
    model: &mut M,
    n: usize,
    window: usize,
) -> usize {
    let corpus: Vec<usize> = (0..1000).map(|i| (i * 7 + i / 5) % 40).collect();
    let (contexts, target) = create_contexts_target(&corpus, window).unwrap();
    let mut adam = Adam::<f32>::default();
    let mut step = |model: &mut M, k: usize| {
        let rows = k * 16..(k + 1) * 16;
        model
            .forward(contexts.slice(ndarray::s![rows.clone(), ..]), &target[rows])
            .unwrap();
        model.backward().unwrap();
        assert_eq!(adam.update(model).unwrap(), Update::Applied);
    };
    let warm_up = allocations_during(|| (0..2).for_each(|k| step(model, k)));
    assert!(warm_up > 0, "the counter sees allocations");
    // The fewest of three rounds: an allocation of the step itself shows in
    // every round, while the test harness's own threads cannot add to all.
    (0..3)
        .map(|round| {
            let first = 2 + round * n;
            allocations_during(|| (first..first + n).for_each(|k| step(model, k)))
        })
        .min()
        .unwrap_or(0)
}

#[test]
fn steady_state_word2vec_and_rnnlm_steps_do_not_allocate() {
    let corpus: Vec<usize> = (0..400).map(|i| (i * 7 + i / 5) % 40).collect();
    let mut rng = NumpyRandom::new(1);
    let mut cbow = Cbow::<f32>::new(40, 8, 2, &corpus, &mut rng, 1).unwrap();
    assert_eq!(steps(&mut cbow, 10, 2), 0, "CBOW");
    let mut skip_gram = SkipGram::<f32>::new(40, 8, 2, &corpus, &mut rng, 1).unwrap();
    assert_eq!(steps(&mut skip_gram, 10, 2), 0, "SkipGram");
    if cfg!(feature = "blas") {
        // matrixmultiply (without BLAS) allocates its packing buffers.
        let mut simple = SimpleCbow::<f32>::new(40, 8, &mut rng).unwrap();
        assert_eq!(steps(&mut simple, 10, 1), 0, "SimpleCBOW");
    }
    rnnlm_steps_do_not_allocate();
    seq2seq_steps_do_not_allocate();
    // At 2 threads the recurrent layers split their rows (and from H = 192
    // their units) on the worker pool, which starts in the warm-up.
    nn_core::parallel::set_threads(2);
    rnnlm_steps_do_not_allocate();
    seq2seq_steps_do_not_allocate();
    large_steps_split_between_threads_do_not_allocate();
    nn_core::parallel::set_threads(1);
}

/// Steps large enough that every split happens (rows, units, products by
/// columns), at the thread count the caller set.
fn large_steps_split_between_threads_do_not_allocate() {
    use nn_models::rnnlm::{BetterRnnlm, LanguageModel};
    use nn_models::seq2seq::AttentionSeq2seq;
    if !cfg!(feature = "blas") {
        return; // matrixmultiply allocates its packing buffers
    }
    let (v, h, n) = (50, 256, 16);
    let xs = ndarray::Array2::from_shape_fn((n, 8), |(i, j)| (i * 3 + j * 5) % v);
    let ts = xs.mapv(|i| ((i * 7 + 1) % v) as isize);
    let rng = nn_core::SharedRng::new(NumpyRandom::new(4));
    let mut better = BetterRnnlm::<f32>::new(v, h, h, 0.5, &mut *rng.lock(), rng.clone()).unwrap();
    let mut sgd = nn_optim::OptimizerKind::Sgd
        .build::<f32>(Some(0.1))
        .unwrap();
    let mut step = || {
        better.forward(xs.view(), ts.view()).unwrap();
        better.backward().unwrap();
        assert_eq!(sgd.update(&mut better).unwrap(), Update::Applied);
    };
    step();
    step();
    let fewest = (0..3).map(|_| allocations_during(&mut step)).min();
    assert_eq!(fewest, Some(0), "BetterRnnlm at H = {h}, split");

    let questions = ndarray::Array2::from_shape_fn((n, 7), |(i, j)| (i * 3 + j * 5) % v);
    let answers: Vec<usize> = (0..n * 5).map(|i| (i * 7 + i / 4) % v).collect();
    let mut attention = AttentionSeq2seq::<f32>::new(v, 16, h, &mut NumpyRandom::new(5)).unwrap();
    let mut adam = Adam::<f32>::default();
    let mut step = || {
        attention.forward(questions.view(), &answers).unwrap();
        Model::backward(&mut attention).unwrap();
        assert_eq!(adam.update(&mut attention).unwrap(), Update::Applied);
    };
    step();
    step();
    let fewest = (0..3).map(|_| allocations_during(&mut step)).min();
    assert_eq!(fewest, Some(0), "AttentionSeq2seq at H = {h}, split");
}

/// Chapters 7–8's models, a step as the Trainer takes it (forward on rows of
/// questions and answers, backward, Adam), allocate nothing once warm.
fn seq2seq_steps_do_not_allocate() {
    use nn_models::seq2seq::{AttentionSeq2seq, PeekySeq2seq, Seq2seq};
    if !cfg!(feature = "blas") {
        return; // matrixmultiply allocates its packing buffers
    }
    // Steps of 6 and 4 characters; 9 and 8 for the Transformer, whose
    // per-head products below 8 would go to matrixmultiply (ndarray's route
    // for the smallest), which allocates its packing buffers.
    fn rounds<M: Model<f32, Input = usize, Label = usize>>(model: &mut M) -> usize {
        rounds_of(model, 6, 4)
    }
    fn rounds_of<M: Model<f32, Input = usize, Label = usize>>(
        model: &mut M,
        tq: usize,
        ta: usize,
    ) -> usize {
        let xs = ndarray::Array2::from_shape_fn((64, tq), |(i, j)| (i * 3 + j * 5) % 12);
        let ts: Vec<usize> = (0..64 * ta).map(|i| (i * 7 + i / 4) % 12).collect();
        let mut adam = Adam::<f32>::default();
        let mut step = |model: &mut M, k: usize| {
            let rows = (k % 4) * 16..(k % 4 + 1) * 16;
            model
                .forward(
                    xs.slice(ndarray::s![rows.clone(), ..]),
                    &ts[rows.start * ta..rows.end * ta],
                )
                .unwrap();
            model.backward().unwrap();
            assert_eq!(adam.update(model).unwrap(), Update::Applied);
        };
        let warm_up = allocations_during(|| (0..2).for_each(|k| step(model, k)));
        assert!(warm_up > 0);
        (0..3)
            .map(|round| allocations_during(|| (0..4).for_each(|k| step(model, 2 + round * 4 + k))))
            .min()
            .unwrap_or(0)
    }
    let mut rng = NumpyRandom::new(3);
    let mut plain = Seq2seq::<f32>::new(12, 4, 8, &mut rng).unwrap();
    assert_eq!(rounds(&mut plain), 0, "Seq2seq");
    let mut peeky = PeekySeq2seq::<f32>::new(12, 4, 8, &mut rng).unwrap();
    assert_eq!(rounds(&mut peeky), 0, "PeekySeq2seq");
    let mut attention = AttentionSeq2seq::<f32>::new(12, 4, 8, &mut rng).unwrap();
    assert_eq!(rounds(&mut attention), 0, "AttentionSeq2seq");
    // The Transformer, with dropout (its masks drawn into reused buffers).
    let config = TransformerSeq2seqConfig {
        vocab_size: 12,
        max_len: 9,
        encoder_layers: 2,
        decoder_layers: 2,
        layer: TransformerConfig {
            dropout: 0.1,
            ..TransformerConfig::new(16, 2)
        },
    };
    let masks = nn_core::SharedRng::new(NumpyRandom::new(6));
    let mut transformer = TransformerSeq2seq::<f32>::new(config, &mut rng, Some(&masks)).unwrap();
    assert_eq!(rounds_of(&mut transformer, 9, 9), 0, "TransformerSeq2seq");
}

/// Chapters 5–6's language models trained by the RnnlmTrainer (batches,
/// forward, backward, clipping, SGD; BetterRnnlm's dropout masks and tied
/// weights) allocate nothing once warm. (Called from the one test, so that
/// no other test runs beside it.)
fn rnnlm_steps_do_not_allocate() {
    use nn_models::rnnlm::{
        BetterRnnlm, FitConfig, LanguageModel, Rnnlm, RnnlmTrainer, SimpleRnnlm,
    };
    if !cfg!(feature = "blas") {
        return; // matrixmultiply allocates its packing buffers
    }
    fn rounds<M: LanguageModel<f32>>(model: M) -> Option<usize> {
        rounds_of(model, 5)
    }
    fn rounds_of<M: LanguageModel<f32>>(model: M, time_size: usize) -> Option<usize> {
        let corpus: Vec<usize> = (0..301).map(|i| (i * 7 + i / 3) % 30).collect();
        let (xs, ts) = (&corpus[..300], &corpus[1..]);
        let config = FitConfig {
            max_epoch: 1,
            batch_size: 4,
            time_size,
            max_grad: Some(0.25),
            eval_interval: None,
            max_iterations: None,
        };
        let sgd = nn_optim::OptimizerKind::Sgd.build(Some(0.1)).unwrap();
        let mut trainer = RnnlmTrainer::new(model, sgd);
        let warm_up = allocations_during(|| trainer.fit(xs, ts, &config, &mut |_| {}).unwrap());
        assert!(warm_up > 0);
        (0..3)
            .map(|_| allocations_during(|| trainer.fit_more(xs, ts, &config, &mut |_| {}).unwrap()))
            .min()
    }
    let mut rng = NumpyRandom::new(1);
    let simple = SimpleRnnlm::<f32>::new(30, 8, 8, &mut rng).unwrap();
    assert_eq!(rounds(simple), Some(0), "SimpleRnnlm");
    let rnnlm = Rnnlm::<f32>::new(30, 8, 8, &mut rng).unwrap();
    assert_eq!(rounds(rnnlm), Some(0), "Rnnlm");
    let rng = nn_core::SharedRng::new(NumpyRandom::new(2));
    let better = BetterRnnlm::<f32>::new(30, 8, 8, 0.5, &mut *rng.lock(), rng.clone()).unwrap();
    assert_eq!(rounds(better), Some(0), "BetterRnnlm");
    // Windows of 10: see the Transformer seq2seq's note.
    let config = TransformerLmConfig {
        vocab_size: 30,
        max_len: 10,
        layers: 2,
        layer: TransformerConfig {
            dropout: 0.1,
            norm_first: true,
            ..TransformerConfig::new(16, 2)
        },
    };
    let lm = TransformerLm::<f32>::new(config, &mut *rng.lock(), Some(&rng)).unwrap();
    assert_eq!(rounds_of(lm, 10), Some(0), "TransformerLm");
}
