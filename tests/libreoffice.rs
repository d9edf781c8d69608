//! The DOCX manuscript opens in a real word processor: LibreOffice
//! (headless) converts it to PDF, and `pdftotext` finds the abstract and
//! Table 1's first rows in it. A DOCX that Word or LibreOffice refuses is a
//! failure no other test can see.
//!
//! Needs Debian's `libreoffice-writer-nogui` and `poppler-utils`
//! (`.ci/run` installs them and sets STUDYBOOK_REQUIRE_LIBREOFFICE=1, so
//! that a missing tool fails there); elsewhere the test says it is skipped.

mod common;

use std::path::PathBuf;
use std::process::Command;
use studybook::pipeline;

fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() && std::env::var("STUDYBOOK_REQUIRE_LIBREOFFICE").as_deref() == Ok("1") {
        panic!(
            "{name} not found, and STUDYBOOK_REQUIRE_LIBREOFFICE=1; install libreoffice-writer-nogui and poppler-utils"
        );
    }
    found
}

/// `text` without white space and hyphens: PDF text breaks lines anywhere
/// and joins a word hyphenated at a line end.
fn words(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

#[test]
fn docx_converts_to_pdf_with_the_abstract_and_table_1() {
    let (Some(soffice), Some(pdftotext)) = (tool("soffice"), tool("pdftotext")) else {
        eprintln!("skipped: LibreOffice or pdftotext not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = common::fixture_config("veteran").replace("replicates = 199", "replicates = 20")
        + "\n[output]\nformats = [\"md\", \"docx\"]\ndpi = 300\nfigure-width = 84\n";
    std::fs::write(dir.path().join("study.toml"), config).unwrap();
    let out = dir.path().join("out");
    pipeline::render_study(&dir.path().join("study.toml"), Some(&out)).unwrap();

    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("lo").display()
    );
    let status = Command::new(soffice)
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&out)
        .arg(out.join("manuscript.docx"))
        .output()
        .expect("soffice runs");
    let pdf = out.join("manuscript.pdf");
    assert!(
        pdf.is_file(),
        "LibreOffice made no PDF: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    // The layout mode keeps a table row's cells on its line.
    let text = Command::new(pdftotext)
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let pdf_text = words(&String::from_utf8_lossy(&text.stdout));

    let md = std::fs::read_to_string(out.join("manuscript.md")).unwrap();
    // The abstract's first sentence (Markdown emphasis removed).
    let abstract_start = md
        .lines()
        .find(|l| l.starts_with("**Background.**") || l.starts_with("**Methods.**"))
        .expect("an abstract");
    let sentence = abstract_start.replace("**", "");
    let sentence = sentence.split(". ").take(2).collect::<Vec<_>>().join(". ");
    assert!(
        pdf_text.contains(&words(&sentence)),
        "abstract missing: {sentence}"
    );
    // Table 1's caption and the cells of its first two body rows, in order.
    let caption = md.lines().find(|l| l.starts_with("**Table 1.**")).unwrap();
    assert!(pdf_text.contains(&words(&caption.replace("**", ""))));
    let table: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("**Table 1.**"))
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .take(2)
        .collect();
    assert_eq!(table.len(), 2);
    let mut from = pdf_text.find(&words(&caption.replace("**", ""))).unwrap();
    for row in table {
        for cell in row.split('|').map(str::trim).filter(|c| !c.is_empty()) {
            // A superscript footnote mark is its own text run in the PDF.
            let cell = cell
                .split("<sup>")
                .next()
                .unwrap_or_default()
                .replace("&emsp;", "");
            let cell = words(&cell.replace("&lt;", "<").replace("&gt;", ">"));
            let at = pdf_text[from..]
                .find(&cell)
                .unwrap_or_else(|| panic!("Table 1 cell {cell:?} not in the PDF after {from}"));
            from += at;
        }
    }
}
