//! The twin's patients before follow-up: the analysed patients' baseline
//! covariates (every categorical count of Table 1 exact, means, SDs and
//! quartiles to the printed precision) and the excluded patients, each
//! failing their exclusion step.

use super::random::*;
use super::survival::add_survival;
use super::*;
use rand::RngExt;

/// A raw-value generator for one level of a categorical variable.
pub(super) type LevelGen = fn(&mut ChaCha8Rng) -> String;

/// The categorical variables: manifest key, column, and a generator per
/// published level (in the manifest's level order).
pub(super) fn categorical_specs() -> Vec<(&'static str, &'static str, Vec<LevelGen>)> {
    let zero: LevelGen = |_| "0".into();
    let one: LevelGen = |_| "1".into();
    vec![
        (
            "age",
            "age",
            vec![
                |r| ((51.5 + 9.0 * normal(r)).round().clamp(18.0, 65.0) as i64).to_string(),
                |r| int_between(r, 66, 75),
            ],
        ),
        (
            "bmi",
            "bmi",
            vec![
                |r| format!("{:.1}", uniform(r, 15.5, 18.2)),
                |r| format!("{:.1}", uniform(r, 18.4, 21.8)),
                |r| format!("{:.1}", uniform(r, 22.0, 30.0)),
            ],
        ),
        ("smoking", "smoking", vec![zero, one]),
        ("drinking", "drinking", vec![zero, one]),
        ("gender", "sex", vec![|_| "F".into(), |_| "M".into()]),
        ("ecog", "ecog", vec![zero, one]),
        ("comorbidity", "comorbidity", vec![zero, one]),
        ("hbv", "hbv", vec![zero, one]),
        ("cirrhosis", "cirrhosis", vec![zero, one]),
        ("ascites", "ascites", vec![zero, one]),
        (
            "ctp_score",
            "ctp_score",
            vec![|_| "5".into(), |_| "6".into()],
        ),
        (
            "hcc_number_before_tace",
            "hcc_number_before",
            vec![|r| int_between(r, 1, 3), |r| int_between(r, 4, 8)],
        ),
        (
            "hcc_diameter_before_tace_cm",
            "hcc_diameter_before",
            vec![
                |r| format!("{:.1}", uniform(r, 2.0, 4.9)),
                |r| format!("{:.1}", uniform(r, 5.1, 9.9)),
                |r| format!("{:.1}", uniform(r, 10.1, 16.0)),
            ],
        ),
        (
            "hcc_number_after_tace",
            "hcc_number_after",
            vec![|_| "1".into(), |r| int_between(r, 2, 3)],
        ),
        (
            "hcc_diameter_after_tace_cm",
            "hcc_diameter_after",
            vec![|r| format!("{:.1}", uniform(r, 0.8, 2.9)), |r| {
                format!("{:.1}", uniform(r, 3.0, 5.0))
            }],
        ),
        (
            "afp",
            "afp",
            vec![
                |r| format!("{:.1}", uniform(r, 0.0, 400f64.ln()).exp().max(1.0)),
                |r| format!("{:.1}", uniform(r, 401f64.ln(), 20000f64.ln()).exp()),
            ],
        ),
        ("bclc", "bclc", vec![|_| "A".into(), |_| "B".into()]),
        (
            "ablation_modality",
            "ablation_modality",
            vec![|_| "RFA".into(), |_| "MWA".into()],
        ),
    ]
}

/// Continuous variables: manifest key, column, decimals, integer-valued.
pub(super) const CONTINUOUS: &[(&str, &str, usize, bool)] = &[
    ("alb", "alb", 2, false),
    ("ast", "ast", 2, false),
    ("alt", "alt", 2, false),
    ("tbil", "tbil", 2, false),
    ("pt", "pt", 2, false),
    ("inr", "inr", 2, false),
    ("plt", "plt", 2, false),
    ("crp", "crp", 2, false),
    ("cre", "cre", 2, false),
    ("neu", "neu", 2, false),
    ("ly", "ly", 2, false),
    ("tace_sessions", "tace_sessions", 0, true),
    (
        "interval_tace_to_local_months",
        "interval_tace_local",
        1,
        false,
    ),
];

