//! Broadcast Wave (`bext`, EBU Tech 3285 v1) and `iXML` chunks for delivered stems.
//!
//! `bext` carries what a receiving studio's DAW reads on import: a description, who made
//! the file and when, and the time reference that places sample 0 on the session
//! timeline (spotting). `iXML` carries the project name, tempo and key, and a name per
//! channel; readers that do not know an element skip it.
//!
//! Both chunks are built whole before the audio is written and never change size, so the
//! header can be patched in place at the end.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::wav::WavSpec;

/// Metadata chunks to put in a WAV file; the default puts none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WavMetadata {
    pub bext: Option<Bext>,
    pub ixml: Option<Ixml>,
}

/// The Broadcast Wave extension chunk. Text fields are ASCII; longer text is cut to the
/// field's size, non-ASCII characters become `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bext {
    /// Up to 256 characters.
    pub description: String,
    /// Up to 32 characters; `stemkit` by default.
    pub originator: String,
    /// Up to 32 characters.
    pub originator_reference: String,
    /// `yyyy-mm-dd`.
    pub origination_date: String,
    /// `hh:mm:ss`.
    pub origination_time: String,
    /// Sample 0's position on the timeline, in samples since midnight (the session's
    /// `start` for a print).
    pub time_reference: u64,
    /// EBU R 98 coding history; when empty, one line describing this file
    /// (`A=PCM,F=48000,W=24,M=stereo,T=stemkit 0.1.0`) is written.
    pub coding_history: String,
}

impl Bext {
    /// A `bext` from stemkit, made now (UTC).
    #[must_use]
    pub fn new(description: impl Into<String>, time_reference: u64) -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (date, time) = utc_date_time(secs);
        Self {
            description: description.into(),
            originator: "stemkit".into(),
            originator_reference: String::new(),
            origination_date: date,
            origination_time: time,
            time_reference,
            coding_history: String::new(),
        }
    }
}

/// `iXML` fields stemkit fills in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ixml {
    pub project: String,
    pub tempo_bpm: Option<f64>,
    /// e.g. `Am`, `F#`.
    pub key: Option<String>,
    /// Free text (which stem, which variant).
    pub note: Option<String>,
    /// One name per channel, e.g. `["Kick"]` or `["Drums L", "Drums R"]`; may be empty.
    pub track_names: Vec<String>,
}

/// Fixed part of a version-1 `bext` body: text fields, time reference, version, UMID and
/// the reserved bytes.
const BEXT_FIXED: usize = 256 + 32 + 32 + 10 + 8 + 8 + 2 + 64 + 190;

/// The `bext` chunk (id, size, body, pad) for a file of `spec`.
pub(crate) fn bext_chunk(b: &Bext, spec: &WavSpec) -> Vec<u8> {
    let mut body = Vec::with_capacity(BEXT_FIXED + 64);
    put_ascii(&mut body, &b.description, 256);
    put_ascii(&mut body, &b.originator, 32);
    put_ascii(&mut body, &b.originator_reference, 32);
    put_ascii(&mut body, &b.origination_date, 10);
    put_ascii(&mut body, &b.origination_time, 8);
    body.extend_from_slice(&b.time_reference.to_le_bytes()); // low then high dword
    body.extend_from_slice(&1u16.to_le_bytes());
    body.resize(BEXT_FIXED, 0); // UMID and reserved bytes stay zero
    let history = if b.coding_history.is_empty() {
        let mode = if spec.channels == 1 { "mono" } else { "stereo" };
        format!(
            "A=PCM,F={},W={},M={mode},T=stemkit {}\r\n",
            spec.sample_rate,
            spec.format.bits(),
            env!("CARGO_PKG_VERSION")
        )
    } else {
        b.coding_history.clone()
    };
    put_ascii(&mut body, &history, history.len());
    chunk(*b"bext", &body)
}

/// The `iXML` chunk (id, size, UTF-8 XML body, pad).
pub(crate) fn ixml_chunk(x: &Ixml) -> Vec<u8> {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BWFXML>\n");
    s += "<IXML_VERSION>2.10</IXML_VERSION>\n";
    s += &format!("<PROJECT>{}</PROJECT>\n", escape(&x.project));
    if let Some(note) = &x.note {
        s += &format!("<NOTE>{}</NOTE>\n", escape(note));
    }
    let mut user = Vec::new();
    if let Some(bpm) = x.tempo_bpm {
        user.push(format!("TEMPO={bpm}"));
    }
    if let Some(key) = &x.key {
        user.push(format!("KEY={}", escape(key)));
    }
    if !user.is_empty() {
        s += &format!("<USER>{}</USER>\n", user.join("&#10;"));
    }
    if !x.track_names.is_empty() {
        s += &format!(
            "<TRACK_LIST>\n<TRACK_COUNT>{}</TRACK_COUNT>\n",
            x.track_names.len()
        );
        for (i, name) in x.track_names.iter().enumerate() {
            s += &format!(
                "<TRACK><CHANNEL_INDEX>{n}</CHANNEL_INDEX><INTERLEAVE_INDEX>{n}</INTERLEAVE_INDEX>\
                 <NAME>{}</NAME></TRACK>\n",
                escape(name),
                n = i + 1
            );
        }
        s += "</TRACK_LIST>\n";
    }
    s += "</BWFXML>\n";
    chunk(*b"iXML", s.as_bytes())
}

