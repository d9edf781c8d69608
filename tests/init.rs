//! `studybook init`: on each fixture dataset it writes a study that `check`
//! accepts and `render` renders, with the treatment's groups filled in and
//! the time/event pair proposed; it never overwrites a study.

use std::path::Path;
use std::process::Command;

fn studybook(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_studybook"))
        .args(args)
        .output()
        .expect("studybook runs")
}

#[test]
fn init_gives_a_study_that_checks_and_renders_for_each_fixture_dataset() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/r-reference");
    for (data, treatment, groups) in [
        ("data/lung.csv", Some("sex"), "groups = [\"1\", \"2\"]"),
        ("data/veteran.csv", Some("trt"), "groups = [\"1\", \"2\"]"),
        ("data/lalonde.csv", None, "column = \"treat\""),
        (
            "competing/mgus2.csv",
            Some("sex"),
            "groups = [\"F\", \"M\"]",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("study");
        let data = root.join(data);
        let mut args = vec![
            "init",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(t) = treatment {
            args.extend(["--treatment", t]);
        }
        let run = studybook(&args);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let config = std::fs::read_to_string(out.join("study.toml")).unwrap();
        assert!(config.contains(groups), "{data:?}:\n{config}");
        let study = out.join("study.toml");
        let check = studybook(&["check", study.to_str().unwrap()]);
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let render = studybook(&["render", study.to_str().unwrap(), "--quiet"]);
        assert!(
            render.status.success(),
            "{}",
            String::from_utf8_lossy(&render.stderr)
        );
        assert!(out.join("manuscript.md").is_file());
        // A second init does not overwrite it.
        let again = studybook(&args);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
        assert_eq!(std::fs::read_to_string(&study).unwrap(), config);
    }
    // lung's time/status pair is proposed, commented out.
    let dir = tempfile::tempdir().unwrap();
    let lung = root.join("data/lung.csv");
    let out = dir.path().join("s");
    let run = studybook(&[
        "init",
        lung.to_str().unwrap(),
        "--treatment",
        "sex",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    let config = std::fs::read_to_string(out.join("study.toml")).unwrap();
    assert!(
        config.contains(
            "# time = \"time\"\n# event = \"status\"\n# event-value = \"2\"\n# censor-value = \"1\""
        ),
        "{config}"
    );
}
