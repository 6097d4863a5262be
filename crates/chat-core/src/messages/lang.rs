//! Language tags: normalisation, fallback chains, writing direction, shipped languages.

use super::defaults;
use super::MsgKey;

/// A language whose complete defaults ship with the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    Fr,
    De,
    Es,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Fr, Lang::De, Lang::Es, Lang::Ar];

    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Ar => "ar",
        }
    }

    /// The shipped language with exactly this (normalised) tag.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The compiled-in default text (`None` for a language this build loads as data: only
    /// English is always compiled in; the others with the `all-languages` feature).
    pub fn text(self, key: MsgKey) -> Option<&'static str> {
        match self {
            Lang::En => Some(defaults::en::text(key)),
            #[cfg(feature = "all-languages")]
            Lang::Fr => Some(defaults::fr::text(key)),
            #[cfg(feature = "all-languages")]
            Lang::De => Some(defaults::de::text(key)),
            #[cfg(feature = "all-languages")]
            Lang::Es => Some(defaults::es::text(key)),
            #[cfg(feature = "all-languages")]
            Lang::Ar => Some(defaults::ar::text(key)),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

/// Normalises a BCP 47-like tag (`FR_ca` → `fr-CA`, `zh-hant-tw` → `zh-Hant-TW`); `None` if it
/// does not look like a language tag (2–3 letters, then subtags of 1–8 letters or digits).
pub(crate) fn normalize(tag: &str) -> Option<String> {
    let mut out = String::with_capacity(tag.len());
    for (i, sub) in tag.trim().split(['-', '_']).enumerate() {
        let ok = if i == 0 {
            (2..=3).contains(&sub.len()) && sub.chars().all(|c| c.is_ascii_alphabetic())
        } else {
            (1..=8).contains(&sub.len()) && sub.chars().all(|c| c.is_ascii_alphanumeric())
        };
        if !ok {
            return None;
        }
        if i > 0 {
            out.push('-');
        }
        let alpha = sub.chars().all(|c| c.is_ascii_alphabetic());
        for (j, c) in sub.chars().enumerate() {
            let upper = i > 0 && alpha && (sub.len() == 2 || (sub.len() == 4 && j == 0));
            out.push(if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            });
        }
    }
    Some(out)
}

/// The fallback chain of a normalised tag, most specific first: `fr-CA` → [`fr-CA`, `fr`].
pub(crate) fn chain(tag: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(tag);
    std::iter::from_fn(move || {
        let cur = next?;
        next = cur.rfind('-').map(|i| &cur[..i]);
        Some(cur)
    })
}

/// Whether a (normalised) tag denotes a right-to-left language or script.
pub(crate) fn is_rtl(tag: &str) -> bool {
    let mut subs = tag.split('-');
    let primary = subs.next().unwrap_or("");
    match subs.find(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_alphabetic())) {
        Some(script) => matches!(
            script,
            "Arab" | "Hebr" | "Thaa" | "Syrc" | "Nkoo" | "Adlm" | "Rohg"
        ),
        None => matches!(
            primary,
            "ar" | "arc"
                | "ckb"
                | "dv"
                | "fa"
                | "he"
                | "iw"
                | "ps"
                | "sd"
                | "syr"
                | "ug"
                | "ur"
                | "yi"
                | "ji"
        ),
    }
}
