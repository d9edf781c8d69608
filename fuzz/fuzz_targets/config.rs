//! Any text as a study config: parsed and checked, or an error; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = studybook::config::parse(std::path::Path::new("study.toml"), text);
    }
});
