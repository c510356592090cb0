//! The session file `init` writes: DESIGN §4's format, laid out as an engineer would
//! write it, with a comment giving the reason for every choice.

use std::collections::BTreeSet;
use std::fmt::Write;
use stemkit_session::text::{float as num, string};

use stemkit_dsp::params::DelayTime;

use crate::scan::CONTENT_DBFS;
use crate::{Plan, Reason, Track};

/// Tempo a synced delay is converted at when the song's tempo is unknown.
const DEFAULT_BPM: f64 = 120.0;

/// Text safe inside a one-line comment.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `m:ss.mmm`.
fn clock(seconds: f64) -> String {
    let m = (seconds / 60.0).floor();
    format!("{}:{:06.3}", m as u64, seconds - 60.0 * m)
}

fn reason(t: &Track) -> String {
    let role = t
        .placement
        .role
        .map(|r| format!(" → {r}"))
        .unwrap_or_default();
    let quoted = |words: &[String]| {
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let text = match &t.placement.reason {
        Reason::Rule(rule) => format!("the layout's naming rule \"{rule}\""),
        Reason::Name(words) => format!("the name says {}{role}", quoted(words)),
        Reason::Folder { folder, words } => format!(
            "the file name says nothing; its folder \"{folder}\" says {}{role}",
            quoted(words)
        ),
        Reason::Audio(why) => format!("the name says nothing; the audio: {why}{role}"),
    };
    comment(&text)
}

/// An insert as the layout wrote it; a tempo-synced delay time becomes milliseconds when
/// the session has no tempo, with the reason in `notes`.
fn insert_text(v: &toml_edit::Value, bpm: Option<f64>, notes: &mut Vec<String>) -> String {
    let mut v = v.clone();
    if bpm.is_none()
        && let Some(t) = v.as_inline_table_mut()
        && t.get("type").and_then(toml_edit::Value::as_str) == Some("delay")
        && let Some(note) = t.get("time").and_then(toml_edit::Value::as_str)
        && let Ok(s) = DelayTime::Note(note.to_owned()).seconds(Some(DEFAULT_BPM))
    {
        let note = note.to_owned();
        let ms = (s * 1000.0 * 10.0).round() / 10.0;
        t.insert("time", toml_edit::Value::from(ms));
        notes.push(format!(
            "no tempo is known, so the delay's \"{note}\" is written as {} ms (its length at {DEFAULT_BPM} BPM); set [session] bpm and time = \"{note}\" to follow the song",
            num(ms)
        ));
    }
    v.to_string().trim().to_owned()
}

fn chain(s: &mut String, inserts: &[toml_edit::Value], bpm: Option<f64>) {
    let mut notes = Vec::new();
    let lines: Vec<String> = inserts
        .iter()
        .map(|v| insert_text(v, bpm, &mut notes))
        .collect();
    for n in notes {
        let _ = writeln!(s, "# {}", comment(&n));
    }
    if lines.is_empty() {
        let _ = writeln!(s, "inserts = []");
        return;
    }
    let _ = writeln!(s, "inserts = [");
    for l in lines {
        let _ = writeln!(s, "  {l},");
    }
    let _ = writeln!(s, "]");
}

pub(crate) fn write(plan: &Plan) -> String {
    let layout = &plan.layout;
    let mut s = String::new();
    let used = plan.stems();
    let placed = plan
        .tracks
        .iter()
        .filter(|t| t.placement.stem.is_some())
        .count();
    let left_out: Vec<&Track> = plan
        .tracks
        .iter()
        .filter(|t| t.placement.stem.is_none())
        .collect();
    let _ = writeln!(
        s,
        "# stemkit session written by `stemkit init` from {} with the \"{}\" layout.",
        comment(&plan.dir.display().to_string()),
        comment(&layout.name)
    );
    let _ = writeln!(
        s,
        "# {placed} tracks in {} stems; {} left out; {} unreadable. Every value is a starting",
        used.len(),
        left_out.len(),
        plan.skipped.len()
    );
    let _ = writeln!(
        s,
        "# point to edit; the comments give the reason for each choice."
    );
    if !plan.skipped.is_empty() {
        let _ = writeln!(s, "#\n# Skipped, could not be read:");
        for k in &plan.skipped {
            let _ = writeln!(
                s,
                "#   {}: {}",
                comment(&k.file.display().to_string()),
                comment(&k.why)
            );
        }
    }
    if !left_out.is_empty() {
        let _ = writeln!(
            s,
            "#\n# Left out of the mix (click, timecode, references); add a [[track]] to use one:"
        );
        for t in &left_out {
            let _ = writeln!(
                s,
                "#   {}: {}",
                comment(&t.file.display().to_string()),
                reason(t)
            );
        }
    }
    let empty: Vec<&str> = layout
        .stems
        .iter()
        .filter(|st| !used.iter().any(|(n, _)| *n == st.name))
        .map(|st| st.name.as_str())
        .collect();
    if !empty.is_empty() {
        let _ = writeln!(
            s,
            "#\n# Stems of the layout no track went to, left out: {}",
            comment(&empty.join(", "))
        );
    }

    let bpm = plan.bpm.as_ref().map(|b| b.value);
    let _ = writeln!(s, "\n[session]");
    let name = plan
        .dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "Session".to_owned());
    let _ = writeln!(s, "name = {}", string(&name));
    let _ = writeln!(
        s,
        "sample_rate = {}   # {}",
        plan.sample_rate.value,
        comment(&plan.sample_rate.from)
    );
    match &plan.bpm {
        Some(b) => {
            let _ = writeln!(s, "bpm = {}   # {}", num(b.value), comment(&b.from));
        }
        None => {
            let _ = writeln!(
                s,
                "# bpm: no file name or metadata states it and --bpm was not given"
            );
        }
    }
    match &plan.key {
        Some(k) => {
            let _ = writeln!(s, "key = {}   # {}", string(&k.value), comment(&k.from));
        }
        None => {
            let _ = writeln!(
                s,
                "# key: no file name or metadata states it and --key was not given"
            );
        }
    }
    let _ = writeln!(s, "start = 0.0");
    let _ = writeln!(s, "end = \"auto\"");
    let _ = writeln!(s, "tail = \"auto\"");
    let _ = writeln!(s, "pan_law_db = -3.0");

    let mut naming = "{stem}".to_owned();
    if plan.bpm.is_some() {
        naming.push_str("_{bpm}");
    }
    if plan.key.is_some() {
        naming.push_str("_{key}");
    }
    let _ = writeln!(s, "\n[output]");
    let _ = writeln!(s, "format = \"wav\"");
    let _ = writeln!(s, "bit_depth = 24");
    let _ = writeln!(s, "dither = \"tpdf\"");
    let _ = writeln!(
        s,
        "naming = {}   # tempo and key only when known",
        string(&naming)
    );
    let _ = writeln!(s, "mix_name = \"Mix\"");
    let _ = writeln!(s, "variants = [\"dry\"]");
    let _ = writeln!(s, "master = \"bypass\"");

    for (i, stem) in layout.stems.iter().enumerate() {
        let tracks: Vec<&Track> = plan
            .tracks
            .iter()
            .filter(|t| t.placement.stem == Some(i))
            .collect();
        if tracks.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n# {}", "-".repeat(78));
        let n = tracks.len();
        let plural = if n == 1 { "" } else { "s" };
        let _ = writeln!(s, "# {}: {n} track{plural}", comment(&stem.name));
        for t in tracks {
            write_track(&mut s, t, &stem.name);
        }
    }

    let mut sent_to = BTreeSet::new();
    let _ = writeln!(s, "\n# {}", "-".repeat(78));
    let _ = writeln!(
        s,
        "# Stem buses, in the order corrective EQ → tonal EQ → compression → saturation → sends."
    );
    for stem in &layout.stems {
        if !used.iter().any(|(n, _)| *n == stem.name) {
            continue;
        }
        let _ = writeln!(s, "\n[[stem]]");
        let _ = writeln!(s, "name = {}", string(&stem.name));
        if stem.channels == 1 {
            let _ = writeln!(
                s,
                "channels = 1   # a mono stem: stereo tracks are summed as (L + R) / 2"
            );
        } else {
            let _ = writeln!(s, "channels = 2");
        }
        let _ = writeln!(s, "gain_db = 0.0");
        if let Some(note) = &stem.note {
            let _ = writeln!(s, "# {}", comment(note));
        }
        chain(&mut s, &stem.inserts, bpm);
        let sends: Vec<String> = stem
            .sends
            .iter()
            .map(|x| {
                sent_to.insert(x.to.clone());
                format!(
                    "{{ to = {}, level_db = {}, pre_fader = {} }}",
                    string(&x.to),
                    num(x.level_db),
                    x.pre_fader
                )
            })
            .collect();
        let _ = writeln!(s, "sends = [{}]", sends.join(", "));
    }

    for r in &layout.returns {
        if !sent_to.contains(&r.name) {
            continue;
        }
        let _ = writeln!(s, "\n[[return]]");
        let _ = writeln!(s, "name = {}", string(&r.name));
        if let Some(note) = &r.note {
            let _ = writeln!(s, "# {}", comment(note));
        }
        chain(&mut s, &r.inserts, bpm);
    }

    let _ = writeln!(s, "\n[master]");
    let _ = writeln!(
        s,
        "gain_db = 0.0   # the master is bypassed for stem prints (output master = \"bypass\")"
    );
    let _ = writeln!(s, "inserts = []");
    s
}

