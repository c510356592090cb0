//! The session file of a demo (DESIGN §4), written as text so that its layout reads like
//! one an engineer would write: sections in order, one inline table per insert.

use crate::kinds::{Kind, STEMS};
use crate::{Demo, DemoTrack};
use std::fmt::Write;
use stemkit_session::text::{float as num, string};

/// One EQ band as an inline table.
enum Band {
    Highpass(f64, u32),
    Lowpass(f64),
    Bell(f64, f64, f64),
    LowShelf(f64, f64),
    HighShelf(f64, f64),
}

fn eq(bands: &[Band]) -> String {
    let bands: Vec<String> = bands
        .iter()
        .map(|b| match *b {
            Band::Highpass(f, slope) => {
                format!(
                    "{{ shape = \"highpass\", freq = {}, slope = {slope} }}",
                    num(f)
                )
            }
            Band::Lowpass(f) => format!("{{ shape = \"lowpass\", freq = {} }}", num(f)),
            Band::Bell(f, q, g) => format!(
                "{{ shape = \"bell\", freq = {}, q = {}, gain_db = {} }}",
                num(f),
                num(q),
                num(g)
            ),
            Band::LowShelf(f, g) => {
                format!(
                    "{{ shape = \"lowshelf\", freq = {}, gain_db = {} }}",
                    num(f),
                    num(g)
                )
            }
            Band::HighShelf(f, g) => {
                format!(
                    "{{ shape = \"highshelf\", freq = {}, gain_db = {} }}",
                    num(f),
                    num(g)
                )
            }
        })
        .collect();
    format!("{{ type = \"eq\", bands = [{}] }}", bands.join(", "))
}

/// A chain as a TOML array, one insert per line.
fn chain(inserts: &[String]) -> String {
    if inserts.is_empty() {
        return "[]".to_owned();
    }
    let mut s = "[\n".to_owned();
    for i in inserts {
        let _ = writeln!(s, "  {i},");
    }
    s.push(']');
    s
}

/// A track's own inserts: the corrective moves an engineer makes before the stems.
fn track_inserts(kind: Kind, processing: bool) -> Vec<String> {
    use Band::{Bell, HighShelf, Highpass};
    let mut v = Vec::new();
    match kind {
        Kind::KickIn => v.push(eq(&[Bell(400.0, 1.5, -4.0)])),
        Kind::SnareTop => v.push(eq(&[Bell(200.0, 1.4, 2.0), HighShelf(6_000.0, 1.5)])),
        Kind::SnareBottom => v.push(eq(&[Highpass(150.0, 12)])),
        Kind::Overheads => v.push(eq(&[Highpass(180.0, 24)])),
        Kind::LeadVox => {
            v.push(eq(&[Highpass(100.0, 24), Bell(3_000.0, 1.0, 2.0)]));
            if processing {
                v.push(
                    "{ type = \"compressor\", style = \"clean\", threshold_db = -24.0, \
                     ratio = 3.0, attack_ms = 5.0, release = 80.0 }"
                        .to_owned(),
                );
            }
        }
        Kind::BassAmp if processing => v.push(
            "{ type = \"saturation\", drive_db = 6.0, character = \"tube\", mix = 0.5 }".to_owned(),
        ),
        _ => {}
    }
    v
}

