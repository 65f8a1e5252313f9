//! Chapters 7–8's data sets against the book's `dataset/sequence.py`
//! (`reference/sequence.py`): the same vocabulary and the same split, row for
//! row, and clear errors on malformed files.

#[path = "reference/sequence_data.rs"]
#[rustfmt::skip]
mod data;

use data::*;
use ndarray::Array2;
use nn_text::sequence::{SequenceSet, parse};
use sha2::{Digest, Sha256};

fn check(what: &str, a: &Array2<usize>, (shape, digest, first): ([usize; 2], &str, &[usize])) {
    assert_eq!(a.shape(), shape, "{what}");
    assert_eq!(a.row(0).to_vec(), first, "{what}: first row");
    let mut hash = Sha256::new();
    for &v in a {
        hash.update((v as i64).to_le_bytes());
    }
    let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, digest, "{what}: the rows differ from the book's");
}

#[test]
fn both_sets_split_as_the_books_load_data() {
    for (set, vocab, parts) in [
        (
            SequenceSet::Addition,
            ADDITION_VOCAB,
            [
                ADDITION_X_TRAIN,
                ADDITION_T_TRAIN,
                ADDITION_X_TEST,
                ADDITION_T_TEST,
            ],
        ),
        (
            SequenceSet::Date,
            DATE_VOCAB,
            [DATE_X_TRAIN, DATE_T_TRAIN, DATE_X_TEST, DATE_T_TEST],
        ),
    ] {
        let d = set.load(Some(1984)).unwrap();
        assert_eq!(d.vocab.chars().iter().collect::<String>(), vocab);
        let name = set.file_name();
        check(&format!("{name} x_train"), &d.x_train, parts[0]);
        check(&format!("{name} t_train"), &d.t_train, parts[1]);
        check(&format!("{name} x_test"), &d.x_test, parts[2]);
        check(&format!("{name} t_test"), &d.t_test, parts[3]);
    }
    let d = SequenceSet::Addition.load(Some(1984)).unwrap();
    assert_eq!(d.vocab.decode(d.x_test.row(0).iter().copied()), "77+85  ");
    assert_eq!(d.vocab.encode("1+1").unwrap(), [0, 2, 0]);
    let e = d.vocab.encode("1*1").unwrap_err().to_string();
    assert!(e.contains("'*'") && e.contains("position 1"), "{e}");
}

#[test]
fn malformed_files_are_named_errors() {
    let e = parse("1+1 _2 \n2+2 3 \n", "bad.txt", None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.txt") && e.contains("line 2") && e.contains("'_'"),
        "{e}"
    );
    let e = parse("1+1 _2 \n10+1 _11\n", "ragged.txt", None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ragged.txt") && e.contains("line 2"), "{e}");
    let e = parse("", "empty.txt", None).unwrap_err().to_string();
    assert!(e.contains("empty.txt") && e.contains("no lines"), "{e}");
    // Unshuffled: the file's order; 10 lines give 9 for training and 1 for test.
    let text: String = (0..10).map(|i| format!("{i}+{i}_{:<2}\n", 2 * i)).collect();
    let d = parse(&text, "small.txt", None).unwrap();
    assert_eq!((d.x_train.nrows(), d.x_test.nrows()), (9, 1));
    assert_eq!(d.vocab.decode(d.x_test.row(0).iter().copied()), "9+9");
}
