//! Bad input gets a clear error (file, place, fix), never a panic: one test
//! per case, asserting the message.

use std::path::PathBuf;
use studybook::pipeline;

const CSV: &str = "id,arm,age,stage,lab\n1,A,50,I,1.5\n2,B,61,II,2.5\n3,A,70,I,NA\n4,B,45,II,3.0\n5,A,52,II,2.0\n6,B,66,I,1.0\n";

const CONFIG: &str = r#"
[study]
title = "T"
data = "d.csv"
id = "id"
[treatment]
column = "arm"
groups = ["A", "B"]
[variables.age]
summary = "mean_sd"
[variables.stage]
levels = ["I", "II"]
[variables.lab]
summary = "median_iqr"
[table1]
variables = ["age", "stage", "lab"]
"#;

/// Writes a study folder and returns (folder guard, config path).
fn study(config: &str, csv: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let path = dir.path().join("study.toml");
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

/// The error message of analysing a study, which must fail.
fn error_of(config: &str, csv: &str) -> String {
    let (_dir, path) = study(config, csv);
    match pipeline::analyse(&path) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn assert_has(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(message.contains(p), "message lacks `{p}`:\n{message}");
    }
}

// The valid baseline analyses without error (so each case below fails for its own reason).
#[test]
fn baseline_is_valid() {
    let (_d, path) = study(CONFIG, CSV);
    let a = pipeline::analyse(&path).unwrap();
    assert_eq!(a.results.flow.included, 6);
}

// A missing config file names the path.
#[test]
fn missing_config_file() {
    let e = pipeline::analyse(std::path::Path::new("/nonexistent/study.toml"))
        .unwrap_err()
        .to_string();
    assert_has(&e, &["/nonexistent/study.toml", "does not exist"]);
}

// Malformed TOML gives the line and column.
#[test]
fn malformed_toml() {
    let e = error_of("[study\ntitle = 1", CSV);
    assert_has(&e, &["study.toml", "line 1, column"]);
}

// An unknown key is rejected with the closest valid key.
#[test]
fn unknown_key_suggests() {
    let e = error_of(
        &CONFIG.replace("summary = \"mean_sd\"", "sumary = \"mean_sd\""),
        CSV,
    );
    assert_has(
        &e,
        &[
            "unknown field `sumary`",
            "Did you mean `summary`?",
            "line 10",
        ],
    );
}

// A missing required key is named.
#[test]
fn missing_required_key() {
    let e = error_of(&CONFIG.replace("title = \"T\"\n", ""), CSV);
    assert_has(&e, &["missing field `title`"]);
}

// A value of the wrong type is reported with its place.
#[test]
fn wrong_type_in_config() {
    let e = error_of(
        &CONFIG.replace("groups = [\"A\", \"B\"]", "groups = \"A\""),
        CSV,
    );
    assert_has(&e, &["line 8", "expected a sequence"]);
}

// A Table 1 variable that is not defined suggests the close name.
#[test]
fn unknown_table1_variable() {
    let e = error_of(
        &CONFIG.replace(
            "variables = [\"age\", \"stage\", \"lab\"]",
            "variables = [\"agee\"]",
        ),
        CSV,
    );
    assert_has(
        &e,
        &["[table1] variables names `agee`", "Did you mean `age`?"],
    );
}

// Unsorted cut points are rejected.
#[test]
fn cut_points_unsorted() {
    let e = error_of(
        &format!("{CONFIG}[variables.g]\nexpr = \"age\"\ncut = [60, 50]\n"),
        CSV,
    );
    assert_has(&e, &["[variables.g]", "not strictly increasing"]);
}

// A missing data file names the path and the key to fix.
#[test]
fn data_file_missing() {
    let e = error_of(&CONFIG.replace("d.csv", "nope.csv"), CSV);
    assert_has(&e, &["nope.csv", "does not exist", "[study] data"]);
}

// An empty data file is reported.
#[test]
fn data_file_empty() {
    let e = error_of(CONFIG, "");
    assert_has(&e, &["d.csv", "empty"]);
}

// A header without rows is reported.
#[test]
fn header_only() {
    let e = error_of(CONFIG, "id,arm,age,stage,lab\n");
    assert_has(&e, &["no data rows"]);
}

// A column named in the config but absent lists close names.
#[test]
fn column_absent_lists_close_names() {
    let e = error_of(
        &CONFIG.replace("column = \"arm\"", "column = \"armm\""),
        CSV,
    );
    assert_has(
        &e,
        &[
            "column `armm`",
            "[treatment] column",
            "Did you mean `arm`?",
            "The columns are: id, arm",
        ],
    );
}

// A text cell in a numeric column names the row, the column and the value.
#[test]
fn wrong_type_in_numeric_column() {
    let e = error_of(CONFIG, &CSV.replace("4,B,45", "4,B,forty"));
    assert_has(&e, &["column `age`", "row 4", "`forty` is not a number"]);
}

// A group value that is not listed names the row and the fix.
#[test]
fn group_value_not_listed() {
    let e = error_of(CONFIG, &CSV.replace("6,B,66", "6,C,66"));
    assert_has(
        &e,
        &[
            "row 6",
            "`C`",
            "not one of the groups [A, B]",
            "[[cohort.exclude]]",
        ],
    );
}

// A group with no patients is an error.
#[test]
fn empty_group() {
    let e = error_of(
        &CONFIG.replace("groups = [\"A\", \"B\"]", "groups = [\"A\", \"B\", \"Z\"]"),
        CSV,
    );
    assert_has(&e, &["group `Z` has no patients"]);
}

// A level that occurs but is not listed is an error naming the row.
#[test]
fn level_occurs_but_not_listed() {
    let e = error_of(CONFIG, &CSV.replace("5,A,52,II", "5,A,52,III"));
    assert_has(
        &e,
        &[
            "row 5",
            "variable `stage`",
            "`III` is not one of the listed levels [I, II]",
        ],
    );
}

// A listed level that never occurs is a warning, not an error.
#[test]
fn listed_level_absent_warns() {
    let (_d, path) = study(
        &CONFIG.replace(
            "levels = [\"I\", \"II\"]",
            "levels = [\"I\", \"II\", \"IV\"]",
        ),
        CSV,
    );
    let a = pipeline::analyse(&path).unwrap();
    assert!(
        a.results
            .diagnostics
            .iter()
            .any(|d| d.message.contains("level `IV` does not occur"))
    );
}

// A continuous variable with every value missing is an error.
#[test]
fn all_values_missing() {
    let csv = "id,arm,age,stage,lab\n1,A,NA,I,1\n2,B,,II,2\n3,A,NA,I,3\n4,B,NA,II,4\n";
    let e = error_of(CONFIG, csv);
    assert_has(&e, &["[variables.age]", "every value is missing"]);
}

// Duplicated ids are reported with both rows.
#[test]
fn duplicated_ids() {
    let e = error_of(CONFIG, &CSV.replace("3,A,70", "2,A,70"));
    assert_has(&e, &["rows 2 and 3", "id `2` appears twice"]);
}

// Ragged rows are reported as a CSV problem.
#[test]
fn ragged_rows() {
    let e = error_of(CONFIG, &CSV.replace("4,B,45,II,3.0", "4,B,45,II,3.0,9,9"));
    assert_has(
        &e,
        &[
            "d.csv",
            "could not be read",
            "line 5 has 7 fields",
            "header has 5",
        ],
    );
    let e = error_of(CONFIG, &CSV.replace("4,B,45,II,3.0", "4,B,45"));
    assert_has(&e, &["line 5 has 3 fields"]);
}

// A blank line inside the file is named (it would shift every row number
// after it); blank lines at the end are ignored.
#[test]
fn blank_line_inside_the_file() {
    let e = error_of(CONFIG, &CSV.replace("\n4,", "\n\n4,"));
    assert_has(&e, &["d.csv", "line 5 is empty", "delete the empty line"]);
    let (_d, path) = study(CONFIG, &format!("{CSV}\n\n\r\n"));
    assert!(pipeline::analyse(&path).is_ok());
}

// A non-UTF-8 file names the line and the fix.
#[test]
fn non_utf8_data() {
    let (_d, path) = study(CONFIG, CSV);
    let mut bytes = CSV.as_bytes().to_vec();
    bytes.extend_from_slice(b"7,A,50,I,\xff\n");
    std::fs::write(path.with_file_name("d.csv"), bytes).unwrap();
    let e = pipeline::analyse(&path).unwrap_err().to_string();
    assert_has(&e, &["line 8", "not valid UTF-8"]);
}

// A bad SQL expression names the variable.
#[test]
fn bad_sql_expression() {
    let e = error_of(
        &format!("{CONFIG}[variables.g]\nexpr = \"age +* ) 2\"\n"),
        CSV,
    );
    assert_has(&e, &["[variables.g] expr", "not a valid SQL expression"]);
}

// An expression naming an unknown column suggests the close name.
#[test]
fn expression_unknown_column() {
    let e = error_of(
        &format!("{CONFIG}[variables.g]\nexpr = \"agee * 2\"\n"),
        CSV,
    );
    assert_has(
        &e,
        &[
            "`agee` is neither a data column nor a variable",
            "Did you mean `age`?",
        ],
    );
}

// A UTF-8 byte-order mark does not hide the first column.
#[test]
fn bom_is_ignored() {
    let (_d, path) = study(CONFIG, &format!("\u{feff}{CSV}"));
    let a = pipeline::analyse(&path).unwrap();
    assert_eq!(a.cohort.ids[0], "1");
}

/// A study of 12 patients for matching cases; `x` separates nothing, `sep`
/// separates the groups perfectly, `k` is constant.
const MCSV: &str = "id,arm,x,sep,k,m\n1,A,1,0,5,1\n2,A,2,0,5,2\n3,A,3,0,5,\n4,A,4,0,5,4\n5,A,5,0,5,5\n6,A,6,0,5,6\n7,B,1.5,1,5,1\n8,B,2.5,1,5,2\n9,B,3.5,1,5,3\n10,B,4.5,1,5,4\n11,B,5.5,1,5,5\n12,B,6.5,1,5,6\n";

fn matching_config(section: &str) -> String {
    format!(
        r#"
[study]
title = "M"
data = "d.csv"
id = "id"
[treatment]
column = "arm"
groups = ["A", "B"]
[variables.x]
summary = "mean_sd"
[variables.sep]
summary = "mean_sd"
[variables.k]
summary = "mean_sd"
[variables.m]
summary = "mean_sd"
[table1]
variables = ["x"]
[matching]
{section}
"#
    )
}

// The valid matching baseline runs and matches everyone (x overlaps).
#[test]
fn matching_baseline_is_valid() {
    let (_d, path) = study(&matching_config("covariates = [\"x\"]"), MCSV);
    let a = pipeline::analyse(&path).unwrap();
    assert_eq!(a.results.matching.unwrap().pairs.len(), 6);
}

// A caliper of zero or less is rejected.
#[test]
fn caliper_not_positive() {
    let e = error_of(&matching_config("covariates = [\"x\"]\ncaliper = 0"), MCSV);
    assert_has(&e, &["[matching] caliper = 0", "positive number of SDs"]);
}

// A ratio of zero is rejected.
#[test]
fn ratio_zero() {
    let e = error_of(&matching_config("covariates = [\"x\"]\nratio = 0"), MCSV);
    assert_has(&e, &["[matching] ratio must be at least 1"]);
}

// An unknown matching covariate suggests the close name.
#[test]
fn unknown_matching_covariate() {
    let e = error_of(&matching_config("covariates = [\"xx\"]"), MCSV);
    assert_has(&e, &["[matching] names `xx`", "Did you mean `x`?"]);
}

// A constant covariate makes the propensity model singular: an error with the fix.
#[test]
fn constant_covariate() {
    let e = error_of(&matching_config("covariates = [\"x\", \"k\"]"), MCSV);
    assert_has(
        &e,
        &[
            "propensity model cannot be fitted",
            "singular",
            "Remove constant or redundant covariates",
        ],
    );
}

// Perfect separation is reported as a diagnostic, and with a caliper
// nobody is matched: a warning, an empty matched cohort, no panic.
#[test]
fn perfect_separation_and_no_overlap() {
    let (_d, path) = study(
        &matching_config("covariates = [\"sep\"]\ncaliper = 0.1"),
        MCSV,
    );
    let a = pipeline::analyse(&path).unwrap();
    let messages: Vec<&str> = a
        .results
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("separation")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no patient could be matched")),
        "{messages:?}"
    );
    assert!(a.results.matching.unwrap().pairs.is_empty());
    let out = tempfile::tempdir().unwrap();
    pipeline::render_study(&path, Some(out.path())).unwrap();
    let md = std::fs::read_to_string(out.path().join("manuscript.md")).unwrap();
    assert!(no_bad_numbers(&md), "{md}");
}

