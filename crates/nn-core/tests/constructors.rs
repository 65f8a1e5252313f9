//! Every layer with weights is built from given arrays (`from_weights`) or
//! from a generator (`init`), the second the first on arrays drawn in the
//! layer's order, and names its parameters as the book does.

use ndarray::{Array1, ArrayD};
use nn_core::time::{Gru, Lstm, Rnn};
use nn_core::time::{TimeAffine, TimeBiLstm, TimeEmbedding, TimeGru, TimeLstm, TimeRnn};
use nn_core::{Affine, Embedding, EmbeddingDot, Init, MatMul, Parameters, Randn};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn arrays(m: &mut dyn Parameters<f64>) -> Vec<ArrayD<f64>> {
    let mut out = Vec::new();
    m.visit_params(&mut |p| {
        out.push(p.value.to_owned());
        Ok(())
    })
    .unwrap();
    out
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(11)
}

/// `(Wx, Wh, 0)` for `gates` gates drawn by `init` as the cells draw them.
fn cell(d: usize, h: usize, gates: usize, init: Init, rng: &mut dyn Randn) -> [ArrayD<f64>; 3] {
    [
        init.matrix::<f64>(d, gates * h, rng).unwrap().into_dyn(),
        init.matrix::<f64>(h, gates * h, rng).unwrap().into_dyn(),
        Array1::<f64>::zeros(gates * h).into_dyn(),
    ]
}

#[test]
fn init_is_from_weights_on_drawn_arrays() {
    let x = Init::Xavier;
    let drawn = |r: usize, c: usize| x.matrix::<f64>(r, c, &mut rng()).unwrap();
    let w = drawn(6, 4);
    assert_eq!(
        arrays(&mut MatMul::init(6, 4, x, &mut rng()).unwrap()),
        [w.clone().into_dyn()]
    );
    assert_eq!(
        arrays(&mut Affine::init(6, 4, x, &mut rng()).unwrap()),
        arrays(&mut Affine::from_weights(w.clone(), Array1::zeros(4)).unwrap())
    );
    assert_eq!(
        arrays(&mut TimeAffine::init(6, 4, x, &mut rng()).unwrap()),
        arrays(&mut TimeAffine::from_weights(w.clone(), Array1::zeros(4)).unwrap())
    );
    for mut layer in [
        arrays(&mut Embedding::init(6, 4, x, &mut rng()).unwrap()),
        arrays(&mut EmbeddingDot::init(6, 4, x, &mut rng()).unwrap()),
        arrays(&mut TimeEmbedding::init(6, 4, x, &mut rng()).unwrap()),
    ] {
        assert_eq!(layer.pop().unwrap(), w.clone().into_dyn());
    }
    let cells: [(Vec<ArrayD<f64>>, usize); 6] = [
        (arrays(&mut Rnn::init(3, 5, x, &mut rng()).unwrap()), 1),
        (arrays(&mut Lstm::init(3, 5, x, &mut rng()).unwrap()), 4),
        (arrays(&mut Gru::init(3, 5, x, &mut rng()).unwrap()), 3),
        (
            arrays(&mut TimeRnn::init(3, 5, true, x, &mut rng()).unwrap()),
            1,
        ),
        (
            arrays(&mut TimeLstm::init(3, 5, false, x, &mut rng()).unwrap()),
            4,
        ),
        (
            arrays(&mut TimeGru::init(3, 5, true, x, &mut rng()).unwrap()),
            3,
        ),
    ];
    for (got, gates) in cells {
        assert_eq!(got, cell(3, 5, gates, x, &mut rng()), "{gates} gates");
    }
    let mut r = rng();
    let both: Vec<_> = [cell(3, 5, 4, x, &mut r), cell(3, 5, 4, x, &mut r)].concat();
    assert_eq!(
        arrays(&mut TimeBiLstm::init(3, 5, false, x, &mut rng()).unwrap()),
        both
    );
}

/// Xavier is the book's `randn(D, 4H) / np.sqrt(D)` for `Wx` and
/// `randn(H, 4H) / np.sqrt(H)` for `Wh`, divided in f64.
#[test]
fn xavier_cells_are_the_books_formula() {
    let mut layer = TimeLstm::<f64>::init(3, 2, true, Init::Xavier, &mut rng()).unwrap();
    let mut r = rng();
    let mut expected: Vec<f64> = (0..24).map(|_| r.randn() / 3f64.sqrt()).collect();
    expected.extend((0..16).map(|_| r.randn() / 2f64.sqrt()));
    let got: Vec<f64> = arrays(&mut layer)[..2].iter().flatten().copied().collect();
    assert_eq!(got, expected);
}

#[test]
fn layers_name_their_parameters_as_the_book() {
    let x = Init::Xavier;
    assert_eq!(
        Affine::<f64>::init(2, 3, x, &mut rng())
            .unwrap()
            .param_names(),
        ["W", "b"]
    );
    assert_eq!(
        TimeLstm::<f64>::init(2, 3, true, x, &mut rng())
            .unwrap()
            .param_names(),
        ["Wx", "Wh", "b"]
    );
    assert_eq!(
        TimeBiLstm::<f64>::init(2, 3, true, x, &mut rng())
            .unwrap()
            .param_names(),
        [
            "forward_lstm.Wx",
            "forward_lstm.Wh",
            "forward_lstm.b",
            "backward_lstm.Wx",
            "backward_lstm.Wh",
            "backward_lstm.b"
        ]
    );
    assert_eq!(
        Embedding::<f64>::init(4, 2, x, &mut rng())
            .unwrap()
            .param_names(),
        ["W"]
    );
    assert!(Lstm::<f64>::init(0, 3, x, &mut rng()).is_err());
}
