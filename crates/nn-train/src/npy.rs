//! The `.npy` format (version 1.0 written; 1.0, 2.0 and 3.0 read), for the
//! element types a checkpoint needs.

use half::f16;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};

/// An array read from or written to an `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyArray {
    /// `<f2`: IEEE half precision, as the book saves its word vectors
    /// (`word_vecs.astype(np.float16)`).
    F16(ArrayD<f16>),
    /// `<f4`
    F32(ArrayD<f32>),
    /// `<f8`
    F64(ArrayD<f64>),
    /// `|u1`
    U8(ArrayD<u8>),
    /// `<u4`
    U32(ArrayD<u32>),
    /// `<u8`
    U64(ArrayD<u64>),
}

macro_rules! conversions {
    ($($variant:ident $t:ty),*) => {$(
        impl From<ArrayD<$t>> for NpyArray {
            fn from(a: ArrayD<$t>) -> Self {
                NpyArray::$variant(a)
            }
        }
    )*};
}

conversions!(F16 f16, F32 f32, F64 f64, U8 u8, U32 u32, U64 u64);

impl NpyArray {
    /// numpy's name of the element type (`"float64"`).
    pub fn dtype(&self) -> &'static str {
        match self {
            NpyArray::F16(_) => "float16",
            NpyArray::F32(_) => "float32",
            NpyArray::F64(_) => "float64",
            NpyArray::U8(_) => "uint8",
            NpyArray::U32(_) => "uint32",
            NpyArray::U64(_) => "uint64",
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            NpyArray::F16(a) => a.shape(),
            NpyArray::F32(a) => a.shape(),
            NpyArray::F64(a) => a.shape(),
            NpyArray::U8(a) => a.shape(),
            NpyArray::U32(a) => a.shape(),
            NpyArray::U64(a) => a.shape(),
        }
    }

    fn descr(&self) -> &'static str {
        match self {
            NpyArray::F16(_) => "<f2",
            NpyArray::F32(_) => "<f4",
            NpyArray::F64(_) => "<f8",
            NpyArray::U8(_) => "|u1",
            NpyArray::U32(_) => "<u4",
            NpyArray::U64(_) => "<u8",
        }
    }

    /// The whole `.npy` file: header, then the data in C order, little-endian.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let shape = match self.shape() {
            [] => "()".to_owned(),
            [n] => format!("({n},)"),
            dims => format!(
                "({})",
                dims.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut header = format!(
            "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
            self.descr()
        );
        // numpy pads with spaces and a newline so the data starts 64-byte aligned.
        let unpadded = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len() + 8 * self.len());
        out.extend_from_slice(b"\x93NUMPY\x01\x00");
        // Header lengths are far below u16::MAX for any rank ndarray supports.
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        match self {
            NpyArray::F16(a) => a
                .iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
            NpyArray::F32(a) => a
                .iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
            NpyArray::F64(a) => a
                .iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
            NpyArray::U8(a) => out.extend(a.iter()),
            NpyArray::U32(a) => a
                .iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
            NpyArray::U64(a) => a
                .iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        }
        out
    }

    /// A float array (`float16`, `float32` or `float64`) converted to
    /// `f64`, exactly; `None` for integer arrays.
    pub fn to_f64(&self) -> Option<ArrayD<f64>> {
        match self {
            NpyArray::F16(a) => Some(a.mapv(f64::from)),
            NpyArray::F32(a) => Some(a.mapv(f64::from)),
            NpyArray::F64(a) => Some(a.clone()),
            _ => None,
        }
    }

    /// `a` rounded to half precision (to nearest, ties to even, as numpy's
    /// `astype(np.float16)`; beyond ±65504 it becomes ±inf, as in numpy).
    pub fn f16_from_f64(a: &ArrayD<f64>) -> Self {
        NpyArray::F16(a.mapv(f16::from_f64))
    }

    fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// Parses a whole `.npy` file. Never panics; the error says what is wrong.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
            return Err("not an .npy array (bad magic)".into());
        }
        let (len, start): (usize, usize) = match bytes[6] {
            1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
            2 | 3 if bytes.len() >= 12 => (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            ),
            major => return Err(format!("unsupported .npy version {major}.{}", bytes[7])),
        };
        let header = start
            .checked_add(len)
            .and_then(|end| bytes.get(start..end))
            .ok_or("truncated .npy header")?;
        let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
        let Header {
            descr,
            fortran,
            shape,
        } = parse_header(header)?;
        let data = &bytes[start + len..];
        let count = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or("the shape's size overflows")?;
        let size = match descr.as_str() {
            "<f2" => 2,
            "<f4" | "<u4" => 4,
            "<f8" | "<u8" => 8,
            "|u1" | "<u1" => 1,
            other => {
                return Err(format!(
                    "unsupported dtype {other:?} (supported: little-endian float16, float32, float64, uint8, uint32, uint64)"
                ));
            }
        };
        let expected = count.checked_mul(size).ok_or("the data size overflows")?;
        if data.len() != expected {
            return Err(format!(
                "the data has {} bytes but shape {shape:?} of {descr} needs {expected}",
                data.len()
            ));
        }
        let dim = IxDyn(&shape).set_f(fortran);
        fn build<T: Clone>(
            dim: ndarray::Shape<IxDyn>,
            values: Vec<T>,
        ) -> Result<ArrayD<T>, String> {
            let array = ArrayD::from_shape_vec(dim, values).map_err(|e| e.to_string())?;
            Ok(array.as_standard_layout().into_owned())
        }
        fn words<const W: usize>(data: &[u8]) -> impl Iterator<Item = [u8; W]> + '_ {
            data.chunks_exact(W).map(|c| {
                let mut word = [0u8; W];
                word.copy_from_slice(c);
                word
            })
        }
        Ok(match descr.as_str() {
            "<f2" => NpyArray::F16(build(dim, words(data).map(f16::from_le_bytes).collect())?),
            "<f4" => NpyArray::F32(build(dim, words(data).map(f32::from_le_bytes).collect())?),
            "<f8" => NpyArray::F64(build(dim, words(data).map(f64::from_le_bytes).collect())?),
            "<u4" => NpyArray::U32(build(dim, words(data).map(u32::from_le_bytes).collect())?),
            "<u8" => NpyArray::U64(build(dim, words(data).map(u64::from_le_bytes).collect())?),
            _ => NpyArray::U8(build(dim, data.to_vec())?),
        })
    }
}

