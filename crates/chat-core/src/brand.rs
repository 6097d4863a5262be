//! Brand assets from the configuration (`brand`, and `subtitle` beside `title`): the launcher
//! icon, the header logo, the bot's avatar and the agents' avatars.
//!
//! An image is a URL (`https:`/`http:`, a path on the site such as `/img/logo.svg`, or a
//! `data:image/...` URL) or an inline SVG (`"<svg ...>...</svg>"`). Every image is shown
//! with an `<img>` element, never inserted as markup: an SVG shown as an image cannot run
//! scripts, load other resources or reach the page, so an inline SVG is safe by
//! construction. It becomes a `data:image/svg+xml` URL (the `xmlns` an inline SVG may omit in
//! HTML, and an image needs, is added). Under a Content-Security-Policy the site allows the
//! images' host in `img-src` (`data:` for inline SVG): see docs/security.md.
//!
//! Neither Salesforce API gives an agent's photo (the spec has no such field), so an agent's
//! avatar is the configured image, or the agent's initials.

use crate::config::{ObjReader, Report, Value};

/// The largest inline SVG accepted (bytes): an icon, not an illustration.
pub const MAX_INLINE_SVG: usize = 16 * 1024;

/// How agents are pictured beside their messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AgentAvatar {
    /// No avatar (the default).
    #[default]
    None,
    /// The agent's initials, from the name Salesforce gives (`"Jane Doe"` → `JD`).
    Initials,
    /// One image for every agent (an image source, see [`image_source`]).
    Image(String),
}

/// The validated `brand` section: image sources ready for an `<img src>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Brand {
    pub launcher_icon: Option<String>,
    pub logo: Option<String>,
    pub bot_avatar: Option<String>,
    pub agent_avatar: AgentAvatar,
}

pub(crate) fn read_brand(value: &Value, path: &str, report: &mut Report) -> Brand {
    let mut brand = Brand::default();
    let Some(mut r) = ObjReader::new(value, path, report) else {
        return brand;
    };
    let image = |r: &mut ObjReader<'_>, key: &'static str, report: &mut Report| {
        let p = r.path_of(key);
        let s = r.string(key, report)?;
        match image_source(&s) {
            Ok(src) => Some(src),
            Err(e) => {
                report.error(&p, e);
                None
            }
        }
    };
    brand.launcher_icon = image(&mut r, "launcherIcon", report);
    brand.logo = image(&mut r, "logo", report);
    brand.bot_avatar = image(&mut r, "botAvatar", report);
    let p = r.path_of("agentAvatar");
    let agent: Option<String> = r.string("agentAvatar", report);
    brand.agent_avatar = match agent {
        None => AgentAvatar::None,
        Some(s) if s == "initials" => AgentAvatar::Initials,
        Some(s) => match image_source(&s) {
            Ok(src) => AgentAvatar::Image(src),
            Err(e) => {
                report.error(&p, format!("expected \"initials\" or an image: {e}"));
                AgentAvatar::None
            }
        },
    };
    r.finish(report);
    brand
}

/// The `<img src>` for an image of the configuration: an inline SVG becomes a `data:` URL;
/// a URL must be `http(s)`, site-relative or a `data:image/` URL (no `javascript:`, no other
/// scheme).
pub fn image_source(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    if starts_with_ignore_case(v, "<svg") {
        return svg_data_url(v);
    }
    if v.chars().any(|c| c.is_control()) {
        return Err("an image URL must not contain control characters".into());
    }
    if starts_with_ignore_case(v, "data:image/") {
        return Ok(v.to_string());
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("../") {
        return Ok(v.to_string());
    }
    match v.split_once(':') {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") => {
            crate::config::check_http_url(v)?;
            Ok(v.to_string())
        }
        Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => Err(format!(
            "\"{scheme}:\" is not an image URL: use https://…, a path such as /img/logo.svg, a data:image/ URL or an inline <svg>"
        )),
        // No scheme: a path relative to the page.
        _ => Ok(v.to_string()),
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn svg_data_url(svg: &str) -> Result<String, String> {
    if svg.len() > MAX_INLINE_SVG {
        return Err(format!(
            "an inline SVG of {} bytes is over the limit of {MAX_INLINE_SVG}: give a URL instead",
            svg.len()
        ));
    }
    let lower = svg.to_ascii_lowercase();
    if !lower.ends_with("</svg>") && !lower.ends_with("/>") {
        return Err("an inline SVG must be a whole <svg>…</svg> element".into());
    }
    // The start tag (up to its first '>'); an image needs the SVG namespace.
    let tag_end = svg.find('>').unwrap_or(svg.len());
    let mut text = String::with_capacity(svg.len() + 40);
    if svg[..tag_end].contains("xmlns=") || svg[..tag_end].contains("xmlns =") {
        text.push_str(svg);
    } else {
        text.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\"");
        text.push_str(&svg[4..]);
    }
    let mut url = String::from("data:image/svg+xml;charset=utf-8,");
    for b in text.bytes() {
        // Percent-encode what a URL may not carry as it is (and '%', '#').
        if b.is_ascii_alphanumeric() || b" -_.!~*'()/:;=,<>\"".contains(&b) {
            url.push(b as char);
        } else if b == b'\n' || b == b'\r' || b == b'\t' {
            url.push(' ');
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            url.push('%');
            url.push(HEX[(b >> 4) as usize] as char);
            url.push(HEX[(b & 15) as usize] as char);
        }
    }
    Ok(url)
}

/// An agent's initials for an avatar: the first letter of the first and the last word of
/// the name (`"Jane Doe"` → `"JD"`, `"Jane"` → `"J"`); `"?"` for no name. Letters are kept
/// as they are (the stylesheet shows them in upper case: no Unicode case tables in the wasm).
pub fn initials(name: &str) -> String {
    let words: Vec<char> = name
        .split(|c: char| c.is_whitespace() || c == '.' || c == '-')
        .filter_map(|w| w.chars().next())
        .filter(|c| !c.is_ascii_punctuation())
        .collect();
    match words.as_slice() {
        [] => "?".into(),
        [one] => one.to_string(),
        [a, .., b] => [*a, *b].iter().collect(),
    }
}
