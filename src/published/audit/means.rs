//! Rule 4, two-group means: Welch and pooled t-tests from the printed
//! means and SDs; GRIM and GRIMMER for variables declared integer.

use super::context::*;
use super::test_names::{self, Family};

pub(super) fn mean_tests(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        found.extend(quartiles(site));
        found.extend(two_group_test(ctx, site));
    }
    ctx.add_all(4, found);
}

/// Quartiles must enclose the median whatever the test.
fn quartiles(site: &Site<'_>) -> Vec<Found> {
    let node = site.node();
    let mut found = Vec::new();
    for g in groups_with(node, "_median") {
        let get = |s: &str| node.num(&format!("{g}_{s}"));
        if let (Some(md), Some(q1), Some(q3)) = (get("median"), get("q1"), get("q3"))
            && !(q1.value <= md.value && md.value <= q3.value)
        {
            found.push(Found::at(
                site,
                Severity::Error,
                "quartiles",
                format!("{g}: {} ({}-{})", md.raw, q1.raw, q3.raw),
                "Q1 <= median <= Q3".to_string(),
                "The interquartile range does not contain the median.".to_string(),
            ));
        }
    }
    found
}

/// The printed p of two groups' means against the Welch and pooled
/// t-tests recomputed from the printed summaries.
fn two_group_test(ctx: &Ctx<'_>, site: &Site<'_>) -> Option<Found> {
    let node = site.node();
    let groups: Vec<String> = ctx
        .groups(node, "_mean")
        .into_iter()
        .filter(|g| node.num(&format!("{g}_sd")).is_some())
        .collect();
    if groups.len() != 2 {
        return None;
    }
    let p = node.num("p")?;
    let lt = node.flag("p_lt");
    let summary = |g: &str| -> Option<Summary<'_>> {
        Some(Summary {
            mean: node.num(&format!("{g}_mean"))?,
            sd: node.num(&format!("{g}_sd"))?,
            n: site
                .inherited(&format!("{g}_n"))
                .or_else(|| node.num(&format!("{g}_n")))?
                .value,
        })
    };
    let (a, b) = (summary(&groups[0])?, summary(&groups[1])?);
    let welch = p_range(&a, &b, false)?;
    let pooled = p_range(&a, &b, true)?;
    let stated = site.inherited_str(&["test"]).unwrap_or("").to_lowercase();
    let is_t = test_names::families(&stated).contains(&Family::TTest);
    let raw = |g: &str, s: &str| node.num(&format!("{g}_{s}")).map_or("", |n| n.raw.as_str());
    let shown = format!(
        "{} ({}) vs {} ({}), n {} vs {}, {}",
        raw(&groups[0], "mean"),
        raw(&groups[0], "sd"),
        raw(&groups[1], "mean"),
        raw(&groups[1], "sd"),
        a.n,
        b.n,
        printed_p(p, lt)
    );
    let recomputed = format!(
        "Welch: {}; pooled t: {}",
        ctx.p_range(welch),
        ctx.p_range(pooled)
    );
    if is_t {
        if range_agrees(welch, p, lt) || range_agrees(pooled, p, lt) {
            return None;
        }
        let why = "Neither t-test reproduces the printed p-value from any means and SDs that \
                   round to the printed ones, with the printed group sizes.";
        return Some(Found::at(
            site,
            Severity::Error,
            "mean-test",
            shown,
            recomputed,
            why.into(),
        ));
    }
    let (severity, why) = other_side(ctx, p, lt, welch, pooled, &stated)?;
    Some(Found::at(
        site,
        severity,
        "mean-test",
        shown,
        recomputed,
        why,
    ))
}

/// One group's printed summary: mean and SD as printed, n a count.
struct Summary<'a> {
    mean: &'a Num,
    sd: &'a Num,
    n: f64,
}

/// The smallest and largest p of a t-test (Welch or pooled) over every
/// mean and SD within their printed rounding; the group sizes are counts.
/// For a given df the p falls as |t| grows, and |t| is largest at the
/// widest difference of means with the smallest SDs and smallest at the
/// narrowest (zero when the intervals overlap) with the largest, so the
/// corners of the rounding box bound it (Welch's df moves with the SDs and
/// is taken at each corner).
fn p_range(a: &Summary<'_>, b: &Summary<'_>, pooled: bool) -> Option<(f64, f64)> {
    let (a0, a1) = a.mean.interval();
    let (b0, b1) = b.mean.interval();
    let mut diffs = vec![a0 - b1, a1 - b0, a.mean.value - b.mean.value];
    if (a0 - b1) * (a1 - b0) < 0.0 {
        diffs.push(0.0);
    }
    // An SD printed as 0.0 may be any small positive value.
    let sds = |s: &Num| {
        let (lo, hi) = s.interval();
        [lo.max(hi * 1e-9).max(f64::MIN_POSITIVE), s.value, hi]
    };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for d in diffs {
        for sa in sds(a.sd) {
            for sb in sds(b.sd) {
                let p = t_test::from_summary([d, sa, a.n], [0.0, sb, b.n], pooled)
                    .ok()?
                    .p;
                (lo, hi) = (lo.min(p), hi.max(p));
            }
        }
    }
    Some((lo, hi))
}

