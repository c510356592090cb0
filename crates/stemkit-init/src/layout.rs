//! A stem architecture: which stems a session gets, which roles and names go to each, and
//! each stem's processing. Built in: `six` and `twelve` (the TOML files in `layouts/`);
//! a studio writes its own in the same format (README.md).

use std::path::{Path, PathBuf};

use regex_lite::Regex;
use serde::Deserialize;
use stemkit_dsp::params::{InsertSpec, ParamContext};

use crate::InitError;
use crate::names::{self, Word};
use crate::role::Role;

const SIX: &str = include_str!("../layouts/six.toml");
const TWELVE: &str = include_str!("../layouts/twelve.toml");

/// The names `--layout` takes besides a file.
pub const BUILTIN: [&str; 2] = ["six", "twelve"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    name: Option<String>,
    fallback: Option<String>,
    #[serde(default, rename = "stem")]
    stems: Vec<StemFile>,
    #[serde(default, rename = "return")]
    returns: Vec<ReturnFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StemFile {
    name: String,
    #[serde(default = "two")]
    channels: usize,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default, rename = "match")]
    words: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    note: Option<String>,
    #[serde(default)]
    inserts: Vec<toml::Value>,
    #[serde(default)]
    sends: Vec<SendFile>,
}

fn two() -> usize {
    2
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendFile {
    to: String,
    level_db: f64,
    #[serde(default)]
    pre_fader: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnFile {
    name: String,
    note: Option<String>,
    #[serde(default)]
    inserts: Vec<toml::Value>,
}

/// A send of a stem, as the layout gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct SendDef {
    pub to: String,
    pub level_db: f64,
    pub pre_fader: bool,
}

/// One stem of a layout.
#[derive(Clone, Debug)]
pub struct StemDef {
    pub name: String,
    pub channels: usize,
    pub roles: Vec<Role>,
    /// The studio's own words and phrases, folded (`["bass", "drum"]` for "bass drum").
    words: Vec<Vec<String>>,
    patterns: Vec<Regex>,
    /// Why the processing is what it is; written above the stem's inserts.
    pub note: Option<String>,
    /// Inserts as written in the layout (inline TOML tables).
    pub inserts: Vec<toml_edit::Value>,
    pub sends: Vec<SendDef>,
}

/// One return of a layout.
#[derive(Clone, Debug)]
pub struct ReturnDef {
    pub name: String,
    pub note: Option<String>,
    pub inserts: Vec<toml_edit::Value>,
}

/// A stem architecture.
#[derive(Clone, Debug)]
pub struct Layout {
    pub name: String,
    pub stems: Vec<StemDef>,
    pub returns: Vec<ReturnDef>,
    /// Index of the stem for tracks whose role no stem claims.
    pub fallback: usize,
}

/// A studio rule that placed a track.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMatch {
    pub stem: usize,
    /// The word, phrase or pattern that matched, as the layout writes it.
    pub rule: String,
}

impl Layout {
    /// A built-in layout by name (`six`, `twelve`).
    #[must_use]
    pub fn builtin(name: &str) -> Option<Layout> {
        let text = match name {
            "six" => SIX,
            "twelve" => TWELVE,
            _ => return None,
        };
        // The built-in files are tested to parse; a failure here is a build defect.
        Self::parse(text, Path::new(name)).ok()
    }

