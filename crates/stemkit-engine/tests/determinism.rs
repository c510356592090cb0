//! The fast paths of the render change no sample: block size, thread count and the
//! mix-only print give the same file bytes as a single thread with small blocks.
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::path::{Path, PathBuf};

use stemkit_engine::{RenderOptions, render};

const SR: u32 = 48_000;

/// Noise bursts with a slow envelope: enough level to drive the compressors and the
/// saturation, silent gaps so tracks start and stop inside blocks.
fn source(seed: u32, frames: usize, channels: usize) -> Vec<Vec<f32>> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..channels)
        .map(|c| {
            (0..frames)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    let env = ((i as f32 / 3_000.0 + c as f32).sin()).max(0.0);
                    (x as f32 / u32::MAX as f32 - 0.5) * env
                })
                .collect()
        })
        .collect()
}

fn write(path: &Path, data: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: data.len() as u16,
        sample_rate: SR,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..data[0].len() {
        for ch in data {
            w.write_sample((ch[i] * 8_388_607.0) as i32).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// Every kind of node: mono and stereo tracks placed at odd times, track inserts, a
/// compressor keyed by a track and one keyed by a stem, saturation, pre and post-fader
/// sends to a reverb, both variants, and with `master` a master-consistent limiter.
fn session(dir: &Path, master: bool) -> PathBuf {
    write(&dir.join("kick.wav"), &source(1, 30_000, 1));
    write(&dir.join("bass.wav"), &source(2, 41_000, 1));
    write(&dir.join("pad.wav"), &source(3, 50_000, 2));
    write(&dir.join("vox.wav"), &source(4, 23_456, 2));
    let text = r#"
[session]
name = "Determinism"
sample_rate = 48000
bpm = 120.0
tail = 0.25

[output]
variants = ["dry", "wet"]

[[track]]
name = "Kick"
file = "kick.wav"
stem = "Drums"
at = 0.0101

[[track]]
name = "Bass"
file = "bass.wav"
stem = "Bass"
at = 0.2
pan = -0.3
inserts = [ { type = "compressor", style = "bus", threshold_db = -30.0, ratio = 4.0, key = "Kick" } ]

[[track]]
name = "Pad"
file = "pad.wav"
stem = "Music"
gain_db = -3.0
inserts = [ { type = "eq", bands = [ { shape = "highpass", freq = 120.0, q = 0.707 } ] } ]
sends = [ { to = "Room", level_db = -6.0 } ]

[[track]]
name = "Vox"
file = "vox.wav"
stem = "Music"
at = 0.33

[[stem]]
name = "Drums"
inserts = [ { type = "saturation", character = "tape", drive_db = 6.0 } ]
sends = [ { to = "Room", level_db = -10.0, pre_fader = true } ]

[[stem]]
name = "Bass"
channels = 1
gain_db = -2.0

[[stem]]
name = "Music"
inserts = [
  { type = "eq", bands = [ { shape = "bell", freq = 2000.0, q = 1.0, gain_db = 3.0 } ] },
  { type = "compressor", style = "clean", threshold_db = -24.0, ratio = 2.0, key = "Drums" },
]
sends = [ { to = "Room", level_db = -12.0 } ]

[[return]]
name = "Room"
inserts = [ { type = "reverb", decay_s = 0.4, predelay_ms = 7.0 } ]
"#;
    let master_part = r#"
[master]
inserts = [ { type = "limiter", ceiling_dbtp = -6.0 } ]
"#;
    let text = if master {
        text.replace("[output]\n", "[output]\nmaster = \"consistent\"\n") + master_part
    } else {
        text.to_owned()
    };
    let path = dir.join("session.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The bytes from the `data` chunk on: the header carries the time of the render.
fn audio(bytes: Vec<u8>) -> Vec<u8> {
    let at = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk");
    bytes[at..].to_vec()
}

/// `(file name, audio bytes)` of every print, sorted by name.
fn prints(
    session: &Path,
    out: &Path,
    threads: usize,
    block: usize,
    mix_only: bool,
) -> Vec<(String, Vec<u8>)> {
    let s = stemkit_session::load(session).unwrap();
    let mut opts = RenderOptions::new(out);
    opts.threads = threads;
    opts.block = block;
    opts.mix_only = mix_only;
    let r = render(&s, &opts, &mut |_, _| {}).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = r
        .files
        .iter()
        .map(|f| {
            let name = f
                .pending
                .final_path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, audio(std::fs::read(f.pending.temp_path()).unwrap()))
        })
        .collect();
    files.sort();
    files
}

fn assert_same(plain: &[(String, Vec<u8>)], fast: &[(String, Vec<u8>)], what: &str) {
    assert_eq!(plain.len(), fast.len());
    for ((name, a), (other, b)) in plain.iter().zip(fast) {
        assert_eq!(name, other);
        assert!(a == b, "{name} differs with {what}");
    }
}

#[test]
fn threads_and_block_sizes_give_the_same_bytes() {
    let d = tempfile::tempdir().unwrap();
    let session = session(d.path(), false);
    let plain = prints(&session, &d.path().join("a"), 1, 64, false);
    let names: Vec<&str> = plain.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 8, "{names:?}");
    for (threads, block) in [(2, 2048), (3, 1000), (1, 4096)] {
        let out = d.path().join(format!("b{threads}_{block}"));
        let fast = prints(&session, &out, threads, block, false);
        assert_same(
            &plain,
            &fast,
            &format!("{threads} threads, {block}-frame blocks"),
        );
    }
}

/// A distributed master (a limiter on every stem and the mix, master-consistent) gives the
/// same bytes whatever the thread count and the block size.
#[test]
fn threads_and_blocks_give_the_same_bytes_through_a_distributed_master() {
    let d = tempfile::tempdir().unwrap();
    let session = session(d.path(), true);
    let plain = prints(&session, &d.path().join("a"), 1, 2048, false);
    assert!(plain.iter().any(|(n, _)| n == "Mix_Master_120.wav"));
    for (threads, block) in [(2, 2048), (3, 2048), (2, 1000), (1, 4096)] {
        let fast = prints(
            &session,
            &d.path().join(format!("t{threads}_{block}")),
            threads,
            block,
            false,
        );
        assert_same(
            &plain,
            &fast,
            &format!("{threads} threads, {block}-frame blocks"),
        );
    }
}

#[test]
fn the_mix_only_print_is_the_mix_of_the_full_render() {
    let d = tempfile::tempdir().unwrap();
    let session = session(d.path(), true);
    let full = prints(&session, &d.path().join("full"), 2, 2048, false);
    let only = prints(&session, &d.path().join("only"), 1, 2048, true);
    let names: Vec<&str> = only.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Mix_120.wav", "Mix_Master_120.wav"]);
    for (name, bytes) in &only {
        let (_, same) = full.iter().find(|(n, _)| n == name).unwrap();
        assert!(bytes == same, "{name} differs from the full render's");
    }
}

/// One stem holding every track: its channels are summed, and quantised, on two threads.
#[test]
fn a_single_stem_split_over_threads_gives_the_same_bytes() {
    let d = tempfile::tempdir().unwrap();
    let full = session(d.path(), false);
    let text = std::fs::read_to_string(&full).unwrap();
    let head = text.split("[[stem]]").next().unwrap();
    let one = head
        .lines()
        .map(|l| {
            if l.starts_with("stem = ") {
                "stem = \"All\""
            } else {
                l
            }
        })
        .filter(|l| {
            !l.starts_with("sends = ") && !l.starts_with("inserts = [ { type = \"compressor\"")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n[[stem]]\nname = \"All\"\n";
    let path = d.path().join("one.toml");
    std::fs::write(&path, one).unwrap();
    let plain = prints(&path, &d.path().join("a"), 1, 64, false);
    assert_eq!(
        plain.len(),
        3,
        "{:?}",
        plain.iter().map(|p| &p.0).collect::<Vec<_>>()
    );
    for threads in [2, 3] {
        let fast = prints(
            &path,
            &d.path().join(format!("t{threads}")),
            threads,
            8192,
            false,
        );
        assert_same(&plain, &fast, &format!("{threads} threads, one stem"));
    }
}