// Missing covariate values: complete cases by default, with the count reported.
#[test]
fn missing_covariate_complete_case() {
    let (_d, path) = study(&matching_config("covariates = [\"m\"]"), MCSV);
    let a = pipeline::analyse(&path).unwrap();
    assert_eq!(a.results.matching.as_ref().unwrap().complete_cases, 11);
    assert!(a.results.diagnostics.iter().any(|d| {
        d.message
            .contains("1 patients missing a matching covariate")
    }));
}

// Missing covariate values with missing = "error" stop with the fix.
#[test]
fn missing_covariate_error() {
    let e = error_of(
        &matching_config("covariates = [\"m\"]\nmissing = \"error\""),
        MCSV,
    );
    assert_has(
        &e,
        &["1 patients miss a covariate", "missing = \"complete-case\""],
    );
}

// A ratio larger than the control pool is reported.
#[test]
fn ratio_larger_than_pool() {
    let (_d, path) = study(&matching_config("covariates = [\"x\"]\nratio = 2"), MCSV);
    let a = pipeline::analyse(&path).unwrap();
    assert!(
        a.results
            .diagnostics
            .iter()
            .any(|d| d.message.contains("need 12 controls at 1:2 but only 6"))
    );
}

/// A survival study: `t`/`e` with censoring coded 0 and events 1.
fn survival_config(extra: &str) -> String {
    format!(
        r#"
[study]
title = "S"
data = "d.csv"
[treatment]
column = "arm"
groups = ["A", "B"]
[[endpoints]]
id = "os"
label = "Overall survival"
time = "t"
event = "e"
landmarks = [2]
{extra}
"#
    )
}

