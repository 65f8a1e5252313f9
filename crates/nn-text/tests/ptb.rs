//! PTB as the book loads it, and the download that fetches it, against a
//! server on 127.0.0.1 that serves good, truncated and wrong bytes.
//!
//! The test on the real files runs when `DLFS2_DATA` names a directory that
//! holds them (CI points it at the shared data); it says so when skipped.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use nn_text::download::{fetch, sha256_file};
use nn_text::ptb::{self, Source, Split};

/// A one-thread HTTP server answering every request by `respond(path)`:
/// `(status, declared length, bytes sent)`. Returns its base address.
fn serve(respond: impl Fn(&str) -> (u16, usize, Vec<u8>) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(32) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let (status, length, body) = respond(&path);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

fn sha256_of(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, bytes).unwrap();
    sha256_file(&path).unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_download_is_checked_and_atomic() {
    let good = b" the cat sat \n on the mat \n".to_vec();
    let sum = sha256_of(&good);
    let body = good.clone();
    let base = serve(move |path| match path {
        "/good" => (200, body.len(), body.clone()),
        "/truncated" => (200, body.len(), body[..10].to_vec()),
        "/wrong" => (200, 5, b"wrong".to_vec()),
        _ => (404, 0, Vec::new()),
    });
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cache").join("ptb.train.txt");

    let err = fetch(&format!("{base}/truncated"), &dest, &sum).unwrap_err();
    assert!(
        err.contains("broke off") || err.contains("expected"),
        "{err}"
    );
    let err = fetch(&format!("{base}/wrong"), &dest, &sum).unwrap_err();
    assert!(
        err.ends_with(&format!(
            "has SHA-256 {}, expected {sum} (truncated or wrong file); nothing was kept",
            sha256_of(b"wrong")
        )),
        "{err}"
    );
    let err = fetch(&format!("{base}/missing"), &dest, &sum).unwrap_err();
    assert!(
        err.starts_with(&format!("cannot download {base}/missing")),
        "{err}"
    );
    // Nothing of the failed downloads is left, not even a temporary file.
    assert_eq!(files_in(dest.parent().unwrap()), Vec::<String>::new());

    fetch(&format!("{base}/good"), &dest, &sum).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), good);
    assert_eq!(files_in(dest.parent().unwrap()), ["ptb.train.txt"]);

    // Offline: a refused connection is an error naming the address.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = fetch(&format!("http://{closed}/x"), &dir.path().join("y"), &sum).unwrap_err();
    assert!(
        err.starts_with(&format!("cannot download http://{closed}/x")),
        "{err}"
    );
}

#[test]
fn missing_and_corrupt_files_say_how_to_get_them() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let err = Source::Dir(missing.clone())
        .file(Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}: the data directory does not exist; get it from https://raw.githubusercontent.com/tomsercu/lstm/master/data/ptb.train.txt (SHA-256 fcea919f", missing.display())),
        "{err}"
    );
    let err = Source::Dir(dir.path().to_owned())
        .file(Split::Test)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no ptb.test.txt here (nor in ptb/)"), "{err}");
    std::fs::write(dir.path().join("ptb.valid.txt"), "truncated").unwrap();
    let err = Source::Dir(dir.path().to_owned())
        .file(Split::Valid)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(", expected c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2 (truncated or corrupt); delete it and get it from"),
        "{err}"
    );
}

fn real_data() -> Option<PathBuf> {
    match std::env::var_os(ptb::DATA_ENV) {
        Some(dir) if Path::new(&dir).is_dir() => Some(PathBuf::from(dir)),
        _ => {
            eprintln!(
                "skipped: set {} to a directory with PTB's files",
                ptb::DATA_ENV
            );
            None
        }
    }
}

/// Length, vocabulary, first ids, sum and Σ id·(position mod 1000003) of the
/// book's `ptb.load_data(split)`, computed with the book's own code.
const BOOK: [(Split, usize, [usize; 12], u64, u64); 3] = [
    (
        Split::Train,
        929_589,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        1_156_603_095,
        549_539_074_427_421,
    ),
    (
        Split::Valid,
        73_760,
        [2211, 396, 1129, 64, 831, 556, 808, 35, 1382, 2745, 64, 32],
        90_505_708,
        3_312_412_201_752,
    ),
    (
        Split::Test,
        82_430,
        [142, 78, 54, 251, 2360, 405, 24, 315, 706, 32, 101, 934],
        96_492_489,
        3_992_646_401_669,
    ),
];

#[test]
fn ptb_ids_equal_the_books() {
    let Some(dir) = real_data() else { return };
    let source = Source::Dir(dir);
    for (split, len, first, sum, weighted) in BOOK {
        let corpus = ptb::load_data(split, &source).unwrap();
        assert_eq!(corpus.vocab.len(), 10_000);
        assert_eq!(corpus.ids.len(), len, "{split:?}");
        assert_eq!(corpus.ids[..12], first, "{split:?}");
        assert_eq!(corpus.ids.iter().map(|&i| i as u64).sum::<u64>(), sum);
        let w: u64 = corpus
            .ids
            .iter()
            .enumerate()
            .map(|(p, &i)| i as u64 * (p as u64 % 1_000_003))
            .sum();
        assert_eq!(w, weighted, "{split:?}");
    }
}

#[test]
fn ptb_downloads_into_the_cache_once() {
    let Some(dir) = real_data() else { return };
    let train = std::fs::read(Source::Dir(dir).file(Split::Train).unwrap()).unwrap();
    let base = serve(move |path| match path {
        "/ptb.train.txt" => (200, train.len(), train.clone()),
        _ => (404, 0, Vec::new()),
    });
    let cache = tempfile::tempdir().unwrap();
    let source = Source::Download {
        cache: cache.path().join("c"),
        url: format!("{base}/"),
    };
    let path = source.file(Split::Train).unwrap();
    assert_eq!(path, cache.path().join("c/ptb.train.txt"));
    // Second time: from the cache (the server would 404 anything else).
    assert_eq!(source.file(Split::Train).unwrap(), path);
    let err = source.file(Split::Test).unwrap_err().to_string();
    assert!(
        err.contains("cannot download") && err.contains("404"),
        "{err}"
    );
}
