//! The self-contained HTML page: Markdown to HTML, figures inlined, the
//! style sheet embedded, the page template around it.

use super::Templates;
use super::environment::get_render;
use crate::error::Result;
use crate::figures::Figure;
use minijinja::Environment;
use minijinja::value::Value;

/// One self-contained HTML page from Markdown: figures inlined, the style
/// sheet embedded, the page template around it.
pub(super) fn page(
    env: &Environment<'_>,
    templates: &Templates,
    title: &str,
    version: &str,
    markdown: &str,
    figures: &[Figure],
) -> Result<String> {
    page_with_script(env, templates, (title, version), markdown, figures, None)
}

/// [`page`] with an inline script (the review copy's line numbers). The
/// page's content security policy admits that script alone, by its
/// SHA-256 hash.
pub(super) fn page_with_script(
    env: &Environment<'_>,
    templates: &Templates,
    (title, version): (&str, &str),
    markdown: &str,
    figures: &[Figure],
    script: Option<&str>,
) -> Result<String> {
    let mut body = String::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    pulldown_cmark::html::push_html(&mut body, inline_figures(parser, figures));
    let css = templates
        .sources
        .get("style.css")
        .cloned()
        .unwrap_or_default();
    let page_ctx = minijinja::context! {
        title => title,
        version => version,
        css => Value::from_safe_string(css),
        body => Value::from_safe_string(body),
        script => script.map(|s| Value::from_safe_string(s.to_string())),
        script_hash => script.map(script_hash),
    };
    get_render(env, "manuscript.html.j2", &page_ctx)
}

/// Replaces each image that links a figure file with the figure's SVG, so
/// that the HTML page is self-contained.
fn inline_figures<'a>(
    events: impl Iterator<Item = pulldown_cmark::Event<'a>>,
    figures: &'a [Figure],
) -> impl Iterator<Item = pulldown_cmark::Event<'a>> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut skipping = false;
    events.filter_map(move |e| match e {
        Event::Start(Tag::Image { dest_url, .. }) => {
            let svg = figures
                .iter()
                .find(|f| dest_url.as_ref() == format!("figures/{}.svg", f.name));
            match svg {
                Some(f) => {
                    skipping = true;
                    Some(Event::InlineHtml(f.svg.trim_end().to_string().into()))
                }
                None => Some(Event::Start(Tag::Image {
                    link_type: pulldown_cmark::LinkType::Inline,
                    dest_url,
                    title: "".into(),
                    id: "".into(),
                })),
            }
        }
        Event::End(TagEnd::Image) if skipping => {
            skipping = false;
            None
        }
        _ if skipping => None,
        other => Some(other),
    })
}

/// The CSP source of an inline script: `sha256-` and the base64 of the
/// SHA-256 of its exact text.
fn script_hash(script: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("sha256-{}", base64(&Sha256::digest(script.as_bytes())))
}

/// Standard base64 with padding (RFC 4648), for the script hash.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }
}