const SCSV: &str = "arm,t,e\nA,1,1\nA,2,0\nA,3,1\nA,4,1\nB,1.5,0\nB,2.5,1\nB,3.5,0\nB,5,1\n";

// A negative follow-up time names the row and the rule.
#[test]
fn negative_time() {
    let e = error_of(&survival_config(""), &SCSV.replace("A,3,1", "A,-3,1"));
    assert_has(
        &e,
        &["row 3", "[[endpoints]] `os`", "must be zero or positive"],
    );
}

// A follow-up time that is not a number names the column, the row and the
// value (it used to become a silent missing value).
#[test]
fn non_numeric_time() {
    let e = error_of(&survival_config(""), &SCSV.replace("B,2.5,1", "B,2.5m,1"));
    assert_has(
        &e,
        &[
            "column `t`",
            "[[endpoints]] `os` time",
            "row 6",
            "`2.5m` is not a number",
        ],
    );
}

// An event value outside the declared coding names the row and the keys to set.
#[test]
fn event_outside_coding() {
    let e = error_of(&survival_config(""), &SCSV.replace("B,5,1", "B,5,2"));
    assert_has(
        &e,
        &[
            "row 8",
            "`2`",
            "neither the event value `1` nor the censoring value `0`",
            "event-value / censor-value",
        ],
    );
}

// Missing time or status: the patients are left out with a count.
#[test]
fn missing_follow_up_is_counted() {
    let (_d, path) = study(&survival_config(""), &SCSV.replace("B,2.5,1", "B,,1"));
    let a = pipeline::analyse(&path).unwrap();
    assert!(a.results.diagnostics.iter().any(|d| {
        d.message
            .contains("1 patients without follow-up time or status")
    }));
    let km = &a.results.survival.get("unmatched").unwrap().km;
    assert_eq!(km.iter().map(|k| k.n).sum::<usize>(), 7);
}

// No events in one arm: the HR is not estimable and says so; nothing prints NaN.
#[test]
fn zero_events_in_an_arm() {
    let csv = "arm,t,e\nA,1,1\nA,2,0\nA,3,1\nA,4,1\nB,1.5,0\nB,2.5,0\nB,3.5,0\nB,5,0\n";
    let (_d, path) = study(&survival_config(""), csv);
    let out = tempfile::tempdir().unwrap();
    let (a, _) = pipeline::render_study(&path, Some(out.path())).unwrap();
    assert!(
        a.results
            .diagnostics
            .iter()
            .any(|d| d.message.contains("not estimable"))
    );
    let survival = a.results.survival.get("unmatched").unwrap();
    assert_eq!(survival.cox[0].terms[0].hr, None);
    let md = std::fs::read_to_string(out.path().join("manuscript.md")).unwrap();
    assert!(md.contains("not estimable (NE†)"), "{md}");
    // The mark (in the Results and the Abstract) is explained and counted in the Diagnostics section.
    assert!(
        md.contains(
            "**Not estimable.** 2 value(s) in this manuscript print as NE† (hazard ratio: 2)"
        ),
        "{md}"
    );
    assert!(no_bad_numbers(&md), "{md}");
}

