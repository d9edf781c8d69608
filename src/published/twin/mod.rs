//! The synthetic twin cohort of the reference study (An et al. 2025): all
//! 4782 screened patients with the raw columns an author's data would have,
//! built so that the default study's exclusion steps leave 609 patients
//! (219 SR, 390 TA) whose Table 1 reproduces the published one: every
//! categorical count exactly, every mean (SD) and median (IQR) to the printed
//! precision where such data can exist.
//!
//! The targets are read from the published manifest; the generator is
//! ChaCha8 seeded from the command line, with hand-written normal and
//! shuffle steps so that the stream (and the file) is the same on every
//! platform and crate version.

use crate::error::{Error, Result};
use crate::published::manifest::{Manifest, Node, Value};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;
use std::path::Path;

mod complications;
mod covariates;
mod random;
mod survival;

use complications::add_complications;
use covariates::{excluded_row, included_group};
use random::shuffle;

/// Screened patients excluded at each step of the default study's flow, in
/// order; the published text fixes only the totals (4782 screened, 1624
/// treated with TACE as conversion therapy, 609 downstaged successfully),
/// so the split between steps is part of the synthetic design.
const EXCLUDED: [(&str, usize); 9] = [
    ("age", 212),
    ("ecog", 305),
    ("child_pugh", 641),
    ("prior_treatment", 498),
    ("other_malignancy", 87),
    ("tace_conversion", 1415),
    ("other_conversion", 64),
    ("downstaging_success", 913),
    ("lost_to_followup", 38),
];

/// Columns of the twin cohort in file order.
const COLUMNS: &[&str] = &[
    "id",
    "age",
    "sex",
    "ecog",
    "child_pugh",
    "prior_treatment",
    "other_malignancy",
    "tace_conversion",
    "other_conversion",
    "downstaging_success",
    "lost_to_followup",
    "treatment",
    "bmi",
    "smoking",
    "drinking",
    "comorbidity",
    "hbv",
    "cirrhosis",
    "ascites",
    "ctp_score",
    "hcc_number_before",
    "hcc_diameter_before",
    "hcc_number_after",
    "hcc_diameter_after",
    "afp",
    "bclc",
    "alb",
    "ast",
    "alt",
    "tbil",
    "pt",
    "inr",
    "plt",
    "crp",
    "cre",
    "neu",
    "ly",
    "ablation_modality",
    "tace_sessions",
    "interval_tace_local",
    "targeted_immunotherapy",
    "os_months",
    "os_event",
    "pfs_months",
    "pfs_event",
    "epfs_months",
    "epfs_event",
    "pps_months",
    "pps_event",
    "major_peritoneal_effusion",
    "major_liver_abscess",
    "major_biliary_fistula",
    "major_biloma",
    "major_hemorrhage",
    "major_massive_ascites",
    "major_others",
    "minor_liver_dysfunction",
    "minor_fever",
    "minor_abdominal_nonspecific_pain",
    "minor_bile_duct_dilatation",
    "minor_hemorrhage",
    "minor_mild_pleural_effusion",
    "minor_mild_ascites",
    "minor_jaundice",
    "minor_others",
];

/// Patients per group (SR, TA) treated with TACE plus targeted therapy or
/// immunotherapy. The paper prints only the total (184 of 609, Discussion);
/// the split between groups is part of the synthetic design.
const TARGETED_IMMUNOTHERAPY: (usize, usize) = (62, 122);

type Row = BTreeMap<&'static str, String>;

/// (time in months, status) of OS, PFS, EPFS and PPS for one patient:
/// 0 censored, 1 the event, 2 (EPFS only) death before extrahepatic
/// progression, a competing event.
type Follow = [(f64, u8); 4];

/// Candidate survival draws per group (see `add_survival`).
const SURVIVAL_ATTEMPTS: usize = 1000;

/// Builds the twin cohort from the manifest at `published` and writes it as
/// CSV to `out`; returns the number of rows.
pub fn write_twin_cohort(published: &Path, out: &Path, seed: u64) -> Result<usize> {
    write_cohort(published, out, seed, None)
}

/// The twin cohort resampled to `n` analysed patients (a bootstrap of its
/// 609 included patients, with replacement, by its own ChaCha8 stream) for
/// benchmarks: the same columns and distributions at any size; the study's
/// exclusion steps then remove nobody. Written as Parquet when `out` ends
/// in `.parquet`, else as CSV.
pub fn write_scaled_cohort(published: &Path, out: &Path, seed: u64, n: usize) -> Result<usize> {
    write_cohort(published, out, seed, Some(n))
}

