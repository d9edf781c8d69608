//! The command line: exit codes and messages as a user sees them.

use std::process::{Command, Stdio};

fn studybook() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_studybook"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

// `check` prints the flow and exits 0 on a valid study.
#[test]
fn check_valid_study() {
    let out = studybook()
        .args(["check", "tests/fixtures/studies/lung/study.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("config and data are valid") && text.contains("Patients analysed: 228"),
        "{text}"
    );
}

// A bad study exits 1 with "error:" and the file name on stderr, no panic.
#[test]
fn check_missing_study_fails_cleanly() {
    let out = studybook()
        .args(["check", "no/such/study.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: no/such/study.toml") && !err.contains("panicked"),
        "{err}"
    );
}

// A reader that closes the pipe early (`| head`) is not an error.
#[test]
fn closed_stdout_is_not_a_panic() {
    let mut child = studybook()
        .args(["check", "tests/fixtures/studies/lung/study.toml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert!(out.status.success());
}

// `audit` exits 1 when an error-severity finding exists (so a journal can
// gate on it), 0 on a consistent manifest, and writes its three files.
#[test]
fn audit_exit_status_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[h]\nhr = 1.33\nci_lo = 1.12\nci_hi = 2.50\np = 0.012\n",
    )
    .unwrap();
    let out = studybook()
        .args(["audit", bad.to_str().unwrap(), "--out"])
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error 5.01 h (bad.toml:1) hr-ci"), "{text}");
    for f in ["audit.md", "audit.html", "audit.json"] {
        assert!(dir.path().join("bad").join(f).is_file(), "{f}");
    }
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[h]\nhr = 1.58\nci_lo = 1.10\nci_hi = 2.29\np = 0.014\n",
    )
    .unwrap();
    let out = studybook()
        .args(["audit", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("audit").join("audit.json").is_file());
    let json = std::fs::read_to_string(dir.path().join("audit/audit.json")).unwrap();
    assert_eq!(json.trim(), "[]");
}

// Without a terminal (or with --quiet) no progress bar reaches stderr, so
// logs and pipes stay clean.
#[test]
fn render_without_terminal_prints_no_progress() {
    let dir = tempfile::tempdir().unwrap();
    for quiet in [false, true] {
        let mut c = studybook();
        c.args(["render", "tests/fixtures/studies/lung/study.toml", "--out"])
            .arg(dir.path());
        if quiet {
            c.arg("--quiet");
        }
        let out = c.stderr(Stdio::piped()).output().unwrap();
        assert!(out.status.success());
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// `audit --draft ARTICLE` writes ARTICLE.manifest.toml beside it, says how
// many cells it could not read, and never writes over an existing file;
// an article that is not there is an error naming it; `audit` with neither
// a manifest nor --draft asks for the manifest.
#[test]
fn audit_draft_writes_once() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("paper.md");
    std::fs::write(
        &article,
        "Table 1. Baseline\n\n| Variable | SR (n = 50) | TA (n = 40) | p |\n|---|---|---|---|\n\
         | Female, n (%) | 12 (24.0) | 2 (5.0) | 0.018 |\n",
    )
    .unwrap();
    let run = || {
        studybook()
            .args(["audit", "--draft", article.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 table(s) read, 0 cell(s) not read"),
        "{text}"
    );
    let draft = dir.path().join("paper.manifest.toml");
    assert!(
        std::fs::read_to_string(&draft)
            .unwrap()
            .contains("sr_n = 50")
    );
    let again = run();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never written over"));
    let missing = studybook()
        .args(["audit", "--draft"])
        .arg(dir.path().join("nowhere.md"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("nowhere.md") && err.contains("No such file"),
        "{err}"
    );
    let none = studybook().arg("audit").output().unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("<MANIFEST>"));
}
