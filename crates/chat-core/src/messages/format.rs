//! Durations in words, in each shipped language (for `{{wait}}`).
//!
//! 0 s → "less than a minute"; 1–59 s → exact seconds ("45 seconds"); from 60 s, rounded to the
//! nearest minute ("about 2 minutes"); from 60 minutes, rounded to the nearest hour.

use super::lang::Lang;

enum Unit {
    Second,
    Minute,
    Hour,
}

pub(crate) fn wait(lang: Lang, seconds: u32) -> String {
    if seconds == 0 {
        return match lang {
            Lang::En => "less than a minute",
            Lang::Fr => "moins d'une minute",
            Lang::De => "weniger als eine Minute",
            Lang::Es => "menos de un minuto",
            Lang::Ar => "أقل من دقيقة",
        }
        .to_string();
    }
    if seconds < 60 {
        return amount(lang, seconds, Unit::Second);
    }
    let minutes = seconds / 60 + u32::from(seconds % 60 >= 30);
    let (n, unit) = if minutes < 60 {
        (minutes, Unit::Minute)
    } else {
        (minutes / 60 + u32::from(minutes % 60 >= 30), Unit::Hour)
    };
    let amount = amount(lang, n, unit);
    match lang {
        Lang::En => format!("about {amount}"),
        Lang::Fr => format!("environ {amount}"),
        Lang::De => format!("etwa {amount}"),
        Lang::Es => format!("aproximadamente {amount}"),
        Lang::Ar => format!("{amount} تقريبًا"),
    }
}

/// `n` units with the language's plural rules.
fn amount(lang: Lang, n: u32, unit: Unit) -> String {
    let one = n == 1;
    let word = match (lang, unit) {
        (Lang::En, Unit::Second) => {
            if one {
                "second"
            } else {
                "seconds"
            }
        }
        (Lang::En, Unit::Minute) => {
            if one {
                "minute"
            } else {
                "minutes"
            }
        }
        (Lang::En, Unit::Hour) => {
            if one {
                "hour"
            } else {
                "hours"
            }
        }
        (Lang::Fr, Unit::Second) => {
            if one {
                "seconde"
            } else {
                "secondes"
            }
        }
        (Lang::Fr, Unit::Minute) => {
            if one {
                "minute"
            } else {
                "minutes"
            }
        }
        (Lang::Fr, Unit::Hour) => {
            if one {
                "heure"
            } else {
                "heures"
            }
        }
        (Lang::De, Unit::Second) => {
            if one {
                "Sekunde"
            } else {
                "Sekunden"
            }
        }
        (Lang::De, Unit::Minute) => {
            if one {
                "Minute"
            } else {
                "Minuten"
            }
        }
        (Lang::De, Unit::Hour) => {
            if one {
                "Stunde"
            } else {
                "Stunden"
            }
        }
        (Lang::Es, Unit::Second) => {
            if one {
                "segundo"
            } else {
                "segundos"
            }
        }
        (Lang::Es, Unit::Minute) => {
            if one {
                "minuto"
            } else {
                "minutos"
            }
        }
        (Lang::Es, Unit::Hour) => {
            if one {
                "hora"
            } else {
                "horas"
            }
        }
        (Lang::Ar, unit) => return arabic(n, unit),
    };
    format!("{n} {word}")
}

/// Arabic: one and two are words of their own; 3–10 take the plural, 11–99 the singular
/// (CLDR categories one, two, few, many, other on `n % 100`).
fn arabic(n: u32, unit: Unit) -> String {
    // [one, two, few (plural), many/other (singular)]
    let forms = match unit {
        Unit::Second => ["ثانية واحدة", "ثانيتان", "ثوانٍ", "ثانية"],
        Unit::Minute => ["دقيقة واحدة", "دقيقتان", "دقائق", "دقيقة"],
        Unit::Hour => ["ساعة واحدة", "ساعتان", "ساعات", "ساعة"],
    };
    match (n, n % 100) {
        (1, _) => forms[0].to_string(),
        (2, _) => forms[1].to_string(),
        (_, 3..=10) => format!("{n} {}", forms[2]),
        _ => format!("{n} {}", forms[3]),
    }
}
