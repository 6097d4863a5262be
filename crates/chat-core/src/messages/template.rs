//! Message templates: literal text with `{{name}}` (built-in) and `{{vars.NAME}}` (host-page
//! variable) placeholders. Whitespace inside the braces is ignored. There is no escape: a
//! template cannot contain a literal `{{`. Substituted values are never parsed again.

use crate::Pairs;

/// One part of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Builtin(&'a str),
    Var(&'a str),
}

/// A malformed template: what is wrong and the byte offset where the problem starts (everything
/// before it was walked successfully).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateError {
    pub at: usize,
    pub message: String,
}

/// Calls `f` with each piece of `template`, in order; stops at the first malformed placeholder.
pub(crate) fn walk<'a>(
    template: &'a str,
    mut f: impl FnMut(Piece<'a>),
) -> Result<(), TemplateError> {
    let mut rest = template;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            f(Piece::Text(&rest[..open]));
        }
        let at = offset + open;
        let position = template[..at].chars().count() + 1;
        let inner_start = open + 2;
        let Some(close) = rest[inner_start..].find("}}") else {
            return Err(TemplateError {
                at,
                message: format!(
                    "unclosed \"{{{{\" at character {position}: close the placeholder with \"}}}}\""
                ),
            });
        };
        let raw = &rest[inner_start..inner_start + close];
        let name = raw.trim();
        let piece = match name.strip_prefix("vars.") {
            Some(var) if is_var_name(var) => Piece::Var(var),
            None if is_builtin_name(name) => Piece::Builtin(name),
            _ => {
                return Err(TemplateError {
                    at,
                    message: format!(
                        "invalid placeholder \"{{{{{raw}}}}}\" at character {position}: use \
                         {{{{name}}}} or {{{{vars.NAME}}}} (letters, digits, '_' or '-')"
                    ),
                })
            }
        };
        f(piece);
        let end = inner_start + close + 2;
        offset += end;
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        f(Piece::Text(rest));
    }
    Ok(())
}

fn is_builtin_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_var_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Checks that `template` is well formed and uses only the `allowed` built-ins (plus vars).
pub(crate) fn check(template: &str, allowed: &[&str]) -> Result<(), String> {
    let mut unknown: Option<&str> = None;
    walk(template, |p| {
        if let Piece::Builtin(name) = p {
            if unknown.is_none() && !allowed.contains(&name) {
                unknown = Some(name);
            }
        }
    })
    .map_err(|e| e.message)?;
    match unknown {
        None => Ok(()),
        Some(name) => {
            let mut msg = format!("unknown placeholder \"{{{{{name}}}}}\" for this message;");
            let near = allowed.iter().find(|a| {
                super::keys::distance(&name.to_ascii_lowercase(), &a.to_ascii_lowercase()) <= 2
            });
            if let Some(near) = near {
                msg.push_str(&format!(" did you mean \"{{{{{near}}}}}\"?"));
            }
            msg.push_str(" allowed: ");
            for a in allowed {
                msg.push_str(&format!("{{{{{a}}}}}, "));
            }
            msg.push_str("{{vars.NAME}}");
            Err(msg)
        }
    }
}

/// Renders `template`: built-ins from `args`, `{{vars.NAME}}` from `vars`; a missing value is
/// an empty string. A malformed rest of the template is kept as literal text.
pub(crate) fn render(template: &str, args: &[(&str, &str)], vars: &Pairs) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let walked = walk(template, |p| match p {
        Piece::Text(t) => out.push_str(t),
        Piece::Builtin(name) => {
            if let Some((_, v)) = args.iter().find(|(n, _)| *n == name) {
                out.push_str(v);
            }
        }
        Piece::Var(name) => {
            if let Some(v) = vars.get(name) {
                out.push_str(v);
            }
        }
    });
    if let Err(e) = walked {
        out.push_str(&template[e.at..]);
    }
    out
}
