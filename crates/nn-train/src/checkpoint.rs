//! A run's state beside its parameters (see [`crate::save_params`]) as
//! `.npz`: the optimizer, the trainer's place, the generator.

use std::path::Path;

use ndarray::{Array1, ArrayD, IxDyn};
use nn_core::{Error, Float, Result};
use nn_optim::OptimizerState;

use crate::{
    GeneratorState, NpyArray, Npz, NumpyState, Record, TrainerState, as_float, float_array,
};

/// Everything besides the parameters that resuming a run needs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunState<F> {
    /// The optimizer's moments, step and learning rate.
    pub optimizer: OptimizerState<F>,
    /// The trainer's epoch, data order, pending loss and history.
    pub trainer: TrainerState,
    /// The random generator, exactly where it stopped.
    pub generator: GeneratorState,
}

fn scalar_u64(v: u64) -> NpyArray {
    ArrayD::from_elem(IxDyn(&[]), v).into()
}

fn vector_u64(v: impl Iterator<Item = u64>) -> NpyArray {
    NpyArray::U64(Array1::from_iter(v).into_dyn())
}

fn vector_f64(v: Vec<f64>) -> NpyArray {
    NpyArray::F64(Array1::from(v).into_dyn())
}

impl<F: Float> RunState<F> {
    /// The state as named arrays (`optimizer.*`, `trainer.*`, `generator.*`),
    /// to be written with [`Npz::write`] beside the parameters.
    pub fn to_npz(&self) -> Npz {
        let mut npz = Npz::new();
        insert_optimizer(&mut npz, &self.optimizer);
        let t = &self.trainer;
        npz.insert("trainer.epoch", scalar_u64(t.epoch as u64));
        npz.insert("trainer.iterations", scalar_u64(t.iterations as u64));
        npz.insert(
            "trainer.order",
            vector_u64(t.order.iter().map(|&i| i as u64)),
        );
        npz.insert(
            "trainer.pending_loss",
            ArrayD::from_elem(IxDyn(&[]), t.pending.0),
        );
        npz.insert("trainer.pending_count", scalar_u64(t.pending.1 as u64));
        npz.insert(
            "trainer.history_epoch",
            vector_u64(t.history.iter().map(|r| r.epoch as u64)),
        );
        npz.insert(
            "trainer.history_iteration",
            vector_u64(t.history.iter().map(|r| r.iteration as u64)),
        );
        npz.insert(
            "trainer.history_loss",
            vector_f64(t.history.iter().map(|r| r.loss).collect()),
        );
        insert_generator(&mut npz, &self.generator);
        npz
    }

    /// Reads the state back from arrays written by [`to_npz`](Self::to_npz);
    /// `path` names the file in messages.
    ///
    /// # Errors
    /// A missing array or one of the wrong type or shape, named.
    pub fn from_npz(npz: &Npz, path: &Path) -> Result<Self> {
        let r = npz.fields(path);
        let optimizer = read_optimizer(npz, path)?;
        let epochs = r.u64_vector("trainer.history_epoch")?;
        let iterations = r.u64_vector("trainer.history_iteration")?;
        let losses = r.f64_vector("trainer.history_loss")?;
        if epochs.len() != losses.len() || iterations.len() != losses.len() {
            return Err(Error::file(
                path,
                "the trainer's history arrays differ in length",
            ));
        }
        let history = epochs
            .iter()
            .zip(&iterations)
            .zip(&losses)
            .map(|((&e, &i), &loss)| Record {
                epoch: e as usize,
                iteration: i as usize,
                loss,
                seconds: None,
            })
            .collect();
        let trainer = TrainerState {
            epoch: r.u64_scalar("trainer.epoch")? as usize,
            iterations: r.u64_scalar("trainer.iterations")? as usize,
            order: r
                .u64_vector("trainer.order")?
                .into_iter()
                .map(|i| i as usize)
                .collect(),
            pending: (
                r.f64_scalar("trainer.pending_loss")?,
                r.u64_scalar("trainer.pending_count")? as usize,
            ),
            history,
        };
        let generator = read_generator(npz, path)?;
        Ok(Self {
            optimizer,
            trainer,
            generator,
        })
    }
}

