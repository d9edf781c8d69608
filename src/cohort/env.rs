//! The SQL expression environment: derived variables and exclusion
//! conditions evaluated by polars over the data and the variables derived
//! so far, and the cut helpers of derived categorical variables.

use super::*;

/// Index of `value` in `levels`: equal text, or equal numbers ("2" = "2.0").
pub(super) fn position_of(levels: &[String], value: &str) -> Option<usize> {
    levels.iter().position(|l| l == value).or_else(|| {
        let x = parse_number(value)?;
        levels.iter().position(|l| parse_number(l) == Some(x))
    })
}

/// A variable's raw cells: a data column, derived text, or derived numbers
/// (formatted only if levels must be matched by name).
pub(super) enum Raw<'d> {
    Data(&'d crate::data::TextColumn),
    Text(Vec<Option<String>>),
    Numbers,
}

/// Evaluates SQL expressions over the data and derived variables.
pub(super) struct Env<'a> {
    pub(super) cfg: &'a LoadedConfig,
    pub(super) data: &'a Dataset,
    /// Derived variables evaluated so far (shared by the threads that
    /// build the variables).
    pub(super) derived: std::sync::Mutex<BTreeMap<String, Series>>,
}

impl Env<'_> {
    pub(super) fn derived(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Series>> {
        // A panic elsewhere cannot leave the cache half-written: inserts
        // are whole values.
        self.derived
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The values of several SQL expressions (`(sql, where it is written)`)
    /// for every data row, in one query: each column they name is read
    /// once and polars evaluates them side by side. Should the query fail,
    /// each expression is evaluated alone so the error names the one at
    /// fault.
    pub(super) fn eval_all(&self, exprs: &[(&str, &str)]) -> Result<Vec<Series>> {
        let one_by_one = || -> Result<Vec<Series>> {
            exprs
                .iter()
                .map(|(sql, at)| self.eval_guarded(sql, at, &mut Vec::new()))
                .collect()
        };
        let mut parsed = Vec::with_capacity(exprs.len());
        for (k, (sql, _)) in exprs.iter().enumerate() {
            match polars::sql::sql_expr(sql) {
                Ok(e) => parsed.push(e.alias(format!("__value{k}"))),
                Err(_) => return one_by_one(),
            }
        }
        let mut roots = Vec::new();
        for expr in &parsed {
            for root in expr.clone().meta().root_names() {
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
        // Each named column parsed on its own core, kept in order.
        let series: Vec<Result<Series>> = roots
            .par_iter()
            .map(|root| self.named_series(root.as_str(), "", &mut Vec::new()))
            .collect();
        let mut cols: Vec<Column> = Vec::with_capacity(roots.len());
        for (root, series) in roots.iter().zip(series) {
            match series {
                Ok(series) => cols.push(series.with_name(root.clone()).into_column()),
                Err(_) => return one_by_one(),
            }
        }
        if cols.is_empty() || parsed.is_empty() {
            return one_by_one();
        }
        let Ok(df) = DataFrame::new_infer_height(cols) else {
            return one_by_one();
        };
        match df.lazy().select(parsed).collect() {
            Ok(out) => {
                let values: Vec<Series> = out
                    .columns()
                    .iter()
                    .map(|c| c.as_materialized_series().clone())
                    .collect();
                if values.len() == exprs.len() && values.iter().all(|v| v.len() == self.data.rows())
                {
                    Ok(values)
                } else {
                    one_by_one()
                }
            }
            Err(_) => one_by_one(),
        }
    }

    pub(super) fn eval_guarded(
        &self,
        sql: &str,
        at: &str,
        stack: &mut Vec<String>,
    ) -> Result<Series> {
        let path = self.cfg.path.clone();
        let expr = polars::sql::sql_expr(sql).map_err(|e| {
            Error::config(
                &path,
                format!(
                    "{at}: `{sql}` is not a valid SQL expression: {}",
                    first_line(&e.to_string())
                ),
            )
        })?;
        let roots = expr.clone().meta().root_names();
        let mut cols: Vec<Column> = Vec::new();
        for root in roots {
            let name = root.to_string();
            if cols.iter().any(|c| c.name().as_str() == name) {
                continue;
            }
            let series = self.named_series(&name, at, stack)?;
            cols.push(series.with_name(root.clone()).into_column());
        }
        let df = if cols.is_empty() {
            DataFrame::new_infer_height(vec![Column::new(
                "__row".into(),
                vec![0u32; self.data.rows()],
            )])
        } else {
            DataFrame::new_infer_height(cols)
        }
        .map_err(|e| Error::config(&path, format!("{at}: {e}")))?;
        let out = df
            .lazy()
            .select([expr.alias("__value")])
            .collect()
            .map_err(|e| {
                Error::config(
                    &path,
                    format!(
                        "{at}: `{sql}` could not be evaluated: {}",
                        first_line(&e.to_string())
                    ),
                )
            })?;
        let col = out
            .column("__value")
            .map_err(|e| Error::config(&path, format!("{at}: {e}")))?
            .as_materialized_series()
            .clone();
        if col.len() != self.data.rows() {
            return Err(Error::config(
                &path,
                format!(
                    "{at}: `{sql}` gives one value, not one per row; do not use aggregate functions here"
                ),
            ));
        }
        Ok(col)
    }

    /// A data column (as numbers when every cell is one, else text) or a
    /// derived variable's raw value.
    pub(super) fn named_series(
        &self,
        name: &str,
        at: &str,
        stack: &mut Vec<String>,
    ) -> Result<Series> {
        if let Some(s) = self.derived().get(name) {
            return Ok(s.clone());
        }
        // Inside a variable's own expression its name means the data column.
        let own = stack.last().is_some_and(|s| s == name) && self.data.has(name);
        if let Some(v) = self.cfg.config.variables.get(name).filter(|_| !own) {
            if let Some(expr) = &v.expr {
                if stack.iter().any(|s| s == name) {
                    return Err(Error::config(
                        &self.cfg.path,
                        format!(
                            "[variables.{name}] refers to itself through {}; break the cycle",
                            stack.join(" -> ")
                        ),
                    ));
                }
                stack.push(name.to_string());
                let s =
                    self.eval_guarded(&expr.clone(), &format!("[variables.{name}] expr"), stack)?;
                stack.pop();
                self.derived().insert(name.to_string(), s.clone());
                return Ok(s);
            }
            let col = v.column.clone().unwrap_or_else(|| name.to_string());
            if col != name {
                return self.named_series(&col, at, stack);
            }
        }
        if !self.data.has(name) {
            let mut known: Vec<&str> = self.data.names().iter().map(String::as_str).collect();
            known.extend(self.cfg.config.variables.keys().map(String::as_str));
            return Err(Error::config(
                &self.cfg.path,
                format!(
                    "{at}: `{name}` is neither a data column nor a variable.{} (Quote names with dots or spaces: \"ph.ecog\".)",
                    did_you_mean(name, known)
                ),
            ));
        }
        let cells = self.data.column(name, at)?;
        let numbers: Vec<Option<f64>> = cells.iter().map(|c| c.and_then(parse_number)).collect();
        let all_numeric = cells
            .iter()
            .zip(&numbers)
            .all(|(c, n)| c.is_none() || n.is_some());
        Ok(if all_numeric {
            Series::new(name.into(), numbers)
        } else {
            Series::new(name.into(), cells.iter().collect::<Vec<Option<&str>>>())
        })
    }

    /// A variable's values for the included rows, coded by its kind.
    pub(super) fn values(
        &self,
        name: &str,
        v: &Variable,
        rows: &[usize],
        warnings: &mut Vec<String>,
    ) -> Result<Values> {
        let at = format!("[variables.{name}]");
        let categorical =
            v.cut.is_some() || v.levels.is_some() || v.kind == Some(Kind::Categorical);
        // Raw value per data row: number or text (text made only when
        // levels are matched by name).
        let raw: Raw<'_>;
        let nums: Option<Vec<Option<f64>>>;
        if let Some(expr) = &v.expr {
            let s = self.named_series(name, &format!("{at} expr"), &mut Vec::new())?;
            let _ = expr;
            if s.dtype().is_primitive_numeric() || s.dtype() == &DataType::Boolean {
                let f = s
                    .cast(&DataType::Float64)
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                let f = f
                    .f64()
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                let vals: Vec<Option<f64>> =
                    f.iter().map(|x| x.filter(|x| x.is_finite())).collect();
                raw = Raw::Numbers;
                nums = Some(vals);
            } else {
                let t = s
                    .cast(&DataType::String)
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                let t = t
                    .str()
                    .map_err(|e| Error::config(&self.cfg.path, format!("{at}: {e}")))?;
                raw = Raw::Text(t.iter().map(|x| x.map(str::to_string)).collect());
                nums = None;
            }
        } else {
            let col = v.column.clone().unwrap_or_else(|| name.to_string());
            let data = self.data;
            raw = Raw::Data(data.column(&col, &at)?);
            nums = if categorical && v.cut.is_none() {
                None
            } else {
                Some(self.data.numeric(&col, &at)?)
            };
        }
        let label = |i: usize| format!("row {}", rows[i] + 1);
        if !categorical {
            let nums = nums.ok_or_else(|| Error::config(&self.cfg.path, format!("{at}: the expression does not give numbers; add levels to make it categorical")))?;
            let values: Vec<Option<f64>> = rows.iter().map(|&r| nums[r]).collect();
            if values.iter().all(Option::is_none) {
                return Err(Error::data(
                    &self.data.path,
                    format!(
                        "{at}: every value is missing among the {} patients analysed; check the column or drop the variable",
                        rows.len()
                    ),
                ));
            }
            return Ok(Values::Continuous {
                summary: v.summary.unwrap_or_default(),
                values,
            });
        }
        if let Some(cut) = &v.cut {
            let nums = nums.unwrap_or_default();
            let levels = v
                .levels
                .clone()
                .unwrap_or_else(|| cut_labels(cut, v.closed));
            let labels = v.level_labels.clone().unwrap_or_else(|| levels.clone());
            let codes = rows
                .iter()
                .map(|&r| {
                    nums.get(r)
                        .copied()
                        .flatten()
                        .and_then(|x| code(cut_code(x, cut, v.closed)))
                })
                .collect();
            let values = Values::Categorical {
                levels,
                labels,
                codes,
            };
            self.check_levels(name, &values, warnings);
            return Ok(values);
        }
        let levels = v.levels.clone().unwrap_or_default();
        let labels = v.level_labels.clone().unwrap_or_else(|| levels.clone());
        let mut codes = Vec::with_capacity(rows.len());
        for (i, &r) in rows.iter().enumerate() {
            let cell = match &raw {
                Raw::Data(c) => c.get(r).map(std::borrow::Cow::Borrowed),
                Raw::Text(v) => v[r].as_deref().map(std::borrow::Cow::Borrowed),
                Raw::Numbers => nums
                    .as_ref()
                    .and_then(|n| n[r])
                    .map(|x| std::borrow::Cow::Owned(fmt_number(x))),
            };
            match cell.as_deref() {
                None => codes.push(None),
                Some(s) => match position_of(&levels, s) {
                    Some(k) => codes.push(code(k)),
                    None => {
                        return Err(Error::data(
                            &self.data.path,
                            format!(
                                "{}, variable `{name}`: value `{s}` is not one of the listed levels [{}]; add it to {at} levels (or fix the cell)",
                                label(i),
                                levels.join(", ")
                            ),
                        ));
                    }
                },
            }
        }
        let values = Values::Categorical {
            levels,
            labels,
            codes,
        };
        self.check_levels(name, &values, warnings);
        Ok(values)
    }

    /// A column or variable as numbers for every data row: a data column is
    /// parsed directly (a cell that is not a number is an error naming its
    /// row); a derived or renamed variable goes through its expression.
    pub(super) fn numbers(&self, name: &str, at: &str) -> Result<Vec<Option<f64>>> {
        let plain = self
            .cfg
            .config
            .variables
            .get(name)
            .is_none_or(|v| v.expr.is_none() && v.column.as_deref().is_none_or(|c| c == name));
        if plain && self.data.has(name) {
            return self.data.numeric(name, at);
        }
        let series = self.named_series(name, at, &mut Vec::new())?;
        let series = series.cast(&DataType::Float64).map_err(|_| {
            Error::data(
                &self.data.path,
                format!("{at}: `{name}` is not numeric; give follow-up times as numbers"),
            )
        })?;
        let values = series
            .f64()
            .map_err(|err| Error::config(&self.cfg.path, format!("{at}: {err}")))?;
        Ok(values.iter().collect())
    }

    /// Time and event of an endpoint for the included rows. A negative time
    /// or an event value outside the declared coding is an error naming the row.
    pub(super) fn endpoint(
        &self,
        e: &crate::config::Endpoint,
        rows: &[usize],
    ) -> Result<EndpointValues> {
        let at = format!("[[endpoints]] `{}`", e.id);
        let times = self.numbers(&e.time, &format!("{at} time"))?;
        // The event cells as written, so that messages quote them exactly;
        // a derived event variable is read through its expression.
        let derived = self
            .cfg
            .config
            .variables
            .get(&e.event)
            .is_some_and(|v| v.expr.is_some());
        let derived_text: Option<Series> = if self.data.has(&e.event) && !derived {
            None
        } else {
            let series = self.named_series(&e.event, &format!("{at} event"), &mut Vec::new())?;
            Some(
                series
                    .cast(&DataType::String)
                    .map_err(|err| Error::config(&self.cfg.path, format!("{at}: {err}")))?,
            )
        };
        let data_cells = match &derived_text {
            None => Some(self.data.column(&e.event, &format!("{at} event"))?),
            Some(_) => None,
        };
        let derived_cells = match &derived_text {
            Some(s) => Some(
                s.str()
                    .map_err(|err| Error::config(&self.cfg.path, format!("{at}: {err}")))?,
            ),
            None => None,
        };
        let event_cell = |r: usize| -> Option<&str> {
            match (data_cells, derived_cells) {
                (Some(c), _) => c.get(r),
                (None, Some(c)) => c.get(r),
                (None, None) => None,
            }
        };
        let coding = [e.censor_value.clone(), e.event_value.clone()];
        let mut time = Vec::with_capacity(rows.len());
        let mut event = Vec::with_capacity(rows.len());
        for &r in rows {
            let t = times[r].filter(|t| !t.is_nan());
            if let Some(t) = t
                && (t < 0.0 || !t.is_finite())
            {
                return Err(Error::data(
                    &self.data.path,
                    format!(
                        "row {}, {at}: time `{}` is {t}; follow-up times must be zero or positive",
                        r + 1,
                        e.time
                    ),
                ));
            }
            time.push(t);
            let v = event_cell(r).map(str::trim).filter(|v| !v.is_empty());
            event.push(match v {
                None => None,
                Some(v) => match position_of(&coding, v) {
                    Some(k) => Some(k == 1),
                    None => {
                        return Err(Error::data(
                            &self.data.path,
                            format!(
                                "row {}, {at}: event `{}` is `{v}`, which is neither the event value `{}` nor the censoring value `{}`; fix the cell or set event-value / censor-value",
                                r + 1,
                                e.event,
                                e.event_value,
                                e.censor_value
                            ),
                        ));
                    }
                },
            });
        }
        Ok(EndpointValues::new(e.id.clone(), time, event))
    }

    pub(super) fn check_levels(&self, name: &str, values: &Values, warnings: &mut Vec<String>) {
        if let Values::Categorical { levels, codes, .. } = values {
            for (k, l) in levels.iter().enumerate() {
                if !codes.contains(&code(k)) {
                    warnings.push(format!(
                        "variable `{name}`: level `{l}` does not occur among the patients analysed"
                    ));
                }
            }
        }
    }
}

/// Default names of cut intervals: "<=a", "a-b", ">b" (right-closed) or
/// "<a", "a-b", ">=b" (left-closed).
pub(super) fn cut_labels(cut: &[f64], closed: Closed) -> Vec<String> {
    let f = |x: f64| fmt_number(x);
    let mut out = Vec::with_capacity(cut.len() + 1);
    let (lo, hi) = match closed {
        Closed::Right => ("<=", ">"),
        Closed::Left => ("<", ">="),
    };
    out.push(format!("{lo}{}", f(cut[0])));
    for w in cut.windows(2) {
        out.push(format!("{}-{}", f(w[0]), f(w[1])));
    }
    out.push(format!("{hi}{}", f(cut[cut.len() - 1])));
    out
}

/// Interval index of `x`: right-closed `(-inf, c1], (c1, c2], ..., (ck, inf)`
/// as R's `cut(right = TRUE)`, or left-closed `[c_i, c_i+1)`.
pub(super) fn cut_code(x: f64, cut: &[f64], closed: Closed) -> usize {
    match closed {
        Closed::Right => cut.iter().filter(|&&c| x > c).count(),
        Closed::Left => cut.iter().filter(|&&c| x >= c).count(),
    }
}

/// Shortest text of a number ("65", "18.3").
pub(super) fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

pub(super) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
