//! Any text as the manuscript template of a small study: rendered, or an
//! error; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use studybook::pipeline::Analysis;

const CSV: &str = "id,arm,age,stage,t,e\n1,A,50,I,1.5,1\n2,B,61,II,2.5,0\n3,A,70,I,3,1\n\
                   4,B,45,II,4,1\n5,A,52,II,2,0\n6,B,66,I,1,1\n";

const CONFIG: &str = "[study]\ntitle = \"F <b>\"\ndata = \"d.csv\"\nid = \"id\"\n[treatment]\n\
    column = \"arm\"\ngroups = [\"A\", \"B\"]\n[variables.age]\nsummary = \"mean_sd\"\n\
    [variables.stage]\nlevels = [\"I\", \"II\"]\n[table1]\nvariables = [\"age\", \"stage\"]\n\
    [[endpoints]]\nid = \"os\"\nlabel = \"OS\"\ntime = \"t\"\nevent = \"e\"\nlandmarks = [2]\n";

fn analysis() -> &'static Analysis {
    static A: OnceLock<(tempfile::TempDir, Analysis)> = OnceLock::new();
    &A.get_or_init(|| {
        let d = tempfile::tempdir().expect("temporary folder");
        std::fs::write(d.path().join("d.csv"), CSV).expect("write the data");
        let path = d.path().join("study.toml");
        std::fs::write(&path, CONFIG).expect("write the config");
        let a = studybook::pipeline::analyse(&path).expect("the seed study analyses");
        (d, a)
    })
    .1
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let a = analysis();
    let templates = a.templates.clone().with("manuscript.md.j2", source);
    let document = studybook::render::Document::new(&a.results, None);
    let _ = studybook::render::render(&document, &templates, &a.figures);
});
