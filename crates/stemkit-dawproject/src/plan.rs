//! What an import will write: the session (tracks, stems, returns, master) and the audio
//! files it needs, before anything touches the disk; and its text as `session.toml`.
//!
//! The session is written as text rather than serialised so it can carry comments: where
//! each track came from, the devices that could not come along, the time signature the
//! session format has no key for. Values go through `toml` for quoting and number syntax,
//! so a name from the DAW can never break out of its string or its comment.

use std::fmt::Write as _;

/// Where an audio file comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    /// An entry of the archive.
    Entry(String),
    /// A file beside (or at an absolute path from) the project file.
    External(String),
}

/// One audio file the session needs, copied to `audio/` under a safe name.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub(crate) location: Location,
    /// Path relative to the session: `audio/<name>`.
    pub(crate) file: String,
    /// What the project says; the file itself is probed on import.
    pub(crate) sample_rate: Option<u32>,
}

/// One EQ band as the session spells it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Band {
    pub(crate) shape: &'static str,
    pub(crate) freq: f64,
    pub(crate) q: Option<f64>,
    pub(crate) gain_db: Option<f64>,
    pub(crate) slope: Option<u32>,
}

/// One insert as the session spells it (DESIGN §4).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Insert {
    Eq(Vec<Band>),
    Compressor {
        threshold_db: f64,
        ratio: Option<f64>,
        attack_ms: Option<f64>,
        release_ms: Option<f64>,
        makeup_db: f64,
    },
    Limiter {
        ceiling_dbtp: Option<f64>,
        release_ms: Option<f64>,
        lookahead_ms: Option<f64>,
    },
    Gain {
        gain_db: f64,
    },
}

