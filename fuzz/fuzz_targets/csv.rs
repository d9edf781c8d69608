//! Any bytes as a data file: read into text columns and every column parsed
//! as numbers, or an error; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary folder"))
}

fuzz_target!(|data: &[u8]| {
    let path = dir().path().join("d.csv");
    std::fs::write(&path, data).expect("write the input");
    if let Ok(ds) = studybook::data::Dataset::read(&path, &["NA".to_string()]) {
        for name in ds.names().to_vec() {
            let _ = ds.numeric(&name, "fuzz");
        }
    }
});
