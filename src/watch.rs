//! `studybook watch`: re-renders a study when its config, data, templates
//! or published manifest change, for an author editing a template beside
//! an open browser tab.
//!
//! File events come from notify (the watcher mdBook and cargo-watch use)
//! through its mini debouncer, so an editor's burst of writes is one
//! render. The folders of the watched files are watched, not the files,
//! because editors replace a file on save; events on any other file (the
//! report's own outputs among them) are ignored, and so are events that
//! change nothing (a render reading its config is an event too): a render
//! follows only when an input's modification time or size moved. A render
//! that fails
//! writes nothing (files are renamed into place only when all are
//! written), so the previous report stays while the error is shown.

use crate::config;
use crate::error::{Error, Result};
use crate::pipeline;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer, notify::RecursiveMode};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the watcher reports.
#[derive(Debug)]
pub enum WatchEvent<'a> {
    /// A render started, after a change of these files (none: the first).
    Rendering(&'a [PathBuf]),
    /// It wrote these files.
    Rendered(&'a [PathBuf]),
    /// It failed; the previous report is kept.
    Failed(&'a Error),
}

/// The files a render of `config_path` reads: the config, the data file,
/// the published manifest, and the study's `templates/` folder.
pub fn inputs(config_path: &Path) -> Vec<PathBuf> {
    let mut paths = vec![config_path.to_path_buf()];
    if let Ok(loaded) = config::load(config_path) {
        paths.push(loaded.data_path());
        if let Some(published) = &loaded.config.study.published {
            paths.push(loaded.dir.join(published));
        }
        paths.push(loaded.dir.join("templates"));
    }
    paths
}

/// Whether a change of `changed` concerns one of `inputs` (a file, or a
/// file inside an input folder).
pub fn concerns(inputs: &[PathBuf], changed: &Path) -> bool {
    let name = changed.file_name().map(|n| n.to_string_lossy());
    // Editors' swap and backup files, and our own temporary files.
    if name.is_some_and(|n| n.starts_with('.') || n.ends_with('~')) {
        return false;
    }
    let changed = normal(changed);
    inputs
        .iter()
        .map(|p| normal(p))
        .any(|p| changed == p || changed.starts_with(&p) && p.is_dir())
}

/// Modification time and size of each input file (a folder's files in
/// it), `None` for a missing one: what decides that an input changed.
type Snapshot = std::collections::BTreeMap<PathBuf, Option<(std::time::SystemTime, u64)>>;

fn snapshot(inputs: &[PathBuf]) -> Snapshot {
    let stamp = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())))
    };
    let mut out = Snapshot::new();
    for input in inputs {
        if input.is_dir() {
            for entry in walkdir::WalkDir::new(input)
                .max_depth(1)
                .into_iter()
                .flatten()
            {
                if entry.file_type().is_file() {
                    out.insert(entry.path().to_path_buf(), stamp(entry.path()));
                }
            }
        } else {
            out.insert(input.clone(), stamp(input));
        }
    }
    out
}

/// The files whose stamp differs between two snapshots.
fn changed(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
    let paths: std::collections::BTreeSet<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    paths.into_iter().cloned().collect()
}

/// An absolute path without `.` and `..`, for comparing an event's path
/// with a configured one (the file may not exist in between).
fn normal(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Renders `config_path` into `out`, then again after each change of its
/// inputs, until the process ends. `debounce` joins a burst of changes.
pub fn watch(
    config_path: &Path,
    out: Option<&Path>,
    debounce: Duration,
    report: &mut dyn FnMut(WatchEvent<'_>),
) -> Result<()> {
    let mut render = |changed: &[PathBuf]| {
        report(WatchEvent::Rendering(changed));
        match pipeline::render_study(config_path, out) {
            Ok((_, files)) => report(WatchEvent::Rendered(&files)),
            Err(e) => report(WatchEvent::Failed(&e)),
        }
    };
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let watch_error = |e: notify_debouncer_mini::notify::Error| {
        Error::io(config_path, std::io::Error::other(e.to_string()))
    };
    let mut debouncer = new_debouncer(debounce, tx).map_err(watch_error)?;
    let mut watched = Vec::new();
    for input in inputs(config_path) {
        let folder = if input.is_dir() {
            input.clone()
        } else {
            input.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let folder = if folder.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            folder
        };
        if folder.is_dir() && !watched.contains(&folder) {
            debouncer
                .watcher()
                .watch(&folder, RecursiveMode::NonRecursive)
                .map_err(watch_error)?;
            watched.push(folder);
        }
    }
    // Watching starts before the first render, so that no change made
    // while it runs is missed.
    let mut last = snapshot(&inputs(config_path));
    render(&[]);
    for events in rx {
        let Ok(events) = events else { continue };
        // The config may now name another data file or manifest.
        let inputs = inputs(config_path);
        if !events.iter().any(|e| concerns(&inputs, &e.path)) {
            continue;
        }
        let now = snapshot(&inputs);
        let changed = changed(&last, &now);
        last = now;
        if !changed.is_empty() {
            render(&changed);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_inputs_concern_a_render() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("templates");
        std::fs::create_dir(&templates).unwrap();
        let inputs = vec![
            dir.path().join("study.toml"),
            dir.path().join("../data/x.csv"),
            templates.clone(),
        ];
        assert!(concerns(&inputs, &dir.path().join("study.toml")));
        assert!(concerns(&inputs, &templates.join("table1.md.j2")));
        assert!(concerns(&inputs, &dir.path().join("sub/../../data/x.csv")));
        // The report's own outputs and editors' temporary files do not.
        assert!(!concerns(&inputs, &dir.path().join("manuscript.html")));
        assert!(!concerns(&inputs, &dir.path().join("figures/km.svg")));
        assert!(!concerns(&inputs, &templates.join(".table1.md.j2.swp")));
        assert!(!concerns(&inputs, &dir.path().join(".manuscript.md.tmp")));
    }

    #[test]
    fn reading_an_input_is_no_change_writing_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("study.toml");
        std::fs::write(&config, "a").unwrap();
        let inputs = vec![config.clone(), dir.path().join("templates")];
        let before = snapshot(&inputs);
        let _ = std::fs::read(&config).unwrap();
        assert!(changed(&before, &snapshot(&inputs)).is_empty());
        std::fs::write(&config, "ab").unwrap();
        assert_eq!(changed(&before, &snapshot(&inputs)), vec![config.clone()]);
        // A new template file is a change too.
        std::fs::create_dir(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/x.md.j2"), "x").unwrap();
        let now = changed(&before, &snapshot(&inputs));
        assert!(
            now.contains(&dir.path().join("templates/x.md.j2")),
            "{now:?}"
        );
    }
}
