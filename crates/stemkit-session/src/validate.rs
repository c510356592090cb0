//! Semantic checks after parsing: references resolve, values are in range, names are safe
//! to become file names. Every problem is collected so the user fixes them in one go.

use std::collections::HashSet;

use stemkit_dsp::params::{InsertSpec, ParamContext};
use toml_edit::Table;

use crate::{Session, keys, naming};

struct Checker<'a> {
    text: &'a str,
    doc: &'a Table,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn at(&self, section: &str, index: usize) -> String {
        keys::entry_line(self.text, self.doc, section, index)
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default()
    }

    fn push(&mut self, msg: String) {
        self.problems.push(msg);
    }

    fn range(&mut self, what: &str, key: &str, v: f64, lo: f64, hi: f64) {
        if !(v.is_finite() && (lo..=hi).contains(&v)) {
            self.push(format!("{what}: {key} = {v} is outside {lo} ..= {hi}"));
        }
    }

    fn inserts(
        &mut self,
        what: &str,
        inserts: &[InsertSpec],
        ctx: &ParamContext,
        names: &HashSet<&str>,
    ) {
        for (i, spec) in inserts.iter().enumerate() {
            let here = format!("{what} inserts[{i}] ({})", spec.type_name());
            if let Err(e) = spec.validate(ctx) {
                self.push(format!("{here}: {e}"));
            }
            if let InsertSpec::Compressor(c) = spec
                && let Some(key) = &c.key
                && !names.contains(key.as_str())
            {
                let all: Vec<&str> = names.iter().copied().collect();
                let hint = keys::suggest(key, &all)
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_default();
                self.push(format!(
                    "{here}: key = \"{key}\" names no track or stem of the session{hint}"
                ));
            }
        }
    }
}

/// A reason `name` cannot be a file name, if any.
pub(crate) fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("it is empty")
    } else if name.contains('/') || name.contains('\\') {
        Some("it contains a path separator")
    } else if name.starts_with('.') {
        Some("it starts with a dot")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if name.chars().count() > 120 {
        Some("it is longer than 120 characters")
    } else {
        None
    }
}

