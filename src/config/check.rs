//! Checks of a parsed config that need no data: references between
//! sections, cut points, sizes. Each failure is one sentence naming the
//! section and the fix.

use super::*;

/// Checks that need no data: references between sections, cut points,
/// sizes. The sections are checked in file order; the first failure is
/// returned.
pub(super) fn check(c: &StudyConfig) -> std::result::Result<(), String> {
    treatment(c)?;
    variables(c)?;
    table1_variables(c)?;
    endpoints(c)?;
    matching(c)?;
    weighting(c)?;
    robustness(c)?;
    subgroups(c)?;
    cox(c)?;
    survival(c)?;
    table1_tests(c)?;
    output(c)?;
    Ok(())
}

/// [output]: a manuscript format, a print resolution journals take, a
/// printable width, nothing listed twice.
fn output(c: &StudyConfig) -> std::result::Result<(), String> {
    let o = &c.output;
    if o.formats.is_empty() {
        return Err(
            "[output] formats is empty; list at least one of \"html\", \"md\", \"docx\"".into(),
        );
    }
    let twice = |names: Vec<String>| {
        names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
            .map(|(_, n)| n.clone())
    };
    let formats = o
        .formats
        .iter()
        .map(|f| format!("{f:?}").to_lowercase())
        .collect();
    let figures = o
        .figure_formats
        .iter()
        .map(|f| format!("{f:?}").to_lowercase())
        .collect();
    for (key, names) in [("formats", formats), ("figure-formats", figures)] {
        if let Some(n) = twice(names) {
            return Err(format!(
                "[output] {key} lists \"{n}\" twice; list each once"
            ));
        }
    }
    if !DPI_CHOICES.contains(&o.dpi) {
        return Err(format!(
            "[output] dpi = {} is not a print resolution; use 300, 600 or 1200",
            o.dpi
        ));
    }
    if !(o.figure_width >= 20.0 && o.figure_width <= 260.0) {
        return Err(format!(
            "[output] figure-width = {} mm is not a printable width; give millimetres between 20 and 260 (84 is one journal column, 174 two)",
            o.figure_width
        ));
    }
    Ok(())
}

/// [weighting]: with [matching] (its model), distinct estimands, bounds
/// inside (0, 1).
fn weighting(c: &StudyConfig) -> std::result::Result<(), String> {
    let Some(w) = &c.weighting else {
        return Ok(());
    };
    if c.matching.is_none() {
        return Err("[weighting] uses the propensity model of [matching] (its covariates and focal group); add a [matching] section".into());
    }
    if w.estimands.is_empty() {
        return Err(
            "[weighting] estimands is empty; list at least one of \"ate\", \"att\", \"ato\"".into(),
        );
    }
    if let Some(dup) = w
        .estimands
        .iter()
        .enumerate()
        .find(|(i, e)| w.estimands[..*i].contains(e))
    {
        return Err(format!(
            "[weighting] estimands lists \"{}\" twice; list each once",
            dup.1.id()
        ));
    }
    match w.trim.as_slice() {
        [] => {}
        [lo, hi] if 0.0 <= *lo && lo < hi && *hi <= 1.0 => {}
        _ => {
            return Err(format!(
                "[weighting] trim = {:?} is not [lower, upper] with 0 <= lower < upper <= 1; give two propensity bounds, e.g. [0.1, 0.9], or leave it empty",
                w.trim
            ));
        }
    }
    if w.extreme_weight.is_nan() || w.extreme_weight <= 0.0 {
        return Err(format!(
            "[weighting] extreme-weight = {} must be above 0",
            w.extreme_weight
        ));
    }
    Ok(())
}

/// An endpoint's event, censoring and competing codes: none empty (but the
/// competing ones), no value in two of them.
fn endpoint_codes(e: &Endpoint) -> std::result::Result<(), String> {
    let lists = [
        ("event-values", e.event_codes()),
        ("censor-values", e.censor_codes()),
        ("competing-values", e.competing_values.clone()),
    ];
    for (name, codes) in &lists[..2] {
        if codes.is_empty() {
            return Err(format!(
                "[[endpoints]] `{}` {name} is empty; list at least one value",
                e.id
            ));
        }
    }
    for (i, (a, ca)) in lists.iter().enumerate() {
        for (b, cb) in &lists[i + 1..] {
            if let Some(v) = ca.iter().find(|v| cb.contains(v)) {
                return Err(format!(
                    "[[endpoints]] `{}`: `{v}` is in both {a} and {b}; a value means one thing",
                    e.id
                ));
            }
        }
    }
    Ok(())
}

