//! The threads that run the blocks of a split: started once, woken for each
//! split, and never allocating once started.
//!
//! A training step splits its work many times (each recurrent layer's rows,
//! each large product's columns), so starting threads for each split would
//! cost tens of microseconds and an allocation every time. The pool's
//! workers instead wait for the next job: [`broadcast`] publishes a borrowed
//! closure, runs block 0 on the calling thread, and returns when every
//! worker has run its block. The closure is borrowed only for that call
//! (the scoped-thread pattern), so blocks can hold views into the caller's
//! arrays.
//!
//! One split runs at a time. A split asked for while another runs (another
//! thread of the program, or a block that splits again) runs its blocks one
//! after another on the asking thread: the same blocks, so the same numbers.

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

/// A job as the workers see it: the caller's closure with its lifetime
/// erased. [`broadcast`] does not return before every worker is done with
/// it, which is what makes the erasure sound.
#[derive(Clone, Copy)]
struct JobRef(*const (dyn Fn(usize) + Sync));

// SAFETY: the pointee is `Sync`, and it outlives every use (see `JobRef`).
unsafe impl Send for JobRef {}

struct State {
    /// Incremented for each job.
    generation: u64,
    job: Option<JobRef>,
    /// Blocks of the current job: the caller runs block 0, worker `w` block `w`.
    blocks: usize,
    /// Workers still running a block of the current job.
    running: usize,
    /// The first panic of a worker's block, passed on to the caller.
    panic: Option<Box<dyn Any + Send>>,
    /// Workers started (numbered 1..=workers).
    workers: usize,
}

struct Pool {
    state: Mutex<State>,
    start: Condvar,
    done: Condvar,
    /// `State::generation`, readable without the lock, for the short spin
    /// a worker makes before it sleeps.
    generation: AtomicU64,
    /// `State::running`, readable without the lock, for the caller's spin
    /// while the last blocks finish.
    running: AtomicUsize,
    /// Held by the split that runs; others run on their own thread.
    busy: AtomicBool,
}

thread_local! {
    /// Set on the pool's workers: a block that splits again runs its own
    /// blocks in turn.
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// How long a worker polls for the next job before it sleeps: a step's
/// splits follow each other within microseconds, and a wake-up from sleep
/// costs more than that.
const SPIN: u32 = 5_000;

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        state: Mutex::new(State {
            generation: 0,
            job: None,
            blocks: 0,
            running: 0,
            panic: None,
            workers: 0,
        }),
        start: Condvar::new(),
        done: Condvar::new(),
        generation: AtomicU64::new(0),
        running: AtomicUsize::new(0),
        busy: AtomicBool::new(false),
    })
}

fn lock(pool: &Pool) -> MutexGuard<'_, State> {
    // The state is only ever left consistent: blocks run outside the lock.
    pool.state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `job(0)`, …, `job(blocks − 1)`, each block on its own thread (block
/// 0 on this one), and returns when all are done; fewer when the system
/// refuses to start a worker (so the jobs of `for_each_block` take their
/// items from a shared iterator rather than by index). A panic in a block
/// is raised again here, after every block has ended.
pub(crate) fn broadcast(blocks: usize, job: &(dyn Fn(usize) + Sync)) {
    let pool = pool();
    if blocks <= 1
        || IN_WORKER.with(Cell::get)
        || pool
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
    {
        (0..blocks).for_each(job);
        return;
    }
    let mut state = lock(pool);
    while state.workers < blocks - 1 {
        state.workers += 1;
        let index = state.workers;
        // Started once per worker; a program that can't start one runs on
        // the threads it has.
        if std::thread::Builder::new()
            .name(format!("nn-core-{index}"))
            .spawn(move || work(pool, index))
            .is_err()
        {
            state.workers -= 1;
            break;
        }
    }
    let blocks = blocks.min(state.workers + 1);
    // SAFETY: only the lifetime is erased; the pointer is dropped by the
    // workers before `running` reaches 0, and this function waits for that.
    let erased: *const (dyn Fn(usize) + Sync + 'static) =
        unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), _>(job as *const _) };
    state.job = Some(JobRef(erased));
    state.blocks = blocks;
    state.running = blocks - 1;
    pool.running.store(blocks - 1, Ordering::Release);
    state.generation += 1;
    pool.generation.store(state.generation, Ordering::Release);
    drop(state);
    pool.start.notify_all();
    let mine = catch_unwind(AssertUnwindSafe(|| job(0)));
    // The other blocks are usually about done: poll before sleeping.
    let mut spins = 0;
    while pool.running.load(Ordering::Acquire) > 0 && spins < SPIN {
        std::hint::spin_loop();
        spins += 1;
    }
    let mut state = lock(pool);
    while state.running > 0 {
        state = pool
            .done
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
    }
    state.job = None;
    let theirs = state.panic.take();
    drop(state);
    pool.busy.store(false, Ordering::Release);
    if let Err(payload) = mine {
        resume_unwind(payload);
    }
    if let Some(payload) = theirs {
        resume_unwind(payload);
    }
}

/// A worker's life: wait for a job, run its block if it has one, report.
fn work(pool: &'static Pool, index: usize) {
    IN_WORKER.with(|w| w.set(true));
    let mut seen = 0;
    loop {
        let mut spins = 0;
        while pool.generation.load(Ordering::Acquire) == seen && spins < SPIN {
            std::hint::spin_loop();
            spins += 1;
        }
        let mut state = lock(pool);
        while state.generation == seen {
            state = pool
                .start
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        seen = state.generation;
        if index >= state.blocks {
            continue;
        }
        let Some(JobRef(job)) = state.job else {
            continue;
        };
        drop(state);
        // SAFETY: the caller of `broadcast` keeps the closure alive until
        // this worker has decremented `running` below.
        let result = catch_unwind(AssertUnwindSafe(|| unsafe { (*job)(index) }));
        let mut state = lock(pool);
        if let Err(payload) = result {
            state.panic.get_or_insert(payload);
        }
        state.running -= 1;
        pool.running.store(state.running, Ordering::Release);
        if state.running == 0 {
            pool.done.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_runs_once_and_panics_reach_the_caller() {
        for blocks in [1, 2, 3, 5] {
            let hits: Vec<AtomicUsize> = (0..blocks).map(|_| AtomicUsize::new(0)).collect();
            for _ in 0..50 {
                broadcast(blocks, &|i| {
                    hits[i].fetch_add(1, Ordering::Relaxed);
                });
            }
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 50));
        }
        // Nested: a block that splits again runs its blocks itself.
        let inner = AtomicUsize::new(0);
        broadcast(2, &|_| {
            broadcast(3, &|_| {
                inner.fetch_add(1, Ordering::Relaxed);
            })
        });
        assert_eq!(inner.load(Ordering::Relaxed), 6);
        let caught = catch_unwind(|| {
            broadcast(2, &|i| {
                assert!(i != 1, "block 1 fails");
            })
        });
        assert!(caught.is_err());
        // The pool still works after a panic.
        let after = AtomicUsize::new(0);
        broadcast(2, &|_| {
            after.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(after.load(Ordering::Relaxed), 2);
    }
}
