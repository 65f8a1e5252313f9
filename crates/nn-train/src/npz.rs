//! `.npz` files (a zip of `.npy` arrays, what `numpy.savez` writes), and
//! atomic file writing.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

use nn_core::{Error, Result};

use crate::NpyArray;

/// The largest array we agree to inflate from one entry: a guard against
/// zip bombs, far above any model this library trains.
const MAX_ENTRY_BYTES: u64 = 4 << 30;

/// Named arrays in file order, as `numpy.load` sees an `.npz` file.
///
/// ```
/// use nn_train::Npz;
/// let mut npz = Npz::new();
/// npz.insert("W1", ndarray::Array2::<f64>::eye(2).into_dyn());
/// let dir = tempfile::tempdir()?;
/// npz.write(dir.path().join("params.npz"))?;
/// let back = Npz::read(dir.path().join("params.npz"))?;
/// assert_eq!(back.get("W1"), npz.get("W1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Npz {
    entries: Vec<(String, NpyArray)>,
}

impl IntoIterator for Npz {
    type Item = (String, NpyArray);
    type IntoIter = std::vec::IntoIter<(String, NpyArray)>;

    /// The named arrays, in order, moved out.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Npz {
    /// No arrays.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an array, replacing one of the same name.
    pub fn insert(&mut self, name: impl Into<String>, array: impl Into<NpyArray>) {
        let (name, array) = (name.into(), array.into());
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = array,
            None => self.entries.push((name, array)),
        }
    }

    /// The array called `name`.
    pub fn get(&self, name: &str) -> Option<&NpyArray> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// Typed access to the arrays; `path` names the file in errors.
    pub fn fields<'a>(&'a self, path: &'a Path) -> NpzFields<'a> {
        NpzFields { npz: self, path }
    }

    /// Reads an `.npz` file.
    ///
    /// # Errors
    /// A missing file, or one that is not a zip of valid `.npy` arrays
    /// (truncated, corrupt, an unsupported type); the message names the file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
        Self::from_reader(file, path)
    }

    /// Reads `.npz` content from `reader`; `path` is only used in messages.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn from_reader(reader: impl Read + Seek, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let fail = |detail: String| Error::file(path, detail);
        let mut archive = zip::ZipArchive::new(reader)
            .map_err(|e| fail(format!("not a valid .npz (zip) file: {e}")))?;
        let mut npz = Npz::new();
        for i in 0..archive.len() {
            let mut entry = archive
                .by_index(i)
                .map_err(|e| fail(format!("entry {i} is unreadable: {e}")))?;
            let raw = entry
                .name()
                .map_err(|e| fail(format!("entry {i} has an unreadable name: {e}")))?
                .into_owned();
            let Some(name) = raw.strip_suffix(".npy").map(str::to_owned) else {
                return Err(fail(format!("entry {raw:?} is not an .npy array")));
            };
            let mut bytes = Vec::new();
            (&mut entry)
                .take(MAX_ENTRY_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| fail(format!("{name} is unreadable: {e}")))?;
            if bytes.len() as u64 > MAX_ENTRY_BYTES {
                return Err(fail(format!(
                    "{name} is larger than {MAX_ENTRY_BYTES} bytes"
                )));
            }
            let array = NpyArray::decode(&bytes).map_err(|e| fail(format!("{name}: {e}")))?;
            if npz.get(&name).is_some() {
                return Err(fail(format!("{name} appears twice")));
            }
            npz.entries.push((name, array));
        }
        Ok(npz)
    }

    /// Writes the arrays as an `.npz` file that `numpy.load` reads, atomically.
    ///
    /// # Errors
    /// The file or its directory cannot be written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), |file| {
            let mut zip = zip::ZipWriter::new(file);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(
                    self.entries
                        .iter()
                        .any(|(_, a)| a.shape().iter().product::<usize>() > 1 << 28),
                );
            for (name, array) in &self.entries {
                zip.start_file(format!("{name}.npy"), options)
                    .map_err(std::io::Error::other)?;
                zip.write_all(&array.encode())?;
            }
            zip.finish().map_err(std::io::Error::other)?;
            Ok(())
        })
    }
}

/// Typed access to the arrays of an [`Npz`], with errors that name the file
/// and the array: `state.npz: run.seed should be a uint64 scalar, found float64 of shape []`.
#[derive(Debug, Clone, Copy)]
pub struct NpzFields<'a> {
    npz: &'a Npz,
    path: &'a Path,
}

