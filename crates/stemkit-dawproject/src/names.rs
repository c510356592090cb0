//! Names that come from the DAW made safe and unique where stemkit uses them: stem and
//! return names become file names of the prints; audio file names become files under
//! `audio/`. Unsafe characters are replaced rather than refused, since the DAW allowed
//! them, and clashes get a number.

use std::collections::HashSet;

/// Names already taken in one namespace, compared case-insensitively (for the file systems
/// that fold case).
#[derive(Debug, Default)]
pub(crate) struct Unique {
    taken: HashSet<String>,
}

impl Unique {
    pub(crate) fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_lowercase());
    }

    /// `name`, or `name 2`, `name 3` ... (`stem_2.wav` for a file, before its extension).
    pub(crate) fn take(&mut self, name: &str, file: bool) -> String {
        let (base, ext) = match name.rfind('.') {
            Some(i) if file && i > 0 => name.split_at(i),
            _ => (name, ""),
        };
        let mut candidate = name.to_owned();
        let mut n = 1;
        while !self.taken.insert(candidate.to_lowercase()) {
            n += 1;
            candidate = if file {
                format!("{base}_{n}{ext}")
            } else {
                format!("{base} {n}")
            };
        }
        candidate
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A bus name stemkit accepts in a file name (no separators, no leading dot, no control
/// characters, not empty, at most 100 characters so a number still fits).
pub(crate) fn bus(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let out = truncate(trimmed, 100);
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// A track name: anything the DAW shows, without control characters.
pub(crate) fn track(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let out = truncate(cleaned.trim(), 200);
    if out.is_empty() {
        "Track".to_owned()
    } else {
        out
    }
}

/// The last component of an archive or disk path, reduced to portable file-name
/// characters; never empty, never hidden, never a path.
pub(crate) fn audio_file(reference: &str) -> String {
    let last = reference
        .rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')' | '+' | ',') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    let cleaned = truncate(&cleaned, 120);
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        "audio".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_never_leave_the_folder() {
        assert_eq!(audio_file("audio/Kick In.wav"), "Kick In.wav");
        assert_eq!(audio_file("../../etc/passwd"), "passwd");
        assert_eq!(audio_file("C:\\Users\\x\\snare.wav"), "snare.wav");
        assert_eq!(audio_file(".."), "audio");
        assert_eq!(audio_file("audio/.hidden.wav"), "hidden.wav");
        assert_eq!(audio_file("a/b:c*?.wav"), "b_c__.wav");
        assert_eq!(audio_file(""), "audio");
    }

    #[test]
    fn bus_names_are_file_safe_and_unique() {
        assert_eq!(bus("Drums/Perc", "Stem"), "Drums-Perc");
        assert_eq!(bus("..hidden", "Stem"), "hidden");
        assert_eq!(bus(" \n ", "Stem"), "Stem");
        let mut u = Unique::default();
        u.reserve("Mix");
        assert_eq!(u.take("mix", false), "mix 2");
        assert_eq!(u.take("Drums", false), "Drums");
        assert_eq!(u.take("drums", false), "drums 2");
        let mut f = Unique::default();
        assert_eq!(f.take("a.wav", true), "a.wav");
        assert_eq!(f.take("A.wav", true), "A_2.wav");
    }
}