/// [robustness]: a rare-outcome share in (0, 1); a bootstrap after a match.
fn robustness(c: &StudyConfig) -> std::result::Result<(), String> {
    let r = &c.robustness;
    if r.rare_threshold.is_nan() || r.rare_threshold <= 0.0 || r.rare_threshold >= 1.0 {
        return Err(format!(
            "[robustness] rare-threshold = {} must lie between 0 and 1 (a share of patients, e.g. 0.15)",
            r.rare_threshold
        ));
    }
    if let Some(b) = &r.bootstrap {
        if c.matching.is_none() {
            return Err("[robustness] bootstrap resamples the matched cohort; add a [matching] section or remove bootstrap".into());
        }
        if b.replicates < 2 {
            return Err(format!(
                "[robustness] bootstrap replicates = {} is too few; use at least 2 (999 is usual)",
                b.replicates
            ));
        }
    }
    Ok(())
}

/// The names of the defined variables (for suggestions).
fn variable_names(c: &StudyConfig) -> Vec<&str> {
    c.variables.keys().map(String::as_str).collect()
}

/// [treatment]: at least two distinct groups, one label per group.
fn treatment(c: &StudyConfig) -> std::result::Result<(), String> {
    let t = &c.treatment;
    if t.groups.len() < 2 {
        return Err(format!(
            "[treatment] groups has {} value(s); list at least two group values as written in the data, reference first",
            t.groups.len()
        ));
    }
    if !t.labels.is_empty() && t.labels.len() != t.groups.len() {
        return Err(format!(
            "[treatment] labels has {} entries but groups has {}; give one label per group or leave labels out",
            t.labels.len(),
            t.groups.len()
        ));
    }
    if let Some(dup) = first_duplicate(&t.groups) {
        return Err(format!(
            "[treatment] groups lists `{dup}` twice; list each group once"
        ));
    }
    Ok(())
}

/// Each [variables] entry: a column or an expression, levels and cuts that fit.
fn variables(c: &StudyConfig) -> std::result::Result<(), String> {
    for (name, v) in &c.variables {
        let at = format!("[variables.{name}]");
        if v.column.is_some() && v.expr.is_some() {
            return Err(format!(
                "{at} has both column and expr; keep one (expr derives the variable, column reads it)"
            ));
        }
        if v.kind == Some(Kind::Categorical) && v.levels.is_none() && v.cut.is_none() {
            return Err(format!(
                "{at} kind = \"categorical\" needs its levels: add levels = [...] with the values as written in the data, in table order (the first is the reference)"
            ));
        }
        if let Some(cut) = &v.cut {
            if cut.is_empty() {
                return Err(format!(
                    "{at} cut is empty; give at least one cut point or remove cut"
                ));
            }
            if cut.windows(2).any(|w| w[0] >= w[1]) || cut.iter().any(|x| !x.is_finite()) {
                return Err(format!(
                    "{at} cut points {cut:?} are not strictly increasing; sort them and remove duplicates"
                ));
            }
            if v.kind == Some(Kind::Continuous) {
                return Err(format!(
                    "{at} has cut but kind = \"continuous\"; a cut variable is categorical, so drop kind"
                ));
            }
            if let Some(levels) = &v.levels
                && levels.len() != cut.len() + 1
            {
                return Err(format!(
                    "{at} has {} cut point(s), which make {} levels, but levels lists {}; give one level name per interval",
                    cut.len(),
                    cut.len() + 1,
                    levels.len()
                ));
            }
        }
        if let Some(levels) = &v.levels {
            if v.kind == Some(Kind::Continuous) {
                return Err(format!(
                    "{at} has levels but kind = \"continuous\"; remove levels or make it categorical"
                ));
            }
            if levels.is_empty() {
                return Err(format!(
                    "{at} levels is empty; list the level values as written in the data"
                ));
            }
            if let Some(dup) = first_duplicate(levels) {
                return Err(format!(
                    "{at} levels lists `{dup}` twice; list each level once"
                ));
            }
            if let Some(labels) = &v.level_labels
                && labels.len() != levels.len()
            {
                return Err(format!(
                    "{at} level-labels has {} entries but levels has {}; give one label per level",
                    labels.len(),
                    levels.len()
                ));
            }
        }
        if v.summary.is_some()
            && (v.levels.is_some() || v.cut.is_some() || v.kind == Some(Kind::Categorical))
        {
            return Err(format!(
                "{at} has summary, which is for continuous variables only; remove it"
            ));
        }
        if v.kind == Some(Kind::Categorical) && v.levels.is_none() && v.cut.is_none() {
            return Err(format!(
                "{at} is categorical but lists no levels; add levels = [...] with the values as written in the data"
            ));
        }
    }
    Ok(())
}