// All censored: a diagnostic, survival at 100%, no test, no panic.
#[test]
fn all_censored() {
    let csv = "arm,t,e\nA,1,0\nA,2,0\nB,1.5,0\nB,2.5,0\n";
    let (_d, path) = study(&survival_config(""), csv);
    let out = tempfile::tempdir().unwrap();
    let (a, _) = pipeline::render_study(&path, Some(out.path())).unwrap();
    assert!(
        a.results
            .diagnostics
            .iter()
            .any(|d| d.message.contains("no events"))
    );
    let md = std::fs::read_to_string(out.path().join("manuscript.md")).unwrap();
    assert!(no_bad_numbers(&md), "{md}");
}

// Landmark labels must match the landmarks one to one.
#[test]
fn landmark_labels_mismatch() {
    let e = error_of(
        &survival_config("landmark-labels = [\"1-year\", \"2-year\"]"),
        SCSV,
    );
    assert_has(&e, &["has 2 landmark-labels for 1 landmarks"]);
}

// A Cox factor with one level among the patients is left out with a
// diagnostic; collinear factors make the model unfittable: a diagnostic, no panic.
#[test]
fn cox_factor_with_one_level_and_collinear_factors() {
    let csv = "arm,t,e,k,x,y\nA,1,1,u,1,2\nA,2,0,u,0,0\nA,3,1,u,1,2\nA,4,1,u,0,0\nB,1.5,0,u,1,2\nB,2.5,1,u,0,0\nB,3.5,0,u,1,2\nB,5,1,u,0,0\n";
    let config = survival_config(
        "[variables.k]\nlevels = [\"u\", \"v\"]\n[variables.x]\nsummary = \"mean_sd\"\n[variables.y]\nsummary = \"mean_sd\"\n[cox]\nfactors = [\"k\", \"x\", \"y\"]\nselection = \"none\"\n",
    );
    let (_d, path) = study(&config, csv);
    let a = pipeline::analyse(&path).unwrap();
    let messages: Vec<&str> = a
        .results
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("k has one level")),
        "{messages:?}"
    );
    // y = 2 x: the multivariable model drops y with a diagnostic and is fitted.
    assert!(
        messages
            .iter()
            .any(|m| m.contains("y is collinear") && m.contains("dropped")),
        "{messages:?}"
    );
    assert!(
        a.results
            .regression
            .values()
            .flat_map(|r| &r.models)
            .any(|m| m.model.model == "multivariable")
    );
}

// A subgroup with no events in one arm: the row says "not estimable", the
// analysis goes on, nothing prints NaN.
#[test]
fn subgroup_without_events_in_one_arm() {
    let csv =
        "arm,t,e,s\nA,1,1,x\nA,2,0,y\nA,3,1,x\nA,4,1,y\nB,1.5,0,x\nB,2.5,1,y\nB,3.5,0,x\nB,5,1,y\n";
    let config = survival_config(
        "[variables.s]\nlevels = [\"x\", \"y\"]\n[subgroups]\nvariables = [\"s\"]\n",
    );
    let (_d, path) = study(&config, csv);
    let out = tempfile::tempdir().unwrap();
    let (a, _) = pipeline::render_study(&path, Some(out.path())).unwrap();
    assert!(
        a.results
            .subgroups
            .values()
            .flatten()
            .any(|r| r.level.as_deref() == Some("x") && r.hr.is_none())
    );
    assert!(
        a.results
            .diagnostics
            .iter()
            .any(|d| d.message.contains("not estimable"))
    );
    let svg = std::fs::read_to_string(out.path().join("figures/forest-os.svg")).unwrap();
    assert!(svg.contains("NE†") && !svg.contains("NaN"));
}

// A continuous subgroup variable is rejected with the fix.
#[test]
fn subgroup_variable_continuous() {
    let e = error_of(
        &survival_config("[variables.t2]\nexpr = \"t\"\n[subgroups]\nvariables = [\"t2\"]\n"),
        SCSV,
    );
    assert_has(
        &e,
        &[
            "[subgroups] variable `t2` is continuous",
            "add cut or levels",
        ],
    );
}

// An endpoint id that would lead a figure file out of the output folder is
// rejected.
#[test]
fn endpoint_id_with_path_characters() {
    let e = error_of(
        &survival_config("").replace("id = \"os\"", "id = \"../../etc/os\""),
        SCSV,
    );
    assert_has(
        &e,
        &["[[endpoints]] id `../../etc/os`", "only letters, digits"],
    );
}

// ------------------------------------------------------------ more config

// A variable defined twice is a TOML duplicate key, with its line.
#[test]
fn duplicate_variable() {
    let e = error_of(
        &CONFIG.replace(
            "[variables.lab]",
            "[variables.age]\nsummary = \"mean_sd\"\n[variables.lab]",
        ),
        CSV,
    );
    assert_has(&e, &["study.toml", "line 13", "duplicate key"]);
}

// A negative landmark is rejected with the endpoint named.
#[test]
fn landmark_negative() {
    let e = error_of(
        &survival_config("").replace("landmarks = [2]", "landmarks = [-1, 2]"),
        SCSV,
    );
    assert_has(&e, &["landmarks", "os", "-1"]);
}

// A Cox factor that is not a variable suggests the close name.
#[test]
fn unknown_cox_variable() {
    let config = format!(
        "{}[variables.stage]\nlevels = [\"I\", \"II\"]\n[cox]\nfactors = [\"stag\"]\n",
        survival_config("")
    );
    let csv = "arm,t,e,stage\nA,1,1,I\nA,2,0,II\nA,3,1,I\nA,4,1,II\nB,1.5,0,I\nB,2.5,1,II\nB,3.5,0,I\nB,5,1,II\n";
    let e = error_of(&config, csv);
    assert_has(&e, &["stag", "Did you mean `stage`?"]);
}

// ------------------------------------------------------------ more data

// Two columns with one name: the file and the column are named.
#[test]
fn duplicated_column_names() {
    let e = error_of(
        CONFIG,
        &CSV.replace("id,arm,age,stage,lab", "id,arm,age,age,lab"),
    );
    assert_has(&e, &["d.csv", "age"]);
}

