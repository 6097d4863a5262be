//! Durations in words, in each shipped language (for `{{wait}}`).
//!
//! 0 s → "less than a minute"; 1–59 s → exact seconds ("45 seconds"); from 60 s, rounded to the
//! nearest minute ("about 2 minutes"); from 60 minutes, rounded to the nearest hour.
//!
//! The words are data ([`WaitWords`]), so that a language can be loaded with the rest of its
//! texts instead of being compiled in (see [`super::LanguageData`]).

use super::lang::Lang;

/// A language's words for durations: `[less than a minute, about {amount}, then for seconds,
/// minutes and hours the forms one, two, few, other]`. Each form is a template with `{n}`.
/// The form is chosen by one rule for every language (CLDR-like, on `n % 100` for "few"):
/// 1 → one, 2 → two, 3–10 → few, else other; a language with only singular and plural gives
/// its plural for two, few and other.
pub type WaitWords<S> = [S; 14];

const EN: WaitWords<&str> = [
    "less than a minute",
    "about {amount}",
    "{n} second",
    "{n} seconds",
    "{n} seconds",
    "{n} seconds",
    "{n} minute",
    "{n} minutes",
    "{n} minutes",
    "{n} minutes",
    "{n} hour",
    "{n} hours",
    "{n} hours",
    "{n} hours",
];

#[cfg(feature = "all-languages")]
const FR: WaitWords<&str> = [
    "moins d'une minute",
    "environ {amount}",
    "{n} seconde",
    "{n} secondes",
    "{n} secondes",
    "{n} secondes",
    "{n} minute",
    "{n} minutes",
    "{n} minutes",
    "{n} minutes",
    "{n} heure",
    "{n} heures",
    "{n} heures",
    "{n} heures",
];

#[cfg(feature = "all-languages")]
const DE: WaitWords<&str> = [
    "weniger als eine Minute",
    "etwa {amount}",
    "{n} Sekunde",
    "{n} Sekunden",
    "{n} Sekunden",
    "{n} Sekunden",
    "{n} Minute",
    "{n} Minuten",
    "{n} Minuten",
    "{n} Minuten",
    "{n} Stunde",
    "{n} Stunden",
    "{n} Stunden",
    "{n} Stunden",
];

#[cfg(feature = "all-languages")]
const ES: WaitWords<&str> = [
    "menos de un minuto",
    "aproximadamente {amount}",
    "{n} segundo",
    "{n} segundos",
    "{n} segundos",
    "{n} segundos",
    "{n} minuto",
    "{n} minutos",
    "{n} minutos",
    "{n} minutos",
    "{n} hora",
    "{n} horas",
    "{n} horas",
    "{n} horas",
];

/// Arabic: one and two are words of their own; 3–10 take the plural, 11–99 the singular.
#[cfg(feature = "all-languages")]
const AR: WaitWords<&str> = [
    "أقل من دقيقة",
    "{amount} تقريبًا",
    "ثانية واحدة",
    "ثانيتان",
    "{n} ثوانٍ",
    "{n} ثانية",
    "دقيقة واحدة",
    "دقيقتان",
    "{n} دقائق",
    "{n} دقيقة",
    "ساعة واحدة",
    "ساعتان",
    "{n} ساعات",
    "{n} ساعة",
];

/// The compiled-in words of a shipped language (`None`: not compiled in this build).
pub(crate) fn words(lang: Lang) -> Option<&'static WaitWords<&'static str>> {
    match lang {
        Lang::En => Some(&EN),
        #[cfg(feature = "all-languages")]
        Lang::Fr => Some(&FR),
        #[cfg(feature = "all-languages")]
        Lang::De => Some(&DE),
        #[cfg(feature = "all-languages")]
        Lang::Es => Some(&ES),
        #[cfg(feature = "all-languages")]
        Lang::Ar => Some(&AR),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

pub(crate) fn wait<S: AsRef<str>>(words: &WaitWords<S>, seconds: u32) -> String {
    if seconds == 0 {
        return words[0].as_ref().to_string();
    }
    if seconds < 60 {
        return amount(words, seconds, 0);
    }
    let minutes = seconds / 60 + u32::from(seconds % 60 >= 30);
    let (n, unit) = if minutes < 60 {
        (minutes, 1)
    } else {
        (minutes / 60 + u32::from(minutes % 60 >= 30), 2)
    };
    words[1]
        .as_ref()
        .replace("{amount}", &amount(words, n, unit))
}

/// `n` of a unit (0 seconds, 1 minutes, 2 hours) in the right form.
fn amount<S: AsRef<str>>(words: &WaitWords<S>, n: u32, unit: usize) -> String {
    let form = match (n, n % 100) {
        (1, _) => 0,
        (2, _) => 1,
        (_, 3..=10) => 2,
        _ => 3,
    };
    words[2 + unit * 4 + form]
        .as_ref()
        .replace("{n}", &n.to_string())
}
