//! File-name rules: a naming template (the render's own syntax) or a regular expression.
//!
//! A template becomes an anchored regular expression: literal text must appear as it is,
//! `{stem}` matches a name (letters, digits, space, `.`, `_`, `+`, `-`, starting with a
//! letter or digit), `{bpm}` a tempo such as `124` or `124.5`, `{key}` a key such as `Am`,
//! `F#m` or `Bbmaj`, and `[...]` makes its contents optional. `{stem}` is matched as short
//! as possible, so `Lead_Vox_124_Am` reads as stem `Lead_Vox`, bpm `124`, key `Am`.

use std::collections::BTreeMap;

use regex_lite::Regex;

use crate::spec::Spec;

const PLACEHOLDERS: [(&str, &str); 7] = [
    ("stem", "[A-Za-z0-9][A-Za-z0-9 ._+-]*?"),
    ("session", "[A-Za-z0-9][A-Za-z0-9 ._+-]*?"),
    ("bpm", "[0-9]{2,3}(?:[.p][0-9]+)?"),
    ("key", "[A-G](?:#|b|s)?(?:m|min|maj|dim)?"),
    ("sr", "[0-9]{4,6}|[0-9]{2,3}k[0-9]?"),
    ("bits", "16|24|32f?"),
    ("variant", "dry|wet"),
];

/// A compiled naming rule.
#[derive(Debug)]
pub struct NameRule {
    regex: Regex,
    described: String,
}

impl NameRule {
    /// # Errors
    /// A message naming the spec key (`naming` or `naming_pattern`) and what is wrong.
    pub fn new(spec: &Spec) -> Result<Self, String> {
        if let Some(pattern) = &spec.naming_pattern {
            let regex =
                Regex::new(pattern).map_err(|e| format!("naming_pattern {pattern:?}: {e}"))?;
            return Ok(Self {
                regex,
                described: format!("pattern {pattern}"),
            });
        }
        let source =
            template_regex(&spec.naming).map_err(|e| format!("naming {:?}: {e}", spec.naming))?;
        let regex = Regex::new(&source).map_err(|e| format!("naming {:?}: {e}", spec.naming))?;
        Ok(Self {
            regex,
            described: format!("template {}", spec.naming),
        })
    }

    /// How the rule reads in a message.
    #[must_use]
    pub fn described(&self) -> &str {
        &self.described
    }

    /// The placeholder values of `name` (the file name without extension), or `None`
    /// when it does not follow the rule.
    #[must_use]
    pub fn parse(&self, name: &str) -> Option<BTreeMap<String, String>> {
        let caps = self.regex.captures(name)?;
        Some(
            self.regex
                .capture_names()
                .flatten()
                .filter_map(|n| caps.name(n).map(|m| (n.to_owned(), m.as_str().to_owned())))
                .collect(),
        )
    }
}

fn template_regex(template: &str) -> Result<String, String> {
    let mut out = String::from("^");
    let mut depth = 0usize;
    let mut seen = Vec::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        match c {
            '{' => {
                let end = rest.find('}').ok_or("a '{' without its '}'")?;
                let name = &rest[1..end];
                let (_, re) = PLACEHOLDERS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .ok_or_else(|| {
                        let known: Vec<_> = PLACEHOLDERS
                            .iter()
                            .map(|(n, _)| format!("{{{n}}}"))
                            .collect();
                        format!(
                            "unknown placeholder {{{name}}} (known: {})",
                            known.join(" ")
                        )
                    })?;
                if seen.contains(&name) {
                    return Err(format!("{{{name}}} appears twice"));
                }
                seen.push(name);
                out.push_str(&format!("(?P<{name}>{re})"));
                rest = &rest[end + 1..];
                continue;
            }
            '[' => {
                depth += 1;
                out.push_str("(?:");
            }
            ']' => {
                depth = depth.checked_sub(1).ok_or("a ']' without its '['")?;
                out.push_str(")?");
            }
            other => out.push_str(&regex_lite::escape(&other.to_string())),
        }
        rest = &rest[c.len_utf8()..];
    }
    if depth != 0 {
        return Err("a '[' without its ']'".into());
    }
    if !seen.contains(&"stem") {
        return Err("the template needs {stem}".into());
    }
    out.push('$');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(naming: &str) -> NameRule {
        NameRule::new(&Spec {
            naming: naming.into(),
            ..Spec::default()
        })
        .unwrap()
    }

    #[test]
    fn default_template_reads_stem_bpm_and_key() {
        let r = rule(&Spec::default().naming);
        let v = r.parse("Lead_Vox_124_Am").unwrap();
        assert_eq!(v["stem"], "Lead_Vox");
        assert_eq!(v["bpm"], "124");
        assert_eq!(v["key"], "Am");
        let v = r.parse("Bass_124_Am_wet").unwrap();
        assert_eq!((v["stem"].as_str(), v["variant"].as_str()), ("Bass", "wet"));
        let v = r.parse("Kick").unwrap();
        assert_eq!(v["stem"], "Kick");
        assert!(!v.contains_key("bpm"));
        assert!(r.parse("bass final (2)").is_none());
        assert!(r.parse("_Kick_124").is_none());
    }

    #[test]
    fn literal_text_and_variants_must_match() {
        let r = rule("{session} - {stem} ({variant})");
        let v = r.parse("Night Drive - Bass (wet)").unwrap();
        assert_eq!(v["session"], "Night Drive");
        assert_eq!(v["variant"], "wet");
        assert!(r.parse("Night Drive - Bass (damp)").is_none());
    }

    #[test]
    fn pattern_replaces_the_template() {
        let spec = Spec {
            naming_pattern: Some("^[0-9]{2}_[A-Z][a-z]+$".into()),
            ..Spec::default()
        };
        let r = NameRule::new(&spec).unwrap();
        assert!(r.parse("01_Kick").is_some());
        assert!(r.parse("Kick").is_none());
    }
}
