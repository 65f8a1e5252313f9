//! A parameter's name: its path through the model, `encoder.embed.W`.

use std::fmt;

use crate::{Float, Param, Result};

/// The name of a parameter as its model lists it: the path from the
/// outermost part to the layer's own name, shown with dots
/// (`encoder.embed.W`, `lstm1.Wx`, `affine.b`).
///
/// A layer names its own parameters (`W`, `b`, `Wx`, …, the book's names);
/// a model that holds parts visits each part's parameters [`scoped`] by the
/// part's name, which puts that name in front. The name is a chain of
/// borrowed segments on the stack of the visit, so naming costs no
/// allocation in a training step; [`to_string`](ToString::to_string) gives
/// it as a `String`, and it compares equal to one.
///
/// ```
/// use nn_core::ParamName;
/// let w = ParamName::new("W");
/// let embed_w = ParamName::within("embed", &w);
/// let name = ParamName::within("encoder", &embed_w);
/// assert_eq!(name.to_string(), "encoder.embed.W");
/// assert_eq!(name, "encoder.embed.W");
/// assert_eq!(name.leaf(), "W");
/// assert_eq!(name.segments().collect::<Vec<_>>(), ["encoder", "embed", "W"]);
/// ```
#[derive(Clone, Copy)]
pub struct ParamName<'a> {
    head: &'a str,
    rest: Option<&'a ParamName<'a>>,
}

impl<'a> ParamName<'a> {
    /// A name of one segment: a layer's own name for its parameter.
    pub const fn new(name: &'a str) -> Self {
        Self {
            head: name,
            rest: None,
        }
    }

    /// `scope.inner`: `inner` as seen from the part named `scope`.
    pub const fn within(scope: &'a str, inner: &'a ParamName<'a>) -> Self {
        Self {
            head: scope,
            rest: Some(inner),
        }
    }

    /// The segments from the outermost scope to the layer's own name.
    pub fn segments(&self) -> impl Iterator<Item = &'a str> + '_ {
        let mut next = Some(self);
        std::iter::from_fn(move || {
            let name = next?;
            next = name.rest;
            Some(name.head)
        })
    }

    /// The last segment: the layer's own name for the parameter (`W`).
    pub fn leaf(&self) -> &'a str {
        let mut name = self;
        while let Some(rest) = name.rest {
            name = rest;
        }
        name.head
    }

    /// Whether the name is `scope.…`, its first segments being those of
    /// `scope` (`"decoder"` or `"decoder.lstm"` for `decoder.lstm.Wx`).
    pub fn starts_with(&self, scope: &str) -> bool {
        let mut segments = self.segments();
        scope
            .split('.')
            .all(|part| segments.next().is_some_and(|s| s == part))
    }
}

impl ParamName<'_> {
    /// The bytes of the dotted form.
    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.segments()
            .enumerate()
            .flat_map(|(i, s)| (i > 0).then_some(b'.').into_iter().chain(s.bytes()))
    }
}

impl fmt::Display for ParamName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(segment)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ParamName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl PartialEq<str> for ParamName<'_> {
    /// Equal to the dotted form, without building it.
    fn eq(&self, other: &str) -> bool {
        self.bytes().eq(other.bytes())
    }
}

impl PartialEq<&str> for ParamName<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for ParamName<'_> {
    fn eq(&self, other: &String) -> bool {
        *self == **other
    }
}

impl PartialEq for ParamName<'_> {
    /// Equal when the dotted forms are.
    fn eq(&self, other: &Self) -> bool {
        self.bytes().eq(other.bytes())
    }
}

impl Eq for ParamName<'_> {}

/// A visitor that hands `f` each parameter it is given with `scope` put in
/// front of its name: how a model lists the parameters of a part.
///
/// ```
/// use nn_core::{scoped, Affine, Param, Parameters, Result};
/// use ndarray::array;
///
/// struct Net { fc1: Affine<f64>, fc2: Affine<f64> }
///
/// impl Parameters<f64> for Net {
///     fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
///         self.fc1.visit_params(&mut scoped("fc1", f))?;
///         self.fc2.visit_params(&mut scoped("fc2", f))
///     }
/// }
///
/// let fc = || Affine::from_weights(array![[1.0]], array![0.0]);
/// let mut net = Net { fc1: fc()?, fc2: fc()? };
/// assert_eq!(net.param_names(), ["fc1.W", "fc1.b", "fc2.W", "fc2.b"]);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn scoped<'s, F: Float>(
    scope: &'s str,
    f: &'s mut dyn FnMut(Param<'_, F>) -> Result<()>,
) -> impl FnMut(Param<'_, F>) -> Result<()> + 's {
    move |p: Param<'_, F>| {
        let Param { name, value, grad } = p;
        f(Param {
            name: ParamName::within(scope, &name),
            value,
            grad,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_with_dotted_strings_segment_by_segment() {
        let b = ParamName::new("b");
        let lstm_b = ParamName::within("lstm", &b);
        let name = ParamName::within("decoder", &lstm_b);
        assert_eq!(name, "decoder.lstm.b");
        for other in [
            "decoder.lstm",
            "decoder.lstm.b.c",
            "decoderlstm.b",
            "decoder.lstmb",
            "",
        ] {
            assert_ne!(name, other, "{other}");
        }
        assert_eq!(format!("{name:?}"), "\"decoder.lstm.b\"");
        assert!(name.starts_with("decoder") && name.starts_with("decoder.lstm"));
        assert!(!name.starts_with("decode") && !name.starts_with("encoder"));
        assert_eq!(
            name,
            ParamName::new("decoder.lstm.b"),
            "the dotted forms are equal"
        );
        assert_ne!(name, ParamName::new("decoder.lstm"));
    }
}