impl Insert {
    /// Whether the insert commutes with a gain, so a fader may sit before or after it.
    pub(crate) fn is_linear(&self) -> bool {
        matches!(self, Self::Eq(_) | Self::Gain { .. })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SendPlan {
    pub(crate) to: String,
    pub(crate) level_db: f64,
    pub(crate) pre_fader: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct TrackPlan {
    pub(crate) name: String,
    pub(crate) source: usize,
    pub(crate) stem: String,
    pub(crate) at: f64,
    pub(crate) offset: f64,
    pub(crate) length: Option<f64>,
    pub(crate) gain_db: f64,
    pub(crate) pan: f64,
    pub(crate) mute: bool,
    pub(crate) solo: bool,
    pub(crate) inserts: Vec<Insert>,
    pub(crate) sends: Vec<SendPlan>,
    pub(crate) comments: Vec<String>,
}

/// A stem, a return or the master.
#[derive(Clone, Debug, Default)]
pub(crate) struct BusPlan {
    pub(crate) name: String,
    pub(crate) channels: u32,
    pub(crate) gain_db: f64,
    pub(crate) mute: bool,
    pub(crate) inserts: Vec<Insert>,
    pub(crate) sends: Vec<SendPlan>,
    pub(crate) comments: Vec<String>,
}

/// A DAWproject read and mapped onto a stemkit session, not yet written anywhere.
#[derive(Clone, Debug)]
pub struct Plan {
    pub(crate) name: String,
    pub(crate) origin: String,
    pub(crate) bpm: Option<f64>,
    pub(crate) time_signature: Option<(u32, u32)>,
    pub(crate) sample_rate: u32,
    pub(crate) sources: Vec<Source>,
    pub(crate) tracks: Vec<TrackPlan>,
    pub(crate) stems: Vec<BusPlan>,
    pub(crate) returns: Vec<BusPlan>,
    pub(crate) master: BusPlan,
    pub(crate) warnings: Vec<String>,
}

fn num(x: f64) -> String {
    toml::Value::Float(x).to_string()
}

fn string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// `# text` lines; control characters (a newline in a DAW name) become spaces.
fn comment(out: &mut String, text: &str) {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let _ = writeln!(out, "# {clean}");
}

fn opt(out: &mut Vec<String>, key: &str, v: Option<f64>) {
    if let Some(v) = v {
        out.push(format!("{key} = {}", num(v)));
    }
}

fn insert_text(i: &Insert) -> String {
    let mut kv = Vec::new();
    match i {
        Insert::Eq(bands) => {
            kv.push("type = \"eq\"".to_owned());
            let bands: Vec<String> = bands
                .iter()
                .map(|b| {
                    let mut f = vec![
                        format!("shape = {}", string(b.shape)),
                        format!("freq = {}", num(b.freq)),
                    ];
                    opt(&mut f, "q", b.q);
                    opt(&mut f, "gain_db", b.gain_db);
                    if let Some(s) = b.slope {
                        f.push(format!("slope = {s}"));
                    }
                    format!("{{ {} }}", f.join(", "))
                })
                .collect();
            kv.push(format!("bands = [{}]", bands.join(", ")));
        }
        Insert::Compressor {
            threshold_db,
            ratio,
            attack_ms,
            release_ms,
            makeup_db,
        } => {
            kv.push("type = \"compressor\"".to_owned());
            kv.push("style = \"clean\"".to_owned());
            kv.push(format!("threshold_db = {}", num(*threshold_db)));
            opt(&mut kv, "ratio", *ratio);
            opt(&mut kv, "attack_ms", *attack_ms);
            opt(&mut kv, "release", *release_ms);
            kv.push("knee_db = 0.0".to_owned());
            kv.push(format!("makeup_db = {}", num(*makeup_db)));
        }
        Insert::Limiter {
            ceiling_dbtp,
            release_ms,
            lookahead_ms,
        } => {
            kv.push("type = \"limiter\"".to_owned());
            opt(&mut kv, "ceiling_dbtp", *ceiling_dbtp);
            opt(&mut kv, "release_ms", *release_ms);
            opt(&mut kv, "lookahead_ms", *lookahead_ms);
        }
        Insert::Gain { gain_db } => {
            kv.push("type = \"gain\"".to_owned());
            kv.push(format!("gain_db = {}", num(*gain_db)));
        }
    }
    format!("{{ {} }}", kv.join(", "))
}

fn chain(out: &mut String, inserts: &[Insert]) {
    if inserts.is_empty() {
        return;
    }
    out.push_str("inserts = [\n");
    for i in inserts {
        let _ = writeln!(out, "  {},", insert_text(i));
    }
    out.push_str("]\n");
}

fn sends(out: &mut String, sends: &[SendPlan]) {
    if sends.is_empty() {
        return;
    }
    let items: Vec<String> = sends
        .iter()
        .map(|s| {
            let pre = if s.pre_fader {
                ", pre_fader = true"
            } else {
                ""
            };
            format!(
                "{{ to = {}, level_db = {}{pre} }}",
                string(&s.to),
                num(s.level_db)
            )
        })
        .collect();
    let _ = writeln!(out, "sends = [{}]", items.join(", "));
}

fn bus(out: &mut String, table: &str, b: &BusPlan, named: bool) {
    out.push('\n');
    for c in &b.comments {
        comment(out, c);
    }
    let _ = writeln!(out, "{table}");
    if named {
        let _ = writeln!(out, "name = {}", string(&b.name));
        let _ = writeln!(out, "channels = {}", b.channels);
    }
    if b.gain_db != 0.0 {
        let _ = writeln!(out, "gain_db = {}", num(b.gain_db));
    }
    if b.mute && named {
        out.push_str("mute = true\n");
    }
    chain(out, &b.inserts);
    sends(out, &b.sends);
}

impl Plan {
    /// What will not sound as it did in the DAW, one line each.
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The session file's text.
    #[must_use]
    pub fn session_text(&self) -> String {
        let mut out = String::new();
        comment(
            &mut out,
            &format!("Imported by stemkit from {}.", self.origin),
        );
        if !self.warnings.is_empty() {
            comment(&mut out, "What does not sound as it did in the DAW:");
            for w in &self.warnings {
                comment(&mut out, &format!("  - {w}"));
            }
        }
        out.push_str("\n[session]\n");
        let _ = writeln!(out, "name = {}", string(&self.name));
        let _ = writeln!(out, "sample_rate = {}", self.sample_rate);
        if let Some(bpm) = self.bpm {
            let _ = writeln!(out, "bpm = {}", num(bpm));
        }
        if let Some((n, d)) = self.time_signature {
            let _ = writeln!(out, "{}", time_signature_comment(n, d));
        }
        for t in &self.tracks {
            out.push('\n');
            for c in &t.comments {
                comment(&mut out, c);
            }
            out.push_str("[[track]]\n");
            let _ = writeln!(out, "name = {}", string(&t.name));
            let _ = writeln!(out, "file = {}", string(&self.sources[t.source].file));
            let _ = writeln!(out, "stem = {}", string(&t.stem));
            let _ = writeln!(out, "at = {}", num(t.at));
            if t.offset != 0.0 {
                let _ = writeln!(out, "offset = {}", num(t.offset));
            }
            if let Some(len) = t.length {
                let _ = writeln!(out, "length = {}", num(len));
            }
            if t.gain_db != 0.0 {
                let _ = writeln!(out, "gain_db = {}", num(t.gain_db));
            }
            if t.pan != 0.0 {
                let _ = writeln!(out, "pan = {}", num(t.pan));
            }
            if t.mute {
                out.push_str("mute = true\n");
            }
            if t.solo {
                out.push_str("solo = true\n");
            }
            chain(&mut out, &t.inserts);
            sends(&mut out, &t.sends);
        }
        for s in &self.stems {
            bus(&mut out, "[[stem]]", s, true);
        }
        for r in &self.returns {
            bus(&mut out, "[[return]]", r, true);
        }
        if self.master.gain_db != 0.0
            || !self.master.inserts.is_empty()
            || !self.master.comments.is_empty()
        {
            bus(&mut out, "[master]", &self.master, false);
        }
        out
    }
}

/// The line that keeps a time signature in a session, which has no key for it.
#[must_use]
pub fn time_signature_comment(numerator: u32, denominator: u32) -> String {
    format!("# time_signature = \"{numerator}/{denominator}\"")
}

/// The time signature a session's text keeps in its [`time_signature_comment`] line.
#[must_use]
pub fn time_signature_in(session_text: &str) -> Option<(u32, u32)> {
    session_text.lines().find_map(|l| {
        let v = l
            .trim()
            .strip_prefix("# time_signature = \"")?
            .strip_suffix('"')?;
        let (n, d) = v.split_once('/')?;
        let (n, d) = (n.parse().ok()?, d.parse().ok()?);
        (n > 0 && d > 0).then_some((n, d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_out_of_strings_or_comments() {
        let plan = Plan {
            name: "A \"quoted\"\nname".into(),
            origin: "x.dawproject".into(),
            bpm: Some(120.0),
            time_signature: Some((7, 8)),
            sample_rate: 48_000,
            sources: vec![Source {
                location: Location::Entry("audio/a.wav".into()),
                file: "audio/a.wav".into(),
                sample_rate: Some(48_000),
            }],
            tracks: vec![TrackPlan {
                name: "T\n[[stem]]".into(),
                stem: "S".into(),
                length: Some(1.5),
                comments: vec!["line one\n[[stem]] name = \"evil\"".into()],
                ..TrackPlan::default()
            }],
            stems: vec![BusPlan {
                name: "S".into(),
                channels: 2,
                ..BusPlan::default()
            }],
            returns: Vec::new(),
            master: BusPlan::default(),
            warnings: vec!["w\nx".into()],
        };
        let text = plan.session_text();
        let doc: toml::Table = text.parse().unwrap();
        assert_eq!(doc["stem"].as_array().unwrap().len(), 1, "{text}");
        assert_eq!(doc["track"][0]["name"].as_str(), Some("T\n[[stem]]"));
        assert_eq!(doc["session"]["name"].as_str(), Some("A \"quoted\"\nname"));
        assert_eq!(time_signature_in(&text), Some((7, 8)));
    }
}
