//! A model's error names the model, the part and the input; a backward
//! after a forward that failed says so.

use ndarray::{Array2, array};
use nn_core::{Error, Result};
use nn_models::rnnlm::{LanguageModel, Rnnlm};
use nn_models::seq2seq::Seq2seq;
use nn_models::word2vec::{Cbow, SkipGram};
use nn_train::{Model, NumpyRandom};

fn message<T>(r: Result<T>) -> String {
    r.err().expect("an error").to_string()
}

const AFTER_FAILED: &str = "called after a forward that failed; run a forward that succeeds first";

#[test]
fn word2vec_errors_name_the_model_the_part_and_the_input() -> Result<()> {
    let corpus: Vec<usize> = (0..40).map(|i| (i * 3 + i / 7) % 8).collect();
    let (contexts, target) = nn_text::create_contexts_target(&corpus, 1)?;
    let mut cbow = Cbow::<f64>::new(8, 3, 1, &corpus, &mut NumpyRandom::new(1), 0)?;
    let mut bad = contexts.clone();
    bad[[3, 1]] = 9;
    assert_eq!(
        message(cbow.forward(bad.view(), &target)),
        "CBOW.forward: contexts[3, 1] = 9 is outside the vocabulary of 8 words"
    );
    assert_eq!(
        message(cbow.backward()),
        format!("CBOW.backward: {AFTER_FAILED}")
    );
    let mut negative = Array2::from_elem((target.len(), 5), 1);
    negative[[0, 2]] = 9;
    assert_eq!(
        message(cbow.forward_with_samples(contexts.view(), &target, negative.view())),
        "CBOW.forward_with_samples: ns_loss: NegativeSamplingLoss.forward: negative sample \
         [0, 2] = 9 is outside the vocabulary of 8 words"
    );
    assert_eq!(
        message(cbow.backward()),
        format!("CBOW.backward: {AFTER_FAILED}")
    );
    negative[[0, 2]] = 2;
    cbow.forward_with_samples(contexts.view(), &target, negative.view())?;
    cbow.backward()?;

    let mut skip = SkipGram::<f64>::new(8, 3, 1, &corpus, &mut NumpyRandom::new(1), 0)?;
    assert!(matches!(
        skip.backward().unwrap_err(),
        Error::BackwardBeforeForward {
            op: "SkipGram.backward"
        }
    ));
    let mut bad_target = target.clone();
    bad_target[5] = 8;
    assert_eq!(
        message(skip.forward(contexts.view(), &bad_target)),
        "SkipGram.forward: target[5] = 8 is outside the vocabulary of 8 words"
    );
    Ok(())
}

#[test]
fn language_model_errors_name_the_layer_that_refused() -> Result<()> {
    let mut model = Rnnlm::<f64>::new(10, 4, 4, &mut NumpyRandom::new(2))?;
    let e = model.forward(array![[1, 2, 12]].view(), array![[2, 3, 4]].view());
    assert_eq!(
        message(e),
        "Rnnlm.forward: embed: Embedding.forward: id 12 at position [0, 2] is outside the \
         vocabulary of 10 words (W: [10, 4])"
    );
    assert_eq!(
        message(model.backward()),
        format!("Rnnlm.backward: {AFTER_FAILED}")
    );
    model.forward(array![[1, 2], [3, 4]].view(), array![[2, 3], [4, 5]].view())?;
    model.backward()?;
    // The carried state is for two sequences.
    let e = message(model.forward(array![[1, 2]].view(), array![[2, 3]].view()));
    assert!(
        e.starts_with(
            "Rnnlm.forward: lstm: TimeLSTM.forward: the carried state is for batches of 2"
        ),
        "{e}"
    );
    assert!(
        model.backward().unwrap_err().root()
            == &Error::BackwardAfterFailedForward {
                op: "Rnnlm.backward"
            }
    );
    model.reset_state();
    assert_eq!(
        message(model.forward(array![[1, 2]].view(), array![[2, 10]].view())),
        "Rnnlm.forward: loss: TimeSoftmaxWithLoss.forward: target 10 at sequence 0, step 1 is \
         neither a class of 10 nor the ignore label -1"
    );
    let mut fresh = Rnnlm::<f64>::new(10, 4, 4, &mut NumpyRandom::new(2))?;
    assert_eq!(
        message(fresh.backward()),
        "Rnnlm.backward: called before forward; run forward first so that the layer has its inputs cached"
    );
    Ok(())
}

#[test]
fn seq2seq_refuses_a_backward_without_its_forward() -> Result<()> {
    let mut model = Seq2seq::<f64>::new(9, 3, 4, &mut NumpyRandom::new(3))?;
    let (xs, ts) = (array![[1, 2, 3]], array![[0, 4, 5]]);
    assert!(matches!(
        model.backward().unwrap_err(),
        Error::BackwardBeforeForward {
            op: "Seq2seq.backward"
        }
    ));
    model.forward_rows(xs.view(), ts.view())?;
    model.backward()?;
    // A generation in between is no forward to differentiate.
    nn_models::seq2seq::Seq2seqModel::generate(&mut model, xs.view(), &[0], 2)?;
    assert!(matches!(
        model.backward().unwrap_err(),
        Error::BackwardBeforeForward {
            op: "Seq2seq.backward"
        }
    ));
    let bad = array![[0, 4, 9]];
    assert_eq!(
        message(model.forward_rows(xs.view(), bad.view())),
        "Seq2seq.forward: ts[0, 2] = 9 is outside the vocabulary of 9 characters"
    );
    assert_eq!(
        message(model.backward()),
        format!("Seq2seq.backward: {AFTER_FAILED}")
    );
    Ok(())
}
