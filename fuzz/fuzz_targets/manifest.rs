//! Any text as a published-numbers manifest: audited, or an error; never a
//! panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(m) =
            studybook::published::audit::Manifest::parse(std::path::Path::new("p.toml"), text)
    {
        let _ = studybook::published::audit::audit(&m);
    }
});