pub(super) fn included_group(
    t: &Targets<'_>,
    g: &str,
    group: &str,
    rng: &mut ChaCha8Rng,
    survival_rng: &mut ChaCha8Rng,
) -> Result<Vec<Row>> {
    let n = t.group_n(g)?;
    let mut rows: Vec<Row> = (0..n).map(|_| screening_pass(rng)).collect();
    for row in rows.iter_mut() {
        row.insert("treatment", group.to_string());
    }
    for (var, column, gens) in categorical_specs() {
        let levels: Vec<String> = t
            .entry(var)?
            .get("levels")
            .and_then(|l| items(Some(l)))
            .map(|a| a.iter().filter_map(text).map(str::to_string).collect())
            .unwrap_or_default();
        let mut cells: Vec<Option<String>> = Vec::with_capacity(n);
        for (level, gen_level) in levels.iter().zip(&gens) {
            for _ in 0..t.count(var, level, g)? {
                cells.push(Some(gen_level(rng)));
            }
        }
        if cells.len() > n {
            return Err(Error::config(
                t.path,
                format!("[table1.unmatched.{var}] counts for {g} add up to more than {g}_n = {n}"),
            ));
        }
        cells.resize(n, None); // the rest are missing (BMI, ablation modality after SR)
        shuffle(&mut cells, rng);
        for (row, cell) in rows.iter_mut().zip(cells) {
            if let Some(c) = cell {
                row.insert(column, c);
            }
        }
    }
    let treated = if g == "sr" {
        TARGETED_IMMUNOTHERAPY.0
    } else {
        TARGETED_IMMUNOTHERAPY.1
    };
    let mut cells: Vec<&str> = (0..n)
        .map(|i| if i < treated { "1" } else { "0" })
        .collect();
    shuffle(&mut cells, rng);
    for (row, c) in rows.iter_mut().zip(cells) {
        row.insert("targeted_immunotherapy", c.to_string());
    }
    for &(var, column, decimals, integer) in CONTINUOUS {
        let summary = t
            .entry(var)?
            .get("summary")
            .and_then(text)
            .unwrap_or("mean_sd");
        let values = if integer {
            integer_mean_sd(
                n,
                t.number(var, &format!("{g}_mean"))?,
                t.number(var, &format!("{g}_sd"))?,
            )
        } else if summary == "median_iqr" {
            let q = [
                t.number(var, &format!("{g}_q1"))?,
                t.number(var, &format!("{g}_median"))?,
                t.number(var, &format!("{g}_q3"))?,
            ];
            with_quartiles(n, q, decimals, rng)
        } else {
            with_mean_sd(
                n,
                t.number(var, &format!("{g}_mean"))?,
                t.number(var, &format!("{g}_sd"))?,
                decimals,
                rng,
            )
        };
        let mut values = values;
        shuffle(&mut values, rng);
        for (row, v) in rows.iter_mut().zip(values) {
            row.insert(column, format!("{v:.decimals$}"));
        }
    }
    add_survival(t, g, &mut rows, survival_rng)?;
    Ok(rows)
}

/// Screening fields of a patient who passes every exclusion step.
pub(super) fn screening_pass(rng: &mut ChaCha8Rng) -> Row {
    let mut row = Row::new();
    row.insert("age", int_between(rng, 30, 65));
    row.insert("ecog", int_between(rng, 0, 1));
    row.insert("child_pugh", "A".into());
    for c in [
        "prior_treatment",
        "other_malignancy",
        "other_conversion",
        "lost_to_followup",
    ] {
        row.insert(c, "0".into());
    }
    row.insert("tace_conversion", "1".into());
    row.insert("downstaging_success", "1".into());
    row
}

/// A screened patient excluded at step `k`: passes steps before it, fails it.
pub(super) fn excluded_row(k: usize, step: &str, rng: &mut ChaCha8Rng) -> Row {
    let mut row = screening_pass(rng);
    match step {
        "age" => {
            let age = if rng.random::<f64>() < 0.9 {
                rng.random_range(76..=89)
            } else {
                17
            };
            row.insert("age", age.to_string());
        }
        "ecog" => {
            row.insert("ecog", int_between(rng, 2, 3));
        }
        "child_pugh" => {
            row.insert(
                "child_pugh",
                if rng.random::<f64>() < 0.85 { "B" } else { "C" }.into(),
            );
        }
        "downstaging_success" => {
            row.insert("downstaging_success", "0".into());
        }
        "tace_conversion" => {
            row.insert("tace_conversion", "0".into());
        }
        other => {
            let column = COLUMNS
                .iter()
                .find(|c| **c == other)
                .copied()
                .unwrap_or("prior_treatment");
            row.insert(column, "1".into());
        }
    }
    // Steps after k are not reached; their fields vary as in real data.
    for (later, _) in EXCLUDED.iter().skip(k + 1) {
        if matches!(*later, "other_conversion" | "lost_to_followup") && rng.random::<f64>() < 0.05 {
            row.insert(later, "1".into());
        }
    }
    row
}

