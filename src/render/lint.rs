//! The template lint: a literal number next to a printed result is how a
//! stale hand-typed number survives a re-render.

use super::Templates;

/// A warning about a template: a literal number in a line that also prints
/// a result, which is how a stale hand-typed number survives a re-render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    /// Template name.
    pub template: String,
    /// 1-based line.
    pub line: usize,
    /// The literal as written.
    pub literal: String,
}

impl std::fmt::Display for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "template {}, line {}: the literal number `{}` stands next to a result; print it from `results` (or move it out of the sentence) so a re-render cannot leave it stale",
            self.template, self.line, self.literal
        )
    }
}

/// Lints the templates: in each line that prints an expression (`{{ }}`),
/// the text outside tags and comments must not hold a decimal number or a
/// percentage. "95% CI" is allowed (intervals of hazard ratios are 95% by
/// construction); Jinja comments are ignored.
pub fn lint(templates: &Templates) -> Vec<Lint> {
    let mut out = Vec::new();
    for (name, src) in &templates.sources {
        if !name.ends_with(".j2") {
            continue;
        }
        let text = strip_comments(src);
        for (i, line) in text.lines().enumerate() {
            if !line.contains("{{") {
                continue;
            }
            let outside = outside_tags(line);
            for literal in number_literals(&outside) {
                out.push(Lint {
                    template: name.clone(),
                    line: i + 1,
                    literal,
                });
            }
        }
    }
    out
}

/// The text with `{# #}` comments blanked (newlines kept, so lines count).
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(start) = rest.find("{#") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find("#}").map_or(after.len(), |e| e + 2);
        out.extend(after[..end].chars().filter(|&c| c == '\n'));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The line without `{{ }}` and `{% %}` tags.
fn outside_tags(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        let next = [rest.find("{{"), rest.find("{%")]
            .into_iter()
            .flatten()
            .min();
        let Some(start) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        let close = if rest[start..].starts_with("{{") {
            "}}"
        } else {
            "%}"
        };
        match rest[start..].find(close) {
            Some(e) => rest = &rest[start + e + 2..],
            None => return out,
        }
    }
}

/// Decimal numbers ("3.4") and percentages ("12%", "12.5%") in prose, but
/// not "95% CI", version-like "3.x" or digits inside words.
fn number_literals(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let mut decimal = false;
        if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
            decimal = true;
            j += 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
        }
        let percent = j < chars.len() && chars[j] == '%';
        let literal: String = chars[i..j + usize::from(percent)].iter().collect();
        let rest: String = chars[j + usize::from(percent)..].iter().collect();
        let ci = literal == "95%"
            && (rest.trim_start().starts_with("CI") || rest.trim_start().starts_with("confidence"));
        let word_follows = j < chars.len() && (chars[j].is_alphabetic());
        if (decimal || percent) && !ci && !word_follows {
            out.push(literal);
        }
        i = j + 1;
    }
    out
}
