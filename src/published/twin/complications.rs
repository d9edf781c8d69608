//! The twin's complications: Table 4's counts per group, assigned to
//! patients at random.

use super::random::*;
use super::*;
use rand::RngExt;

/// Complication columns (0/1) reproducing the published unmatched Table 4
/// counts exactly: for each severity, the published number of patients with
/// any complication is chosen at random, each gets one complication, and
/// the remaining complications go to random patients of that set who do not
/// have that one yet (patients may have several; each complication's count
/// and the total are exact). "ND" cells (not done) are taken as 0.
pub(super) fn add_complications(
    t: &Targets<'_>,
    g: &str,
    rows: &mut [Row],
    rng: &mut ChaCha8Rng,
) -> Result<()> {
    let n = rows.len();
    let table = t
        .manifest
        .get("table4")
        .ok_or_else(|| Error::config(t.path, "[table4] is missing from the manifest"))?;
    for severity in ["major", "minor"] {
        let keys: Vec<String> = table
            .get(&format!("{severity}_rows"))
            .and_then(|r| items(Some(r)))
            .map(|a| {
                a.iter()
                    .filter_map(text)
                    .filter(|k| *k != "total")
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let cell = |key: &str| -> usize {
            table
                .get("unmatched")
                .and_then(|u| u.get(severity))
                .and_then(|s| s.get(key))
                .and_then(|c| integer(c.get(&format!("{g}_n"))))
                .map_or(0, |v| v as usize)
        };
        let total = cell("total").min(n);
        let mut patients: Vec<usize> = (0..n).collect();
        shuffle(&mut patients, rng);
        let chosen = &patients[..total];
        let mut events: Vec<usize> = Vec::new();
        for (j, k) in keys.iter().enumerate() {
            events.extend(std::iter::repeat_n(j, cell(k).min(total)));
        }
        shuffle(&mut events, rng);
        let mut has = vec![vec![false; keys.len()]; total];
        // One complication each first (when there are enough), then the rest
        // to patients who lack that complication.
        let mut rest = Vec::new();
        let mut next = 0;
        for &j in &events {
            if next < total && !has[next][j] {
                has[next][j] = true;
                next += 1;
            } else {
                rest.push(j);
            }
        }
        for j in rest {
            let free: Vec<usize> = (0..total).filter(|&p| !has[p][j]).collect();
            if let Some(&p) = free.get(rng.random_range(0..free.len().max(1))) {
                has[p][j] = true;
            }
        }
        for row in rows.iter_mut() {
            for k in &keys {
                row.insert(column_name(severity, k), "0".into());
            }
        }
        for (p, &patient) in chosen.iter().enumerate() {
            for (j, k) in keys.iter().enumerate() {
                if has[p][j] {
                    rows[patient].insert(column_name(severity, k), "1".into());
                }
            }
        }
    }
    Ok(())
}

/// The static column name of a complication (`major_fever`).
pub(super) fn column_name(severity: &str, key: &str) -> &'static str {
    let name = format!("{severity}_{key}");
    COLUMNS
        .iter()
        .copied()
        .find(|c| *c == name)
        .unwrap_or("others")
}
