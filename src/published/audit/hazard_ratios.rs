//! Rule 5, hazard ratios: the CI symmetric about log HR, the Wald p it
//! implies, and significance agreeing with the CI.

use super::context::*;

pub(super) fn hazard_ratios(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    for site in &ctx.sites {
        found.extend(corrected_prints(site));
        found.extend(hr_checks(ctx, site));
    }
    ctx.add_all(5, found);
}

/// Values the manifest corrected from the print (`x_printed` beside `x`).
fn corrected_prints(site: &Site<'_>) -> Vec<Found> {
    let node = site.node();
    let mut found = Vec::new();
    for (key, child) in node.entries() {
        if let (Some(base), Value::Num(printed)) = (key.strip_suffix("_printed"), &child.value)
            && let Some(read) = node.num(base)
            && read.value != printed.value
        {
            found.push(Found::at(
                site,
                Severity::Warning,
                "typesetting",
                format!("{base} printed as {}", printed.raw),
                format!("{} (read)", read.raw),
                node.str("parse_note")
                    .map(|s| format!("The printed value is not possible here: {s}."))
                    .unwrap_or_else(|| "The printed value is not possible here.".into()),
            ));
        }
    }
    found
}

/// A printed hazard ratio, its CI and p, with their rounding boxes.
struct Hr<'a> {
    hr: &'a Num,
    lo: &'a Num,
    hi: &'a Num,
    p: Option<&'a Num>,
    lt: bool,
    /// "HR (lo-hi), p" as printed.
    shown: String,
}

/// The HR inside its CI, the CI symmetric on the log scale, and the p
/// agreeing with the CI: significance first, then the Wald p itself.
fn hr_checks(ctx: &Ctx<'_>, site: &Site<'_>) -> Vec<Found> {
    let node = site.node();
    let (Some(hr), Some(lo), Some(hi)) = (node.num("hr"), node.num("ci_lo"), node.num("ci_hi"))
    else {
        return Vec::new();
    };
    let (p, lt) = (node.num("p"), node.flag("p_lt"));
    let shown = format!(
        "{} ({}-{}){}",
        hr.raw,
        lo.raw,
        hi.raw,
        p.map(|p| format!(", {}", printed_p(p, lt)))
            .unwrap_or_default()
    );
    let x = Hr {
        hr,
        lo,
        hi,
        p,
        lt,
        shown,
    };
    let (h0, h1) = hr.interval();
    if !(lo.interval().0 <= h1 && h0 <= hi.interval().1) {
        let why = "The hazard ratio lies outside its own confidence interval.";
        let f = Found::at(
            site,
            Severity::Error,
            "hr-ci",
            x.shown,
            "lower <= HR <= upper".into(),
            why.into(),
        );
        return vec![f];
    }
    if lo.interval().0 <= 0.0 {
        return Vec::new();
    }
    let mut found: Vec<Found> = asymmetry(ctx, site, &x).into_iter().collect();
    let symmetric = found.is_empty();
    if let Some(f) = significance(ctx, site, &x) {
        found.push(f);
    } else if symmetric {
        found.extend(wald_p(ctx, site, &x));
    }
    found
}

/// Symmetry on the log scale: some (h, l, u) in the rounding boxes with
/// ln h = (ln l + ln u) / 2.
fn asymmetry(ctx: &Ctx<'_>, site: &Site<'_>, x: &Hr<'_>) -> Option<Found> {
    let (h0, h1) = x.hr.interval();
    let (l0, l1) = x.lo.interval();
    let (u0, u1) = x.hi.interval();
    let mid0 = (l0.ln() + u0.ln()) / 2.0;
    let mid1 = (l1.ln() + u1.ln()) / 2.0;
    if mid0 <= h1.ln() && h0.ln() <= mid1 {
        return None;
    }
    let d = x.hr.decimals.max(x.lo.decimals).max(x.hi.decimals);
    let gm = (x.lo.value * x.hi.value).sqrt();
    Some(Found::at(
        site,
        Severity::Error,
        "hr-ci",
        x.shown.clone(),
        format!("centre of the CI on the log scale: {}", ctx.num(gm, d)),
        format!(
            "A Wald interval is symmetric about log HR, so the HR should be the \
             geometric mean of its limits, sqrt({} x {}) = {}; no rounding of the \
             printed numbers makes it {}.",
            x.lo.raw,
            x.hi.raw,
            ctx.num(gm, d + 1),
            x.hr.raw
        ),
    ))
}

