//! Numbers printed as the book's Python prints them: `str(float)` (the
//! shortest repr) and `print(array)` under `np.set_printoptions(precision=3)`.

/// Python's `repr(x)` (and `str(x)`) of a float: the shortest digits that
/// read back as `x`, positional for exponents from -4 to 15 (always with a
/// `.`), scientific otherwise (`1e-05`, `1.5e+16`).
///
/// ```
/// assert_eq!(nn_text::py_repr(0.7071067691154799), "0.7071067691154799");
/// assert_eq!(nn_text::py_repr(0.0), "0.0");
/// assert_eq!(nn_text::py_repr(1e-5), "1e-05");
/// ```
pub fn py_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let (sign, digits, exp) = shortest_digits(&format!("{x:e}"));
    if (-4..16).contains(&exp) {
        format!("{sign}{}", positional(&digits, exp, 1))
    } else {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        format!(
            "{sign}{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

/// Splits Rust's `{:e}` form (`-7.071e-1`) into sign, digits and exponent.
fn shortest_digits(e_form: &str) -> (&'static str, String, i32) {
    let (sign, rest) = match e_form.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", e_form),
    };
    let (mantissa, exp) = rest.split_once('e').unwrap_or((rest, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (sign, digits, exp.parse().unwrap_or(0))
}

/// `d.ddd × 10^exp` written out with at least `min_frac` fraction digits.
fn positional(digits: &str, exp: i32, min_frac: usize) -> String {
    let point = exp + 1; // digits before the decimal point
    let (int, frac) = if point <= 0 {
        (
            "0".to_owned(),
            format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_owned(),
            digits[point as usize..].to_owned(),
        )
    };
    let frac = frac.trim_end_matches('0');
    let frac = format!("{frac}{}", "0".repeat(min_frac.saturating_sub(frac.len())));
    format!("{int}.{frac}")
}

/// A value numpy can print: the float types, shortest-digits aware, and integers.
pub trait NumpyPrint: Copy {
    /// Rust's shortest round-trip `{:e}` form (per the type's own precision).
    fn e_form(self) -> String;
    /// `{:.prec$e}`, correctly rounded from the binary value.
    fn e_rounded(self, prec: usize) -> String;
    /// `{:.prec$}`, correctly rounded from the binary value.
    fn f_rounded(self, prec: usize) -> String;
    /// As `f64`, to decide between positional and scientific form.
    fn as_f64(self) -> f64;
    /// Whether the type is an integer type (printed without a point).
    const INTEGER: bool;
}

macro_rules! numpy_print_float {
    ($t:ty) => {
        impl NumpyPrint for $t {
            fn e_form(self) -> String {
                format!("{self:e}")
            }
            fn e_rounded(self, prec: usize) -> String {
                format!("{self:.prec$e}")
            }
            fn f_rounded(self, prec: usize) -> String {
                format!("{self:.prec$}")
            }
            fn as_f64(self) -> f64 {
                f64::from(self)
            }
            const INTEGER: bool = false;
        }
    };
}
numpy_print_float!(f32);
numpy_print_float!(f64);

impl NumpyPrint for i32 {
    fn e_form(self) -> String {
        self.to_string()
    }
    fn e_rounded(self, _: usize) -> String {
        self.to_string()
    }
    fn f_rounded(self, _: usize) -> String {
        self.to_string()
    }
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
    const INTEGER: bool = true;
}

/// One value in numpy's unique-digits mode capped at `precision` fraction
/// digits, trailing zeros trimmed (`1.807`, `0.`, `0.5`).
fn unique_positional<T: NumpyPrint>(x: T, precision: usize) -> String {
    let (sign, digits, exp) = shortest_digits(&x.e_form());
    let frac_len = (digits.len() as i32 - exp - 1).max(0) as usize;
    if frac_len <= precision {
        format!("{sign}{}", positional(&digits, exp, 0))
    } else {
        let rounded = x.f_rounded(precision);
        let trimmed = rounded.trim_end_matches('0');
        if trimmed.contains('.') {
            trimmed.to_owned()
        } else {
            format!("{trimmed}.")
        }
    }
}

/// The mantissa digits after the point that numpy's unique scientific form
/// needs for `x`, at most `precision`.
fn unique_sci_frac<T: NumpyPrint>(x: T, precision: usize) -> usize {
    let (_, digits, _) = shortest_digits(&x.e_form());
    let needed = digits.trim_end_matches('0').len().saturating_sub(1);
    if needed <= precision {
        needed
    } else {
        // Rounded to `precision` digits, trailing zeros trimmed.
        let (_, rounded, _) = shortest_digits(&x.e_rounded(precision));
        rounded.trim_end_matches('0').len().saturating_sub(1)
    }
}

/// `print(a)` of a 1-D array under `np.set_printoptions(precision=…)`:
/// numpy's choice of positional or scientific form, its padding to a common
/// width, and its line wrapping at 75 characters.
///
/// ```
/// use nn_text::numpy_str;
/// assert_eq!(numpy_str(&[0i32, 1, 0], 3), "[0 1 0]");
/// assert_eq!(numpy_str(&[0.0f32, 1.8073549, 0.0], 3), "[0.    1.807 0.   ]");
/// ```
pub fn numpy_str<T: NumpyPrint>(values: &[T], precision: usize) -> String {
    let words: Vec<String> = if T::INTEGER {
        let strs: Vec<String> = values.iter().map(|v| v.e_form()).collect();
        let width = strs.iter().map(String::len).max().unwrap_or(0);
        strs.iter().map(|s| format!("{s:>width$}")).collect()
    } else {
        float_words(values, precision)
    };
    // numpy's _formatArray for one dimension: wrap before a word that would
    // pass 74 characters (75 less the closing bracket).
    let (mut out, mut line) = (String::new(), "[".to_owned());
    for (i, word) in words.iter().enumerate() {
        if line.len() + word.len() > 74 && line.len() > 1 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".to_owned();
        }
        line.push_str(word);
        if i + 1 < words.len() {
            line.push(' ');
        }
    }
    out.push_str(&line);
    out.push(']');
    out
}

fn float_words<T: NumpyPrint>(values: &[T], precision: usize) -> Vec<String> {
    let finite: Vec<f64> = values
        .iter()
        .map(|v| v.as_f64())
        .filter(|v| v.is_finite())
        .collect();
    let abs_nonzero: Vec<f64> = finite
        .iter()
        .map(|v| v.abs())
        .filter(|&v| v != 0.0)
        .collect();
    let max = abs_nonzero.iter().copied().fold(0.0, f64::max);
    let min = abs_nonzero.iter().copied().fold(f64::INFINITY, f64::min);
    let scientific = !abs_nonzero.is_empty() && (max >= 1e8 || min < 0.0001 || max / min > 1e3);
    let special = |v: f64| {
        if v.is_nan() {
            "nan"
        } else if v > 0.0 {
            "inf"
        } else {
            "-inf"
        }
    };
    let finite_vals = || values.iter().filter(|v| v.as_f64().is_finite());
    if scientific {
        let prec = finite_vals()
            .map(|&v| unique_sci_frac(v, precision))
            .max()
            .unwrap_or(0);
        let strs: Vec<String> = values
            .iter()
            .map(|&v| {
                if !v.as_f64().is_finite() {
                    return special(v.as_f64()).to_owned();
                }
                let e = v.e_rounded(prec);
                let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
                let exp: i32 = exp.parse().unwrap_or(0);
                let mantissa = if prec == 0 {
                    format!("{mantissa}.")
                } else {
                    mantissa.to_owned()
                };
                format!(
                    "{mantissa}e{}{:02}",
                    if exp < 0 { '-' } else { '+' },
                    exp.abs()
                )
            })
            .collect();
        let int_len = |s: &str| s.split_once('.').map_or(0, |(i, _)| i.len());
        let pad = strs.iter().map(|s| int_len(s)).max().unwrap_or(0);
        align_specials(
            strs.iter()
                .map(|s| match s.contains('.') {
                    true => format!("{}{s}", " ".repeat(pad - int_len(s))),
                    false => s.clone(),
                })
                .collect(),
        )
    } else {
        let strs: Vec<String> = values
            .iter()
            .map(|&v| {
                if v.as_f64().is_finite() {
                    unique_positional(v, precision)
                } else {
                    special(v.as_f64()).to_owned()
                }
            })
            .collect();
        let split = |s: &str| s.split_once('.').map(|(i, f)| (i.len(), f.len()));
        let pad_left = strs
            .iter()
            .filter_map(|s| split(s))
            .map(|p| p.0)
            .max()
            .unwrap_or(0);
        let pad_right = strs
            .iter()
            .filter_map(|s| split(s))
            .map(|p| p.1)
            .max()
            .unwrap_or(0);
        align_specials(
            strs.iter()
                .map(|s| match split(s) {
                    Some((i, f)) => format!(
                        "{}{s}{}",
                        " ".repeat(pad_left - i),
                        " ".repeat(pad_right - f)
                    ),
                    None => s.clone(),
                })
                .collect(),
        )
    }
}

/// Right-aligns `nan`, `inf`, `-inf` (the words without a point) to the
/// width of the numbers, as numpy does.
fn align_specials(words: Vec<String>) -> Vec<String> {
    let width = words
        .iter()
        .filter(|w| w.contains('.'))
        .map(String::len)
        .max()
        .unwrap_or(0);
    words
        .into_iter()
        .map(|w| {
            if w.contains('.') {
                w
            } else {
                format!("{w:>width$}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr() {
        for (x, s) in [
            (0.7071067691154799, "0.7071067691154799"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (123456.0, "123456.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (-2.5e-7, "-2.5e-07"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(py_repr(x), s, "{x}");
        }
    }

    #[test]
    fn numpy_arrays_as_the_book_prints_them() {
        assert_eq!(numpy_str(&[0i32, 1, 0, 0, 0, 0, 0], 3), "[0 1 0 0 0 0 0]");
        assert_eq!(numpy_str(&[1i32, 10, 0], 3), "[ 1 10  0]");
        let w: [f32; 7] = [0.0, 1.8073549, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(
            numpy_str(&w, 3),
            "[0.    1.807 0.    0.    0.    0.    0.   ]"
        );
        assert_eq!(numpy_str(&[0.5f64, -1.25, 2.0], 3), "[ 0.5  -1.25  2.  ]");
        // Scientific when the range is wide, and wrapped at 75 characters.
        let u = [
            3.409e-01, -1.110e-16, -3.886e-16, -1.205e-01, 0.0, 9.323e-01, 2.226e-16,
        ];
        assert_eq!(
            numpy_str(&u, 3),
            "[ 3.409e-01 -1.110e-16 -3.886e-16 -1.205e-01  0.000e+00  9.323e-01\n  2.226e-16]"
        );
        let odd: [f32; 4] = [1e-5, 0.5, 1.23456, f32::NAN];
        assert_eq!(
            numpy_str(&odd, 3),
            "[1.000e-05 5.000e-01 1.235e+00       nan]"
        );
        assert_eq!(numpy_str(&[1.0001, 2.5, f64::INFINITY], 3), "[1.  2.5 inf]");
    }
}
