//! Text normalisation for intent matching: case-, accent- and punctuation-insensitive tokens.

/// Folds the common Latin accented letters to ASCII (é→e, ß→ss, ...). Kept as a small table
/// rather than a Unicode normalisation crate to keep the wasm bundle small; other scripts pass
/// through unchanged (lower-cased), so non-Latin examples still match themselves.
fn fold(c: char, out: &mut String) {
    let s = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ľ' | 'ļ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(s);
}

/// Lower-cased, accent-folded words; everything that is not a letter or digit separates words.
pub fn tokens(text: &str) -> Vec<String> {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            fold(c, &mut folded);
        } else if c == '\'' || c == '’' {
            // "don't" → "dont", "l'agent" handled as one token is fine for matching
        } else {
            folded.push(' ');
        }
    }
    folded.split_whitespace().map(str::to_string).collect()
}

/// Function words ignored when scoring (unless a phrase consists only of them).
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "am", "was", "to", "my", "me", "i", "im", "you", "your", "we",
    "of", "for", "in", "on", "at", "it", "its", "this", "that", "be", "do", "does", "can", "could",
    "please", "would", "like", "want", "with", "and", "or", "so", "just", "how", "what", "some",
    "any", "have", "has", "get", "le", "la", "les", "un", "une", "de", "du", "des", "je", "et",
    "der", "die", "das", "ein", "eine", "ich", "und", "el", "los", "las", "una", "y", "yo",
];

pub fn content_tokens(text: &str) -> Vec<String> {
    let all = tokens(text);
    let content: Vec<String> = all
        .iter()
        .filter(|t| !STOPWORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    if content.is_empty() {
        all
    } else {
        content
    }
}

/// Whether an input word counts as the example word: equal, a plural/inflection of it
/// (`returns` ~ `return`), or a one-letter typo in a longer word (`shiping` ~ `shipping`).
pub fn word_matches(example: &str, input: &str) -> bool {
    if example == input {
        return true;
    }
    let (el, il) = (example.chars().count(), input.chars().count());
    // One is an inflection of the other: "return"/"returns", "costs"/"cost".
    let (short, long, sl, ll) = if el <= il {
        (example, input, el, il)
    } else {
        (input, example, il, el)
    };
    if sl >= 4 && long.starts_with(short) && ll <= sl + 3 {
        return true;
    }
    el >= 5 && il >= 5 && crate::config::edit_distance(example, input) <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(
            tokens("  Où est MA Commande?!"),
            ["ou", "est", "ma", "commande"]
        );
        assert_eq!(tokens("Straße—größe"), ["strasse", "grosse"]);
        assert_eq!(tokens("don't"), ["dont"]);
        assert_eq!(tokens("مرحبا بك"), ["مرحبا", "بك"]);
    }

    #[test]
    fn stopwords_are_dropped_unless_nothing_else_remains() {
        assert_eq!(content_tokens("Where is my order"), ["where", "order"]);
        assert_eq!(content_tokens("how are you"), ["how", "are", "you"]);
    }

    #[test]
    fn fuzzy_words() {
        assert!(word_matches("return", "returns"));
        assert!(word_matches("shipping", "shiping"));
        assert!(!word_matches("hi", "his"));
        assert!(!word_matches("size", "seize"));
    }
}