// NA spellings listed in `na-values` are missing, others are errors that
// say how to declare them.
#[test]
fn na_spellings() {
    let csv = CSV.replace("3,A,70,I,NA", "3,A,70,I,n/a");
    let e = error_of(CONFIG, &csv);
    assert_has(&e, &["d.csv", "lab", "n/a", "na-values"]);
    let config = CONFIG.replace("id = \"id\"", "id = \"id\"\nna-values = [\"NA\", \"n/a\"]");
    let (_d, path) = study(&config, &csv);
    let a = pipeline::analyse(&path).unwrap();
    assert_eq!(a.results.flow.included, 6);
}

// ------------------------------------------------------------ statistics

// No treated patient has a control within the caliper: a diagnostic and an
// empty matched cohort, not a panic.
#[test]
fn no_matches_within_caliper() {
    let csv = "id,arm,x,sep,k,m\n1,A,1,0,1,1\n2,A,2,0,2,1\n3,A,3,0,1,2\n4,A,4,0,2,2\n\
               5,B,50,1,1,1\n6,B,60,1,2,1\n7,B,70,1,1,2\n8,B,80,1,2,2\n";
    let (_d, path) = study(
        &matching_config("covariates = [\"x\"]\ncaliper = 0.001"),
        csv,
    );
    match pipeline::analyse(&path) {
        Ok(a) => assert!(
            a.results
                .diagnostics
                .iter()
                .any(|d| d.message.contains("caliper") || d.message.contains("unmatched")),
            "{:?}",
            a.results.diagnostics
        ),
        Err(e) => assert_has(&e.to_string(), &["caliper"]),
    }
}

// ------------------------------------------------------------ templates

fn template_error(name: &str, source: &str) -> String {
    let (dir, path) = study(CONFIG, CSV);
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates").join(name), source).unwrap();
    let out = tempfile::tempdir().unwrap();
    match pipeline::render_study(&path, Some(out.path())) {
        Ok(_) => panic!("expected a template error"),
        Err(e) => e.to_string(),
    }
}

// An undefined variable in a study's template names the template, the
// line and the name, in release builds too (regression: minijinja keeps
// its debug info only in debug builds unless asked, so the release binary
// did not name the expression and `cargo test --release` failed here).
#[test]
fn template_undefined_variable_is_named_in_release_builds_too() {
    let e = template_error("table1.md.j2", "Table\n\n{{ results.no_such_thing.x }}\n");
    assert_has(
        &e,
        &["table1.md.j2:3", "`results.no_such_thing` is undefined"],
    );
}

// A syntax error gives the template and the line.
#[test]
fn template_syntax_error_has_line() {
    let e = template_error("methods.md.j2", "ok\nok\n{% for x in %}\n");
    assert_has(&e, &["methods.md.j2", "line 3", "syntax error"]);
}

// A template cannot read files outside the study's and the built-in
// templates: an include of a path is "not found", not the file.
#[test]
fn template_cannot_include_files() {
    let e = template_error(
        "methods.md.j2",
        "{% include \"../../../../etc/passwd\" %}\n",
    );
    assert_has(&e, &["methods.md.j2", "not found"]);
    assert!(!e.contains("root:"), "{e}");
}

// A cross-reference to a table or figure that no template labels is an
// error naming the template, the line and the id (with a suggestion).
#[test]
fn template_dangling_cross_reference() {
    let e = template_error(
        "methods.md.j2",
        "See {{ ref(\"table1\") }}.\nSee {{ ref(\"tabel1\") }} and {{ ref(\"nowhere\") }}.\n",
    );
    assert_has(
        &e,
        &[
            "methods.md.j2:2",
            "ref(\"tabel1\") points at no table or figure",
            "Did you mean `table1`?",
        ],
    );
}

// Labelling one id twice is an error.
#[test]
fn template_label_defined_twice() {
    let e = template_error("methods.md.j2", "{{ label(\"table\", \"table1\") }}\n");
    assert_has(&e, &["label `table1` is defined twice"]);
}

// `check` lints templates: a literal decimal or percentage in a line that
// prints a result is flagged with template and line; "95% CI", comments
// and the built-in templates are clean.
#[test]
fn template_literal_numbers_are_linted() {
    use studybook::render::{Templates, lint};
    assert_eq!(lint(&Templates::load(None).unwrap()), vec![]);
    let t = Templates::load(None).unwrap().with(
        "discussion.md.j2",
        "{# 2.5 in a comment #}\nOS was 64.4% at 10 years ({{ results.x }}).\nHR {{ h }} (95% CI {{ l }}).\nAbout 3.2 times ({{ y }}).\nNo tag: 1.5\n",
    );
    let found: Vec<(usize, String)> = lint(&t).into_iter().map(|l| (l.line, l.literal)).collect();
    assert_eq!(
        found,
        vec![(2, "64.4%".to_string()), (4, "3.2".to_string())]
    );
    let message = lint(&t)[0].to_string();
    assert_has(&message, &["discussion.md.j2", "line 2", "`64.4%`"]);
}

// km_at reads a Kaplan-Meier curve at any time (a step function: A's
// curve in SCSV is 100% before t = 1, 75% on [1, 3), 37.5% from 3); an
// unknown curve is an error that lists what exists.
#[test]
fn template_km_at() {
    let (dir, path) = study(&survival_config(""), SCSV);
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/discussion.md.j2"),
        "KM: {{ km_at(\"os\", \"unmatched\", \"A\", 0.5) | rate }}, {{ km_at(\"os\", \"unmatched\", \"A\", 2.5) | rate }}, {{ km_at(\"os\", \"unmatched\", \"A\", 3) | rate }}.\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    pipeline::render_study(&path, Some(out.path())).unwrap();
    let md = std::fs::read_to_string(out.path().join("manuscript.md")).unwrap();
    assert!(md.contains("KM: 100.0, 75.0, 37.5."), "{md}");
    std::fs::write(
        dir.path().join("templates/discussion.md.j2"),
        "{{ km_at(\"os\", \"matched\", \"A\", 1) }}\n",
    )
    .unwrap();
    let e = pipeline::render_study(&path, Some(out.path()))
        .unwrap_err()
        .to_string();
    assert_has(
        &e,
        &[
            "discussion.md.j2",
            "no such curve",
            // The study has no matching: the message lists the one
            // population it has.
            "populations \"unmatched\", groups",
        ],
    );
}

