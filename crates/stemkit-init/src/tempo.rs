//! Tempo and key as producers write them into file names (`Bass_124bpm_Am.wav`,
//! `Loop 128 BPM F#m.wav`, `Pad - C minor.wav`), and the majority over a folder.

/// The tempo a name states with the word `bpm` next to a number, 40 ..= 300. A number
/// without `bpm` is not taken: `Kick 124` is as likely a take or track number.
#[must_use]
pub fn bpm_in(name: &str) -> Option<f64> {
    let lower = name.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut search = 0;
    while let Some(found) = lower[search..].find("bpm") {
        let at = search + found;
        search = at + 3;
        // Letters around "bpm" make it part of another word.
        let before_letter = at > 0 && bytes[at - 1].is_ascii_alphabetic();
        let after_letter = bytes.get(at + 3).is_some_and(u8::is_ascii_alphabetic);
        if before_letter || after_letter {
            continue;
        }
        let number = number_before(&lower[..at]).or_else(|| number_after(&lower[at + 3..]));
        if let Some(bpm) = number.filter(|b| (40.0..=300.0).contains(b)) {
            return Some(bpm);
        }
    }
    None
}

/// The number ending `text`, skipping one separator (`124_`, `124 `, `124-`).
fn number_before(text: &str) -> Option<f64> {
    let text = text.strip_suffix(['_', ' ', '-', '.']).unwrap_or(text);
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let digits = text[start..].trim_start_matches('.');
    let before_is_digit_free = text[..start]
        .chars()
        .last()
        .is_none_or(|c| !c.is_alphanumeric());
    before_is_digit_free.then(|| digits.parse().ok()).flatten()
}

/// The number starting `text`, skipping one separator (`_124`, ` 124`, `-124`).
fn number_after(text: &str) -> Option<f64> {
    let text = text.strip_prefix(['_', ' ', '-', '.']).unwrap_or(text);
    let end = text
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(i, c)| i + c.len_utf8())?;
    let after_is_free = text[end..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric());
    after_is_free
        .then(|| text[..end].trim_end_matches('.').parse().ok())
        .flatten()
}

/// The key a name states: `Am`, `F#m`, `Bbmin`, `C#maj`, `Eb`, or a capital note
/// followed by `minor`/`major` (`A minor`, `C_Major`). A bare capital letter is not taken
/// (`Gtr A`, `Take B`). Written back as stemkit writes keys: `Am`, `F#m`, `Eb`, `C`.
#[must_use]
pub fn key_in(name: &str) -> Option<String> {
    let parts: Vec<&str> = name
        .split([' ', '_', '-', '(', ')', '[', ']', ',', '.', '+'])
        .filter(|p| !p.is_empty())
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let next = parts.get(i + 1).map(|p| p.to_ascii_lowercase());
        if let Some(key) = parse_key(part, next.as_deref()) {
            return Some(key);
        }
    }
    None
}

fn parse_key(part: &str, next: Option<&str>) -> Option<String> {
    let mut chars = part.chars();
    let letter = chars.next().filter(|c| ('A'..='G').contains(c))?;
    let rest: String = chars.collect();
    let (accidental, mode) = match rest.chars().next() {
        Some('#' | '♯') => ("#", &rest[rest.chars().next().map_or(0, char::len_utf8)..]),
        Some('b' | '♭') if !rest.starts_with("bpm") => {
            ("b", &rest[rest.chars().next().map_or(0, char::len_utf8)..])
        }
        _ => ("", rest.as_str()),
    };
    let minor = match mode.to_ascii_lowercase().as_str() {
        "" => match next {
            Some("minor" | "min") => true,
            Some("major" | "maj") => false,
            // A bare sharp or flat note is a key; a bare letter is not.
            _ if !accidental.is_empty() => false,
            _ => return None,
        },
        "min" | "minor" => true,
        "maj" | "major" => false,
        // Lower-case m is minor; "M" alone is too often something else.
        _ if mode == "m" => true,
        _ => return None,
    };
    Some(format!(
        "{letter}{accidental}{}",
        if minor { "m" } else { "" }
    ))
}

/// The value most of `values` share, with how many share it; ties go to the first seen.
#[must_use]
pub fn majority<T: PartialEq + Clone>(values: &[T]) -> Option<(T, usize)> {
    let mut best: Option<(T, usize)> = None;
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            continue;
        }
        let n = values.iter().filter(|x| *x == v).count();
        if best.as_ref().is_none_or(|(_, m)| n > *m) {
            best = Some((v.clone(), n));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tempo_needs_the_word_bpm() {
        assert_eq!(bpm_in("Bass_124bpm_Am"), Some(124.0));
        assert_eq!(bpm_in("KICK_124BPM"), Some(124.0));
        assert_eq!(bpm_in("Loop 128 BPM F#m"), Some(128.0));
        assert_eq!(bpm_in("Loop_bpm_96"), Some(96.0));
        assert_eq!(bpm_in("Pad_87.5bpm"), Some(87.5));
        assert_eq!(bpm_in("Kick 124"), None);
        assert_eq!(bpm_in("Take 2bpm"), None);
        assert_eq!(bpm_in("bpmless 120"), None);
    }

    #[test]
    fn keys_as_producers_write_them() {
        assert_eq!(key_in("Bass_124bpm_Am").as_deref(), Some("Am"));
        assert_eq!(key_in("Loop 128 BPM F#m").as_deref(), Some("F#m"));
        assert_eq!(key_in("Pad - C minor").as_deref(), Some("Cm"));
        assert_eq!(key_in("Pad_Bbmin").as_deref(), Some("Bbm"));
        assert_eq!(key_in("Pluck Eb").as_deref(), Some("Eb"));
        assert_eq!(key_in("Keys_Dmaj").as_deref(), Some("D"));
        assert_eq!(key_in("Gtr A"), None);
        assert_eq!(key_in("BD Out"), None);
        assert_eq!(key_in("Ambience"), None);
        assert_eq!(key_in("Bass DI"), None);
    }

    #[test]
    fn majority_counts_and_breaks_ties_by_order() {
        assert_eq!(majority(&[1, 2, 2, 3]), Some((2, 2)));
        assert_eq!(majority(&[5, 4]), Some((5, 1)));
        assert_eq!(majority::<i32>(&[]), None);
    }
}