struct Header {
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
}

/// Parses numpy's header, a Python dict literal such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (10, 3), }`.
fn parse_header(text: &str) -> Result<Header, String> {
    let bad = |what: &str| format!("malformed .npy header ({what}): {:?}", text.trim_end());
    let mut rest = text
        .trim()
        .strip_prefix('{')
        .ok_or_else(|| bad("no '{'"))?
        .trim_start();
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            if !after.trim().is_empty() {
                return Err(bad("text after '}'"));
            }
            break;
        }
        let (key, after) = quoted(rest).ok_or_else(|| bad("expected a quoted key"))?;
        rest = after
            .trim_start()
            .strip_prefix(':')
            .ok_or_else(|| bad("expected ':'"))?
            .trim_start();
        match key {
            "descr" => {
                let (value, after) = quoted(rest).ok_or_else(|| bad("descr is not a string"))?;
                descr = Some(value.to_owned());
                rest = after;
            }
            "fortran_order" => {
                let (value, after) = if let Some(after) = rest.strip_prefix("True") {
                    (true, after)
                } else if let Some(after) = rest.strip_prefix("False") {
                    (false, after)
                } else {
                    return Err(bad("fortran_order is not True or False"));
                };
                fortran = Some(value);
                rest = after;
            }
            "shape" => {
                let body = rest
                    .strip_prefix('(')
                    .ok_or_else(|| bad("shape is not a tuple"))?;
                let end = body.find(')').ok_or_else(|| bad("shape is not closed"))?;
                let dims = body[..end]
                    .split(',')
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(|d| d.trim_end_matches('L').parse::<usize>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| bad("shape has a non-integer"))?;
                shape = Some(dims);
                rest = &body[end + 1..];
            }
            _ => return Err(bad("unknown key")),
        }
        rest = rest.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(Header {
        descr: descr.ok_or_else(|| bad("no descr"))?,
        fortran: fortran.ok_or_else(|| bad("no fortran_order"))?,
        shape: shape.ok_or_else(|| bad("no shape"))?,
    })
}