// Fuzzing regression (fuzz/artifacts/csv/crash-796400ac..., minimized to
// `,\n"`): a quoted field that is never closed made polars 0.55 read past
// its buffer (an abort in debug builds). It is now refused with the line.
#[test]
fn fuzz_csv_crash_796400ac_unclosed_quote() {
    let e = error_of(CONFIG, ",\n\"");
    assert_has(&e, &["d.csv", "line 2", "never closed"]);
    let e = error_of(CONFIG, &format!("{CSV}7,A,50,\"I,1.5\n"));
    assert_has(&e, &["line 8", "never closed"]);
    // Properly quoted fields, with escaped quotes and line breaks, still read.
    let (_d, path) = study(
        CONFIG,
        &CSV.replace("1,A,50,I,1.5", "1,A,50,\"I\",\"1.5\"")
            .replace("2,B,61,II,2.5", "\"2\",\"B\",61,\"II\",2.5"),
    );
    assert_eq!(pipeline::analyse(&path).unwrap().results.flow.included, 6);
}

// A template that would run for a very long time (here 10^10 loop
// iterations) is stopped with an error naming it, instead of hanging.
#[test]
fn template_runaway_loop_is_stopped() {
    let e = template_error(
        "discussion.md.j2",
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}\n",
    );
    assert_has(&e, &["discussion.md.j2", "fuel"]);
}

// `verify` on a study that names no published manifest says how to name one.
#[test]
fn verify_without_manifest() {
    let (_d, path) = study(CONFIG, CSV);
    let out = tempfile::tempdir().unwrap();
    let e = pipeline::verify_study(&path, Some(out.path()))
        .unwrap_err()
        .to_string();
    assert_has(
        &e,
        &["study.toml", "names no published manifest", "published = "],
    );
}

// An unknown journal style is rejected with the styles that exist.
#[test]
fn unknown_journal_style() {
    let e = error_of(&format!("{CONFIG}[format]\nstyle = \"lancett\"\n"), CSV);
    assert_has(
        &e,
        &["study.toml", "line", "lancett", "Did you mean `lancet`?"],
    );
}

// A misspelt [verify] map is rejected with the right name.
#[test]
fn unknown_verify_key() {
    let e = error_of(
        &format!("{CONFIG}[verify]\nvariable = {{ age = \"age\" }}\n"),
        CSV,
    );
    assert_has(&e, &["study.toml", "variable", "Did you mean `variables`?"]);
}

// Audit manifests: a TOML error has line and column; a subset without its
// paths and a balanced variable the matched table lacks name the line.
#[test]
fn audit_manifest_errors() {
    use studybook::published::audit::{Manifest, audit};
    let p = std::path::Path::new("paper.toml");
    let e = Manifest::parse(p, "[t]\nx = \n").unwrap_err().to_string();
    assert_has(&e, &["paper.toml", "line 2", "Fix the TOML syntax"]);
    let m = Manifest::parse(p, "[m]\na_n = 1\n[[audit.subset]]\nmatched = \"m\"\n").unwrap();
    let e = audit(&m).unwrap_err().to_string();
    assert_has(&e, &["line 3", "needs `matched` and `unmatched`"]);
    let m = Manifest::parse(
        p,
        "[m]\na_n = 1\n[u]\na_n = 2\n[[audit.subset]]\nmatched = \"m\"\nunmatched = \"u\"\nbalanced = [\"age\"]\n",
    )
    .unwrap();
    let e = audit(&m).unwrap_err().to_string();
    assert_has(&e, &["line 5", "`age` as balanced", "has no such variable"]);
}

// Exclusion steps are evaluated in one query; a step that fails is still
// named by its number and reason, and the others do not hide it.
#[test]
fn exclusion_step_errors_name_the_step() {
    let steps = |second: &str| {
        CONFIG.replace(
            "[variables.age]",
            &format!(
                "[[cohort.exclude]]\nreason = \"Old\"\nwhere = \"age > 69\"\n[[cohort.exclude]]\nreason = \"Odd\"\nwhere = \"{second}\"\n[variables.age]"
            ),
        )
    };
    let e = error_of(&steps("agee > 1"), CSV);
    assert_has(
        &e,
        &[
            "step 2 (\"Odd\")",
            "`agee` is neither",
            "Did you mean `age`?",
        ],
    );
    let e = error_of(&steps("age +* 2"), CSV);
    assert_has(&e, &["step 2 (\"Odd\")", "not a valid SQL expression"]);
    let e = error_of(&steps("stage * 2"), CSV);
    assert_has(&e, &["step 2 (\"Odd\")", "could not be evaluated"]);
    // Both steps valid: each removes its own patients, in order.
    let (_d, path) = study(&steps("lab > 2.75 OR age < 46"), CSV);
    let a = pipeline::analyse(&path).unwrap();
    let flow = &a.cohort.flow;
    assert_eq!(
        flow.steps.iter().map(|s| s.excluded).collect::<Vec<_>>(),
        [1, 1]
    );
    assert_eq!(a.cohort.ids, ["1", "2", "5", "6"]);
}

