//! The graph nodes of chapter 1 that are not layers of a network: Repeat and Sum.

mod repeat;
mod sum;

pub use repeat::Repeat;
pub use sum::Sum;
