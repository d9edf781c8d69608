//! One printed table cell read as what it states: a group heading with its
//! n, a count with its percentage, mean (SD), median (IQR), a p-value, a
//! hazard ratio with its CI. Numbers stay as printed (their decimals are
//! what the audit's tolerances come from).

/// What a cell states.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    /// Nothing (or a dash).
    Empty,
    /// "SR group (n = 219)".
    Group { name: String, n: String },
    /// "190 (86.76)" under an n (%) heading, or "190 (86.76%)".
    Count { n: String, pct: String },
    /// Two numbers "a (b)" whose meaning the row label decides (n (%) or
    /// mean (SD)).
    Pair { a: String, b: String },
    /// "41.75 ± 4.53".
    MeanSd { mean: String, sd: String },
    /// "55.58 (34.60, 72.32)" or "55.58 (34.60-72.32)" under a median.
    Triple { a: String, b: String, c: String },
    /// "0.014", "<0.001", with its footnote marker.
    P {
        value: String,
        lt: bool,
        mark: Option<char>,
    },
    /// "Reference".
    Reference,
    /// Anything else: kept as text.
    Text(String),
}

/// The cell's text cleaned: tags and LaTeX math marks dropped, dashes and
/// spaces made plain, with the footnote marker (`<sup>x</sup>` or a
/// trailing ª, °, or letter after a number) taken apart.
pub(super) fn clean(raw: &str) -> (String, Option<char>) {
    let mut mark = None;
    let mut s = raw.to_string();
    if let Some(i) = s.find("<sup>")
        && let Some(j) = s[i..].find("</sup>")
    {
        mark = s[i + 5..i + j].trim().chars().next();
        s.replace_range(i..i + j + 6, "");
    }
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // An HTML tag (`<i>`, `</i>`), not a less-than sign (`<0.001`).
        let tag = c == '<'
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/')
            && chars[i..].contains(&'>');
        if tag {
            while i < chars.len() && chars[i] != '>' {
                i += 1;
            }
            i += 1;
            continue;
        }
        match c {
            '$' => {}
            '–' | '—' | '−' => out.push('-'),
            '\u{a0}' | '\t' => out.push(' '),
            _ => out.push(c),
        }
        i += 1;
    }
    let out = out.replace("\\pm", "±");
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (out, mark.map(normal_mark))
}

/// OCR and typesetting variants of one marker: ª is a, ° is c.
fn normal_mark(c: char) -> char {
    match c {
        'ª' => 'a',
        '°' | 'º' => 'c',
        c => c.to_ascii_lowercase(),
    }
}