/// The p-value's range: `[0, p]` when printed as "< p".
fn p_range(p: &Num, lt: bool) -> (f64, f64) {
    if lt { (0.0, p.value) } else { p.interval() }
}

/// Significance must agree with the CI.
fn significance(ctx: &Ctx<'_>, site: &Site<'_>, x: &Hr<'_>) -> Option<Found> {
    let p = x.p?;
    let (l0, l1) = x.lo.interval();
    let (u0, u1) = x.hi.interval();
    let excludes = l0 > 1.0 || u1 < 1.0;
    let includes = l1 < 1.0 && 1.0 < u0;
    let (p0, p1) = p_range(p, x.lt);
    let sig = p1 < ctx.alpha || (x.lt && p.value <= ctx.alpha);
    let non = p0 > ctx.alpha;
    if !((excludes && non) || (includes && sig)) {
        return None;
    }
    let (verb, op) = if excludes {
        ("excludes", "<")
    } else {
        ("includes", ">")
    };
    Some(Found::at(
        site,
        Severity::Error,
        "hr-significance",
        x.shown.clone(),
        format!("CI {verb} 1"),
        format!(
            "A 95% CI that {verb} 1 implies p {op} {}, but the printed p-value says otherwise.",
            ctx.alpha
        ),
    ))
}

/// The Wald p implied by the CI, over the rounding box, against the
/// printed p.
fn wald_p(ctx: &Ctx<'_>, site: &Site<'_>, x: &Hr<'_>) -> Option<Found> {
    let p = x.p?;
    let normal = Normal::standard();
    let (h0, h1) = x.hr.interval();
    let (l0, l1) = x.lo.interval();
    let (u0, u1) = x.hi.interval();
    let (p0, p1) = p_range(p, x.lt);
    let wald = |ln_hr: f64, width: f64| {
        let se = width / (2.0 * Z975);
        2.0 * normal.sf(ln_hr.abs() / se)
    };
    let abs_max = h0.ln().abs().max(h1.ln().abs());
    let abs_min = if h0 <= 1.0 && 1.0 <= h1 {
        0.0
    } else {
        h0.ln().abs().min(h1.ln().abs())
    };
    let pmin = wald(abs_max, u0.ln() - l1.ln());
    let pmax = wald(abs_min, u1.ln() - l0.ln());
    if !(pmax < p0 || pmin > p1) {
        return None;
    }
    let centre = wald(x.hr.value.ln(), x.hi.value.ln() - x.lo.value.ln());
    // Likelihood-ratio and score p-values differ from the Wald one, but not
    // by a factor of two at the sizes of a published model.
    let far = pmax * 2.0 < p0 || pmin > p1 * 2.0;
    let (severity, why) = if far {
        (
            Severity::Error,
            "The p-value implied by the HR and its CI (Wald test, SE from the CI width) \
             differs from the printed p by more than a factor of two beyond rounding; \
             no other test of the same model differs that much.",
        )
    } else {
        (
            Severity::Warning,
            "The p-value implied by the HR and its CI (Wald test, SE from the CI width) \
             disagrees with the printed p beyond rounding; a likelihood-ratio or score \
             p-value would explain a difference this small.",
        )
    };
    let recomputed = format!(
        "Wald p {} (rounding allows {}-{})",
        ctx.p(centre),
        ctx.p(pmin),
        ctx.p(pmax)
    );
    Some(Found::at(
        site,
        severity,
        "hr-p",
        x.shown.clone(),
        recomputed,
        why.into(),
    ))
}