fn write_track(s: &mut String, t: &Track, stem: &str) {
    let info = &t.info;
    let rate = f64::from(info.sample_rate);
    let _ = writeln!(s, "\n[[track]]");
    let _ = writeln!(s, "name = {}", string(&t.name));
    let _ = writeln!(s, "file = {}", string(&t.file.to_string_lossy()));
    let _ = writeln!(s, "stem = {}   # {}", string(stem), reason(t));
    let channels = if info.channels == 1 { "mono" } else { "stereo" };
    let length = clock(t.levels.frames as f64 / rate);
    let peak = if t.levels.peak_dbfs.is_finite() {
        format!("peak {:.1} dBFS", t.levels.peak_dbfs)
    } else {
        "digital silence".to_owned()
    };
    let _ = writeln!(s, "# {} Hz, {channels}, {length}, {peak}", info.sample_rate);
    match t.levels.content_start {
        Some(f) => {
            let _ = writeln!(
                s,
                "# content starts at {:.3} s (first sample above {CONTENT_DBFS:.0} dBFS)",
                f as f64 / rate
            );
        }
        None => {
            let _ = writeln!(
                s,
                "# no sample above {CONTENT_DBFS:.0} dBFS: the file is silent"
            );
        }
    }
    let _ = writeln!(
        s,
        "at = 0.0   # exported tracks start at bar 1, so the file plays from the session start"
    );
    let _ = writeln!(s, "gain_db = 0.0");
    let _ = writeln!(s, "pan = 0.0");
}
