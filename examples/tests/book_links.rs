//! The companion book (`book/src`) and the two READMEs hold together: every
//! link to a page, a heading, a source file or a figure resolves; every
//! `{{#include}}` finds its file and anchor; `SUMMARY.md` lists every page;
//! the Korean and English pages are the same set, each linking to its
//! counterpart; every figure is used, and each use says which command made it.
//!
//! `mdbook build` itself (in `.ci/run`) catches a missing include but not a
//! broken link, and GitHub renders the pages without building them, so this
//! runs with the tests, needing nothing but the files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The repository's root (this crate is `examples/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn src() -> PathBuf {
    root().join("book/src")
}

/// Every Markdown file under `dir`, sorted.
fn markdown_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The pages and both READMEs: everything a reader follows links in.
fn documents() -> Vec<PathBuf> {
    let mut docs = markdown_under(&src());
    docs.push(root().join("README.md"));
    docs.push(root().join("README.ko.md"));
    docs
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` relative to the repository's root, for messages.
fn shown(path: &Path) -> String {
    let root = normalise(&root());
    normalise(path)
        .strip_prefix(&root)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The text a reader sees as prose: fenced code blocks and inline code removed.
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            // Drop `code spans`: what is between pairs of backticks.
            let kept: String = line
                .split('`')
                .enumerate()
                .filter(|(k, _)| k % 2 == 0)
                .map(|(_, part)| part)
                .collect::<Vec<_>>()
                .join(" ");
            lines.push((i + 1, kept));
        }
    }
    lines
}

