//! The HTML manuscript in a real browser: headless Chromium loads the
//! committed default report, and the test fails on any console message
//! (a CSP violation is one) or any request the page makes beyond its own
//! file. Screenshots at desktop and phone width go to `target/browser/` as
//! CI artefacts.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it and sets
//! STUDYBOOK_REQUIRE_BROWSER=1, so that a missing browser fails there);
//! elsewhere the tests say they are skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let name = std::env::var("STUDYBOOK_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(&name))
            .find(|p| p.is_file())
    });
    if found.is_none() && std::env::var("STUDYBOOK_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("chromium not found, and STUDYBOOK_REQUIRE_BROWSER=1; install Debian's chromium");
    }
    found
}

/// What the browser reported for one page.
struct Visit {
    console: Vec<String>,
    requests: Vec<String>,
}

/// Loads `page` headless at `width` x `height`, saving a screenshot.
fn visit(browser: &Path, page: &Path, width: u32, height: u32, shot: &Path) -> Visit {
    let work = tempfile::tempdir().unwrap();
    let netlog = work.path().join("net.json");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    // Requests the page started (the browser's own carry the initiator
    // "not an origin"); anything but the file itself and data: URLs counts.
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&netlog).unwrap_or_default())
            .unwrap_or(serde_json::Value::Null);
    let mut requests = Vec::new();
    for e in log["events"].as_array().into_iter().flatten() {
        let p = &e["params"];
        if let (Some(url), Some(initiator)) = (p["url"].as_str(), p["initiator"].as_str())
            && initiator != "not an origin"
            && !url.starts_with("file:")
            && !url.starts_with("data:")
        {
            requests.push(url.to_string());
        }
    }
    Visit { console, requests }
}

fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// The default manuscript loads with no console message and no request, at
// desktop and phone width.
#[test]
fn manuscript_loads_clean_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: chromium not installed");
        return;
    };
    let page =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/tace-downstaging/manuscript.html");
    for (name, w, h) in [
        ("manuscript.png", 1280, 2400),
        ("manuscript-phone.png", 390, 2400),
    ] {
        let shot = artefacts().join(name);
        let v = visit(&browser, &page, w, h, &shot);
        assert!(v.console.is_empty(), "console messages: {:#?}", v.console);
        assert!(v.requests.is_empty(), "network requests: {:#?}", v.requests);
        assert!(
            std::fs::metadata(&shot)
                .map(|m| m.len() > 10_000)
                .unwrap_or(false)
        );
    }
}

// The check itself can fail: a page that loads a remote image and runs a
// script under the same CSP is caught (two console messages), and one
// without a CSP is caught by its request.
#[test]
fn browser_check_catches_scripts_and_remote_loads() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csp = dir.path().join("csp.html");
    std::fs::write(
        &csp,
        "<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">\
         </head><body><img src=\"http://127.0.0.1:9/x.png\"><script>1</script></body></html>",
    )
    .unwrap();
    let v = visit(&browser, &csp, 400, 300, &dir.path().join("a.png"));
    assert_eq!(v.console.len(), 2, "{:#?}", v.console);
    let open = dir.path().join("open.html");
    std::fs::write(
        &open,
        "<html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .unwrap();
    let v = visit(&browser, &open, 400, 300, &dir.path().join("b.png"));
    assert_eq!(v.requests, vec!["http://127.0.0.1:9/x.png".to_string()]);
}

// The review copy runs its line-number script under the page's CSP (a
// blocked script would be a console message) and numbers the lines: the
// rendered page has a number per line of text, from 1 up.
#[test]
fn review_copy_numbers_its_lines_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: chromium not installed");
        return;
    };
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/tace-downstaging/manuscript-review.html");
    let v = visit(&browser, &page, 1280, 2400, &artefacts().join("review.png"));
    assert!(v.console.is_empty(), "console messages: {:#?}", v.console);
    assert!(v.requests.is_empty(), "network requests: {:#?}", v.requests);
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", work.path().display()))
        .arg("--window-size=1280,2400")
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let numbers = dom.matches(r#"class="line-number""#).count();
    // Hundreds of paragraphs and table rows: at least a thousand lines.
    assert!(numbers > 1000, "{numbers} line numbers");
    assert!(dom.contains(r#"class="line-number" style="top: "#) && dom.contains(">1</span>"));
}
