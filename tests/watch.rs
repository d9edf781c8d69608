//! `studybook watch`: the lung fixture study in a temporary folder is
//! rendered at once, again after a template changes, and a template that
//! fails keeps the previous report and shows the error.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// Kills the watcher when the test ends, pass or fail.
struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for a stderr line containing `what` (a render takes seconds in a
/// debug build; the limit is generous).
fn wait_for(lines: &Receiver<String>, what: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                let done = line.contains(what);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no line with {what:?}; saw {seen:#?}"),
        }
    }
}

#[test]
fn watch_renders_on_change_and_keeps_the_report_on_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let data = root.join("tests/fixtures/r-reference/data/lung.csv");
    let config = std::fs::read_to_string(root.join("tests/fixtures/studies/lung/study.toml"))
        .unwrap()
        .replace(
            "../../r-reference/data/lung.csv",
            &data.display().to_string(),
        );
    std::fs::write(dir.path().join("study.toml"), config).unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("discussion.md.j2"),
        "## Discussion\n\nFirst draft.\n",
    )
    .unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_studybook"))
        .args(["watch", "--debounce", "200"])
        .arg(dir.path().join("study.toml"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _watcher = Watcher(child);
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let manuscript = dir.path().join("manuscript.md");
    wait_for(&lines, "waiting for changes");
    assert!(
        std::fs::read_to_string(&manuscript)
            .unwrap()
            .contains("First draft.")
    );

    // An edit of the template: rendered again.
    std::fs::write(
        templates.join("discussion.md.j2"),
        "## Discussion\n\nSecond draft.\n",
    )
    .unwrap();
    let seen = wait_for(&lines, "waiting for changes");
    assert!(
        seen.iter().any(|l| l.contains("discussion.md.j2 changed")),
        "{seen:#?}"
    );
    assert!(
        std::fs::read_to_string(&manuscript)
            .unwrap()
            .contains("Second draft.")
    );

    // A template that does not render: the error is shown, the report kept.
    std::fs::write(
        templates.join("discussion.md.j2"),
        "{{ results.nothing.here }}\n",
    )
    .unwrap();
    let seen = wait_for(&lines, "previous report is kept");
    assert!(seen.iter().any(|l| l.starts_with("error:")), "{seen:#?}");
    assert!(
        std::fs::read_to_string(&manuscript)
            .unwrap()
            .contains("Second draft.")
    );
}
