//! Once an optimizer's state exists, an update allocates nothing; with BLAS,
//! neither does a whole training step (forward, backward, clipping, update).
//! Counted with a global allocator; the test binary holds this one test so
//! that no other test's allocations are counted.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{batch, net};
use nn_optim::{OptimizerKind, Update, clip_grads};

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

#[test]
fn steady_state_steps_do_not_allocate() {
    let (x, t) = batch::<f64>(1);
    for kind in OptimizerKind::ALL {
        let mut model = net::<f64>(1);
        let mut optimizer = kind.build::<f64>(None).unwrap();
        // Warm-up: buffers and moments are made here, which also shows
        // that the counter sees allocations at all.
        let warm_up = allocations_during(|| {
            for _ in 0..2 {
                model.forward(&x, &t).unwrap();
                model.backward().unwrap();
                assert_eq!(optimizer.update(&mut model).unwrap(), Update::Applied);
            }
        });
        assert!(warm_up > 0);

        let updates = allocations_during(|| {
            for _ in 0..20 {
                assert_eq!(optimizer.update(&mut model).unwrap(), Update::Applied);
                clip_grads(&mut model, 1.0).unwrap();
            }
        });
        assert_eq!(updates, 0, "{kind}: update and clip_grads allocated");

        // Without BLAS, ndarray's matrixmultiply allocates its packing buffers.
        if cfg!(feature = "blas") {
            let steps = allocations_during(|| {
                for _ in 0..20 {
                    model.forward(&x, &t).unwrap();
                    model.backward().unwrap();
                    clip_grads(&mut model, 1.0).unwrap();
                    assert_eq!(optimizer.update(&mut model).unwrap(), Update::Applied);
                    // The Trainer's step: no input gradient for the first layer.
                    model.forward(&x, &t).unwrap();
                    model.backward_params().unwrap();
                    assert_eq!(optimizer.update(&mut model).unwrap(), Update::Applied);
                }
            });
            assert_eq!(steps, 0, "{kind}: a training step allocated");
        }
    }
}