/// A stem's chain in the canonical order (corrective EQ, tonal EQ, compression,
/// saturation) and its sends.
fn stem_chain(stem: &str, processing: bool) -> (Vec<String>, Vec<(&'static str, f64)>) {
    use Band::{Bell, HighShelf, Highpass, LowShelf, Lowpass};
    let comp = |style: &str, threshold: f64, ratio: f64, release: &str| {
        format!(
            "{{ type = \"compressor\", style = \"{style}\", threshold_db = {}, ratio = {}, \
             release = {release} }}",
            num(threshold),
            num(ratio)
        )
    };
    let mut inserts = Vec::new();
    let mut sends = Vec::new();
    match stem {
        "Kick" => inserts.push(eq(&[Highpass(30.0, 12), Bell(60.0, 1.0, 2.0)])),
        "Bass" => {
            inserts.push(eq(&[
                Highpass(35.0, 12),
                LowShelf(100.0, 1.5),
                Lowpass(8_000.0),
            ]));
            if processing {
                inserts.push(comp("clean", -20.0, 3.0, "120.0"));
            }
        }
        "Drums" => {
            inserts.push(eq(&[Highpass(40.0, 12), HighShelf(8_000.0, 1.5)]));
            if processing {
                inserts.push(comp("bus", -18.0, 2.0, "\"auto\""));
            }
            sends.push(("Reverb", -18.0));
        }
        "Synths" => {
            inserts.push(eq(&[Highpass(120.0, 12), Bell(2_500.0, 0.8, -1.5)]));
            if processing {
                inserts.push(comp("varimu", -20.0, 1.5, "\"auto\""));
                sends.push(("Delay", -20.0));
            }
            sends.push(("Reverb", -14.0));
        }
        "Vocals" => {
            inserts.push(eq(&[
                Highpass(90.0, 12),
                Bell(300.0, 1.2, -2.0),
                HighShelf(10_000.0, 2.0),
            ]));
            if processing {
                inserts.push(comp("clean", -20.0, 3.0, "100.0"));
                inserts.push(
                    "{ type = \"saturation\", drive_db = 3.0, character = \"tape\", mix = 0.3 }"
                        .to_owned(),
                );
                sends.push(("Delay", -16.0));
            }
            sends.push(("Reverb", -10.0));
        }
        // FX
        _ => {
            inserts.push(eq(&[Highpass(60.0, 12)]));
            if !processing {
                // Exercises the gain processor's mid/side width on a stereo stem.
                inserts.push("{ type = \"gain\", gain_db = -1.0, width = 1.2 }".to_owned());
            }
            sends.push(("Reverb", -12.0));
        }
    }
    (inserts, sends)
}

fn returns(processing: bool) -> Vec<(&'static str, Vec<String>)> {
    if processing {
        vec![
            (
                "Reverb",
                vec![
                    "{ type = \"reverb\", decay_s = 1.8, predelay_ms = 20.0 }".to_owned(),
                    eq(&[Band::Highpass(150.0, 12)]),
                ],
            ),
            (
                "Delay",
                vec![
                    "{ type = \"delay\", time = \"1/8.\", feedback = 0.3, lowcut = 200.0, \
                     highcut = 6000.0, pingpong = true }"
                        .to_owned(),
                ],
            ),
        ]
    } else {
        // The plain session still sends: a return with only a gain exercises the path.
        vec![(
            "Reverb",
            vec!["{ type = \"gain\", gain_db = -6.0 }".to_owned()],
        )]
    }
}

fn write_track(s: &mut String, t: &DemoTrack, kind: Kind, processing: bool) {
    let _ = writeln!(s, "\n[[track]]");
    let _ = writeln!(s, "name = {}", string(&t.name));
    let _ = writeln!(s, "file = {}", string(&t.file_name));
    let _ = writeln!(s, "stem = {}", string(t.stem));
    let _ = writeln!(s, "at = {}", num(t.at_seconds));
    let _ = writeln!(s, "gain_db = {}", num(t.gain_db));
    let _ = writeln!(s, "pan = {}", num(t.pan));
    if t.polarity {
        let _ = writeln!(s, "polarity = true");
    }
    let inserts = track_inserts(kind, processing);
    if !inserts.is_empty() {
        let _ = writeln!(s, "inserts = {}", chain(&inserts));
    }
}

pub(crate) fn session_toml(demo: &Demo) -> String {
    let o = &demo.options;
    let processing = o.processing;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# stemkit demo: {} tracks, {} bars at {} BPM in A minor ({:.1} s), synthesised.",
        demo.tracks.len(),
        demo.song.bars,
        o.bpm,
        demo.seconds()
    );
    let _ = writeln!(s, "\n[session]");
    let _ = writeln!(s, "name = \"Night Drive\"");
    let _ = writeln!(s, "sample_rate = {}", o.sample_rate);
    let _ = writeln!(s, "bpm = {}", num(o.bpm));
    let _ = writeln!(s, "key = \"Am\"");
    let _ = writeln!(s, "start = 0.0");
    let _ = writeln!(s, "end = \"auto\"");
    let _ = writeln!(s, "tail = \"auto\"");
    let _ = writeln!(s, "pan_law_db = -3.0");

    let _ = writeln!(s, "\n[output]");
    let _ = writeln!(s, "format = \"wav\"");
    let _ = writeln!(s, "bit_depth = 24");
    let _ = writeln!(s, "dither = \"tpdf\"");
    let _ = writeln!(s, "naming = \"{{stem}}_{{bpm}}_{{key}}\"");
    let _ = writeln!(s, "mix_name = \"Mix\"");
    let variants = if processing {
        "[\"dry\", \"wet\"]"
    } else {
        "[\"dry\"]"
    };
    let _ = writeln!(s, "variants = {variants}");
    let _ = writeln!(s, "master = \"bypass\"");

    for (t, &(kind, _)) in demo.tracks.iter().zip(&demo.lineup) {
        write_track(&mut s, t, kind, processing);
    }

    for stem in STEMS {
        let (inserts, sends) = stem_chain(stem, processing);
        let _ = writeln!(s, "\n[[stem]]");
        let _ = writeln!(s, "name = {}", string(stem));
        let _ = writeln!(
            s,
            "channels = {}",
            if matches!(stem, "Kick" | "Bass") {
                1
            } else {
                2
            }
        );
        let _ = writeln!(s, "gain_db = 0.0");
        let _ = writeln!(s, "inserts = {}", chain(&inserts));
        let sends: Vec<String> = sends
            .iter()
            .map(|(to, level)| {
                format!(
                    "{{ to = {}, level_db = {}, pre_fader = false }}",
                    string(to),
                    num(*level)
                )
            })
            .collect();
        let _ = writeln!(s, "sends = {}", chain(&sends));
    }

    for (name, inserts) in returns(processing) {
        let _ = writeln!(s, "\n[[return]]");
        let _ = writeln!(s, "name = {}", string(name));
        let _ = writeln!(s, "inserts = {}", chain(&inserts));
    }

    let _ = writeln!(s, "\n[master]");
    let _ = writeln!(s, "gain_db = 0.0");
    if processing {
        let _ = writeln!(
            s,
            "inserts = [{{ type = \"limiter\", ceiling_dbtp = -1.0 }}]"
        );
    }
    s
}
