//! Malformed archives each get their own clear error, write nothing, and never panic
//! (a bounded, deterministic fuzz loop over mutations of a valid project).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use stemkit_dawproject::{ErrorKind, ImportError, ImportOptions, Limits};

fn good_xml(audio_path: &str) -> String {
    format!(
        r#"{PROJECT_HEAD}
  <Transport><Tempo unit="bpm" value="120"/></Transport>
  <Structure>
    <Track id="t1" name="Kick" contentType="audio"><Channel id="c1" role="regular"><Volume unit="linear" value="0.5"/></Channel></Track>
  </Structure>
  <Arrangement><Lanes timeUnit="beats"><Lanes track="t1"><Clips>
    <Clip time="1" duration="2" playStart="0.001"><Audio channels="1" sampleRate="48000" duration="0.01"><File path="{audio_path}"/></Audio></Clip>
  </Clips></Lanes></Lanes></Arrangement>
</Project>"#
    )
}

fn good_wav() -> Vec<u8> {
    wav_bytes(&[noise(1, 480)], RATE)
}

fn good_archive() -> Vec<u8> {
    let xml = good_xml("audio/kick.wav");
    archive(&[
        ("project.xml", xml.as_bytes()),
        ("audio/kick.wav", &good_wav()),
    ])
}

/// Imports `bytes` into a fresh folder; the error, and whether anything was written.
fn import_bytes(bytes: &[u8], opts: &ImportOptions) -> (Result<(), ImportError>, bool) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p.dawproject");
    std::fs::write(&project, bytes).unwrap();
    let out = dir.path().join("out");
    let r = stemkit_dawproject::import(&project, &out, opts).map(|_| ());
    let wrote = out.exists() && walk(&out) > 0;
    (r, wrote)
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        1 + walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn expect(bytes: &[u8], opts: &ImportOptions, check: impl Fn(&ErrorKind) -> bool, words: &[&str]) {
    let (r, wrote) = import_bytes(bytes, opts);
    let err = r.expect_err("the import should fail");
    let msg = err.to_string();
    println!("{msg}");
    assert!(check(&err.kind), "{msg}");
    assert!(msg.starts_with(&err.file.display().to_string()), "{msg}");
    for w in words {
        assert!(msg.contains(w), "{msg} lacks {w:?}");
    }
    assert!(!wrote, "{msg}: something was left in the output folder");
}

/// Overwrites the declared uncompressed size of every entry (local and central headers).
fn declare_size(bytes: &mut [u8], size: u32) {
    for i in 0..bytes.len().saturating_sub(30) {
        let at = match &bytes[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => i + 22,
            [0x50, 0x4b, 0x01, 0x02] => i + 24,
            _ => continue,
        };
        bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
    }
}

#[test]
fn the_valid_archive_imports() {
    let (r, wrote) = import_bytes(&good_archive(), &ImportOptions::default());
    r.unwrap();
    assert!(wrote);
}