/// The numbers of `s` as printed ("1,234" is one number).
fn numbers(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let digit_next = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || (c == '.' && digit_next && !cur.contains('.')) {
            cur.push(c);
        } else if c == ','
            && !cur.is_empty()
            && !cur.contains('.')
            && chars[i + 1..]
                .iter()
                .take(3)
                .filter(|c| c.is_ascii_digit())
                .count()
                == 3
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        {
            // A thousands separator: "1,234".
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Reads one cell.
pub(super) fn read(raw: &str) -> Cell {
    let (s, sup) = clean(raw);
    let t = s.trim();
    if t.is_empty() || matches!(t, "-" | "_" | "NA" | "n/a" | "—") {
        return Cell::Empty;
    }
    if t.eq_ignore_ascii_case("reference") || t.eq_ignore_ascii_case("ref") || t == "1 (reference)"
    {
        return Cell::Reference;
    }
    if let Some(g) = group(t) {
        return g;
    }
    if let Some(p) = p_value(t, sup) {
        return p;
    }
    let nums = numbers(t);
    let only_numbers = t
        .chars()
        .all(|c| c.is_ascii_digit() || " .,()[]%±-;to".contains(c));
    if !only_numbers {
        return Cell::Text(t.to_string());
    }
    match nums.as_slice() {
        [a, b] if t.contains('±') => Cell::MeanSd {
            mean: a.clone(),
            sd: b.clone(),
        },
        [a, b] if t.contains('%') => Cell::Count {
            n: a.clone(),
            pct: b.clone(),
        },
        [a, b] if t.contains('(') || t.contains('[') => Cell::Pair {
            a: a.clone(),
            b: b.clone(),
        },
        [a, b, c] => Cell::Triple {
            a: a.clone(),
            b: b.clone(),
            c: c.clone(),
        },
        _ => Cell::Text(t.to_string()),
    }
}

/// "SR group (n = 219)", "SR (n=219)": a heading with its group size.
fn group(t: &str) -> Option<Cell> {
    let open = t.find('(')?;
    let inner = t[open + 1..].trim_end_matches(')').replace(' ', "");
    let n = inner
        .strip_prefix("n=")
        .or_else(|| inner.strip_prefix("N="))?;
    if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    let name = t[..open].trim().to_string();
    (!name.is_empty()).then(|| Cell::Group {
        name,
        n: n.replace(',', ""),
    })
}

/// "0.014", "<0.001b", "0.309°", "p = 0.02": a p-value.
fn p_value(t: &str, sup: Option<char>) -> Option<Cell> {
    let mut s = t.trim_start_matches(['p', 'P', '=', ' ']).trim();
    let lt = s.starts_with('<');
    s = s.trim_start_matches(['<', ' ']);
    let digits: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if !(digits.starts_with("0.") || digits == "1.000" || digits == "1.00" || digits == "1") {
        return None;
    }
    let rest = s[digits.len()..].trim();
    let mark = match rest.chars().collect::<Vec<_>>().as_slice() {
        [] => sup,
        [c] if matches!(c, 'ª' | '°' | 'º' | '*' | '†' | '‡') || c.is_ascii_lowercase() => {
            Some(normal_mark(*c))
        }
        _ => return None,
    };
    Some(Cell::P {
        value: digits,
        lt,
        mark,
    })
}

/// "1.63 (1.14-2.53)", "2.13 [1.2-3.12]": a hazard (or odds) ratio with its
/// CI, from a cell read as a [`Cell::Triple`].
pub(super) fn ratio(cell: &Cell, raw: &str) -> Option<(String, String, String)> {
    let Cell::Triple { a, b, c } = cell else {
        return None;
    };
    let (s, _) = clean(raw);
    (s.contains('-') || s.contains(" to ")).then(|| (a.clone(), b.clone(), c.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_of_a_baseline_table() {
        assert_eq!(
            read("SR group ( <i>n</i> =219)"),
            Cell::Group {
                name: "SR group".into(),
                n: "219".into()
            }
        );
        assert_eq!(
            read("190 (86.76)"),
            Cell::Pair {
                a: "190".into(),
                b: "86.76".into()
            }
        );
        assert_eq!(
            read("12 (5.5%)"),
            Cell::Count {
                n: "12".into(),
                pct: "5.5".into()
            }
        );
        assert_eq!(
            read("55.58 (34.60, 72.32)"),
            Cell::Triple {
                a: "55.58".into(),
                b: "34.60".into(),
                c: "72.32".into()
            }
        );
        assert_eq!(
            read("41.75 ± 4.53"),
            Cell::MeanSd {
                mean: "41.75".into(),
                sd: "4.53".into()
            }
        );
        assert_eq!(
            read("0.014ª"),
            Cell::P {
                value: "0.014".into(),
                lt: false,
                mark: Some('a')
            }
        );
        assert_eq!(
            read("<0.001b"),
            Cell::P {
                value: "0.001".into(),
                lt: true,
                mark: Some('b')
            }
        );
        assert_eq!(
            read("1.000 <sup>c</sup>"),
            Cell::P {
                value: "1.000".into(),
                lt: false,
                mark: Some('c')
            }
        );
        assert_eq!(
            read("0.309°"),
            Cell::P {
                value: "0.309".into(),
                lt: false,
                mark: Some('c')
            }
        );
        assert_eq!(read("Reference"), Cell::Reference);
        assert_eq!(read("_"), Cell::Empty);
        let hr = "1.63 (1.14–2.53)";
        assert_eq!(
            ratio(&read(hr), hr),
            Some(("1.63".into(), "1.14".into(), "2.53".into()))
        );
        assert_eq!(
            read("66.49 (43.93)"),
            Cell::Pair {
                a: "66.49".into(),
                b: "43.93".into()
            }
        );
        assert!(matches!(read("Continued"), Cell::Text(_)));
    }
}
