//! The unknown-key pass: walks the TOML document with its spans and reports every key the
//! format does not know, with its line, the table it sits in, and the closest valid key.
//!
//! serde's own `deny_unknown_fields` would also refuse such a key, but it cannot say which
//! `[[track]]` the key was in, loses the position inside internally tagged inserts, and
//! stops at the first one; this pass reports all of them in the user's terms.

use stemkit_dsp::params::{EQ_BAND_KEYS, INSERT_TYPES, InsertSpec};
use toml_edit::{Item, TableLike};

const TOP: &[&str] = &["session", "output", "track", "stem", "return", "master"];
const SESSION: &[&str] = &[
    "name",
    "sample_rate",
    "bpm",
    "key",
    "start",
    "end",
    "tail",
    "pan_law_db",
];
const OUTPUT: &[&str] = &[
    "format",
    "bit_depth",
    "dither",
    "naming",
    "mix_name",
    "variants",
    "master",
    "dawproject",
];
const TRACK: &[&str] = &[
    "name", "file", "stem", "at", "offset", "length", "gain_db", "pan", "mute", "solo", "polarity",
    "inserts", "sends",
];
const STEM: &[&str] = &["name", "channels", "gain_db", "mute", "inserts", "sends"];
const RETURN: &[&str] = &["name", "channels", "gain_db", "mute", "inserts"];
const MASTER: &[&str] = &["gain_db", "inserts"];
const SEND: &[&str] = &["to", "level_db", "pre_fader"];

/// 1-based line of byte offset `pos` in `text`.
pub(crate) fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The closest of `valid` to `key`, if close enough to be a plausible typo.
pub(crate) fn suggest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (strsim::damerau_levenshtein(key, v), *v))
        .filter(|&(d, v)| d <= 2.max(v.len() / 3))
        .min_by_key(|&(d, _)| d)
        .map(|(_, v)| v)
}

struct Walker<'t> {
    text: &'t str,
    problems: Vec<String>,
}

impl Walker<'_> {
    fn check_table(&mut self, table: &dyn TableLike, valid: &[&str], context: &str) {
        for (key, _) in table.iter() {
            if valid.contains(&key) {
                continue;
            }
            let at = table
                .key(key)
                .and_then(toml_edit::Key::span)
                .map(|s| format!(" at line {}", line_of(self.text, s.start)))
                .unwrap_or_default();
            let hint = suggest(key, valid)
                .map(|s| format!("; did you mean \"{s}\"?"))
                .unwrap_or_else(|| format!("; valid keys: {}", valid.join(", ")));
            self.problems
                .push(format!("unknown key \"{key}\" in {context}{at}{hint}"));
        }
    }

    fn check_inserts(&mut self, table: &dyn TableLike, context: &str) {
        let Some(item) = table.get("inserts") else {
            return;
        };
        for (i, insert) in tables_of(item).into_iter().enumerate() {
            let ctx = format!("{context} inserts[{i}]");
            let Some(ty) = insert.get("type").and_then(Item::as_str) else {
                let line = self.line_of_table(insert);
                self.problems.push(format!(
                    "{ctx}{line} has no \"type\"; one of: {}",
                    INSERT_TYPES.join(", ")
                ));
                continue;
            };
            let Some(keys) = InsertSpec::keys_of(ty) else {
                let line = self.line_of_table(insert);
                let hint = suggest(ty, INSERT_TYPES)
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_else(|| format!("; one of: {}", INSERT_TYPES.join(", ")));
                self.problems
                    .push(format!("unknown insert type \"{ty}\" in {ctx}{line}{hint}"));
                continue;
            };
            let mut valid = vec!["type"];
            valid.extend_from_slice(keys);
            let ctx = format!("{ctx} ({ty})");
            self.check_table(insert, &valid, &ctx);
            if ty == "eq"
                && let Some(bands) = insert.get("bands")
            {
                for (b, band) in tables_of(bands).into_iter().enumerate() {
                    self.check_table(band, EQ_BAND_KEYS, &format!("{ctx} bands[{b}]"));
                }
            }
        }
    }

    fn check_sends(&mut self, table: &dyn TableLike, context: &str) {
        if let Some(item) = table.get("sends") {
            for (i, send) in tables_of(item).into_iter().enumerate() {
                self.check_table(send, SEND, &format!("{context} sends[{i}]"));
            }
        }
    }

    fn line_of_table(&self, table: &dyn TableLike) -> String {
        table
            .iter()
            .next()
            .and_then(|(k, _)| table.key(k))
            .and_then(toml_edit::Key::span)
            .map(|s| format!(" at line {}", line_of(self.text, s.start)))
            .unwrap_or_default()
    }
}

/// The tables of an array of tables, or of an array of inline tables; a single table is
/// taken as itself.
fn tables_of(item: &Item) -> Vec<&dyn TableLike> {
    if let Some(aot) = item.as_array_of_tables() {
        aot.iter().map(|t| t as &dyn TableLike).collect()
    } else if let Some(arr) = item.as_array() {
        arr.iter()
            .filter_map(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
            .collect()
    } else {
        item.as_table_like().into_iter().collect()
    }
}

/// How a `[[section]]` entry is called in messages: `[[track]] "Kick In"`.
fn entry_context(section: &str, table: &dyn TableLike, index: usize) -> String {
    match table.get("name").and_then(Item::as_str) {
        Some(name) => format!("[[{section}]] \"{name}\""),
        None => format!("[[{section}]] #{}", index + 1),
    }
}

/// Every unknown key of the document, one message each.
pub(crate) fn unknown_keys(text: &str, doc: &toml_edit::Table) -> Vec<String> {
    let mut w = Walker {
        text,
        problems: Vec::new(),
    };
    w.check_table(doc, TOP, "the session file");
    for (section, valid) in [("track", TRACK), ("stem", STEM), ("return", RETURN)] {
        let Some(item) = doc.get(section) else {
            continue;
        };
        for (i, entry) in tables_of(item).into_iter().enumerate() {
            let ctx = entry_context(section, entry, i);
            w.check_table(entry, valid, &ctx);
            w.check_inserts(entry, &ctx);
            w.check_sends(entry, &ctx);
        }
    }
    for (section, valid) in [("session", SESSION), ("output", OUTPUT), ("master", MASTER)] {
        if let Some(table) = doc.get(section).and_then(Item::as_table_like) {
            let ctx = format!("[{section}]");
            w.check_table(table, valid, &ctx);
            w.check_inserts(table, &ctx);
        }
    }
    w.problems
}

/// The line where `[[section]]` number `index` (0-based) starts, for semantic errors.
pub(crate) fn entry_line(
    text: &str,
    doc: &toml_edit::Table,
    section: &str,
    index: usize,
) -> Option<usize> {
    let item = doc.get(section)?;
    let entry = *tables_of(item).get(index)?;
    let (first, _) = entry.iter().next()?;
    let span = entry.key(first)?.span()?;
    Some(line_of(text, span.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_and_not_strangers() {
        assert_eq!(suggest("gian_db", TRACK), Some("gain_db"));
        assert_eq!(suggest("polarty", TRACK), Some("polarity"));
        assert_eq!(suggest("samplerate", SESSION), Some("sample_rate"));
        assert_eq!(suggest("zzzzzz", TRACK), None);
    }

    #[test]
    fn lines_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
