//! `studybook verify`: the regenerated results against the published
//! manifest (`[study] published`), claim by claim.
//!
//! The manifest is read in the `published.toml` format (see the user guide):
//! `table1.<cohort>.<variable>` (level counts and percentages, means and SDs,
//! medians and quartiles, p), Cox tables (a table with `outcome` and
//! `factors`, models under `<cohort>.univariable` / `.multivariable`),
//! `km.<cohort>.<endpoint>` (landmark rates aligned with `km.years`, HR, CI
//! and log-rank p) and `table4.<cohort>.<category>.<row>` (complication
//! counts). A claim is reproduced when the regenerated number, rounded to the
//! decimals the paper printed, equals the printed one (counts exactly; a
//! printed "<p" when the regenerated p is below it).

use super::manifest::{Manifest, Node, Num, Value, show_path};
use crate::config::VerifySection;
use crate::format::Formatter;
use crate::report::Results;
use serde::Serialize;
use std::collections::BTreeMap;

/// Regenerated results against a published manifest (`studybook verify`).
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The manifest's file name.
    pub manifest: String,
    /// Every claim, in manifest order.
    pub claims: Vec<Claim>,
    /// Counts per section and cohort.
    pub summary: Vec<ClaimSummary>,
}

/// One published number and its regenerated counterpart.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// Where the manuscript reports it ("Table 1", "Table 2", "Kaplan-Meier"...).
    pub section: String,
    /// `unmatched` or `matched`.
    pub cohort: String,
    /// What it is, e.g. "Age (years) <=65, SR, n".
    pub claim: String,
    /// The manifest path.
    pub path: String,
    /// As printed.
    pub published: String,
    /// Regenerated, printed with the published decimals ("" when missing).
    pub regenerated: String,
    /// `reproduced`, `differs` or `missing`.
    pub verdict: String,
}

/// Claims reproduced per section and cohort.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimSummary {
    /// Section.
    pub section: String,
    /// Cohort.
    pub cohort: String,
    /// Claims reproduced within the printed precision.
    pub reproduced: usize,
    /// Claims compared (missing ones excluded).
    pub compared: usize,
    /// Claims with no regenerated counterpart.
    pub missing: usize,
}

/// A regenerated row's counts and percentages, by treatment value.
type CountsAndPercents<'a> = (&'a BTreeMap<String, usize>, &'a BTreeMap<String, f64>);

/// Compares `results` with the manifest, mapping names through `map`.
pub fn verify(manifest: &Manifest, results: &Results, map: &VerifySection) -> Verification {
    let mut v = Verifier {
        results,
        map,
        fmt: Formatter::new(Default::default()),
        claims: Vec::new(),
    };
    let root = &manifest.root;
    if let Some(t1) = root.get("table1") {
        v.table1(t1);
    }
    for (key, node) in root.entries() {
        if node.str("outcome").is_some() && node.get("factors").is_some() {
            v.cox_table(key, node);
        }
    }
    if let Some(km) = root.get("km") {
        v.kaplan_meier(km);
    }
    if let Some(t4) = root.get("table4") {
        v.complications(t4);
    }
    let summary = summarize(&v.claims);
    Verification {
        manifest: manifest
            .file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        claims: v.claims,
        summary,
    }
}

fn summarize(claims: &[Claim]) -> Vec<ClaimSummary> {
    let mut out: Vec<ClaimSummary> = Vec::new();
    for c in claims {
        let entry = match out
            .iter_mut()
            .find(|s| s.section == c.section && s.cohort == c.cohort)
        {
            Some(e) => e,
            None => {
                out.push(ClaimSummary {
                    section: c.section.clone(),
                    cohort: c.cohort.clone(),
                    reproduced: 0,
                    compared: 0,
                    missing: 0,
                });
                out.last_mut().expect("just pushed")
            }
        };
        match c.verdict.as_str() {
            "missing" => entry.missing += 1,
            v => {
                entry.compared += 1;
                if v == "reproduced" {
                    entry.reproduced += 1;
                }
            }
        }
    }
    out
}

