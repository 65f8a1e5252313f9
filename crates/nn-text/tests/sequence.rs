//! Chapters 7–8's data sets against the book's `dataset/sequence.py`
//! (`reference/sequence.py`): the same vocabulary and the same split, row for
//! row, and clear errors on malformed files.

#[path = "reference/sequence_data.rs"]
#[rustfmt::skip]
mod data;

use data::*;
use ndarray::Array2;
use nn_text::sequence::{SequenceSet, parse, parse_with};
use nn_train::{NumpyRandom, Shuffle};
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
        let d = set.load(1984).unwrap();
        assert_eq!(d.vocab.chars().iter().collect::<String>(), vocab);
        let name = set.file_name();
        check(&format!("{name} x_train"), &d.x_train, parts[0]);
        check(&format!("{name} t_train"), &d.t_train, parts[1]);
        check(&format!("{name} x_test"), &d.x_test, parts[2]);
        check(&format!("{name} t_test"), &d.t_test, parts[3]);
    }
    let d = SequenceSet::Addition.load(1984).unwrap();
    assert_eq!(d.vocab.decode(d.x_test.row(0).iter().copied()), "77+85  ");
    assert_eq!(d.vocab.encode("1+1").unwrap(), [0, 2, 0]);
    let e = d.vocab.encode("1*1").unwrap_err().to_string();
    assert!(e.contains("'*'") && e.contains("position 1"), "{e}");
}

#[test]
fn malformed_files_are_named_errors() {
    let e = parse("1+1 _2 \n2+2 3 \n", "bad.txt", 0)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.txt") && e.contains("line 2") && e.contains("'_'"),
        "{e}"
    );
    let e = parse("1+1 _2 \n10+1 _11\n", "ragged.txt", 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ragged.txt") && e.contains("line 2"), "{e}");
    let e = parse("", "empty.txt", 0).unwrap_err().to_string();
    assert!(e.contains("empty.txt") && e.contains("no lines"), "{e}");
    // In the file's order (a shuffle that leaves the indices alone): 10
    // lines give 9 for training and 1 for test.
    struct InOrder;
    impl Shuffle for InOrder {
        fn shuffle_indices(&mut self, _: &mut [usize]) {}
    }
    let text: String = (0..10).map(|i| format!("{i}+{i}_{:<2}\n", 2 * i)).collect();
    let d = parse_with(&text, "small.txt", &mut InOrder).unwrap();
    assert_eq!((d.x_train.nrows(), d.x_test.nrows()), (9, 1));
    assert_eq!(d.vocab.decode(d.x_test.row(0).iter().copied()), "9+9");
}

/// The book's `load_data(seed=None)` shuffles with numpy's generator as it
/// stands: `load_with` takes the caller's, which goes on from there.
#[test]
fn load_with_shuffles_from_the_callers_generator() {
    let mut rng = NumpyRandom::new(1984);
    let d = SequenceSet::Addition.load_with(&mut rng).unwrap();
    assert_eq!(d, SequenceSet::Addition.load(1984).unwrap());
    let mut after = NumpyRandom::new(1984);
    after.permutation(50_000);
    assert_eq!(
        rng.state(),
        after.state(),
        "the shuffle drew from the caller's generator"
    );
    let again = SequenceSet::Addition.load_with(&mut rng).unwrap();
    assert_ne!(
        again.x_test, d.x_test,
        "a generator further on shuffles otherwise"
    );
}

/// A vocabulary built from a text, or read back from its characters.
#[test]
fn char_vocabularies_from_text_and_from_their_characters() {
    use nn_text::sequence::CharVocab;
    let vocab = CharVocab::from_text("abracadabra");
    assert_eq!(vocab.chars(), ['a', 'b', 'r', 'c', 'd']);
    let back = CharVocab::from_chars(vocab.chars().iter().copied()).unwrap();
    assert_eq!(back, vocab);
    assert_eq!(
        CharVocab::from_chars("abca".chars())
            .unwrap_err()
            .to_string(),
        "CharVocab.from_chars: character 'a' comes twice, at 0 and 3"
    );
}