/// The targets of the inline links and images of a line: `[text](target)`.
fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        match after.find(')') {
            Some(end) => {
                targets.push(after[..end].trim().to_string());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    targets
}

/// mdBook's id for a heading: its text (code marks and links' targets
/// dropped), letters, digits, `_` and `-` kept and lower-cased, spaces as `-`.
fn heading_id(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading.replace('`', "");
    // `[text](url)` reads as `text`.
    while let (Some(open), Some(mid)) = (rest.find('['), rest.find("](")) {
        let Some(close) = rest[mid..].find(')') else {
            break;
        };
        text.push_str(&rest[..open]);
        text.push_str(&rest[open + 1..mid]);
        rest = rest[mid + close + 1..].to_string();
    }
    text.push_str(&rest);
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The ids of a Markdown file's headings.
fn heading_ids(text: &str) -> BTreeSet<String> {
    prose_lines(text)
        .into_iter()
        .filter_map(|(_, line)| {
            let trimmed = line.trim_start();
            let hashes = trimmed.chars().take_while(|&c| c == '#').count();
            (1..=6)
                .contains(&hashes)
                .then(|| heading_id(trimmed[hashes..].trim()))
        })
        .collect()
}

#[test]
fn every_link_resolves() {
    let mut broken = Vec::new();
    for doc in documents() {
        let text = read(&doc);
        let dir = doc.parent().expect("a file has a directory");
        for (line_no, line) in prose_lines(&text) {
            for target in link_targets(&line) {
                if target.starts_with("http://") || target.starts_with("https://") {
                    continue;
                }
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() {
                    doc.clone()
                } else {
                    dir.join(path)
                };
                let place = format!("{}:{line_no}: ({target})", shown(&doc));
                if !file.exists() {
                    broken.push(format!("{place} → {} does not exist", shown(&file)));
                    continue;
                }
                if let Some(anchor) = anchor {
                    if file.extension().is_some_and(|e| e == "md")
                        && !heading_ids(&read(&file)).contains(anchor)
                    {
                        broken.push(format!(
                            "{place} → no heading #{anchor} in {}",
                            shown(&file)
                        ));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_include_finds_its_file_and_anchor() {
    let mut broken = Vec::new();
    let mut includes = 0;
    for doc in markdown_under(&src()) {
        let text = read(&doc);
        let dir = doc.parent().expect("a file has a directory");
        for (i, line) in text.lines().enumerate() {
            let Some(start) = line.find("{{#include ") else {
                continue;
            };
            let Some(end) = line[start..].find("}}") else {
                broken.push(format!("{}:{}: an unclosed include", shown(&doc), i + 1));
                continue;
            };
            includes += 1;
            let spec = line[start + "{{#include ".len()..start + end].trim();
            let (path, anchor) = spec.split_once(':').unwrap_or((spec, ""));
            let file = dir.join(path);
            let place = format!("{}:{}", shown(&doc), i + 1);
            let Ok(code) = fs::read_to_string(&file) else {
                broken.push(format!("{place}: {} does not exist", shown(&file)));
                continue;
            };
            if !anchor.is_empty() {
                let (open, close) = (format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}"));
                if !code.contains(&open) || !code.contains(&close) {
                    broken.push(format!("{place}: no anchor {anchor} in {}", shown(&file)));
                }
            }
            // Included Rust must be compiled and run: a file of the book's tests.
            if file.extension().is_some_and(|e| e == "rs")
                && !normalise(&file).starts_with(normalise(&root().join("examples/tests/book")))
            {
                broken.push(format!(
                    "{place}: {} is not one of the tested files in examples/tests/book/",
                    shown(&file)
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken includes:\n{}", broken.join("\n"));
    assert!(includes >= 10, "the pages include {includes} snippets");
}

#[test]
fn every_snippet_file_is_compiled() {
    // examples/tests/book.rs declares each file as a module: one left out
    // would be included in a page without ever being built.
    let harness = read(&root().join("examples/tests/book.rs"));
    for entry in fs::read_dir(root().join("examples/tests/book")).expect("the snippets") {
        let path = entry.expect("a directory entry").path();
        let stem = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .to_string();
        assert!(
            harness.contains(&format!("mod {stem};")),
            "{} is not a module of examples/tests/book.rs",
            shown(&path)
        );
    }
}

#[test]
fn summary_lists_every_page_and_both_languages_match() {
    let summary = read(&src().join("SUMMARY.md"));
    let listed: BTreeSet<String> = prose_lines(&summary)
        .iter()
        .flat_map(|(_, line)| link_targets(line))
        .collect();
    let mut pages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for page in markdown_under(&src()) {
        let relative = page
            .strip_prefix(src())
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if relative == "SUMMARY.md" {
            continue;
        }
        assert!(
            listed.contains(&relative),
            "SUMMARY.md does not list {relative}"
        );
        if let Some((lang, name)) = relative.split_once('/') {
            pages
                .entry(lang.to_string())
                .or_default()
                .insert(name.to_string());
        }
    }
    let folders: Vec<&String> = pages.keys().collect();
    assert_eq!(folders, ["en", "ko"], "the language folders under book/src");
    let (ko, en) = (&pages["ko"], &pages["en"]);
    assert_eq!(ko, en, "the Korean and English pages differ");
    assert!(ko.len() >= 13, "{} pages per language", ko.len());
    // Each page offers its other language.
    for name in ko {
        for (lang, other) in [("ko", "en"), ("en", "ko")] {
            let text = read(&src().join(lang).join(name));
            assert!(
                text.contains(&format!("](../{other}/{name})")),
                "book/src/{lang}/{name} does not link to ../{other}/{name}"
            );
        }
    }
}

#[test]
fn every_figure_is_shown_and_says_which_command_made_it() {
    let figures = src().join("figures");
    let mut used = BTreeSet::new();
    let mut unexplained = Vec::new();
    for doc in documents() {
        let text = read(&doc);
        let raw: Vec<&str> = text.lines().collect();
        for (line_no, line) in prose_lines(&text) {
            if !line.trim_start().starts_with("![") {
                continue;
            }
            for target in link_targets(&line) {
                if let Some(name) = target.rsplit('/').next() {
                    used.insert(name.to_string());
                }
            }
            // The caption after the figure (in italics) names the command that drew it.
            let caption = raw[line_no..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty());
            if !caption.is_some_and(|c| c.starts_with('*') && c.contains("nn-examples")) {
                unexplained.push(format!("{}:{line_no}", shown(&doc)));
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "figures without a caption naming the nn-examples command that made them:\n{}",
        unexplained.join("\n")
    );
    for entry in fs::read_dir(&figures).expect("book/src/figures") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        assert!(
            used.contains(&name),
            "book/src/figures/{name} is shown on no page"
        );
    }
}

#[test]
fn readme_fits_on_a_screen_or_two_and_starts_with_the_two_commands() {
    for name in ["README.md", "README.ko.md"] {
        let text = read(&root().join(name));
        let limit = if name == "README.md" {
            12 * 1024
        } else {
            16 * 1024
        };
        assert!(text.len() <= limit, "{name} is {} bytes", text.len());
        let first_block: String = text.split("```").nth(1).unwrap_or_default().to_string();
        for command in [
            "cargo run --release -p nn-examples",
            "cargo test --workspace",
        ] {
            assert!(
                first_block.contains(command),
                "{name}'s first code block lacks `{command}`"
            );
        }
    }
}

#[test]
fn heading_ids_follow_mdbook() {
    assert_eq!(heading_id("Chapter 2: `count-big`"), "chapter-2-count-big");
    assert_eq!(heading_id("PTB 데이터셋 (2.4.4)"), "ptb-데이터셋-244");
    assert_eq!(heading_id("[Rust](x.md) items"), "rust-items");
}