#[test]
fn each_bad_archive_gets_its_error() {
    let opts = ImportOptions::default();
    expect(
        &good_wav(),
        &opts,
        |k| matches!(k, ErrorKind::NotZip(_)),
        &["not a DAWproject", "ZIP"],
    );
    expect(
        &archive(&[("audio/kick.wav", &good_wav())]),
        &opts,
        |k| matches!(k, ErrorKind::NoProject),
        &["project.xml"],
    );
    let unclosed = good_xml("audio/kick.wav").replace("</Clips>", "");
    expect(
        &archive(&[("project.xml", unclosed.as_bytes())]),
        &opts,
        |k| matches!(k, ErrorKind::Xml { .. }),
        &["project.xml line 10", "malformed XML"],
    );
    let off_schema = good_xml("audio/kick.wav").replace("time=\"1\"", "time=\"one\"");
    expect(
        &archive(&[
            ("project.xml", off_schema.as_bytes()),
            ("audio/kick.wav", &good_wav()),
        ]),
        &opts,
        |k| matches!(k, ErrorKind::Xml { line: 9, .. }),
        &["<Clip>", "time=\"one\""],
    );
    let bad_unit = good_xml("audio/kick.wav").replace("unit=\"linear\"", "unit=\"loud\"");
    expect(
        &archive(&[
            ("project.xml", bad_unit.as_bytes()),
            ("audio/kick.wav", &good_wav()),
        ]),
        &opts,
        |k| matches!(k, ErrorKind::Xml { .. }),
        &["<Volume>", "unit=\"loud\""],
    );
    let root = good_xml("a.wav")
        .replace("<Project ", "<Projekt ")
        .replace("</Project>", "</Projekt>");
    expect(
        &archive(&[("project.xml", root.as_bytes())]),
        &opts,
        |k| matches!(k, ErrorKind::Xml { .. }),
        &["<Project>"],
    );
    let missing = good_xml("audio/snare.wav");
    expect(
        &archive(&[
            ("project.xml", missing.as_bytes()),
            ("audio/kick.wav", &good_wav()),
        ]),
        &opts,
        |k| matches!(k, ErrorKind::MissingAudio { .. }),
        &["audio/snare.wav", "track \"Kick\"", "not in the archive"],
    );
    for (name, why) in [
        ("../evil.wav", "'..'"),
        ("audio/../../evil.wav", "'..'"),
        ("/etc/evil.wav", "absolute"),
    ] {
        let xml = good_xml(name);
        expect(
            &archive(&[("project.xml", xml.as_bytes()), (name, &good_wav())]),
            &opts,
            |k| matches!(k, ErrorKind::UnsafeEntry { .. }),
            &[name, why],
        );
    }
    let entity_bomb = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>{}",
        good_xml("audio/kick.wav").replace(
            PROJECT_HEAD,
            "<Project version=\"1.0\"><Application name=\"x\" version=\"1\"/>"
        )
    );
    expect(
        &archive(&[
            ("project.xml", entity_bomb.as_bytes()),
            ("audio/kick.wav", &good_wav()),
        ]),
        &opts,
        |k| matches!(k, ErrorKind::Xml { .. }),
        &["DOCTYPE"],
    );
    let deep = format!("<Project version=\"1.0\">{}", "<Lanes>".repeat(100_000));
    expect(
        &archive(&[("project.xml", deep.as_bytes())]),
        &opts,
        |k| matches!(k, ErrorKind::Xml { .. }),
        &["too deep"],
    );
    let xml = good_xml("audio/kick.wav");
    expect(
        &archive(&[
            ("project.xml", xml.as_bytes()),
            ("audio/kick.wav", b"RIFF not really audio"),
        ]),
        &opts,
        |k| matches!(k, ErrorKind::Audio { .. }),
        &["audio file \"audio/kick.wav\" cannot be used"],
    );
    let stretched = good_xml("audio/kick.wav").replace(
        r#"<Audio channels="1" sampleRate="48000" duration="0.01"><File path="audio/kick.wav"/></Audio>"#,
        r#"<Warps contentTimeUnit="seconds"><Audio channels="1" sampleRate="48000" duration="0.01"><File path="audio/kick.wav"/></Audio><Warp time="0" contentTime="0"/><Warp time="2" contentTime="0.8"/></Warps>"#,
    ).replace("playStart=\"0.001\"", "contentTimeUnit=\"beats\"");
    expect(
        &archive(&[
            ("project.xml", stretched.as_bytes()),
            ("audio/kick.wav", &good_wav()),
        ]),
        &opts,
        |k| matches!(k, ErrorKind::Unsupported(_)),
        &["time-stretched", "track \"Kick\""],
    );
}

#[test]
fn archives_that_expand_too_far_are_refused() {
    // Headers declaring 5 × 4 GiB: refused by the default limit before reading a byte.
    let xml = good_xml("audio/kick.wav");
    let mut bytes = archive(&[
        ("project.xml", xml.as_bytes()),
        ("audio/kick.wav", &good_wav()),
        ("a", b"x"),
        ("b", b"x"),
        ("c", b"x"),
    ]);
    declare_size(&mut bytes, u32::MAX - 1);
    expect(
        &bytes,
        &ImportOptions::default(),
        |k| matches!(k, ErrorKind::TooLarge { .. }),
        &["by its headers", "over the limit"],
    );

    // A deflate bomb whose headers lie: 64 MiB of zeros declared as 1 kB, against a
    // 16 MiB limit. Its data is counted as it comes out.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("project.xml", deflate).unwrap();
    std::io::Write::write_all(&mut zip, xml.as_bytes()).unwrap();
    zip.start_file("audio/kick.wav", deflate).unwrap();
    let zeros = vec![0_u8; 1 << 20];
    for _ in 0..64 {
        std::io::Write::write_all(&mut zip, &zeros).unwrap();
    }
    let mut bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "the bomb is small: {}", bomb.len());
    declare_size(&mut bomb, 1000);
    let small = ImportOptions {
        limits: Limits {
            max_expanded: 16 << 20,
            ..Limits::default()
        },
        replace: false,
    };
    let (r, wrote) = import_bytes(&bomb, &small);
    let err = r.expect_err("the bomb must not import");
    println!("{err}");
    assert!(
        matches!(
            err.kind,
            ErrorKind::TooLarge { .. } | ErrorKind::Corrupt { .. } | ErrorKind::Xml { .. }
        ),
        "{err}"
    );
    assert!(!wrote);
}

