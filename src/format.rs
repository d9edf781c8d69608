//! The one number formatter: every number in tables, text and figures goes
//! through here, so the same value never prints two ways.
//!
//! A value that is missing or not finite never prints as "NaN" or "inf": it
//! prints as [`NOT_ESTIMABLE`], and the formatter counts it by kind so the
//! manuscript can footnote and count every such mark.

use crate::config::{FormatSection, Style};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The mark of a value the data do not identify (an HR with no events in an
/// arm, a p-value of a test that could not run...). The manuscript's
/// Diagnostics section explains the mark and counts its uses.
pub const NOT_ESTIMABLE: &str = "NE†";

/// Formats numbers by the study's `[format]` settings.
#[derive(Debug, Clone)]
pub struct Formatter {
    conf: FormatSection,
    /// Marks printed, by kind of value; shared by clones so that every
    /// filter of one render counts into the same log.
    not_estimable: Arc<Mutex<BTreeMap<&'static str, usize>>>,
}

impl Formatter {
    /// A formatter with the given settings.
    pub fn new(conf: FormatSection) -> Self {
        Formatter {
            conf,
            not_estimable: Arc::default(),
        }
    }

    /// How many values printed as [`NOT_ESTIMABLE`], by kind ("hazard
    /// ratio", "p-value"...), since this formatter was made.
    pub fn not_estimable(&self) -> BTreeMap<&'static str, usize> {
        self.not_estimable
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Starts the count of [`NOT_ESTIMABLE`] marks again (for a second
    /// render pass over the same text).
    pub fn clear_not_estimable(&self) {
        if let Ok(mut m) = self.not_estimable.lock() {
            m.clear();
        }
    }

    /// `x` with `digits` decimals, or the not-estimable mark (counted as
    /// `kind`) when `x` is missing or not finite.
    fn value(&self, x: Option<f64>, digits: usize, kind: &'static str) -> String {
        match x {
            Some(v) if v.is_finite() => self.fixed(Some(v), digits),
            _ => {
                if let Ok(mut m) = self.not_estimable.lock() {
                    *m.entry(kind).or_insert(0) += 1;
                }
                NOT_ESTIMABLE.to_string()
            }
        }
    }

    /// `x` with `digits` decimals (round half away from zero on the decimal
    /// value, as printed tables expect; "-0.0" prints as "0.0"). Missing or
    /// not finite: the not-estimable mark (counted as "value").
    pub fn fixed(&self, x: Option<f64>, digits: usize) -> String {
        match x {
            Some(x) if x.is_finite() => {
                let s = format!("{:.*}", digits, round_half_away(x, digits));
                let s = if s
                    .trim_start_matches('-')
                    .chars()
                    .all(|c| c == '0' || c == '.')
                {
                    s.trim_start_matches('-').to_string()
                } else {
                    s
                };
                match self.decimal_mark() {
                    "." => s,
                    mark => s.replace('.', mark),
                }
            }
            _ => self.value(None, digits, "value"),
        }
    }

    /// A mean, SD, median or quartile.
    pub fn num(&self, x: Option<f64>) -> String {
        self.value(x, self.conf.digits, "summary statistic")
    }

    /// A percentage (0-100), without the % sign.
    pub fn pct(&self, x: Option<f64>) -> String {
        self.value(x, self.conf.pct_digits, "percentage")
    }

    /// A p-value as the style prints it in a table: "0.543" and "< 0.001"
    /// by default; see [`Style`] for the others. Missing or not finite: the
    /// not-estimable mark.
    pub fn p(&self, p: Option<f64>) -> String {
        let Some(p) = p.filter(|p| p.is_finite()) else {
            return self.value(None, self.conf.p_digits, "p-value");
        };
        let (below, tight) = match self.conf.style {
            Style::Default => (self.conf.p_below, " "),
            Style::Lancet => (0.0001, ""),
            Style::Ama | Style::Nejm => (self.conf.p_below, ""),
        };
        if p < below {
            return format!("<{tight}{}", self.p_number(below, true));
        }
        if self.conf.style == Style::Ama && p > 0.99 {
            return format!(">{}", self.p_number(0.99, true));
        }
        self.p_number(p, false)
    }

    /// The digits of a p-value (or of its threshold) in the style.
    fn p_number(&self, p: f64, threshold: bool) -> String {
        let decimals = match self.conf.style {
            Style::Default => self.conf.p_digits,
            // Thresholds print as given (".001", "0·0001").
            _ if threshold => significant_decimals(p, 1).max(2),
            Style::Ama | Style::Nejm => {
                if p < 0.01 {
                    3
                } else {
                    2
                }
            }
            Style::Lancet => significant_decimals(p, 2),
        };
        let s = self.fixed(Some(p), decimals);
        if self.conf.style == Style::Ama {
            s.strip_prefix('0').map(str::to_string).unwrap_or(s)
        } else {
            s
        }
    }

    /// An SMD.
    pub fn smd(&self, x: Option<f64>) -> String {
        self.value(x, self.conf.smd_digits, "SMD")
    }

    /// A survival rate in percent (0-100), without the % sign.
    pub fn rate(&self, x: Option<f64>) -> String {
        self.value(x, self.conf.rate_digits, "survival rate")
    }

    /// A survival time (a median and its limits).
    pub fn time(&self, x: Option<f64>) -> String {
        self.value(x, self.conf.time_digits, "survival time")
    }

    /// A hazard ratio (or a limit).
    pub fn hr(&self, x: Option<f64>) -> String {
        self.value(x, self.conf.hr_digits, "hazard ratio")
    }

    /// "HR (lower-upper)", e.g. "1.13 (0.77-1.66)"; the not-estimable mark
    /// when the HR is not estimable (a missing limit alone is marked in place).
    pub fn hr_ci(&self, hr: Option<f64>, lower: Option<f64>, upper: Option<f64>) -> String {
        match hr {
            Some(h) if h.is_finite() => format!(
                "{} ({})",
                self.hr(hr),
                self.interval(self.hr(lower), self.hr(upper))
            ),
            _ => self.hr(None),
        }
    }

    /// A p-value in running text: "p = 0.543" and "p < 0.001" by default,
    /// "P = .54" (AMA), "P=0.54" (NEJM), "p=0·54" (Lancet).
    pub fn p_text(&self, p: Option<f64>) -> String {
        let s = self.p(p);
        let (label, space) = match self.conf.style {
            Style::Default => ("p", " "),
            Style::Ama => ("P", " "),
            Style::Nejm => ("P", ""),
            Style::Lancet => ("p", ""),
        };
        if s.starts_with(['<', '>']) || s == NOT_ESTIMABLE {
            format!(
                "{label}{space}{}",
                s.replace("< ", "<").replace('<', &format!("<{space}"))
            )
            .replace(
                &format!("{label}{space}{NOT_ESTIMABLE}"),
                &format!("{label} {NOT_ESTIMABLE}"),
            )
        } else {
            format!("{label}{space}={space}{s}")
        }
    }

    /// The separator of interval limits ("-", " to ", "–").
    pub fn ci_separator(&self) -> &str {
        if let Some(s) = &self.conf.ci_separator {
            return s;
        }
        match self.conf.style {
            Style::Default | Style::Ama => "-",
            Style::Nejm => " to ",
            Style::Lancet => "\u{2013}",
        }
    }

    /// The decimal mark ("." or the Lancet's mid dot).
    pub fn decimal_mark(&self) -> &str {
        if let Some(s) = &self.conf.decimal_mark {
            return s;
        }
        match self.conf.style {
            Style::Lancet => "\u{00B7}",
            _ => ".",
        }
    }

    /// "lower-upper" with the style's separator.
    pub fn interval(&self, lower: String, upper: String) -> String {
        format!("{lower}{}{upper}", self.ci_separator())
    }

    /// A count: an integer with no separators.
    pub fn count(&self, n: usize) -> String {
        n.to_string()
    }
}

/// Decimals that show `sig` significant figures of `x` (0 < x < 1).
fn significant_decimals(x: f64, sig: usize) -> usize {
    if x <= 0.0 || x >= 1.0 {
        return sig;
    }
    // Zeros after the point: 0.0023 -> 2, 0.001 -> 2, 0.5 -> 0.
    let lead = ((-x.log10() - 1e-9).ceil() - 1.0).max(0.0) as usize;
    lead + sig
}

/// Rounds half away from zero at `digits` decimals, judged on the shortest
/// decimal text of `x` (so 0.125 -> 0.13 and 2.675 -> 2.68, as a reader
/// rounding the printed value would), not on its binary value.
fn round_half_away(x: f64, digits: usize) -> f64 {
    let text = format!("{x:e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits_str: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // value = 0.d1d2d3... x 10^(exp + 1)
    let point = exp + 1;
    let keep = point + digits as i32;
    if keep < 0 {
        return 0.0;
    }
    let keep = keep as usize;
    if keep >= digits_str.len() {
        return x;
    }
    let mut kept: Vec<u8> = digits_str.as_bytes()[..keep]
        .iter()
        .map(|b| b - b'0')
        .collect();
    if digits_str.as_bytes()[keep] >= b'5' {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let int: f64 = kept.iter().fold(0.0, |acc, &d| acc * 10.0 + d as f64);
    // kept = the digits of 0.d1..dk x 10^point with k = point + digits, so
    // the value is int x 10^-digits (a carry adds a leading digit to int).
    let value = int / 10f64.powi(digits as i32);
    if negative { -value } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f() -> Formatter {
        Formatter::new(FormatSection::default())
    }

    // Half-way cases round away from zero on the printed decimal.
    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(f().fixed(Some(0.125), 2), "0.13");
        assert_eq!(f().fixed(Some(2.675), 2), "2.68");
        assert_eq!(f().fixed(Some(-1.45), 1), "-1.5");
        assert_eq!(f().fixed(Some(9.96), 1), "10.0");
        assert_eq!(f().fixed(Some(0.0004), 3), "0.000");
        assert_eq!(f().fixed(Some(-0.0004), 3), "0.000");
        assert_eq!(f().fixed(Some(99.995), 2), "100.00");
        assert_eq!(f().fixed(Some(123.0), 0), "123");
    }

    // p-values below the threshold print as "< 0.001".
    #[test]
    fn p_values() {
        assert_eq!(f().p(Some(0.0004)), "< 0.001");
        assert_eq!(f().p(Some(0.001)), "0.001");
        assert_eq!(f().p(Some(0.04999)), "0.050");
        assert_eq!(f().p(Some(1.0)), "1.000");
    }

    fn styled(style: Style) -> Formatter {
        Formatter::new(FormatSection {
            style,
            ..FormatSection::default()
        })
    }

    // Each journal style's p-values, text and intervals, as its guide
    // prints them.
    #[test]
    fn journal_styles() {
        let d = f();
        assert_eq!(d.p_text(Some(0.0432)), "p = 0.043");
        assert_eq!(d.p_text(Some(0.0002)), "p < 0.001");
        assert_eq!(
            d.hr_ci(Some(1.134), Some(0.77), Some(1.66)),
            "1.13 (0.77-1.66)"
        );
        let ama = styled(Style::Ama);
        assert_eq!(ama.p(Some(0.543)), ".54");
        assert_eq!(ama.p(Some(0.0043)), ".004");
        assert_eq!(ama.p(Some(0.0002)), "<.001");
        assert_eq!(ama.p(Some(0.996)), ">.99");
        assert_eq!(ama.p_text(Some(0.0432)), "P = .04");
        assert_eq!(ama.p_text(Some(0.0002)), "P < .001");
        let nejm = styled(Style::Nejm);
        assert_eq!(nejm.p(Some(0.543)), "0.54");
        assert_eq!(nejm.p_text(Some(0.0002)), "P<0.001");
        assert_eq!(nejm.p_text(Some(0.0432)), "P=0.04");
        assert_eq!(
            nejm.hr_ci(Some(1.134), Some(0.77), Some(1.66)),
            "1.13 (0.77 to 1.66)"
        );
        let lancet = styled(Style::Lancet);
        assert_eq!(lancet.p(Some(0.543)), "0\u{b7}54");
        assert_eq!(lancet.p(Some(0.00234)), "0\u{b7}0023");
        assert_eq!(lancet.p_text(Some(0.00002)), "p<0\u{b7}0001");
        assert_eq!(lancet.p_text(Some(0.0432)), "p=0\u{b7}043");
        assert_eq!(
            lancet.hr_ci(Some(1.134), Some(0.77), Some(1.66)),
            "1\u{b7}13 (0\u{b7}77\u{2013}1\u{b7}66)"
        );
        assert_eq!(lancet.pct(Some(12.25)), "12\u{b7}3");
        assert_eq!(lancet.p_text(None), format!("p {NOT_ESTIMABLE}"));
        // Explicit settings override the style.
        let custom = Formatter::new(FormatSection {
            style: Style::Lancet,
            decimal_mark: Some(".".into()),
            ci_separator: Some(" to ".into()),
            ..FormatSection::default()
        });
        assert_eq!(
            custom.hr_ci(Some(1.5), Some(1.0), Some(2.25)),
            "1.50 (1.00 to 2.25)"
        );
    }

    // Missing or non-finite values print as the marked NE and are counted
    // by kind; nothing prints as NaN or inf.
    #[test]
    fn not_estimable_values_are_marked_and_counted() {
        let fmt = f();
        assert_eq!(fmt.p(None), NOT_ESTIMABLE);
        assert_eq!(fmt.p(Some(f64::NAN)), NOT_ESTIMABLE);
        assert_eq!(fmt.hr(Some(f64::INFINITY)), NOT_ESTIMABLE);
        assert_eq!(fmt.hr_ci(None, Some(0.5), None), NOT_ESTIMABLE);
        assert_eq!(
            fmt.hr_ci(Some(1.5), Some(0.5), None),
            format!("1.50 (0.50-{NOT_ESTIMABLE})")
        );
        let clone = fmt.clone();
        assert_eq!(clone.rate(Some(f64::NEG_INFINITY)), NOT_ESTIMABLE);
        let counts = fmt.not_estimable();
        assert_eq!(counts.get("p-value"), Some(&2));
        assert_eq!(counts.get("hazard ratio"), Some(&3));
        assert_eq!(counts.get("survival rate"), Some(&1));
        assert_eq!(f().num(Some(1.25)), "1.3");
        assert!(f().not_estimable().is_empty());
    }
}