/// Writes an optimizer's state as `optimizer.*` arrays (its name, learning
/// rate, step and moments).
pub fn insert_optimizer<F: Float>(npz: &mut Npz, o: &OptimizerState<F>) {
    npz.insert("optimizer.name", bytes(o.optimizer.as_bytes()));
    npz.insert(
        "optimizer.learning_rate",
        ArrayD::from_elem(IxDyn(&[]), o.learning_rate),
    );
    npz.insert("optimizer.step", scalar_u64(o.step));
    for (name, array) in &o.slots {
        npz.insert(format!("optimizer.{name}"), float_array(array.clone()));
    }
}

/// Reads what [`insert_optimizer`] wrote; `path` names the file in messages.
///
/// # Errors
/// A missing array or one of the wrong type, named.
pub fn read_optimizer<F: Float>(npz: &Npz, path: &Path) -> Result<OptimizerState<F>> {
    let r = npz.fields(path);
    let name = String::from_utf8(r.bytes("optimizer.name")?)
        .map_err(|_| Error::file(path, "optimizer.name is not UTF-8"))?;
    let mut slots = Vec::new();
    for key in npz.names().filter_map(|n| n.strip_prefix("optimizer.")) {
        if matches!(key, "name" | "learning_rate" | "step") {
            continue;
        }
        let array = npz
            .get(&format!("optimizer.{key}"))
            .and_then(as_float::<F>)
            .ok_or_else(|| {
                Error::file(
                    path,
                    format!("optimizer.{key} is not of the model's type {}", F::DTYPE),
                )
            })?;
        slots.push((key.to_owned(), array.clone()));
    }
    let optimizer = OptimizerState {
        optimizer: name,
        learning_rate: r.f64_scalar("optimizer.learning_rate")?,
        step: r.u64_scalar("optimizer.step")?,
        slots,
    };
    Ok(optimizer)
}

/// Writes a generator's state as `generator.*` arrays.
pub fn insert_generator(npz: &mut Npz, generator: &GeneratorState) {
    match generator {
        GeneratorState::Numpy(s) => {
            npz.insert("generator.kind", bytes(b"numpy"));
            npz.insert(
                "generator.key",
                NpyArray::U32(Array1::from(s.key.clone()).into_dyn()),
            );
            npz.insert("generator.pos", scalar_u64(s.pos as u64));
            npz.insert("generator.gauss", vector_f64(s.gauss.into_iter().collect()));
        }
        GeneratorState::ChaCha {
            seed,
            stream,
            word_pos,
        } => {
            npz.insert("generator.kind", bytes(b"chacha12"));
            npz.insert("generator.seed", bytes(seed));
            npz.insert("generator.stream", scalar_u64(*stream));
            npz.insert(
                "generator.word_pos",
                vector_u64([(*word_pos >> 64) as u64, *word_pos as u64].into_iter()),
            );
        }
    }
}

/// Reads what [`insert_generator`] wrote; `path` names the file in messages.
///
/// # Errors
/// A missing array or one of the wrong type, or an unknown generator.
pub fn read_generator(npz: &Npz, path: &Path) -> Result<GeneratorState> {
    let r = npz.fields(path);
    let generator = match r.bytes("generator.kind")?.as_slice() {
        b"numpy" => {
            let key = match npz.get("generator.key") {
                Some(NpyArray::U32(a)) if a.ndim() == 1 => a.iter().copied().collect(),
                _ => return Err(r.wrong("generator.key", "a uint32 vector")),
            };
            let gauss = r.f64_vector("generator.gauss")?;
            GeneratorState::Numpy(NumpyState {
                key,
                pos: r.u64_scalar("generator.pos")? as usize,
                gauss: gauss.first().copied(),
            })
        }
        b"chacha12" => {
            let seed: [u8; 32] = r
                .bytes("generator.seed")?
                .try_into()
                .map_err(|_| r.wrong("generator.seed", "32 bytes"))?;
            let pos = r.u64_vector("generator.word_pos")?;
            let [high, low] = pos[..] else {
                return Err(r.wrong("generator.word_pos", "two uint64 words"));
            };
            GeneratorState::ChaCha {
                seed,
                stream: r.u64_scalar("generator.stream")?,
                word_pos: (u128::from(high) << 64) | u128::from(low),
            }
        }
        other => {
            return Err(Error::file(
                path,
                format!("unknown generator {:?}", String::from_utf8_lossy(other)),
            ));
        }
    };
    Ok(generator)
}

fn bytes(b: &[u8]) -> NpyArray {
    NpyArray::U8(Array1::from(b.to_vec()).into_dyn())
}