impl NpzFields<'_> {
    /// The error for `name` missing or not being `expected`.
    pub fn wrong(&self, name: &str, expected: &str) -> Error {
        match self.npz.get(name) {
            None => Error::file(self.path, format!("no array named {name}")),
            Some(a) => Error::file(
                self.path,
                format!(
                    "{name} should be {expected}, found {} of shape {:?}",
                    a.dtype(),
                    a.shape()
                ),
            ),
        }
    }

    /// A `uint64` scalar.
    ///
    /// # Errors
    /// A missing array, or one of another type or rank.
    pub fn u64_scalar(&self, name: &str) -> Result<u64> {
        match self.npz.get(name) {
            Some(NpyArray::U64(a)) if a.ndim() == 0 => {
                Ok(a.iter().copied().next().unwrap_or_default())
            }
            _ => Err(self.wrong(name, "a uint64 scalar")),
        }
    }

    /// A `float64` scalar.
    ///
    /// # Errors
    /// A missing array, or one of another type or rank.
    pub fn f64_scalar(&self, name: &str) -> Result<f64> {
        match self.npz.get(name) {
            Some(NpyArray::F64(a)) if a.ndim() == 0 => {
                Ok(a.iter().copied().next().unwrap_or_default())
            }
            _ => Err(self.wrong(name, "a float64 scalar")),
        }
    }

    /// A `uint64` vector.
    ///
    /// # Errors
    /// A missing array, or one of another type or rank.
    pub fn u64_vector(&self, name: &str) -> Result<Vec<u64>> {
        match self.npz.get(name) {
            Some(NpyArray::U64(a)) if a.ndim() == 1 => Ok(a.iter().copied().collect()),
            _ => Err(self.wrong(name, "a uint64 vector")),
        }
    }

    /// A `float64` vector.
    ///
    /// # Errors
    /// A missing array, or one of another type or rank.
    pub fn f64_vector(&self, name: &str) -> Result<Vec<f64>> {
        match self.npz.get(name) {
            Some(NpyArray::F64(a)) if a.ndim() == 1 => Ok(a.iter().copied().collect()),
            _ => Err(self.wrong(name, "a float64 vector")),
        }
    }

    /// A `uint8` vector (how text is stored).
    ///
    /// # Errors
    /// A missing array, or one of another type or rank.
    pub fn bytes(&self, name: &str) -> Result<Vec<u8>> {
        match self.npz.get(name) {
            Some(NpyArray::U8(a)) if a.ndim() == 1 => Ok(a.iter().copied().collect()),
            _ => Err(self.wrong(name, "a uint8 vector")),
        }
    }
}

/// Writes `path` through a temporary file in the same directory that is
/// renamed over it when complete: a crash leaves the old file or the new
/// one, never half of one.
///
/// # Errors
/// Any I/O failure, with the path in the message; the temporary file is removed.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<()> {
    let fail = |what: &str, e: std::io::Error| Error::file(path, format!("cannot {what}: {e}"));
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file beside it", e))?;
    // tempfile makes its files private (0600); an output file should be
    // readable as any other file the user writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| fail("set the permissions of", e))?;
    }
    write(tmp.as_file_mut()).map_err(|e| fail("write", e))?;
    tmp.as_file().sync_all().map_err(|e| fail("flush", e))?;
    tmp.persist(path)
        .map_err(|e| fail("rename into place", e.error))?;
    // Make the rename itself durable; not every platform can open a directory.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn, array};

    fn sample() -> Npz {
        let mut npz = Npz::new();
        npz.insert("W1", array![[0.5f64, -1.0], [2.0, 3.0]].into_dyn());
        npz.insert("b1", array![0.25f32, 0.0].into_dyn());
        npz.insert("step", ArrayD::from_elem(IxDyn(&[]), 42u64));
        npz
    }

    #[test]
    fn round_trips_through_a_file_and_replaces_it_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npz");
        sample().write(&path).unwrap();
        assert_eq!(Npz::read(&path).unwrap(), sample());
        let mut other = Npz::new();
        other.insert("x", array![1u8].into_dyn());
        other.write(&path).unwrap();
        assert_eq!(Npz::read(&path).unwrap(), other);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["a.npz"], "no temporary files left behind");
    }

    #[test]
    fn missing_and_damaged_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.npz");
        let err = Npz::read(&path).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}: cannot open:", path.display())),
            "{err}"
        );

        sample().write(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            let err = Npz::from_reader(std::io::Cursor::new(&bytes[..cut]), "cut.npz").unwrap_err();
            assert!(err.to_string().starts_with("cut.npz: "), "{err}");
        }
        let err = Npz::write(&sample(), dir.path().join("no/such/dir/x.npz"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cannot create a temporary file beside it"),
            "{err}"
        );
    }
}
