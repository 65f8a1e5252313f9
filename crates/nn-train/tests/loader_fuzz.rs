//! The npz loader never panics, whatever bytes it is given: arbitrary bytes,
//! and valid files with bytes changed or cut off.

mod common;

use std::io::Cursor;

use nn_train::{Generator, Npz, Precision, load_params_from, save_params};
use proptest::prelude::*;

/// The names of the files written before the names were hierarchical.
const LEGACY: [&str; 4] = ["W1", "b1", "W2", "b2"];

fn valid_file() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("params.npz");
    let mut model = common::two_layer_net::<f64>(10, &mut Generator::numpy(3));
    save_params(&path, &mut model, Precision::Native).unwrap();
    std::fs::read(path).unwrap()
}

fn load(bytes: &[u8]) {
    // Errors are expected; panics are the failure.
    if let Ok(npz) = Npz::from_reader(Cursor::new(bytes), "fuzz.npz") {
        let mut model = common::two_layer_net::<f64>(10, &mut Generator::numpy(4));
        let _ = load_params_from(&npz, std::path::Path::new("fuzz.npz"), &mut model, &LEGACY);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        load(&bytes);
    }

    #[test]
    fn a_valid_file_with_bytes_changed(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = valid_file();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        load(&bytes);
    }

    #[test]
    fn a_valid_file_cut_short(at in any::<prop::sample::Index>()) {
        let bytes = valid_file();
        load(&bytes[..at.index(bytes.len())]);
    }
}