/// [table1] variables: defined, each once.
fn table1_variables(c: &StudyConfig) -> std::result::Result<(), String> {
    let names = variable_names(c);
    for v in &c.table1.variables {
        if !c.variables.contains_key(v) {
            return Err(format!(
                "[table1] variables names `{v}`, which is not defined under [variables].{}",
                did_you_mean(v, names.iter().copied())
            ));
        }
    }
    if let Some(dup) = first_duplicate(&c.table1.variables) {
        return Err(format!(
            "[table1] variables lists `{dup}` twice; list each variable once"
        ));
    }
    Ok(())
}

/// [[endpoints]]: unique ids, landmarks and their labels.
fn endpoints(c: &StudyConfig) -> std::result::Result<(), String> {
    let mut ids = Vec::new();
    for e in &c.endpoints {
        if ids.contains(&&e.id) {
            return Err(format!(
                "[[endpoints]] id `{}` is used twice; give each endpoint its own id",
                e.id
            ));
        }
        ids.push(&e.id);
        // Endpoint ids name figure files: keep them to safe characters so
        // that no id can point outside the output folder.
        if e.id.is_empty()
            || !e
                .id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        {
            return Err(format!(
                "[[endpoints]] id `{}` may contain only letters, digits, `_` and `-` (it names the figure files)",
                e.id
            ));
        }
        endpoint_codes(e)?;
        if let Some(tau) = e.rmst_tau
            && !(tau.is_finite() && tau > 0.0)
        {
            return Err(format!(
                "[[endpoints]] `{}` rmst-tau = {tau} must be a positive time (in the endpoint's time unit)",
                e.id
            ));
        }
        if let Some(labels) = &e.landmark_labels
            && labels.len() != e.landmarks.len()
        {
            return Err(format!(
                "[[endpoints]] `{}` has {} landmark-labels for {} landmarks; give one label per landmark",
                e.id,
                labels.len(),
                e.landmarks.len()
            ));
        }
        if let Some(bad) = e.landmarks.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
            return Err(format!(
                "[[endpoints]] `{}` landmark {bad} is not a positive time; landmarks must be > 0",
                e.id
            ));
        }
    }
    Ok(())
}

/// [matching]: covariates and exact variables defined, sizes in range.
fn matching(c: &StudyConfig) -> std::result::Result<(), String> {
    let t = &c.treatment;
    let names = variable_names(c);
    if let Some(m) = &c.matching {
        for v in m.covariates.iter().chain(&m.exact) {
            if !c.variables.contains_key(v) {
                return Err(format!(
                    "[matching] names `{v}`, which is not defined under [variables].{}",
                    did_you_mean(v, names.iter().copied())
                ));
            }
        }
        if m.covariates.is_empty() {
            return Err(
                "[matching] covariates is empty; list the variables of the propensity model".into(),
            );
        }
        if m.ratio == 0 {
            return Err("[matching] ratio must be at least 1 (1 for 1:1 matching)".into());
        }
        if let Some(cal) = m.caliper
            && !(cal.is_finite() && cal > 0.0)
        {
            return Err(format!(
                "[matching] caliper = {cal} must be a positive number of SDs (e.g. 0.1), or left out for no caliper"
            ));
        }
        if let Some(f) = &m.focal
            && !t.groups.contains(f)
        {
            return Err(format!(
                "[matching] focal = `{f}` is not one of the groups [{}]",
                t.groups.join(", ")
            ));
        }
        if t.groups.len() != 2 {
            let others: Vec<String> = t.groups[2..].iter().map(|g| format!("'{g}'")).collect();
            return Err(format!(
                "[matching] pairs two groups, and [treatment] lists {} ({}); to match two of them, list those two in [treatment] groups and leave the others out of the cohort with [[cohort.exclude]] (where = \"{} IN ({})\"), or remove [matching] ([weighting] needs two groups too)",
                t.groups.len(),
                t.groups.join(", "),
                t.column,
                others.join(", ")
            ));
        }
        if !(m.smd_threshold.is_finite() && m.smd_threshold > 0.0) {
            return Err("[matching] smd-threshold must be a positive number (default 0.1)".into());
        }
    }
    Ok(())
}