#[test]
fn an_existing_session_is_not_replaced_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p.dawproject");
    std::fs::write(&project, good_archive()).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("session.toml"), "# mine").unwrap();
    let err = stemkit_dawproject::import(&project, &out, &ImportOptions::default()).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Output { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("session.toml")).unwrap(),
        "# mine"
    );
    let opts = ImportOptions {
        replace: true,
        ..ImportOptions::default()
    };
    stemkit_dawproject::import(&project, &out, &opts).unwrap();
    assert_ne!(
        std::fs::read_to_string(out.join("session.toml")).unwrap(),
        "# mine"
    );
}

/// xorshift64*: the mutations are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces the XML mutator splices in: the tokens that matter to the importer.
const TOKENS: &[&str] = &[
    "<Clip time=\"0\" duration=\"1e308\">",
    "</Clip>",
    "<Clips>",
    "<Warps contentTimeUnit=\"beats\">",
    "<Warp time=\"0\" contentTime=\"-1\"/>",
    "reference=\"t1\"",
    "loopStart=\"0\" loopEnd=\"1e-300\"",
    "NaN",
    "-inf",
    "\"",
    "<",
    "&amp;",
    "&#0;",
    "destination=\"c1\"",
    "role=\"submix\"",
    "<Track id=\"t2\"><Channel id=\"c2\" destination=\"c1\"/></Track>",
];

fn mutate_xml(rng: &mut Rng, xml: &str) -> String {
    let mut s = xml.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(s.len());
        match rng.below(4) {
            0 => {
                let end = (at + rng.below(40)).min(s.len());
                s.drain(at..end);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                s.splice(at..at, t.iter().copied());
            }
            2 => {
                let end = (at + rng.below(200)).min(s.len());
                let copy: Vec<u8> = s[at..end].to_vec();
                let to = rng.below(s.len());
                s.splice(to..to, copy);
            }
            _ => {
                if let Some(b) = s.get_mut(at) {
                    *b = b"0123456789.-e<>/\"= x"[rng.below(20)];
                }
            }
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

fn mutate_bytes(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if rng.below(8) == 0 {
        b.truncate(rng.below(b.len()));
    }
    for _ in 0..=rng.below(8) {
        let at = rng.below(b.len());
        if let Some(x) = b.get_mut(at) {
            *x ^= 1 << rng.below(8);
        }
    }
    b
}

#[test]
fn mutated_archives_never_panic() {
    // Two projects to mutate: the small one, and the one with every feature the importer
    // maps (groups, sends, returns, warps, nested clips, loops), with tiny audio.
    let wav = good_wav();
    let small = good_xml("audio/kick.wav");
    let rich = reference_project_xml();
    let rich_audio: Vec<String> = ["kick", "snare", "bass", "keys", "pad", "lead"]
        .iter()
        .map(|n| format!("audio/{n}.wav"))
        .collect();
    let zipped = |xml: &str, rich_one: bool| {
        let mut entries: Vec<(&str, &[u8])> = vec![("project.xml", xml.as_bytes())];
        if rich_one {
            entries.extend(rich_audio.iter().map(|n| (n.as_str(), wav.as_slice())));
        } else {
            entries.push(("audio/kick.wav", &wav));
        }
        archive(&entries)
    };
    let bases = [zipped(&small, false), zipped(&rich, true)];
    let limits = Limits {
        max_expanded: 4 << 20,
        max_xml: 1 << 20,
    };
    let opts = ImportOptions {
        limits,
        replace: false,
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = std::time::Instant::now();
    let (mut ok, mut failed) = (0, 0);
    // STEMKIT_FUZZ_ITERATIONS runs a longer search locally; CI runs the bounded default.
    let iterations: usize = std::env::var("STEMKIT_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let every = if iterations > 20_000 { 1 } else { 20 };
    for i in 0..iterations {
        let rich_one = i % 4 >= 2;
        let input = if i % 2 == 0 {
            let xml = if rich_one { &rich } else { &small };
            zipped(&mutate_xml(&mut rng, xml), rich_one)
        } else {
            mutate_bytes(&mut rng, &bases[usize::from(rich_one)])
        };
        let result = std::panic::catch_unwind(|| {
            let planned = stemkit_dawproject::plan_archive(&input, limits).is_ok();
            // Carry some through extraction and decoding too; a mapping that passes
            // planning must write a session that loads.
            if planned
                && i % every == 0
                && let (Err(e), _) = import_bytes(&input, &opts)
            {
                assert!(
                    !matches!(e.kind, ErrorKind::Session(_)),
                    "mutation {i}: {e}"
                );
            }
            planned
        });
        match result {
            Ok(true) => ok += 1,
            Ok(false) => failed += 1,
            Err(_) => {
                let path = std::env::temp_dir().join(format!("stemkit-dawproject-fuzz-{i}.zip"));
                std::fs::write(&path, &input).unwrap();
                panic!("mutation {i} panicked; input kept at {}", path.display());
            }
        }
    }
    println!(
        "{ok} mutated archives planned, {failed} refused, in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        ok > 100 && failed > 100,
        "the mutations should reach both outcomes: {ok} / {failed}"
    );
}
