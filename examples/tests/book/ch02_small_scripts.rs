// ANCHOR: all
use nn_text::{
    COS_EPS, PPMI_EPS, cos_similarity, create_co_matrix, most_similar, ppmi, preprocess,
};

fn main() -> nn_core::Result<()> {
    let corpus = preprocess("You say goodbye and I say hello.")?;
    let vocab = &corpus.vocab;
    let c = create_co_matrix(&corpus.ids, vocab.len(), 1)?.mapv(f64::from);
    let (you, i) = (vocab.id("you").unwrap(), vocab.id("i").unwrap());
    let s = cos_similarity(&c.row(you), &c.row(i), COS_EPS)?;
    assert_eq!(nn_text::py_repr(s), "0.7071067691154799"); // similarity.py
    print!("{}", most_similar("you", vocab, &c.view(), 5)?); // most_similar.py
    let w = ppmi::<f32>(
        &create_co_matrix(&corpus.ids, vocab.len(), 1)?.view(),
        PPMI_EPS,
    )?;
    println!("{}", nn_text::numpy_str(&w.row(0).to_vec(), 3)); // ppmi.py, first row
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> nn_core::Result<()> {
    main()
}