// Regression: a cut of an expression that gives text used to code every
// patient as missing, silently. The study is resolved before the cohort is
// built, and a cut needs numbers.
#[test]
fn cut_of_a_text_expression_is_an_error_not_all_missing() {
    let config = CONFIG.replace(
        "[variables.lab]",
        "[variables.stage_cut]\nexpr = \"stage\"\ncut = [1.5]\n[variables.lab]",
    );
    let e = error_of(&config, CSV);
    assert_has(
        &e,
        &[
            "study.toml",
            "[variables.stage_cut]",
            "does not give numbers",
            "only numbers can be cut",
        ],
    );
}

// Validation happens once: a fault in the config is reported before any
// fault in the data's rows, whatever their order in the file.
#[test]
fn config_errors_come_before_data_row_errors() {
    let config = CONFIG.replace(
        "[variables.lab]",
        "[variables.older]\nexpr = \"agge > 60\"\nlevels = [\"true\", \"false\"]\n[variables.lab]",
    );
    // Row 1's group is not one of [A, B]: a data error found later.
    let csv = CSV.replace("1,A,50", "1,C,50");
    let e = error_of(&config, &csv);
    assert_has(
        &e,
        &["study.toml", "[variables.older]", "`agge` is neither"],
    );
    // With the config fixed, the row is what is reported.
    let e = error_of(&config.replace("agge", "age"), &csv);
    assert_has(&e, &["d.csv", "row 1", "`C`"]);
}

/// The baseline with a [matching] section (age and stage as covariates).
fn with_matching(extra: &str) -> String {
    format!("{CONFIG}\n[matching]\ncovariates = [\"age\", \"stage\"]\n{extra}")
}

// [weighting] uses [matching]'s propensity model: without it, the error
// names the section to add.
#[test]
fn weighting_without_matching_names_the_section() {
    let e = error_of(
        &format!("{CONFIG}\n[weighting]\nestimands = [\"ate\"]\n"),
        CSV,
    );
    assert_has(
        &e,
        &["study.toml", "[weighting]", "add a [matching] section"],
    );
}

// An unknown estimand is rejected with the valid ones; bounds must be a
// pair inside [0, 1]; an estimand listed twice is named.
#[test]
fn weighting_keys_are_checked() {
    let e = error_of(&with_matching("[weighting]\nestimands = [\"atc\"]\n"), CSV);
    assert_has(&e, &["study.toml", "atc", "ate"]);
    let e = error_of(&with_matching("[weighting]\ntrim = [0.9, 0.1]\n"), CSV);
    assert_has(&e, &["[weighting] trim", "0 <= lower < upper <= 1"]);
    let e = error_of(
        &with_matching("[weighting]\nestimands = [\"ato\", \"ato\"]\n"),
        CSV,
    );
    assert_has(&e, &["[weighting] estimands lists \"ato\" twice"]);
    let e = error_of(&with_matching("[weighting]\nextreme-weight = 0\n"), CSV);
    assert_has(&e, &["[weighting] extreme-weight = 0 must be above 0"]);
    let e = error_of(&with_matching("[weighting]\nestimand = [\"ate\"]\n"), CSV);
    assert_has(&e, &["estimand", "Did you mean `estimands`?"]);
}

// [robustness]: the bootstrap needs a match, enough replicates and a known
// kind; the rare-outcome threshold is a share.
#[test]
fn robustness_keys_are_checked() {
    let boot = "[robustness]\nbootstrap = { replicates = 99, seed = 1, kind = \"pairs\" }\n";
    let e = error_of(&format!("{CONFIG}\n{boot}"), CSV);
    assert_has(&e, &["[robustness] bootstrap", "add a [matching] section"]);
    let e = error_of(
        &with_matching("[robustness]\nbootstrap = { replicates = 1 }\n"),
        CSV,
    );
    assert_has(&e, &["replicates = 1 is too few"]);
    let e = error_of(
        &with_matching("[robustness]\nbootstrap = { kind = \"pair\" }\n"),
        CSV,
    );
    assert_has(&e, &["study.toml", "pair", "pairs"]);
    let e = error_of(&with_matching("[robustness]\nrare-threshold = 15\n"), CSV);
    assert_has(&e, &["rare-threshold = 15", "between 0 and 1"]);
}

// A weighted study on the tiny data analyses: every estimand becomes a
// population with its weights, and extreme weights are reported, not hidden.
#[test]
fn weighting_on_tiny_data_gives_weighted_populations() {
    let (_d, path) = study(
        &with_matching(
            "[weighting]\nestimands = [\"ate\", \"att\", \"ato\"]\nextreme-weight = 1.5\n",
        ),
        CSV,
    );
    let a = pipeline::analyse(&path).unwrap();
    let ids: Vec<&str> = a
        .results
        .populations
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["unmatched", "matched", "ate", "att", "ato"]);
    assert_eq!(a.results.weighting.len(), 3);
    assert!(
        a.results
            .diagnostics
            .iter()
            .any(|d| d.stage == "weighting" && d.message.contains("weight above 1.5")),
        "{:?}",
        a.results.diagnostics
    );
}

// The RMST horizon is a positive time.
#[test]
fn rmst_tau_must_be_positive() {
    let config = format!(
        "{CONFIG}\n[[endpoints]]\nid = \"os\"\nlabel = \"OS\"\ntime = \"age\"\nevent = \"lab\"\nrmst-tau = -5\n"
    );
    let e = error_of(&config, CSV);
    assert_has(&e, &["study.toml", "`os` rmst-tau = -5", "positive time"]);
}

/// No NaN, inf or NA printed as a word of the text (the words of the prose,
/// "infinitesimal" say, are not numbers).
fn no_bad_numbers(md: &str) -> bool {
    !md.split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "NaN" || w == "inf" || w == "NA")
}

