//! The Rust code of the companion book (`book/src/{ko,en}/*.md`), which the
//! pages include by `{{#include ../../../examples/tests/book/FILE.rs:all}}`:
//! every snippet a reader sees is compiled and run here, so none goes stale.

mod book {
    mod ch01_affine;
    mod ch01_repeat_sum;
    mod ch01_two_layer_net;
    mod ch02_small_scripts;
    mod ch03_shared_weights;
    mod ch05_time_rnn;
    mod ch08_time_attention;
    mod design_custom_layer;
    mod library_rnnlm;
    mod library_trainer;
    mod transformer_seq2seq;
}