    /// `six`, `twelve`, or the path of a layout file.
    ///
    /// # Errors
    /// The file cannot be read, or [`Layout::parse`] fails.
    pub fn resolve(spec: &str) -> Result<Layout, InitError> {
        if let Some(l) = Self::builtin(spec) {
            return Ok(l);
        }
        let path = PathBuf::from(spec);
        let text = std::fs::read_to_string(&path).map_err(|e| InitError::Layout {
            path: path.clone(),
            message: if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "no such layout file (the built-in layouts are {})",
                    BUILTIN.join(" and ")
                )
            } else {
                format!("cannot read: {e}")
            },
        })?;
        Self::parse(&text, &path)
    }

    /// Parses and checks layout `text` read from `origin` (named in errors).
    ///
    /// # Errors
    /// [`InitError::Layout`] naming the stem, return and key at fault.
    pub fn parse(text: &str, origin: &Path) -> Result<Layout, InitError> {
        let err = |message: String| InitError::Layout {
            path: origin.to_path_buf(),
            message,
        };
        let file: LayoutFile =
            toml::from_str(text).map_err(|e| err(e.to_string().trim().replace('\n', " ")))?;
        let doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| err(e.to_string().trim().replace('\n', " ")))?;
        if file.stems.is_empty() {
            return Err(err("the layout has no [[stem]]".into()));
        }
        let return_names: Vec<&str> = file.returns.iter().map(|r| r.name.as_str()).collect();
        let mut stems = Vec::with_capacity(file.stems.len());
        for (i, s) in file.stems.iter().enumerate() {
            let here = format!("[[stem]] \"{}\"", s.name);
            if let Some(why) = unsafe_name(&s.name) {
                return Err(err(format!("{here}: name cannot be a file name: {why}")));
            }
            if file.stems[..i]
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&s.name))
                || return_names.iter().any(|r| r.eq_ignore_ascii_case(&s.name))
            {
                return Err(err(format!("{here}: the name is used twice")));
            }
            if s.channels != 1 && s.channels != 2 {
                return Err(err(format!(
                    "{here}: channels = {} must be 1 (mono) or 2 (stereo)",
                    s.channels
                )));
            }
            let mut roles = Vec::with_capacity(s.roles.len());
            for r in &s.roles {
                roles.push(Role::parse(r).ok_or_else(|| {
                    let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                    err(format!(
                        "{here}: roles: \"{r}\" is not a role; the roles are {}",
                        all.join(", ")
                    ))
                })?);
            }
            let mut patterns = Vec::with_capacity(s.patterns.len());
            for p in &s.patterns {
                patterns.push(
                    Regex::new(&format!("(?i){p}"))
                        .map_err(|e| err(format!("{here}: patterns: \"{p}\": {e}")))?,
                );
            }
            let words = s
                .words
                .iter()
                .map(|w| {
                    names::words(w)
                        .into_iter()
                        .map(|w| w.folded)
                        .collect::<Vec<_>>()
                })
                .filter(|w| !w.is_empty())
                .collect();
            for (j, send) in s.sends.iter().enumerate() {
                if !return_names.contains(&send.to.as_str()) {
                    return Err(err(format!(
                        "{here}: sends[{j}]: to = \"{}\" names no [[return]] of the layout",
                        send.to
                    )));
                }
            }
            stems.push(StemDef {
                name: s.name.clone(),
                channels: s.channels,
                roles,
                words,
                patterns,
                note: s.note.clone(),
                inserts: raw_inserts(&doc, "stem", i, &here, &s.inserts).map_err(err)?,
                sends: s
                    .sends
                    .iter()
                    .map(|x| SendDef {
                        to: x.to.clone(),
                        level_db: x.level_db,
                        pre_fader: x.pre_fader,
                    })
                    .collect(),
            });
        }
        let mut returns = Vec::with_capacity(file.returns.len());
        for (i, r) in file.returns.iter().enumerate() {
            let here = format!("[[return]] \"{}\"", r.name);
            if let Some(why) = unsafe_name(&r.name) {
                return Err(err(format!("{here}: name cannot be a file name: {why}")));
            }
            if file.returns[..i]
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&r.name))
            {
                return Err(err(format!("{here}: the name is used twice")));
            }
            returns.push(ReturnDef {
                name: r.name.clone(),
                note: r.note.clone(),
                inserts: raw_inserts(&doc, "return", i, &here, &r.inserts).map_err(err)?,
            });
        }
        let fallback = match &file.fallback {
            None => stems.len() - 1,
            Some(f) => stems.iter().position(|s| &s.name == f).ok_or_else(|| {
                err(format!(
                    "fallback = \"{f}\" names no [[stem]] of the layout"
                ))
            })?,
        };
        let name = file.name.unwrap_or_else(|| {
            origin
                .file_stem()
                .map_or_else(|| "layout".to_owned(), |s| s.to_string_lossy().into_owned())
        });
        Ok(Layout {
            name,
            stems,
            returns,
            fallback,
        })
    }

    /// The stem that takes `role`: the first that lists it, else the fallback. Utility
    /// tracks (click, references) have no stem unless one lists them.
    #[must_use]
    pub fn stem_for(&self, role: Role) -> Option<usize> {
        self.stems
            .iter()
            .position(|s| s.roles.contains(&role))
            .or((role != Role::Utility).then_some(self.fallback))
    }

    /// The stem a studio rule puts `name` in: its words and phrases first (every word of a
    /// phrase must be in the name), then its patterns (matched against `name` itself,
    /// ignoring case); stems in layout order.
    #[must_use]
    pub fn rule_for(&self, name: &str, words: &[Word]) -> Option<RuleMatch> {
        let folded: Vec<&str> = words.iter().map(|w| w.folded.as_str()).collect();
        for (i, s) in self.stems.iter().enumerate() {
            if let Some(phrase) = s
                .words
                .iter()
                .find(|p| p.iter().all(|w| folded.contains(&w.as_str())))
            {
                return Some(RuleMatch {
                    stem: i,
                    rule: phrase.join(" "),
                });
            }
        }
        for (i, s) in self.stems.iter().enumerate() {
            if let Some(p) = s.patterns.iter().find(|p| p.is_match(name)) {
                let rule = p.as_str().trim_start_matches("(?i)").to_owned();
                return Some(RuleMatch { stem: i, rule });
            }
        }
        None
    }
}