/// A string in single or double quotes at the start of `s`, and the rest.
fn quoted(s: &str) -> Option<(&str, &str)> {
    let quote = s.chars().next().filter(|&c| c == '\'' || c == '"')?;
    let body = &s[1..];
    let end = body.find(quote)?;
    Some((&body[..end], &body[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn round_trips_every_type_and_rank() {
        let arrays: Vec<NpyArray> = vec![
            array![[1.5f64, -2.0], [3.0, 4.25]].into_dyn().into(),
            array![1.0f32, f32::MIN_POSITIVE].into_dyn().into(),
            array![[f16::from_f64(0.1), f16::MAX]].into_dyn().into(),
            ArrayD::from_elem(IxDyn(&[]), 7u64).into(),
            array![[[1u32]], [[2]]].into_dyn().into(),
            array![104u8, 105].into_dyn().into(),
            ArrayD::<f64>::zeros(IxDyn(&[0, 3])).into(),
        ];
        for a in arrays {
            let bytes = a.encode();
            assert_eq!(
                (10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize) % 64,
                0
            );
            assert_eq!(NpyArray::decode(&bytes).unwrap(), a);
        }
    }

    /// numpy's `np.array([1.0, 0.1, -2.5e-5, 65519.0, 65520.0]).astype(np.float16)`
    /// bytes, and their exact widening.
    #[test]
    fn half_precision_rounds_as_numpy() {
        let a = NpyArray::f16_from_f64(&array![1.0, 0.1, -2.5e-5, 65519.0, 65520.0].into_dyn());
        let NpyArray::F16(h) = &a else { unreachable!() };
        let bits: Vec<u16> = h.iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits, [0x3c00, 0x2e66, 0x81a3, 0x7bff, 0x7c00]);
        let wide = a.to_f64().unwrap();
        assert_eq!(wide[[1]], 0.0999755859375);
        assert_eq!(a.dtype(), "float16");
    }

    #[test]
    fn reads_fortran_order_and_version_2() {
        let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
        let header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }\n";
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        for v in [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let expected: NpyArray = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]].into_dyn().into();
        assert_eq!(NpyArray::decode(&bytes).unwrap(), expected);
    }

    #[test]
    fn refuses_damaged_files_with_a_reason() {
        let good = NpyArray::from(array![1.0f64, 2.0].into_dyn()).encode();
        assert_eq!(
            NpyArray::decode(b"PK\x03\x04").unwrap_err(),
            "not an .npy array (bad magic)"
        );
        assert_eq!(
            NpyArray::decode(&good[..good.len() - 3]).unwrap_err(),
            "the data has 13 bytes but shape [2] of <f8 needs 16"
        );
        let mut big_endian = good.clone();
        let at = big_endian.windows(3).position(|w| w == b"<f8").unwrap();
        big_endian[at] = b'>';
        assert_eq!(
            NpyArray::decode(&big_endian).unwrap_err(),
            "unsupported dtype \">f8\" (supported: little-endian float16, float32, float64, uint8, uint32, uint64)"
        );
        // A header promising more than exists is refused before anything is allocated.
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }\n";
        let mut huge = b"\x93NUMPY\x01\x00".to_vec();
        huge.extend_from_slice(&(header.len() as u16).to_le_bytes());
        huge.extend_from_slice(header.as_bytes());
        assert_eq!(
            NpyArray::decode(&huge).unwrap_err(),
            "the data has 0 bytes but shape [1000000000000] of <f8 needs 8000000000000"
        );
    }
}
