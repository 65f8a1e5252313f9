//! A steady-state training step of the word2vec models allocates nothing:
//! the shared weights' single gradients, the samplers' buffers and every
//! layer's outputs are reused. Counted with a global allocator; this test
//! binary holds this one test so that no other test's allocations count, and
//! takes the fewest of three rounds so that the harness's own thread can't
//! make a step look like it allocates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use nn_optim::{Adam, Optimizer, Update};
use nn_text::create_contexts_target;
use nn_text::word2vec::{Cbow, SimpleCbow, SkipGram};
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
}

/// Chapter 5's SimpleRnnlm: embedding, stateful TimeRNN, TimeAffine and the
/// loss over (N, T) batches, with SGD, allocate nothing once warm. (Called
/// from the one test, so that no other test runs beside it.)
fn rnnlm_steps_do_not_allocate() {
    use nn_text::rnnlm::SimpleRnnlm;
    if !cfg!(feature = "blas") {
        return; // matrixmultiply allocates its packing buffers
    }
    let mut model = SimpleRnnlm::<f32>::new(30, 8, 8, &mut NumpyRandom::new(1)).unwrap();
    let mut sgd = nn_optim::Sgd::<f32>::default();
    let xs = ndarray::Array2::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) % 30);
    let ts = xs.mapv(|v| ((v + 1) % 30) as isize);
    let mut step = || {
        model.forward(xs.view(), ts.view()).unwrap();
        model.backward().unwrap();
        assert_eq!(sgd.update(&mut model).unwrap(), Update::Applied);
    };
    let warm_up = allocations_during(|| (0..2).for_each(|_| step()));
    assert!(warm_up > 0);
    let rounds = (0..3).map(|_| allocations_during(|| (0..10).for_each(|_| step())));
    assert_eq!(rounds.min(), Some(0), "SimpleRnnlm");
}