/// A reason `name` cannot become a file name (the session's own rule, checked early so
/// the error names the layout rather than the written session).
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("it is empty")
    } else if name.contains(['/', '\\']) {
        Some("it contains a path separator")
    } else if name.starts_with('.') {
        Some("it starts with a dot")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    }
}

/// The inserts of `section[index]` as written (formatting kept), each checked to be a
/// processor stemkit knows with its parameters in range.
fn raw_inserts(
    doc: &toml_edit::DocumentMut,
    section: &str,
    index: usize,
    here: &str,
    typed: &[toml::Value],
) -> Result<Vec<toml_edit::Value>, String> {
    let ctx = ParamContext {
        sample_rate: 48_000.0,
        bpm: Some(120.0),
    };
    for (j, v) in typed.iter().enumerate() {
        let spec: InsertSpec = v.clone().try_into().map_err(|e: toml::de::Error| {
            format!("{here}: inserts[{j}]: {}", e.message().trim())
        })?;
        spec.validate(&ctx)
            .map_err(|e| format!("{here}: inserts[{j}] ({}): {e}", spec.type_name()))?;
    }
    let Some(array) = doc
        .get(section)
        .and_then(toml_edit::Item::as_array_of_tables)
        .and_then(|a| a.get(index))
        .and_then(|t| t.get("inserts"))
        .and_then(toml_edit::Item::as_array)
    else {
        return Ok(Vec::new());
    };
    Ok(array
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.decor_mut().clear();
            v
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_claim_every_role_but_utility() {
        for name in BUILTIN {
            let l = Layout::parse(
                match name {
                    "six" => SIX,
                    _ => TWELVE,
                },
                Path::new(name),
            )
            .unwrap();
            for role in Role::ALL {
                let claimed = l.stems.iter().any(|s| s.roles.contains(&role));
                assert_eq!(claimed, role != Role::Utility, "{name}: {role}");
            }
            assert_eq!(l.stems[l.fallback].name, "FX");
        }
        let six = Layout::builtin("six").unwrap();
        let mono: Vec<&str> = six
            .stems
            .iter()
            .filter(|s| s.channels == 1)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(mono, ["Kick", "Bass"]);
    }

    fn parse_err(text: &str) -> String {
        Layout::parse(text, Path::new("studio.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_err("name = \"x\"").contains("no [[stem]]"));
        let e = parse_err("[[stem]]\nname = \"A\"\nroles = [\"kik\"]\n");
        assert!(
            e.starts_with("studio.toml: [[stem]] \"A\": roles: \"kik\""),
            "{e}"
        );
        let e = parse_err("[[stem]]\nname = \"A\"\ncolour = 1\n");
        assert!(e.contains("colour"), "{e}");
        let e =
            parse_err("[[stem]]\nname = \"A\"\nsends = [{ to = \"Hall\", level_db = -10.0 }]\n");
        assert!(e.contains("sends[0]: to = \"Hall\""), "{e}");
        let e = parse_err(
            "[[stem]]\nname = \"A\"\ninserts = [{ type = \"eq\", bands = [{ shape = \"bell\", freq = 5.0 }] }]\n",
        );
        assert!(e.contains("inserts[0] (eq): bands[0].freq"), "{e}");
        let e = parse_err("fallback = \"B\"\n[[stem]]\nname = \"A\"\n");
        assert!(e.contains("fallback = \"B\""), "{e}");
        let e = parse_err("[[stem]]\nname = \"A/B\"\n");
        assert!(e.contains("path separator"), "{e}");
        let e = parse_err("[[stem]]\nname = \"A\"\npatterns = [\"(\"]\n");
        assert!(e.contains("patterns: \"(\""), "{e}");
    }

    #[test]
    fn studio_rules_come_before_roles() {
        let l = Layout::parse(
            r#"
            [[stem]]
            name = "Low End"
            roles = ["kick", "bass"]
            match = ["bass drum", "BD"]
            [[stem]]
            name = "Loops"
            patterns = ["^lp_"]
            [[stem]]
            name = "Rest"
            "#,
            Path::new("studio.toml"),
        )
        .unwrap();
        let rule = |n: &str| l.rule_for(n, &names::words(n)).map(|m| (m.stem, m.rule));
        assert_eq!(rule("Bass_Drum_01"), Some((0, "bass drum".to_owned())));
        assert_eq!(rule("bd out"), Some((0, "bd".to_owned())));
        assert_eq!(rule("LP_Tops"), Some((1, "^lp_".to_owned())));
        assert_eq!(rule("Vox"), None);
        assert_eq!(l.stem_for(Role::Bass), Some(0));
        assert_eq!(
            l.stem_for(Role::LeadVocal),
            Some(2),
            "the last stem is the fallback"
        );
        assert_eq!(l.stem_for(Role::Utility), None);
        assert_eq!(l.name, "studio");
    }
}
