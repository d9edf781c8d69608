//! Shared SVG helpers: escaping, wrapped text boxes, arrows.

/// Escapes text for SVG/XML.
pub(super) fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A 12-pixel text at (x, y), anchored `start`, `middle` or `end`, with a
/// `font-weight` when one is given.
pub(super) fn text(x: i32, y: i32, anchor: &str, weight: Option<&str>, t: &str) -> String {
    let weight = weight.map_or(String::new(), |w| format!(r#" font-weight="{w}""#));
    format!(
        r#"<text x="{x}" y="{y}" font-family="sans-serif" font-size="12" text-anchor="{anchor}"{weight}>{}</text>"#,
        xml(t)
    )
}

/// Splits `text` into lines of at most `chars` characters at spaces (a word
/// longer than a line is cut), so that the text stays inside its box.
pub(super) fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > chars {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(chars).collect();
            word = word.chars().skip(chars).collect();
            lines.push(head);
        }
        let need = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if need > chars && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A box of wrapped text; returns its SVG and height.
pub(super) fn text_box(x: i32, y: i32, w: i32, lines: &[String]) -> (String, i32) {
    const LINE: i32 = 17;
    let h = 12 + LINE * lines.len() as i32;
    let mut s = format!(
        r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#FFFFFF" stroke="#000000"/>"##
    );
    for (i, l) in lines.iter().enumerate() {
        s.push_str(&format!(
            r#"<text x="{}" y="{}" font-family="sans-serif" font-size="13" text-anchor="middle">{}</text>"#,
            x + w / 2,
            y + 6 + LINE * (i as i32 + 1) - 4,
            xml(l)
        ));
    }
    (s, h)
}

pub(super) fn arrow(x1: i32, y1: i32, x2: i32, y2: i32) -> String {
    format!(
        r##"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#000000" marker-end="url(#arrow)"/>"##
    )
}
