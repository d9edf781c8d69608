//! Rule 5, hazard ratios: the CI symmetric about log HR, the Wald p it
//! implies, and significance agreeing with the CI.

use super::context::*;

pub(super) fn hazard_ratios(ctx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    let normal = Normal::standard();
    for site in &ctx.sites {
        let node = site.node();
        // Values the manifest corrected from the print.
        for (key, child) in node.entries() {
            if let (Some(base), Value::Num(printed)) = (key.strip_suffix("_printed"), &child.value)
                && let Some(read) = node.num(base)
                && read.value != printed.value
            {
                found.push((
                    site.path.clone(),
                    node.clone(),
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
        let (Some(hr), Some(lo), Some(hi)) = (node.num("hr"), node.num("ci_lo"), node.num("ci_hi"))
        else {
            continue;
        };
        let p = node.num("p");
        let lt = node.flag("p_lt");
        let shown = format!(
            "{} ({}-{}){}",
            hr.raw,
            lo.raw,
            hi.raw,
            p.map(|p| format!(", {}", printed_p(p, lt)))
                .unwrap_or_default()
        );
        let (h0, h1) = hr.interval();
        let (l0, l1) = lo.interval();
        let (u0, u1) = hi.interval();
        if !(l0 <= h1 && h0 <= u1) {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Error,
                "hr-ci",
                shown,
                "lower <= HR <= upper".into(),
                "The hazard ratio lies outside its own confidence interval.".into(),
            ));
            continue;
        }
        if l0 <= 0.0 {
            continue;
        }
        let d = hr.decimals.max(lo.decimals).max(hi.decimals);
        // Symmetry on the log scale: some (h, l, u) in the rounding boxes
        // with ln h = (ln l + ln u) / 2.
        let mid0 = (l0.ln() + u0.ln()) / 2.0;
        let mid1 = (l1.ln() + u1.ln()) / 2.0;
        let symmetric = mid0 <= h1.ln() && h0.ln() <= mid1;
        if !symmetric {
            let gm = (lo.value * hi.value).sqrt();
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Error,
                "hr-ci",
                shown.clone(),
                format!("centre of the CI on the log scale: {}", ctx.num(gm, d)),
                format!(
                    "A Wald interval is symmetric about log HR, so the HR should be the \
                     geometric mean of its limits, sqrt({} x {}) = {}; no rounding of the \
                     printed numbers makes it {}.",
                    lo.raw,
                    hi.raw,
                    ctx.num(gm, d + 1),
                    hr.raw
                ),
            ));
        }
        let Some(p) = p else { continue };
        // Significance must agree with the CI.
        let excludes = l0 > 1.0 || u1 < 1.0;
        let includes = l1 < 1.0 && 1.0 < u0;
        let (p0, p1) = if lt { (0.0, p.value) } else { p.interval() };
        let sig = p1 < ctx.alpha || (lt && p.value <= ctx.alpha);
        let non = p0 > ctx.alpha;
        if (excludes && non) || (includes && sig) {
            found.push((
                site.path.clone(),
                node.clone(),
                Severity::Error,
                "hr-significance",
                shown,
                if excludes {
                    "CI excludes 1".into()
                } else {
                    "CI includes 1".into()
                },
                format!(
                    "A 95% CI that {} 1 implies p {} {}, but the printed p-value says otherwise.",
                    if excludes { "excludes" } else { "includes" },
                    if excludes { "<" } else { ">" },
                    ctx.alpha
                ),
            ));
            continue;
        }
        if !symmetric {
            continue;
        }
        // The Wald p implied by the CI, over the rounding box.
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
        if pmax < p0 || pmin > p1 {
            let centre = wald(hr.value.ln(), hi.value.ln() - lo.value.ln());
            // Likelihood-ratio and score p-values differ from the Wald one,
            // but not by a factor of two at the sizes of a published model.
            let far = pmax * 2.0 < p0 || pmin > p1 * 2.0;
            found.push((
                site.path.clone(),
                node.clone(),
                if far {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                "hr-p",
                shown,
                format!(
                    "Wald p {} (rounding allows {}-{})",
                    ctx.p(centre),
                    ctx.p(pmin),
                    ctx.p(pmax)
                ),
                if far {
                    "The p-value implied by the HR and its CI (Wald test, SE from the CI width) \
                     differs from the printed p by more than a factor of two beyond rounding; \
                     no other test of the same model differs that much."
                        .into()
                } else {
                    "The p-value implied by the HR and its CI (Wald test, SE from the CI width) \
                     disagrees with the printed p beyond rounding; a likelihood-ratio or score \
                     p-value would explain a difference this small."
                        .into()
                },
            ));
        }
    }
    for (path, node, sev, kind, rep, rec, exp) in found {
        ctx.add(5, &path, &node, kind, sev, rep, rec, exp);
    }
}