fn write_cohort(published: &Path, out: &Path, seed: u64, n: Option<usize>) -> Result<usize> {
    let mut rows = twin_rows(published, seed)?;
    // Which base row each output row copies (all of them, in order, for
    // the twin itself); rows are referenced, not cloned, so a million-row
    // cohort costs little more than its text.
    let picks: Vec<usize> = match n {
        None => (0..rows.len()).collect(),
        Some(n) => {
            rows.retain(|r| r.get("treatment").is_some_and(|t| !t.is_empty()));
            let mut pick = ChaCha8Rng::seed_from_u64(seed ^ 0x1656_67B1_9E37_79F9);
            (0..n).map(|_| pick.random_range(0..rows.len())).collect()
        }
    };
    let width = picks.len().to_string().len().max(4);
    let id = |i: usize| format!("P{:0width$}", i + 1);
    let (dir, name) = crate::files::folder_and_name(out);
    let name = if name.is_empty() {
        "cohort.csv".to_string()
    } else {
        name
    };
    let name = name.as_str();
    let cell = |row: &Row, c: &str| row.get(c).map_or("", String::as_str).to_string();
    if name.ends_with(".parquet") {
        let ids: Vec<String> = (0..picks.len()).map(id).collect();
        let owned: Vec<(&str, Vec<Option<String>>)> = COLUMNS
            .iter()
            .map(|c| {
                let values = picks
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| {
                        let v = if *c == "id" {
                            ids[i].clone()
                        } else {
                            cell(&rows[p], c)
                        };
                        (!v.is_empty()).then_some(v)
                    })
                    .collect();
                (*c, values)
            })
            .collect();
        let columns: Vec<(&str, Vec<Option<&str>>)> = owned
            .iter()
            .map(|(c, v)| (*c, v.iter().map(|x| x.as_deref()).collect()))
            .collect();
        let bytes = crate::data::parquet_bytes(&columns).map_err(|e| Error::data(out, e))?;
        crate::files::write_atomically(dir, &[(name, &bytes)])?;
        return Ok(picks.len());
    }
    // Each base row's line without its id, built once.
    let lines: Vec<String> = rows
        .iter()
        .map(|row| {
            COLUMNS
                .iter()
                .filter(|c| **c != "id")
                .map(|c| cell(row, c))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let mut csv = COLUMNS.join(",");
    csv.push('\n');
    for (i, &p) in picks.iter().enumerate() {
        csv.push_str(&id(i));
        csv.push(',');
        csv.push_str(&lines[p]);
        csv.push('\n');
    }
    crate::files::write_atomically(dir, &[(name, csv.as_bytes())])?;
    Ok(picks.len())
}

/// The twin cohort's rows, in file order (ids not yet assigned).
fn twin_rows(published: &Path, seed: u64) -> Result<Vec<Row>> {
    let manifest = Manifest::load(published)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Survival draws come from their own stream, so that adding or tuning
    // endpoints leaves the covariates (and hence the match) unchanged.
    let mut survival_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut complications_rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC2B2_AE3D_27D4_EB4F);
    let target = Targets {
        manifest: &manifest.root,
        path: published,
    };
    let mut rows: Vec<Row> = Vec::new();
    for (g, group) in [("sr", "SR"), ("ta", "TA")] {
        let mut group_rows = included_group(&target, g, group, &mut rng, &mut survival_rng)?;
        add_complications(&target, g, &mut group_rows, &mut complications_rng)?;
        rows.extend(group_rows);
    }
    for (k, (step, count)) in EXCLUDED.iter().enumerate() {
        for _ in 0..*count {
            rows.push(excluded_row(k, step, &mut rng));
        }
    }
    shuffle(&mut rows, &mut rng);
    Ok(rows)
}

struct Targets<'a> {
    manifest: &'a Node,
    path: &'a Path,
}

/// The integer at `node` (as TOML types it: no decimal point or exponent).
fn integer(node: Option<&Node>) -> Option<i64> {
    match &node?.value {
        Value::Num(n) => n.raw.replace('_', "").parse().ok(),
        _ => None,
    }
}

/// The float at `node` (as TOML types it: a decimal point or exponent).
fn float(node: Option<&Node>) -> Option<f64> {
    match &node?.value {
        Value::Num(n) if integer(node).is_none() => Some(n.value),
        _ => None,
    }
}

/// The items of the array at `node`.
fn items(node: Option<&Node>) -> Option<&[Node]> {
    match &node?.value {
        Value::Arr(items) => Some(items),
        _ => None,
    }
}

/// The string at `node`.
fn text(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

impl Targets<'_> {
    fn entry(&self, var: &str) -> Result<&Node> {
        self.manifest
            .get("table1")
            .and_then(|t| t.get("unmatched"))
            .and_then(|t| t.get(var))
            .ok_or_else(|| {
                Error::config(
                    self.path,
                    format!("[table1.unmatched.{var}] is missing from the manifest"),
                )
            })
    }

    fn count(&self, var: &str, level: &str, g: &str) -> Result<usize> {
        self.entry(var)?
            .get(level)
            .and_then(|l| integer(l.get(&format!("{g}_n"))))
            .map(|n| n as usize)
            .ok_or_else(|| {
                Error::config(
                    self.path,
                    format!("[table1.unmatched.{var}.\"{level}\"] has no {g}_n"),
                )
            })
    }

    fn number(&self, var: &str, key: &str) -> Result<f64> {
        let v = self.entry(var)?.get(key);
        float(v)
            .or_else(|| integer(v).map(|i| i as f64))
            .ok_or_else(|| {
                Error::config(self.path, format!("[table1.unmatched.{var}] has no {key}"))
            })
    }

    fn group_n(&self, g: &str) -> Result<usize> {
        self.manifest
            .get("table1")
            .and_then(|t| t.get("unmatched"))
            .and_then(|t| integer(t.get(&format!("{g}_n"))))
            .map(|n| n as usize)
            .ok_or_else(|| Error::config(self.path, format!("[table1.unmatched] has no {g}_n")))
    }
}