/// A rank test cannot be recomputed from summaries; flag only a printed p
/// on the other side of alpha from both t-tests (whatever the rounding of
/// their inputs), and call it an error when they are three orders of
/// magnitude apart.
fn other_side(
    ctx: &Ctx<'_>,
    p: &Num,
    lt: bool,
    welch: (f64, f64),
    pooled: (f64, f64),
    stated: &str,
) -> Option<(Severity, String)> {
    let (plo, phi) = if lt { (0.0, p.value) } else { p.interval() };
    let (t_lo, t_hi) = (welch.0.min(pooled.0), welch.1.max(pooled.1));
    let t_sig = t_hi < ctx.alpha;
    let t_non = t_lo > ctx.alpha;
    if !((t_sig && plo > ctx.alpha) || (t_non && phi < ctx.alpha)) {
        return None;
    }
    let gap = if t_sig {
        (plo / t_hi).log10()
    } else {
        (t_lo / phi.max(1e-300)).log10()
    };
    let severity = if gap > 3.0 {
        Severity::Error
    } else {
        Severity::Warning
    };
    let why = format!(
        "The stated test ({}) cannot be recomputed from summaries, but both t-tests \
         put the difference on the other side of {} from the printed p-value{}.",
        if stated.is_empty() {
            "not stated"
        } else {
            stated
        },
        ctx.alpha,
        if gap > 3.0 {
            " by more than three orders of magnitude: no test of these data can \
             give the printed value"
        } else {
            ""
        }
    );
    Some((severity, why))
}

/// GRIM and GRIMMER (with the minimum variance of integer data) for the
/// variables listed in `[audit] integer_valued`.
pub(super) fn integer_checks(ctx: &mut Ctx<'_>, settings: Option<&Node>) -> Result<()> {
    let Some(s) = settings else { return Ok(()) };
    let mut found = Vec::new();
    for path in s.strings("integer_valued") {
        let keys = parse_path(&path);
        let node = resolve(
            ctx.m,
            s.get("integer_valued").unwrap_or(s),
            "integer_valued",
            &keys,
        )?;
        let site = ctx.sites.iter().find(|x| x.path == keys);
        for g in groups_with(node, "_mean") {
            let (Some(mean), Some(sd)) =
                (node.num(&format!("{g}_mean")), node.num(&format!("{g}_sd")))
            else {
                continue;
            };
            let Some(n) = site
                .and_then(|s| s.inherited(&format!("{g}_n")))
                .or_else(|| node.num(&format!("{g}_n")))
            else {
                continue;
            };
            let n_int = n.value.round() as i64;
            if n_int < 2 {
                continue;
            }
            let verdict = grimmer(mean, sd, n_int);
            let shown = format!("{g}: {} ({}), n = {n_int}", mean.raw, sd.raw);
            match verdict {
                Grimmer::Possible => {}
                Grimmer::MeanImpossible => found.push((
                    keys.clone(),
                    node.clone(),
                    "grim",
                    shown,
                    format!("no integer total / {n_int} rounds to {}", mean.raw),
                    format!(
                        "GRIM: no sum of {n_int} integers has a mean that rounds to {}.",
                        mean.raw
                    ),
                )),
                Grimmer::SdImpossible { min_sd } => found.push((
                    keys.clone(),
                    node.clone(),
                    "grimmer",
                    shown,
                    format!("smallest possible SD {}", ctx.num(min_sd, sd.decimals + 2)),
                    format!(
                        "GRIMMER: no {n_int} integers with a mean that rounds to {} have an SD \
                         that rounds to {} (integer data with this mean cannot vary less than \
                         SD {}, and the sum of squares must have the parity of the sum).",
                        mean.raw,
                        sd.raw,
                        ctx.num(min_sd, sd.decimals + 2)
                    ),
                )),
            }
        }
    }
    for (path, node, kind, rep, rec, exp) in found {
        ctx.add(4, &path, &node, kind, Severity::Error, rep, rec, exp);
    }
    Ok(())
}

enum Grimmer {
    Possible,
    MeanImpossible,
    SdImpossible { min_sd: f64 },
}

/// For integer data: a sum `S` with `S/n` in the mean's rounding interval
/// (GRIM), and a sum of squares `Q` with `Q = S (mod 2)`, `Q >= Q_min(S)`
/// (all values within one of each other) and the sample SD
/// `sqrt((Q - S^2/n)/(n-1))` in the SD's rounding interval (GRIMMER;
/// Anaya 2016; Brown & Heathers 2017).
fn grimmer(mean: &Num, sd: &Num, n: i64) -> Grimmer {
    let (m0, m1) = mean.interval();
    let (s0, s1) = sd.interval();
    let nf = n as f64;
    let sums: Vec<i64> = ((m0 * nf).ceil() as i64..=(m1 * nf).floor() as i64).collect();
    if sums.is_empty() {
        return Grimmer::MeanImpossible;
    }
    let mut min_sd = f64::INFINITY;
    for &s in &sums {
        let fl = s.div_euclid(n);
        let r = s.rem_euclid(n);
        let q_min = n * fl * fl + r * (2 * fl + 1);
        let sf = s as f64;
        let q_of = |sd: f64| sd * sd * (nf - 1.0) + sf * sf / nf;
        let sd_of_q = |q: i64| ((q as f64 - sf * sf / nf) / (nf - 1.0)).max(0.0).sqrt();
        min_sd = min_sd.min(sd_of_q(q_min));
        let lo = (q_of(s0.max(0.0)).ceil() as i64).max(q_min);
        let hi = q_of(s1).floor() as i64;
        if (lo..=hi).any(|q| (q - s).rem_euclid(2) == 0) {
            return Grimmer::Possible;
        }
    }
    Grimmer::SdImpossible { min_sd }
}
