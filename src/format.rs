//! The one number formatter: every number in tables, text and figures goes
//! through here, so the same value never prints two ways.
//!
//! A value that is missing or not finite never prints as "NaN" or "inf": it
//! prints as [`NOT_ESTIMABLE`], and the formatter counts it by kind so the
//! manuscript can footnote and count every such mark.

use crate::config::FormatSection;
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
                if s.trim_start_matches('-')
                    .chars()
                    .all(|c| c == '0' || c == '.')
                {
                    s.trim_start_matches('-').to_string()
                } else {
                    s
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

    /// A p-value: "< 0.001" below the threshold, else fixed decimals
    /// ("0.050"); missing or not finite: the not-estimable mark.
    pub fn p(&self, p: Option<f64>) -> String {
        match p {
            Some(p) if p.is_finite() && p < self.conf.p_below => format!(
                "< {}",
                self.fixed(Some(self.conf.p_below), self.conf.p_digits)
            ),
            Some(p) => self.value(Some(p), self.conf.p_digits, "p-value"),
            None => self.value(None, self.conf.p_digits, "p-value"),
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
            Some(h) if h.is_finite() => {
                format!("{} ({}-{})", self.hr(hr), self.hr(lower), self.hr(upper))
            }
            _ => self.hr(None),
        }
    }

    /// "p = 0.543" or "p < 0.001".
    pub fn p_text(&self, p: Option<f64>) -> String {
        let s = self.p(p);
        if s.starts_with('<') {
            format!("p {s}")
        } else {
            format!("p = {s}")
        }
    }

    /// A count: an integer with no separators.
    pub fn count(&self, n: usize) -> String {
        n.to_string()
    }
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