/// `id`, little-endian size, body. An odd text body gets a trailing NUL counted in its
/// size, rather than the uncounted RIFF pad byte: some readers (hound among them) skip a
/// chunk by its size alone and would land one byte short.
pub(crate) fn chunk(id: [u8; 4], body: &[u8]) -> Vec<u8> {
    let padded = body.len() + body.len() % 2;
    let mut c = Vec::with_capacity(padded + 8);
    c.extend_from_slice(&id);
    c.extend_from_slice(&(padded as u32).to_le_bytes());
    c.extend_from_slice(body);
    c.resize(padded + 8, 0);
    c
}

/// `text` as ASCII in exactly `width` bytes (cut, or NUL-padded).
fn put_ascii(out: &mut Vec<u8>, text: &str, width: usize) {
    let start = out.len();
    out.extend(
        text.chars()
            .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
            .take(width),
    );
    out.resize(start + width, 0);
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `(yyyy-mm-dd, hh:mm:ss)` of a Unix time in UTC (days-to-civil, proleptic Gregorian).
fn utc_date_time(secs: u64) -> (String, String) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wav::SampleFormat;

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(utc_date_time(0), ("1970-01-01".into(), "00:00:00".into()));
        // `date -u -d @951782400` = 2000-02-29 00:00:00 (a leap day)
        assert_eq!(
            utc_date_time(951_782_400),
            ("2000-02-29".into(), "00:00:00".into())
        );
        // `date -u -d @1700000000` = 2023-11-14 22:13:20
        assert_eq!(
            utc_date_time(1_700_000_000),
            ("2023-11-14".into(), "22:13:20".into())
        );
    }

    #[test]
    fn bext_fields_sit_at_their_offsets() {
        let spec = WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int24,
        };
        let mut b = Bext::new("Kick stem, dry", 48_000 * 3600);
        b.origination_date = "2024-05-06".into();
        b.origination_time = "07:08:09".into();
        let c = bext_chunk(&b, &spec);
        let body = &c[8..];
        assert_eq!(&c[..4], b"bext");
        assert_eq!(
            u32::from_le_bytes(c[4..8].try_into().unwrap()) as usize,
            body.len()
        );
        assert_eq!(body.len() % 2, 0);
        assert_eq!(&body[..14], b"Kick stem, dry");
        assert_eq!(body[14], 0);
        assert_eq!(&body[256..263], b"stemkit");
        assert_eq!(&body[320..330], b"2024-05-06");
        assert_eq!(&body[330..338], b"07:08:09");
        assert_eq!(
            u64::from_le_bytes(body[338..346].try_into().unwrap()),
            172_800_000
        );
        assert_eq!(u16::from_le_bytes(body[346..348].try_into().unwrap()), 1);
        let history = std::str::from_utf8(&body[BEXT_FIXED..]).unwrap();
        assert!(
            history.starts_with("A=PCM,F=48000,W=24,M=stereo,T=stemkit "),
            "{history}"
        );
        assert!(c.len().is_multiple_of(2));
    }

    #[test]
    fn ixml_escapes_text_and_lists_tracks() {
        let x = Ixml {
            project: "Rock & <Roll>".into(),
            tempo_bpm: Some(124.5),
            key: Some("F#m".into()),
            note: None,
            track_names: vec!["Gtr L".into(), "Gtr R".into()],
        };
        let c = ixml_chunk(&x);
        let xml = std::str::from_utf8(&c[8..]).unwrap().trim_end_matches('\0');
        assert!(
            xml.contains("<PROJECT>Rock &amp; &lt;Roll&gt;</PROJECT>"),
            "{xml}"
        );
        assert!(
            xml.contains("<USER>TEMPO=124.5&#10;KEY=F#m</USER>"),
            "{xml}"
        );
        assert!(xml.contains("<TRACK_COUNT>2</TRACK_COUNT>"));
        assert!(xml.contains("<NAME>Gtr R</NAME>"));
        assert_eq!(c.len() % 2, 0);
    }

    #[test]
    fn ascii_fields_are_cut_and_padded() {
        let mut v = Vec::new();
        put_ascii(&mut v, "héllo", 3);
        assert_eq!(v, b"h?l");
        put_ascii(&mut v, "ab", 4);
        assert_eq!(&v[3..], b"ab\0\0");
    }
}
