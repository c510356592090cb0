//! The FLAC writer: every file verifies itself on finish (symphonia decode + MD5); here
//! ffmpeg decodes them independently and `flac -t` checks CRCs and the MD5.

mod common;

use std::path::Path;
use std::process::Command;

use common::lcg_codes;
use stemkit_io::{FlacSpec, FlacWriter};

fn signals(bits: u32, frames: usize) -> Vec<(&'static str, Vec<i32>)> {
    let full = (1i64 << (bits - 1)) - 1;
    let sine = |f: f64, a: f64| -> Vec<i32> {
        (0..frames)
            .map(|i| {
                (a * full as f64 * (2.0 * std::f64::consts::PI * f * i as f64 / 48_000.0).sin())
                    .round() as i32
            })
            .collect()
    };
    let mut noise: Vec<i32> = lcg_codes(bits)
        .iter()
        .map(|&c| c as i32)
        .cycle()
        .take(frames)
        .collect();
    if frames > 11 {
        noise[10] = full as i32;
        noise[11] = -(full as i32) - 1;
    }
    vec![
        ("silence", vec![0; frames]),
        ("sine", sine(440.0, 0.5)),
        ("loud_sine", sine(5_000.0, 1.0)),
        ("noise", noise),
    ]
}

fn write(path: &Path, spec: FlacSpec, planar: &[Vec<i32>], block: usize) {
    let mut w = FlacWriter::create(path, spec).expect("create");
    let frames = planar[0].len();
    for start in (0..frames).step_by(block.max(1)) {
        let end = (start + block).min(frames);
        let s: Vec<&[i32]> = planar.iter().map(|c| &c[start..end]).collect();
        w.write_int(&s).expect("write");
    }
    let pending = w.finish().expect("finish verifies the file");
    assert!(!path.exists());
    pending.commit().expect("commit");
}

/// Samples as ffmpeg decodes them, left-justified in 32 bits, interleaved.
fn ffmpeg_decode(path: &Path) -> Option<Vec<i32>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "s32le", "-"])
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        out.stdout
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect(),
    )
}

#[test]
fn flac_files_decode_exactly_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let have_ffmpeg = Command::new("ffmpeg").arg("-version").output().is_ok();
    let have_flac = Command::new("flac").arg("--version").output().is_ok();
    if !have_ffmpeg || !have_flac {
        eprintln!(
            "ffmpeg present: {have_ffmpeg}, flac present: {have_flac}; checks without them are skipped"
        );
    }
    for bits in [16, 24] {
        for frames in [1, 4095, 4096, 10_000] {
            let sigs = signals(bits, frames);
            for (name, sig) in &sigs {
                let inverted: Vec<i32> = sig
                    .iter()
                    .map(|&v| (-i64::from(v)).min((1 << (bits - 1)) - 1) as i32)
                    .collect();
                for (channels, planar) in
                    [(1u16, vec![sig.clone()]), (2, vec![sig.clone(), inverted])]
                {
                    let path = dir
                        .path()
                        .join(format!("{name}_{bits}_{frames}_{channels}.flac"));
                    let spec = FlacSpec {
                        sample_rate: 48_000,
                        channels,
                        bits,
                    };
                    write(&path, spec, &planar, 1000);
                    let info = stemkit_io::probe(&path).unwrap();
                    assert_eq!(
                        (info.frames, info.bits_per_sample),
                        (Some(frames as u64), Some(bits))
                    );
                    if have_ffmpeg {
                        let want: Vec<i32> = (0..frames)
                            .flat_map(|i| planar.iter().map(move |c| c[i] << (32 - bits)))
                            .collect();
                        assert!(ffmpeg_decode(&path).unwrap() == want, "{}", path.display());
                    }
                    if have_flac {
                        let t = Command::new("flac")
                            .args(["-t", "-s"])
                            .arg(&path)
                            .output()
                            .unwrap();
                        assert!(
                            t.status.success(),
                            "flac -t {}: {}",
                            path.display(),
                            String::from_utf8_lossy(&t.stderr)
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn music_like_signals_compress() {
    let dir = tempfile::tempdir().unwrap();
    let frames = 48_000;
    let sigs = signals(24, frames);
    let sine = &sigs[1].1;
    let path = dir.path().join("sine.flac");
    write(
        &path,
        FlacSpec {
            sample_rate: 48_000,
            channels: 2,
            bits: 24,
        },
        &[sine.clone(), sine.clone()],
        4096,
    );
    let size = std::fs::metadata(&path).unwrap().len();
    let raw = (frames * 2 * 3) as u64;
    eprintln!(
        "24-bit stereo sine: {size} bytes, {:.1} % of PCM",
        100.0 * size as f64 / raw as f64
    );
    // Identical channels code as left + side, and side is constant: well under half.
    assert!(size * 3 < raw, "{size} of {raw}");
    let silence = dir.path().join("silence.flac");
    write(
        &silence,
        FlacSpec {
            sample_rate: 48_000,
            channels: 2,
            bits: 24,
        },
        &[vec![0; frames], vec![0; frames]],
        4096,
    );
    assert!(
        std::fs::metadata(&silence).unwrap().len() < 1_000,
        "silence must code as constant subframes"
    );
}

#[test]
fn dropped_flac_writer_leaves_nothing_and_bad_specs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.flac");
    let mut w = FlacWriter::create(
        &path,
        FlacSpec {
            sample_rate: 44_100,
            channels: 1,
            bits: 16,
        },
    )
    .unwrap();
    w.write_int(&[&[1, 2, 3]]).unwrap();
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    for spec in [
        FlacSpec {
            sample_rate: 44_100,
            channels: 3,
            bits: 16,
        },
        FlacSpec {
            sample_rate: 44_100,
            channels: 2,
            bits: 20,
        },
        FlacSpec {
            sample_rate: 0,
            channels: 2,
            bits: 16,
        },
    ] {
        let e = FlacWriter::create(&path, spec).err().unwrap();
        assert!(
            e.to_string().starts_with(&path.display().to_string()),
            "{e}"
        );
    }
}
