//! Once an optimizer's state exists, an update allocates nothing; with BLAS,
//! neither does a whole training step (forward, backward, clipping, update).
//! Counted with a global allocator, per thread: only the allocations of the
//! thread that runs the step count (the test harness's own thread, or a
//! matrix-product library's pool, may allocate at any time).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::{batch, net};
use nn_optim::{OptimizerKind, Update, clip_grads};

struct Counting;

thread_local! {
    // Constant-initialised and without a destructor: reading it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // try_with: the allocator also runs while a thread is being torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
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