/// n values with exactly the given sample mean and SD before rounding:
/// log-normal draws (positive, right-skewed like lab values) standardized
/// and rescaled; redrawn if the rescaling makes a value non-positive.
pub(super) fn with_mean_sd(
    n: usize,
    mean: f64,
    sd: f64,
    decimals: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let cv = sd / mean;
    let sigma = (1.0 + cv * cv).ln().sqrt();
    let mut last = Vec::new();
    for _ in 0..100 {
        let z: Vec<f64> = (0..n).map(|_| (sigma * normal(rng)).exp()).collect();
        let m = z.iter().sum::<f64>() / n as f64;
        let s = (z.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        last = z
            .iter()
            .map(|v| round_to(mean + sd * (v - m) / s, decimals))
            .collect();
        if last.iter().all(|&v| v > 0.0) {
            break;
        }
    }
    last
}

/// n values whose type-7 quartiles are exactly `q` = [q1, median, q3]: skewed
/// draws mapped monotonely onto the targets, then the order statistics that
/// each quartile interpolates between set to the target.
pub(super) fn with_quartiles(
    n: usize,
    q: [f64; 3],
    decimals: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let mut z: Vec<f64> = (0..n).map(|_| (0.5 * normal(rng)).exp()).collect();
    z.sort_by(f64::total_cmp);
    let sq = |p: f64| {
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        z[lo] + (h - lo as f64) * (z[(lo + 1).min(n - 1)] - z[lo])
    };
    let (s1, s2, s3) = (sq(0.25), sq(0.5), sq(0.75));
    let map = |x: f64| {
        if x <= s1 {
            q[0] * (x / s1)
        } else if x <= s2 {
            q[0] + (x - s1) * (q[1] - q[0]) / (s2 - s1)
        } else if x <= s3 {
            q[1] + (x - s2) * (q[2] - q[1]) / (s3 - s2)
        } else {
            q[2] + (x - s3) * (q[2] - q[1]) / (s3 - s2)
        }
    };
    let mut v: Vec<f64> = z.iter().map(|&x| round_to(map(x), decimals)).collect();
    for (p, target) in [(0.25, q[0]), (0.5, q[1]), (0.75, q[2])] {
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        v[lo] = target;
        if h > lo as f64 {
            v[lo + 1] = target;
        }
    }
    v.sort_by(f64::total_cmp);
    v
}

/// Integer values (such as session counts) with mean and SD as close to the
/// targets as integers allow: a two-point split around the mean, widened in
/// symmetric pairs until the SD is reached. Some printed (mean, SD) pairs
/// are impossible for integer data (GRIMMER); the closest is used.
pub(super) fn integer_mean_sd(n: usize, mean: f64, sd: f64) -> Vec<f64> {
    let base = mean.floor();
    let upper = ((mean - base) * n as f64).round() as usize;
    let mut v: Vec<f64> = (0..n)
        .map(|i| if i < upper { base + 1.0 } else { base })
        .collect();
    let target_ss = sd * sd * (n - 1) as f64;
    let m = v.iter().sum::<f64>() / n as f64;
    let mut ss: f64 = v.iter().map(|x| (x - m).powi(2)).sum();
    // Widen from both ends: the largest value up by 1, the smallest down by
    // 1, so the sum (and the mean) is unchanged and the SS grows.
    let (mut hi, mut lo) = (0, n - 1);
    while ss + 1.0 < target_ss && hi < lo {
        v[lo] -= 1.0;
        v[hi] += 1.0;
        lo -= 1;
        hi += 1;
        ss = v.iter().map(|x| (x - m).powi(2)).sum();
    }
    v
}
