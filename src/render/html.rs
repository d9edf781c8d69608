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