// pbc's status 0/1/2 (censored, transplant, death) with transplant censored
// and death the event: listed codes, no derived column; a competing code
// marks the patient as a competing event (censored for the event itself).
#[test]
fn event_codes_are_lists_with_competing_values() {
    let csv = "arm,t,e\nA,1,0\nA,2,1\nA,3,2\nA,4,2\nB,1.5,2\nB,2.5,1\nB,3.5,0\nB,5,2\n";
    let pbc = survival_config("event-values = [\"2\"]\ncensor-values = [\"0\", \"1\"]");
    let (_d, path) = study(&pbc, csv);
    let a = pipeline::analyse(&path).unwrap();
    let ep = &a.cohort.endpoints["os"];
    assert_eq!(
        ep.event,
        [false, false, true, true, true, false, false, true].map(Some)
    );
    assert!(ep.competing.iter().all(|c| !c));
    // Transplant as a competing event instead.
    let cr = survival_config("event-values = [\"2\"]\ncompeting-values = [\"1\"]");
    let (_d, path) = study(&cr, csv);
    let a = pipeline::analyse(&path).unwrap();
    let ep = &a.cohort.endpoints["os"];
    assert_eq!(
        ep.competing,
        [false, true, false, false, false, true, false, false]
    );
    assert_eq!(ep.event[1], Some(false));
    // A value outside every list names the row and the lists.
    let e = error_of(&cr, &csv.replace("B,5,2", "B,5,3"));
    assert_has(
        &e,
        &[
            "d.csv",
            "row 8",
            "`3`",
            "event values [2]",
            "competing values [1]",
        ],
    );
    // A value in two lists is a config error.
    let e = error_of(
        &survival_config("event-values = [\"2\"]\ncompeting-values = [\"2\"]"),
        csv,
    );
    assert_has(
        &e,
        &[
            "study.toml",
            "`2` is in both event-values and competing-values",
        ],
    );
}

// `diff` of a file that is not a results.json names the file and says what
// to give; a missing file names its path.
#[test]
fn diff_of_something_else_names_the_file() {
    let d = tempfile::tempdir().unwrap();
    let bogus = d.path().join("notes.json");
    std::fs::write(&bogus, "not json").unwrap();
    let e = studybook::diff::read(&bogus).unwrap_err().to_string();
    assert_has(
        &e,
        &["notes.json", "not a results.json", "folder of a render"],
    );
    let e = studybook::diff::read(&d.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert_has(&e, &["missing"]);
}

// [output]: a print resolution journals take, a printable width, a known
// format, nothing listed twice; a misspelt key gets a suggestion.
#[test]
fn output_keys_are_checked() {
    let with = |extra: &str| format!("{CONFIG}[output]\n{extra}");
    let e = error_of(&with("dpi = 450\n"), CSV);
    assert_has(
        &e,
        &["study.toml", "[output] dpi = 450", "300, 600 or 1200"],
    );
    let e = error_of(&with("figure-width = 500\n"), CSV);
    assert_has(
        &e,
        &["[output] figure-width = 500 mm", "84 is one journal column"],
    );
    let e = error_of(&with("formats = [\"pdf\"]\n"), CSV);
    assert_has(&e, &["pdf", "docx"]);
    let e = error_of(&with("formats = []\n"), CSV);
    assert_has(&e, &["[output] formats is empty"]);
    let e = error_of(&with("figure-formats = [\"png\", \"png\"]\n"), CSV);
    assert_has(&e, &["[output] figure-formats lists \"png\" twice"]);
    let e = error_of(&with("figure-format = [\"png\"]\n"), CSV);
    assert_has(&e, &["figure-format", "Did you mean `figure-formats`?"]);
}

// A key written in the wrong section names the section it belongs to
// (issue 20, part 4), for the keys most often misplaced.
#[test]
fn misplaced_keys_name_their_section() {
    let endpoint = "[[endpoints]]\nid = \"os\"\nlabel = \"OS\"\ntime = \"age\"\nevent = \"lab\"\n";
    for (extra, key, here, home) in [
        ("[cox]\nties = \"efron\"\n", "ties", "[cox]", "[survival]"),
        (
            "[cox]\nconf-level = 0.9\n",
            "conf-level",
            "[cox]",
            "[survival]",
        ),
        (
            "[survival]\ncaliper = 0.2\n",
            "caliper",
            "[survival]",
            "[matching]",
        ),
        (
            "[survival]\nlandmarks = [1]\n",
            "landmarks",
            "[survival]",
            "[[endpoints]]",
        ),
        (
            "[survival]\np-enter = 0.1\n",
            "p-enter",
            "[survival]",
            "[cox]",
        ),
    ] {
        let e = error_of(&format!("{CONFIG}{endpoint}{extra}"), CSV);
        assert_has(
            &e,
            &[
                "study.toml",
                &format!("`{key}` is not a key of {here}; it belongs to {home}"),
            ],
        );
    }
    // In its own section a misspelling still gets the suggestion.
    let e = error_of(&format!("{CONFIG}[survival]\ntie = \"efron\"\n"), CSV);
    assert_has(&e, &["Did you mean `ties`?"]);
}

// `kind = "categorical"` without levels was accepted and then failed on
// the first data row with an empty level list; it is a config error that
// says what to add.
#[test]
fn categorical_kind_without_levels_is_a_config_error() {
    let config = CONFIG.replace(
        "[variables.lab]\n",
        "[variables.lab]\nkind = \"categorical\"\n",
    );
    let config = config.replace("summary = \"median_iqr\"\n[table1]", "[table1]");
    let e = error_of(&config, CSV);
    assert_has(
        &e,
        &[
            "[variables.lab] kind = \"categorical\" needs its levels",
            "levels = [...]",
        ],
    );
}

// With three or more groups, [matching] says how to proceed: which arms to
// exclude, and how.
#[test]
fn matching_with_three_groups_says_how_to_proceed() {
    let config = CONFIG.replace("groups = [\"A\", \"B\"]", "groups = [\"A\", \"B\", \"C\"]")
        + "[matching]\ncovariates = [\"age\"]\n";
    let e = error_of(&config, CSV);
    assert_has(
        &e,
        &[
            "[matching] pairs two groups, and [treatment] lists 3 (A, B, C)",
            "[[cohort.exclude]] (where = \"arm IN ('C')\")",
            "or remove [matching]",
        ],
    );
}