/// Names compared loosely: case, spaces and punctuation other than the
/// comparison signs do not matter ("Peritoneal effusion" = "peritoneal_effusion").
fn norm(s: &str) -> String {
    s.to_lowercase()
        .replace(['≤', '⩽'], "<=")
        .replace(['≥', '⩾'], ">=")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '<' | '>' | '=' | '.'))
        .collect()
}

struct Verifier<'a> {
    results: &'a Results,
    map: &'a VerifySection,
    fmt: Formatter,
    claims: Vec<Claim>,
}

/// A published number: its path, value and whether it was printed as "<x".
struct Published<'n> {
    path: Vec<String>,
    num: &'n Num,
    lt: bool,
}

impl Verifier<'_> {
    fn cohort(&self, key: &str) -> String {
        self.map.cohorts.get(key).cloned().unwrap_or_else(|| {
            match key {
                "psm" | "matched" | "ps_matched" => "matched",
                _ => "unmatched",
            }
            .to_string()
        })
    }

    /// The treatment value of a manifest group key (`sr` -> "SR").
    fn group(&self, key: &str) -> Option<String> {
        if let Some(v) = self.map.groups.get(key) {
            return Some(v.clone());
        }
        self.results
            .groups
            .iter()
            .find(|g| norm(&g.value) == norm(key) || norm(&g.label) == norm(key))
            .map(|g| g.value.clone())
    }

    fn group_label(&self, value: &str) -> String {
        self.results
            .groups
            .iter()
            .find(|g| g.value == value)
            .map_or(value.to_string(), |g| g.label.clone())
    }

    fn endpoint(&self, key: &str) -> String {
        self.map
            .endpoints
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_lowercase())
    }

    fn claim(
        &mut self,
        section: &str,
        cohort: &str,
        what: String,
        published: Published<'_>,
        regenerated: Option<f64>,
    ) {
        let num = published.num;
        let (text, verdict) = match regenerated.filter(|x| x.is_finite()) {
            None => (String::new(), "missing"),
            Some(x) => {
                let ok = if published.lt {
                    x < num.value
                } else {
                    let (lo, hi) = num.interval();
                    x >= lo && x <= hi
                };
                let text = if published.lt && ok {
                    format!("<{}", num.raw)
                } else {
                    self.fmt.fixed(Some(x), num.decimals as usize)
                };
                (text, if ok { "reproduced" } else { "differs" })
            }
        };
        self.claims.push(Claim {
            section: section.into(),
            cohort: cohort.into(),
            claim: what,
            path: show_path(&published.path),
            published: if published.lt {
                format!("<{}", num.raw)
            } else {
                num.raw.clone()
            },
            regenerated: text,
            verdict: verdict.into(),
        });
    }

    /// The `X_n` and `X_pct` numbers of one printed row against a
    /// regenerated row's counts and percentages per treatment value.
    fn count_claims(
        &mut self,
        section: &str,
        cohort: &str,
        what: &str,
        path: &[String],
        node: &Node,
        regenerated: Option<CountsAndPercents<'_>>,
    ) {
        for (k, n) in node.entries() {
            let Value::Num(num) = &n.value else { continue };
            let (g, stat) = if let Some(g) = k.strip_suffix("_n") {
                (g, "n")
            } else if let Some(g) = k.strip_suffix("_pct") {
                (g, "%")
            } else {
                continue;
            };
            let value = self.group(g);
            let x = match (regenerated, &value) {
                (Some((counts, _)), Some(v)) if stat == "n" => counts.get(v).map(|&n| n as f64),
                (Some((_, pct)), Some(v)) => pct.get(v).copied(),
                _ => None,
            };
            let glabel = value
                .as_deref()
                .map_or(g.to_string(), |v| self.group_label(v));
            self.claim(
                section,
                cohort,
                format!("{what}, {glabel}, {stat}"),
                Published {
                    path: extend(path, &[k]),
                    num,
                    lt: false,
                },
                x,
            );
        }
    }

    // ------------------------------------------------------------ Table 1

    fn table1(&mut self, t1: &Node) {
        for (ckey, cnode) in t1.entries() {
            if !cnode.is_table() {
                continue;
            }
            let cohort = self.cohort(ckey);
            let base = vec!["table1".to_string(), ckey.clone()];
            // Group sizes.
            for (k, n) in cnode.entries() {
                let (Some(g), Value::Num(num)) = (k.strip_suffix("_n"), &n.value) else {
                    continue;
                };
                let value = self.group(g);
                let regenerated = value.as_ref().and_then(|v| self.group_size(&cohort, v));
                let label = value
                    .as_deref()
                    .map_or(g.to_string(), |v| self.group_label(v));
                self.claim(
                    "Patients",
                    &cohort,
                    format!("{label} patients"),
                    Published {
                        path: extend(&base, &[k]),
                        num,
                        lt: false,
                    },
                    regenerated.map(|n| n as f64),
                );
            }
            for (vkey, vnode) in cnode.entries() {
                if vnode.is_table() {
                    self.table1_variable(&cohort, &extend(&base, &[vkey]), vkey, vnode);
                }
            }
        }
    }

    fn group_size(&self, cohort: &str, value: &str) -> Option<usize> {
        let population = self.results.populations.iter().find(|p| p.id == cohort)?;
        population.n.get(value).copied()
    }

    fn table1_variable(&mut self, cohort: &str, path: &[String], key: &str, node: &Node) {
        let variable = self
            .map
            .variables
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string());
        let row = self
            .results
            .table1
            .get(cohort)
            .and_then(|rows| rows.iter().find(|r| r.variable == variable));
        let label = row.map_or(key.to_string(), |r| r.label.clone());
        let levels = node.strings("levels");
        for (i, lkey) in levels.iter().enumerate() {
            let Some(lnode) = node.get(lkey) else {
                continue;
            };
            let level = row.and_then(|r| r.levels.as_ref()).and_then(|ls| {
                ls.iter()
                    .find(|l| norm(&l.level) == norm(lkey) || norm(&l.label) == norm(lkey))
                    .or_else(|| (ls.len() == levels.len()).then(|| &ls[i]))
            });
            self.count_claims(
                "Table 1",
                cohort,
                &format!("{label}: {lkey}"),
                &extend(path, &[lkey]),
                lnode,
                level.map(|l| (&l.n, &l.pct)),
            );
        }
        for stat in ["mean", "sd", "median", "q1", "q3"] {
            for (k, n) in node.entries() {
                let Value::Num(num) = &n.value else { continue };
                let Some(g) = k.strip_suffix(&format!("_{stat}")) else {
                    continue;
                };
                let value = self.group(g);
                let regenerated = match (row.and_then(|r| r.summary.as_ref()), &value) {
                    (Some(s), Some(v)) => s.get(v).and_then(|s| match stat {
                        "mean" => s.mean,
                        "sd" => s.sd,
                        "median" => s.median,
                        "q1" => s.q1,
                        _ => s.q3,
                    }),
                    _ => None,
                };
                let glabel = value
                    .as_deref()
                    .map_or(g.to_string(), |v| self.group_label(v));
                self.claim(
                    "Table 1",
                    cohort,
                    format!("{label}, {glabel}, {stat}"),
                    Published {
                        path: extend(path, &[k]),
                        num,
                        lt: false,
                    },
                    regenerated,
                );
            }
        }
        if let Some(p) = node.num("p") {
            self.claim(
                "Table 1",
                cohort,
                format!("{label}, p"),
                Published {
                    path: extend(path, &["p"]),
                    num: p,
                    lt: node.flag("p_lt"),
                },
                row.and_then(|r| r.p),
            );
        }
    }

    // ------------------------------------------------------------ Cox

    fn cox_table(&mut self, tkey: &str, table: &Node) {
        let outcome = table.str("outcome").unwrap_or_default();
        let endpoint = self.endpoint(outcome);
        let section = format!("Cox, {outcome} ({tkey})");
        let factors = table.get("factors");
        for (ckey, cnode) in table.entries() {
            if !cnode.is_table() || ckey == "factors" {
                continue;
            }
            let cohort = self.cohort(ckey);
            for kind in ["univariable", "multivariable"] {
                let Some(models) = cnode.get(kind) else {
                    continue;
                };
                for (fkey, fnode) in models.entries() {
                    let variable = self
                        .map
                        .factors
                        .get(fkey)
                        .cloned()
                        .unwrap_or_else(|| fkey.clone());
                    let level = factors
                        .and_then(|f| f.get(fkey))
                        .and_then(|f| f.str("level"));
                    let term = self
                        .cox_term(&endpoint, &cohort, kind, &variable, level)
                        .map(|t| [t.hr, t.lower, t.upper, t.p]);
                    let base = vec![
                        tkey.to_string(),
                        ckey.clone(),
                        kind.to_string(),
                        fkey.clone(),
                    ];
                    for (k, what) in [
                        ("hr", "HR"),
                        ("ci_lo", "lower 95% limit"),
                        ("ci_hi", "upper 95% limit"),
                        ("p", "p"),
                    ] {
                        let Some(num) = fnode.num(k) else { continue };
                        let regenerated = term.and_then(|t| match k {
                            "hr" => t[0],
                            "ci_lo" => t[1],
                            "ci_hi" => t[2],
                            _ => t[3],
                        });
                        self.claim(
                            &section,
                            &cohort,
                            format!("{fkey}, {kind}, {what}"),
                            Published {
                                path: extend(&base, &[k]),
                                num,
                                lt: k == "p" && fnode.flag("p_lt"),
                            },
                            regenerated,
                        );
                    }
                }
            }
        }
    }

    fn cox_term(
        &self,
        endpoint: &str,
        cohort: &str,
        kind: &str,
        variable: &str,
        level: Option<&str>,
    ) -> Option<&crate::report::CoxTerm> {
        let models = &self.results.regression.get(cohort)?.models;
        let model = models.iter().find(|m| {
            m.model.endpoint == endpoint
                && m.model.model == kind
                && m.model.terms.iter().any(|t| t.variable == variable)
        })?;
        let terms: Vec<_> = model
            .model
            .terms
            .iter()
            .filter(|t| t.variable == variable)
            .collect();
        level
            .and_then(|l| {
                terms
                    .iter()
                    .find(|t| t.level.as_deref().is_some_and(|x| norm(x) == norm(l)))
                    .copied()
            })
            .or_else(|| (terms.len() == 1).then(|| terms[0]))
    }

    // ------------------------------------------------------------ KM

    fn kaplan_meier(&mut self, km: &Node) {
        for (ckey, cnode) in km.entries() {
            if !cnode.is_table() {
                continue;
            }
            let cohort = self.cohort(ckey);
            for (ekey, enode) in cnode.entries() {
                if !enode.is_table() {
                    continue;
                }
                let endpoint = self.endpoint(ekey);
                let label = self
                    .results
                    .endpoints
                    .iter()
                    .find(|e| e.id == endpoint)
                    .map_or(ekey.clone(), |e| e.label.clone());
                let base = vec!["km".to_string(), ckey.clone(), ekey.clone()];
                for (k, n) in enode.entries() {
                    let (Some(g), Value::Arr(items)) = (k.strip_suffix("_pct"), &n.value) else {
                        continue;
                    };
                    let value = self.group(g);
                    let curve = value.as_ref().and_then(|v| {
                        self.results
                            .survival
                            .get(&cohort)?
                            .km
                            .iter()
                            .find(|c| c.endpoint == endpoint && &c.group == v)
                    });
                    let glabel = value
                        .as_deref()
                        .map_or(g.to_string(), |v| self.group_label(v));
                    for (i, item) in items.iter().enumerate() {
                        let Value::Num(num) = &item.value else {
                            continue;
                        };
                        let regenerated = curve
                            .and_then(|c| c.landmarks.get(i))
                            .map(|l| l.surv * 100.0);
                        let at = curve
                            .and_then(|c| c.landmarks.get(i))
                            .map_or(format!("landmark {}", i + 1), |l| format!("t = {}", l.time));
                        self.claim(
                            "Kaplan-Meier",
                            &cohort,
                            format!("{label}, {glabel}, % at {at}"),
                            Published {
                                path: extend(&base, &[k, &i.to_string()]),
                                num,
                                lt: false,
                            },
                            regenerated,
                        );
                    }
                }
                let survival = self.results.survival.get(&cohort);
                let cox = survival.and_then(|s| s.cox.iter().find(|c| c.endpoint == endpoint));
                let term = cox.and_then(|c| c.terms.iter().find(|t| t.variable == "treatment"));
                let logrank =
                    survival.and_then(|s| s.logrank.iter().find(|l| l.endpoint == endpoint));
                for (k, what) in [
                    ("hr", "HR"),
                    ("ci_lo", "lower 95% limit"),
                    ("ci_hi", "upper 95% limit"),
                    ("p", "log-rank p"),
                ] {
                    let Some(num) = enode.num(k) else { continue };
                    let regenerated = match k {
                        "hr" => term.and_then(|t| t.hr),
                        "ci_lo" => term.and_then(|t| t.lower),
                        "ci_hi" => term.and_then(|t| t.upper),
                        _ => logrank.and_then(|l| l.p),
                    };
                    self.claim(
                        "Kaplan-Meier",
                        &cohort,
                        format!("{label}, {what}"),
                        Published {
                            path: extend(&base, &[k]),
                            num,
                            lt: k == "p" && enode.flag("p_lt"),
                        },
                        regenerated,
                    );
                }
            }
        }
    }

    // ------------------------------------------------------------ Table 4

    fn complications(&mut self, t4: &Node) {
        for (ckey, cnode) in t4.entries() {
            if !cnode.is_table() {
                continue;
            }
            let cohort = self.cohort(ckey);
            let rows: Vec<_> = self
                .results
                .complications
                .get(&cohort)
                .map(|rows| rows.iter().collect())
                .unwrap_or_default();
            for (cat, catnode) in cnode.entries() {
                if !catnode.is_table() {
                    continue;
                }
                let in_cat: Vec<_> = rows
                    .iter()
                    .filter(|r| norm(&r.group).starts_with(&norm(cat)))
                    .collect();
                for (rkey, rnode) in catnode.entries() {
                    if !rnode.is_table() {
                        continue;
                    }
                    let row = in_cat.iter().find(|r| {
                        if rkey == "total" {
                            r.total
                        } else {
                            !r.total && norm(&r.label).replace('.', "") == norm(rkey)
                        }
                    });
                    self.count_claims(
                        "Table 4",
                        &cohort,
                        &format!("{cat} {rkey}"),
                        &[
                            "table4".to_string(),
                            ckey.clone(),
                            cat.clone(),
                            rkey.clone(),
                        ],
                        rnode,
                        row.map(|r| (&r.n, &r.pct)),
                    );
                }
                if let Some(p) = catnode.num("p") {
                    let total = in_cat.iter().find(|r| r.total);
                    self.claim(
                        "Table 4",
                        &cohort,
                        format!("{cat} total, p"),
                        Published {
                            path: vec!["table4".into(), ckey.clone(), cat.clone(), "p".into()],
                            num: p,
                            lt: catnode.flag("p_lt"),
                        },
                        total.and_then(|r| r.p),
                    );
                }
            }
        }
    }
}

fn extend(base: &[String], more: &[&str]) -> Vec<String> {
    let mut v = base.to_vec();
    v.extend(more.iter().map(|s| s.to_string()));
    v
}