/// [subgroups]: defined variables and endpoints.
fn subgroups(c: &StudyConfig) -> std::result::Result<(), String> {
    let names = variable_names(c);
    if let Some(sg) = &c.subgroups {
        for v in &sg.variables {
            match c.variables.get(v) {
                None => {
                    return Err(format!(
                        "[subgroups] variables names `{v}`, which is not defined under [variables].{}",
                        did_you_mean(v, names.iter().copied())
                    ));
                }
                Some(var) if var.levels.is_none() && var.cut.is_none() => {
                    return Err(format!(
                        "[subgroups] variable `{v}` is continuous; subgroups need a categorical variable (add cut or levels)"
                    ));
                }
                Some(_) => {}
            }
        }
        for e in &sg.endpoints {
            if !c.endpoints.iter().any(|x| &x.id == e) {
                return Err(format!(
                    "[subgroups] endpoints names `{e}`, which is not an [[endpoints]] id"
                ));
            }
        }
    }
    Ok(())
}

/// [cox]: defined factors and endpoints, p thresholds in range.
fn cox(c: &StudyConfig) -> std::result::Result<(), String> {
    let names = variable_names(c);
    if let Some(cx) = &c.cox {
        for v in &cx.factors {
            if !c.variables.contains_key(v) {
                return Err(format!(
                    "[cox] factors names `{v}`, which is not defined under [variables].{}",
                    did_you_mean(v, names.iter().copied())
                ));
            }
        }
        for e in &cx.endpoints {
            if !c.endpoints.iter().any(|x| &x.id == e) {
                let ids: Vec<&str> = c.endpoints.iter().map(|x| x.id.as_str()).collect();
                return Err(format!(
                    "[cox] endpoints names `{e}`, which is not an [[endpoints]] id.{}",
                    did_you_mean(e, ids.iter().copied())
                ));
            }
        }
        if cx.selection == Selection::ForwardStepwise && cx.p_remove < cx.p_enter {
            return Err(format!(
                "[cox] p-remove = {} is below p-enter = {}; a factor could enter and leave forever. Use p-remove >= p-enter",
                cx.p_remove, cx.p_enter
            ));
        }
        if !(cx.p_enter > 0.0 && cx.p_enter <= 1.0) {
            return Err(format!("[cox] p-enter = {} must be in (0, 1]", cx.p_enter));
        }
    }
    Ok(())
}

/// [survival]: a confidence level between 0 and 1.
fn survival(c: &StudyConfig) -> std::result::Result<(), String> {
    if !(c.survival.conf_level > 0.0 && c.survival.conf_level < 1.0) {
        return Err(format!(
            "[survival] conf-level = {} must be between 0 and 1 (e.g. 0.95)",
            c.survival.conf_level
        ));
    }
    Ok(())
}

/// [table1]: the Fisher threshold is a count.
fn table1_tests(c: &StudyConfig) -> std::result::Result<(), String> {
    if c.table1.fisher_below.is_nan() || c.table1.fisher_below < 0.0 {
        return Err(
            "[table1] fisher-below must be a non-negative expected count (default 5)".into(),
        );
    }
    Ok(())
}

fn first_duplicate(items: &[String]) -> Option<&str> {
    items
        .iter()
        .enumerate()
        .find(|(i, x)| items[..*i].contains(x))
        .map(|(_, x)| x.as_str())
}
