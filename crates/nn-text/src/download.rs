//! Data files fetched on first use: an HTTP(S) GET into a temporary file
//! beside the destination, checked against a SHA-256, then renamed into
//! place, so that a broken or wrong download never leaves a file behind.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use nn_core::{Error, Result};
use sha2::{Digest, Sha256};

/// The SHA-256 of a file, as lower-case hex.
///
/// # Errors
/// A file that cannot be read.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Downloads `url` to `dest` if its SHA-256 is `sha256`: written to a
/// temporary file in `dest`'s directory (created if missing), checked, then
/// renamed. Prints `Downloading URL ...` and `Done` on stderr, as the book.
///
/// # Errors
/// A refused or broken connection, an HTTP error status, a body whose
/// checksum differs (truncated or wrong), or a file that cannot be written;
/// the message says which, and nothing is left at `dest`.
pub fn fetch(url: &str, dest: &Path, sha256: &str) -> std::result::Result<(), String> {
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    eprintln!("Downloading {url} ...");
    let response = ureq::get(url)
        .call()
        .map_err(|e| format!("cannot download {url}: {e}"))?;
    let mut reader = response.into_body().into_reader();
    let mut tmp = tempfile::Builder::new()
        .prefix(".download-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| format!("the download of {url} broke off: {e}"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n])
            .map_err(|e| format!("cannot write the download: {e}"))?;
    }
    let actual = hex(&hasher.finalize());
    if actual != sha256 {
        return Err(format!(
            "the download from {url} has SHA-256 {actual}, expected {sha256} (truncated or wrong file); nothing was kept"
        ));
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("cannot flush the download: {e}"))?;
    // tempfile makes files private (0600); a data file is readable like any other.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(dest)
        .map_err(|e| format!("cannot move the download into place: {}", e.error))?;
    eprintln!("Done");
    Ok(())
}
