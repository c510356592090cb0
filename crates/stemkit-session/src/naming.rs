//! File-name templates (`{stem}_{bpm}_{key}`) and the sanitising that keeps every name
//! inside the output folder.

const SEPARATORS: &[char] = &['_', '-', ' ', '.'];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Session,
    Stem,
    Bpm,
    Key,
    Sr,
    Bits,
    Variant,
}

const TOKENS: &[(&str, Token)] = &[
    ("session", Token::Session),
    ("stem", Token::Stem),
    ("bpm", Token::Bpm),
    ("key", Token::Key),
    ("sr", Token::Sr),
    ("bits", Token::Bits),
    ("variant", Token::Variant),
];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Token(Token),
}

/// A parsed naming template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// The values the tokens stand for.
#[derive(Clone, Copy, Debug)]
pub struct NameFields<'a> {
    pub session: &'a str,
    pub stem: &'a str,
    pub bpm: Option<f64>,
    pub key: Option<&'a str>,
    pub sample_rate: u32,
    pub bits: u32,
    pub variant: &'a str,
}

impl Template {
    /// Parses `text`.
    ///
    /// # Errors
    /// An unknown `{token}`, an unclosed brace, or a template without `{stem}` (every
    /// file of a render would get the same name).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("\"{text}\" has a '{{' without a closing '}}'"))?;
            let name = &rest[open + 1..open + close];
            let token = TOKENS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .ok_or_else(|| {
                    let names: Vec<String> =
                        TOKENS.iter().map(|(n, _)| format!("{{{n}}}")).collect();
                    format!(
                        "unknown token {{{name}}} in \"{text}\"; tokens are {}",
                        names.join(" ")
                    )
                })?;
            parts.push(Part::Token(token));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        if !parts.contains(&Part::Token(Token::Stem)) {
            return Err(format!(
                "\"{text}\" has no {{stem}}, so every file would get the same name"
            ));
        }
        Ok(Self { parts })
    }

    /// Whether the template distinguishes variants by itself.
    #[must_use]
    pub fn has_variant(&self) -> bool {
        self.parts.contains(&Part::Token(Token::Variant))
    }

    /// The file name (without extension) for `fields`: tokens with no value (no bpm, no
    /// key) are left out together with one separator next to them, and the result is
    /// sanitised so it cannot leave the output folder.
    #[must_use]
    pub fn render(&self, f: &NameFields<'_>) -> String {
        let mut out = String::new();
        let mut drop_next_separator = false;
        for part in &self.parts {
            match part {
                Part::Literal(lit) => {
                    let lit = if drop_next_separator {
                        lit.strip_prefix(SEPARATORS).unwrap_or(lit)
                    } else {
                        lit
                    };
                    out.push_str(lit);
                    drop_next_separator = false;
                }
                Part::Token(t) => match value(*t, f) {
                    Some(v) => {
                        out.push_str(&v);
                        drop_next_separator = false;
                    }
                    None => {
                        // Drop the separator before the missing value; at the start of
                        // the name, drop the one after it instead.
                        if out.ends_with(SEPARATORS) {
                            out.pop();
                        } else {
                            drop_next_separator = out.is_empty();
                        }
                    }
                },
            }
        }
        sanitize(&out)
    }
}

fn value(t: Token, f: &NameFields<'_>) -> Option<String> {
    match t {
        Token::Session => Some(f.session.to_owned()),
        Token::Stem => Some(f.stem.to_owned()),
        Token::Bpm => f.bpm.map(format_number),
        Token::Key => f.key.filter(|k| !k.trim().is_empty()).map(str::to_owned),
        Token::Sr => Some(format_rate(f.sample_rate)),
        Token::Bits => Some(f.bits.to_string()),
        Token::Variant => Some(f.variant.to_owned()),
    }
}

/// `124.0` → `124`, `122.5` → `122.5`.
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// `48000` → `48k`, `44100` → `44.1k`, `22050` → `22.05k`.
fn format_rate(sr: u32) -> String {
    format!("{}k", format_number(f64::from(sr) / 1000.0))
}

/// Replaces what a file system or a shell path would read as structure, and trims what
/// would hide the file or confuse tools.
#[must_use]
pub fn sanitize(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = mapped.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        "untitled".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(stem: &'a str, bpm: Option<f64>, key: Option<&'a str>) -> NameFields<'a> {
        NameFields {
            session: "Night Drive",
            stem,
            bpm,
            key,
            sample_rate: 44_100,
            bits: 24,
            variant: "wet",
        }
    }

    #[test]
    fn default_template_matches_design_example() {
        let t = Template::parse("{stem}_{bpm}_{key}").unwrap();
        assert_eq!(
            t.render(&fields("Kick", Some(124.0), Some("Am"))),
            "Kick_124_Am"
        );
        assert_eq!(
            t.render(&fields("Kick", Some(122.5), Some("Am"))),
            "Kick_122.5_Am"
        );
    }

    #[test]
    fn missing_values_drop_their_separator() {
        let t = Template::parse("{stem}_{bpm}_{key}").unwrap();
        assert_eq!(t.render(&fields("Kick", None, Some("Am"))), "Kick_Am");
        assert_eq!(t.render(&fields("Kick", Some(124.0), None)), "Kick_124");
        assert_eq!(t.render(&fields("Kick", None, None)), "Kick");
        let t = Template::parse("{bpm}-{stem}").unwrap();
        assert_eq!(t.render(&fields("Bass", None, None)), "Bass");
    }

    #[test]
    fn every_token() {
        let t = Template::parse("{session} {stem} {sr} {bits} {variant}").unwrap();
        assert_eq!(
            t.render(&fields("Bass", None, None)),
            "Night Drive Bass 44.1k 24 wet"
        );
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(
            Template::parse("{stem}_{tempo}")
                .unwrap_err()
                .contains("{tempo}")
        );
        assert!(Template::parse("{stem").is_err());
        assert!(Template::parse("{bpm}").unwrap_err().contains("{stem}"));
    }

    #[test]
    fn sanitised_names_stay_in_the_folder() {
        assert_eq!(sanitize("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize("a/b"), "a_b");
        assert_eq!(sanitize(".."), "untitled");
        assert_eq!(sanitize(" .hidden"), "hidden");
        assert_eq!(sanitize("C:\\x"), "C__x");
    }
}