pub(crate) fn problems(s: &Session, text: &str, doc: &Table) -> Vec<String> {
    let mut c = Checker {
        text,
        doc,
        problems: Vec::new(),
    };
    let set = &s.settings;
    let sr = f64::from(set.sample_rate);
    if !(8_000..=384_000).contains(&set.sample_rate) {
        c.push(format!(
            "[session]: sample_rate = {} is outside 8000 ..= 384000 Hz",
            set.sample_rate
        ));
    }
    if let Some(bpm) = set.bpm {
        c.range("[session]", "bpm", bpm, 20.0, 999.0);
    }
    c.range("[session]", "start", set.start, 0.0, 86_400.0);
    if let Some(end) = set.end.value()
        && !(end.is_finite() && end > set.start)
    {
        c.push(format!(
            "[session]: end = {end} must be after start = {}",
            set.start
        ));
    }
    if let Some(tail) = set.tail.value() {
        c.range("[session]", "tail", tail, 0.0, 30.0);
    }
    c.range("[session]", "pan_law_db", set.pan_law_db, -6.0, 0.0);

    let out = &s.output;
    if let Err(e) = naming::Template::parse(&out.naming) {
        c.push(format!("[output]: naming: {e}"));
    }
    if let Some(why) = unsafe_name(&out.mix_name) {
        c.push(format!(
            "[output]: mix_name \"{}\" cannot be used in a file name: {why}",
            out.mix_name
        ));
    }
    if out.variants.is_empty() {
        c.push("[output]: variants is empty; use [\"dry\"], [\"wet\"] or both".to_owned());
    }
    let mut seen_variants = HashSet::new();
    for v in &out.variants {
        if !seen_variants.insert(v) {
            c.push(format!(
                "[output]: variant \"{}\" is listed twice",
                v.as_str()
            ));
        }
    }
    if out.format == crate::FileFormat::Flac && !out.bit_depth.is_integer() {
        c.push(
            "[output]: FLAC output is 16 or 24-bit; use bit_depth = 24 or format = \"wav\""
                .to_owned(),
        );
    }

    if s.tracks.is_empty() {
        c.push("the session has no [[track]]: nothing to print".to_owned());
    }
    if s.stems.is_empty() {
        c.push("the session has no [[stem]]: every track must feed a stem".to_owned());
    }

    // Names: stems, returns and the mix share one file namespace (case-insensitively,
    // for the file systems that fold case).
    let mut bus_names: HashSet<String> = HashSet::new();
    bus_names.insert(out.mix_name.to_lowercase());
    let buses = s
        .stems
        .iter()
        .enumerate()
        .map(|(i, st)| ("stem", i, st.name.as_str()))
        .chain(
            s.returns
                .iter()
                .enumerate()
                .map(|(i, r)| ("return", i, r.name.as_str())),
        );
    for (section, i, name) in buses {
        let at = c.at(section, i);
        if let Some(why) = unsafe_name(name) {
            c.push(format!(
                "[[{section}]] \"{name}\"{at}: the name cannot be used in a file name: {why}"
            ));
        } else if !bus_names.insert(name.to_lowercase()) {
            c.push(format!(
                "[[{section}]] \"{name}\"{at}: the name is used twice (stems, returns and the mix_name share one file namespace)"
            ));
        }
    }

    let stem_names: Vec<&str> = s.stems.iter().map(|x| x.name.as_str()).collect();
    let return_names: Vec<&str> = s.returns.iter().map(|x| x.name.as_str()).collect();
    let key_names: HashSet<&str> = s
        .tracks
        .iter()
        .map(|t| t.name.as_str())
        .chain(stem_names.iter().copied())
        .collect();
    let ctx = ParamContext {
        sample_rate: sr,
        bpm: set.bpm,
    };

    let mut track_names = HashSet::new();
    for (i, t) in s.tracks.iter().enumerate() {
        let what = format!("[[track]] \"{}\"{}", t.name, c.at("track", i));
        if t.name.trim().is_empty() {
            c.push(format!("{what}: name is empty"));
        } else if !track_names.insert(t.name.as_str()) {
            c.push(format!("{what}: the name is used by another track"));
        }
        if !stem_names.contains(&t.stem.as_str()) {
            let hint = keys::suggest(&t.stem, &stem_names)
                .map(|x| format!("; did you mean \"{x}\"?"))
                .unwrap_or_default();
            c.push(format!(
                "{what}: stem = \"{}\" names no [[stem]]{hint}",
                t.stem
            ));
        }
        let path = t.source_path(s);
        if !path.is_file() {
            c.push(format!(
                "{what}: file \"{}\" not found (looked for {})",
                t.file.display(),
                path.display()
            ));
        }
        c.range(&what, "at", t.at, -86_400.0, 86_400.0);
        c.range(&what, "offset", t.offset, 0.0, 86_400.0);
        if let Some(len) = t.length
            && !(len.is_finite() && len > 0.0)
        {
            c.push(format!(
                "{what}: length = {len} must be a positive number of seconds"
            ));
        }
        c.range(&what, "gain_db", t.gain_db, -144.0, 24.0);
        c.range(&what, "pan", t.pan, -1.0, 1.0);
        c.inserts(&what, &t.inserts, &ctx, &key_names);
        for (j, send) in t.sends.iter().enumerate() {
            check_send(&mut c, &what, j, send, &return_names);
            if send.pre_fader {
                c.push(format!("{what} sends[{j}]: track sends are post-fader; remove pre_fader or send from the stem"));
            }
        }
    }

    for (i, st) in s.stems.iter().enumerate() {
        let what = format!("[[stem]] \"{}\"{}", st.name, c.at("stem", i));
        if st.channels != 1 && st.channels != 2 {
            c.push(format!(
                "{what}: channels = {} must be 1 (mono) or 2 (stereo)",
                st.channels
            ));
        }
        c.range(&what, "gain_db", st.gain_db, -144.0, 24.0);
        c.inserts(&what, &st.inserts, &ctx, &key_names);
        for (j, send) in st.sends.iter().enumerate() {
            check_send(&mut c, &what, j, send, &return_names);
        }
    }
    for (i, r) in s.returns.iter().enumerate() {
        let what = format!("[[return]] \"{}\"{}", r.name, c.at("return", i));
        if r.channels != 1 && r.channels != 2 {
            c.push(format!(
                "{what}: channels = {} must be 1 (mono) or 2 (stereo)",
                r.channels
            ));
        }
        c.range(&what, "gain_db", r.gain_db, -144.0, 24.0);
        c.inserts(&what, &r.inserts, &ctx, &key_names);
    }
    c.range("[master]", "gain_db", s.master.gain_db, -144.0, 24.0);
    c.inserts("[master]", &s.master.inserts, &ctx, &key_names);
    c.problems
}

fn check_send(c: &mut Checker<'_>, what: &str, j: usize, send: &crate::Send, returns: &[&str]) {
    if !returns.contains(&send.to.as_str()) {
        let hint = keys::suggest(&send.to, returns)
            .map(|x| format!("; did you mean \"{x}\"?"))
            .unwrap_or_default();
        c.push(format!(
            "{what} sends[{j}]: to = \"{}\" names no [[return]]{hint}",
            send.to
        ));
    }
    c.range(
        &format!("{what} sends[{j}]"),
        "level_db",
        send.level_db,
        -144.0,
        24.0,
    );
}
