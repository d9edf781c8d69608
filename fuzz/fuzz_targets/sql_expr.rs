//! Any text as a derived variable's SQL expression and as an exclusion's
//! `where` over a small study: analysed, or an error; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CSV: &str = "id,arm,age,stage,t,e\n1,A,50,I,1.5,1\n2,B,61,II,2.5,0\n3,A,70,I,3,1\n\
                   4,B,45,II,4,1\n5,A,52,II,2,0\n6,B,66,I,1,1\n";

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("temporary folder");
        std::fs::write(d.path().join("d.csv"), CSV).expect("write the data");
        d
    })
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    let e = toml_string(expr);
    let config = format!(
        "[study]\ntitle = \"F\"\ndata = \"d.csv\"\nid = \"id\"\n[treatment]\ncolumn = \"arm\"\n\
         groups = [\"A\", \"B\"]\n[variables.x]\nexpr = {e}\nsummary = \"mean_sd\"\n\
         [table1]\nvariables = [\"x\"]\n[[cohort.exclude]]\nreason = \"fuzz\"\nwhere = {e}\n"
    );
    let path = dir().path().join("study.toml");
    std::fs::write(&path, config).expect("write the config");
    let _ = studybook::pipeline::analyse(&path);
});
