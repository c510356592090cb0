//! The WAV writer against independent readers (hound, sox, symphonia) and its atomic-output
//! promises: nothing under the final name before commit, nothing left after a drop, a full
//! disk reported with the file's name.

mod common;

use std::path::Path;
use std::process::Command;

use common::{full_scale, lcg_codes, read_all};
use stemkit_io::{IoError, SampleFormat, SourceReader, WavSpec, WavWriter, sha256_file};

/// Stereo test codes of `bits` bits: LCG noise (with both extremes) and its negation.
fn codes(bits: u32) -> [Vec<i32>; 2] {
    let l: Vec<i32> = lcg_codes(bits).iter().map(|&c| c as i32).collect();
    let r = l.iter().map(|&c| (-c).min((1 << (bits - 1)) - 1)).collect();
    [l, r]
}

/// Writes `planar` in blocks of `block` frames and commits.
fn write_int(path: &Path, spec: WavSpec, planar: &[Vec<i32>], block: usize) {
    let mut w = WavWriter::create(path, spec).expect("create");
    let frames = planar[0].len();
    for start in (0..frames).step_by(block) {
        let end = (start + block).min(frames);
        let slices: Vec<&[i32]> = planar.iter().map(|c| &c[start..end]).collect();
        w.write_int(&slices).expect("write");
    }
    assert_eq!(w.frames(), frames as u64);
    let pending = w.finish().expect("finish");
    assert!(
        !path.exists(),
        "nothing may appear under the final name before commit"
    );
    assert!(pending.temp_path().exists());
    assert_eq!(pending.commit().expect("commit"), path);
}

fn hound_ints(path: &Path) -> (hound::WavSpec, Vec<i32>) {
    let mut r = hound::WavReader::open(path).expect("hound opens it");
    let spec = r.spec();
    (
        spec,
        r.samples::<i32>().map(|s| s.expect("sample")).collect(),
    )
}

fn interleave<T: Copy>(planar: &[Vec<T>]) -> Vec<T> {
    (0..planar[0].len())
        .flat_map(|i| planar.iter().map(move |c| c[i]))
        .collect()
}

#[test]
fn integer_files_round_trip_through_hound_and_symphonia() {
    let dir = tempfile::tempdir().unwrap();
    for (format, bits) in [(SampleFormat::Int16, 16), (SampleFormat::Int24, 24)] {
        let [l, r] = codes(bits);
        for (channels, planar) in [(2u16, vec![l.clone(), r.clone()]), (1, vec![l.clone()])] {
            for block in [1, 100, 4096] {
                let path = dir.path().join(format!("s{bits}_{channels}_{block}.wav"));
                let spec = WavSpec {
                    sample_rate: 44_100,
                    channels,
                    format,
                };
                write_int(&path, spec, &planar, block);
                let (hs, samples) = hound_ints(&path);
                assert_eq!(
                    (hs.channels, hs.sample_rate, hs.bits_per_sample),
                    (channels, 44_100, bits as u16)
                );
                assert_eq!(hs.sample_format, hound::SampleFormat::Int);
                assert!(samples == interleave(&planar), "{}", path.display());
                let mut reader = SourceReader::open(&path, 44_100, 0.0).unwrap();
                let back = read_all(&mut reader, 512).unwrap();
                for (got, want) in back.iter().zip(&planar) {
                    let want: Vec<i64> = want.iter().map(|&c| i64::from(c)).collect();
                    assert!(*got == full_scale(&want, bits), "{}", path.display());
                }
            }
        }
    }
}

#[test]
fn float_files_round_trip_bit_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.wav");
    let l: Vec<f32> = (0..3000)
        .map(|i| ((i as f32) * 0.01).sin() * 1.25)
        .collect();
    let r: Vec<f32> = l.iter().map(|v| -v * 0.5).collect();
    let spec = WavSpec {
        sample_rate: 96_000,
        channels: 2,
        format: SampleFormat::Float32,
    };
    let mut w = WavWriter::create(&path, spec).unwrap();
    for start in (0..3000).step_by(700) {
        let end = (start + 700).min(3000);
        w.write_float(&[&l[start..end], &r[start..end]]).unwrap();
    }
    w.finish().unwrap().commit().unwrap();
    let mut hr = hound::WavReader::open(&path).unwrap();
    assert_eq!(hr.spec().sample_format, hound::SampleFormat::Float);
    let got: Vec<f32> = hr.samples::<f32>().map(Result::unwrap).collect();
    assert!(got == interleave(&[l.clone(), r.clone()]));
    let back = read_all(&mut SourceReader::open(&path, 96_000, 0.0).unwrap(), 1000).unwrap();
    assert!(back[0] == l && back[1] == r);
}

#[test]
fn odd_sized_data_gets_its_pad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.wav");
    let spec = WavSpec {
        sample_rate: 48_000,
        channels: 1,
        format: SampleFormat::Int24,
    };
    write_int(&path, spec, &[vec![1, -2, 8_388_607]], 2);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 80 + 9 + 1);
    assert_eq!(hound_ints(&path).1, vec![1, -2, 8_388_607]);
}

#[test]
fn out_of_range_codes_saturate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sat.wav");
    let spec = WavSpec {
        sample_rate: 48_000,
        channels: 1,
        format: SampleFormat::Int16,
    };
    write_int(&path, spec, &[vec![40_000, -40_000, 5]], 3);
    assert_eq!(hound_ints(&path).1, vec![32_767, -32_768, 5]);
}

fn sox_available() -> bool {
    Command::new("sox")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn sox_reads_what_we_write() {
    if !sox_available() {
        eprintln!("skipped: sox is not installed (apt-get install sox)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (format, bits, encoding) in [
        (SampleFormat::Int16, 16, "16-bit Signed Integer PCM"),
        (SampleFormat::Int24, 24, "24-bit Signed Integer PCM"),
    ] {
        let path = dir.path().join(format!("sox{bits}.wav"));
        let planar = codes(bits).to_vec();
        write_int(
            &path,
            WavSpec {
                sample_rate: 48_000,
                channels: 2,
                format,
            },
            &planar,
            333,
        );
        let info = Command::new("sox").arg("--i").arg(&path).output().unwrap();
        let info = String::from_utf8_lossy(&info.stdout);
        for want in [
            "Channels       : 2",
            "Sample Rate    : 48000",
            "= 2048 samples",
            encoding,
        ] {
            assert!(info.contains(want), "sox --i lacks {want:?}:\n{info}");
        }
        // Every sample, as sox decodes it, left-justified in 32 bits.
        let raw = Command::new("sox")
            .arg(&path)
            .args(["-t", "s32", "-"])
            .output()
            .unwrap();
        assert!(raw.status.success());
        let got: Vec<i32> = raw
            .stdout
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let want: Vec<i32> = interleave(&planar)
            .iter()
            .map(|c| c << (32 - bits))
            .collect();
        assert!(
            got == want,
            "sox decodes different samples from {}",
            path.display()
        );
    }
    let path = dir.path().join("soxf.wav");
    let spec = WavSpec {
        sample_rate: 48_000,
        channels: 1,
        format: SampleFormat::Float32,
    };
    let mut w = WavWriter::create(&path, spec).unwrap();
    w.write_float(&[&[0.5, -0.25, 0.0]]).unwrap();
    w.finish().unwrap().commit().unwrap();
    let info = Command::new("sox").arg("--i").arg(&path).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("32-bit Floating Point PCM") && info.contains("= 3 samples"),
        "{info}"
    );
}

#[test]
fn checksum_matches_sha256sum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.wav");
    write_int(
        &path,
        WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int24,
        },
        &codes(24),
        512,
    );
    let ours = sha256_file(&path).unwrap();
    assert_eq!(ours.len(), 64);
    assert!(
        ours.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    if let Ok(out) = Command::new("sha256sum").arg(&path).output() {
        assert_eq!(
            ours,
            String::from_utf8(out.stdout)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
        );
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("temp dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn unfinished_or_uncommitted_files_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Kick.wav");
    let spec = WavSpec {
        sample_rate: 48_000,
        channels: 1,
        format: SampleFormat::Int24,
    };

    let mut w = WavWriter::create(&path, spec).unwrap();
    w.write_int(&[&[1, 2, 3]]).unwrap();
    assert_eq!(files_in(dir.path()), vec![".Kick.wav.partial".to_string()]);
    drop(w);
    assert!(
        files_in(dir.path()).is_empty(),
        "a dropped writer removes its temporary"
    );

    let mut w = WavWriter::create(&path, spec).unwrap();
    w.write_int(&[&[1, 2, 3]]).unwrap();
    let pending = w.finish().unwrap();
    assert_eq!(pending.final_path(), path);
    assert!(!path.exists());
    drop(pending);
    assert!(
        files_in(dir.path()).is_empty(),
        "a dropped pending file removes its temporary"
    );

    // A commit replaces an earlier print of the same name whole.
    std::fs::write(&path, "old").unwrap();
    let mut w = WavWriter::create(&path, spec).unwrap();
    w.write_int(&[&[7]]).unwrap();
    w.finish().unwrap().commit().unwrap();
    assert_eq!(hound_ints(&path).1, vec![7]);
    assert_eq!(files_in(dir.path()), vec!["Kick.wav".to_string()]);
}

#[test]
fn mismatched_blocks_are_refused_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.wav");
    let mut w = WavWriter::create(
        &path,
        WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int16,
        },
    )
    .unwrap();
    for e in [
        w.write_int(&[&[1, 2]]).unwrap_err(),
        w.write_int(&[&[1, 2], &[3]]).unwrap_err(),
        w.write_float(&[&[0.1], &[0.2]]).unwrap_err(),
    ] {
        assert!(matches!(e, IoError::Invalid { .. }), "{e:?}");
        assert!(
            e.to_string().starts_with(&path.display().to_string()),
            "{e}"
        );
    }
    let missing = dir.path().join("no/such/folder/x.wav");
    let e = WavWriter::create(&missing, w.spec()).err().unwrap();
    assert!(
        matches!(e, IoError::Write { .. }) && e.path() == missing,
        "{e:?}"
    );
}

#[test]
fn a_full_disk_is_reported_with_the_file_name() {
    // The writer opens its temporary by name; a symlink there to /dev/full makes every
    // write fail with ENOSPC, as a full volume would.
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full on this system");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Bass.wav");
    let temp = dir.path().join(".Bass.wav.partial");
    std::os::unix::fs::symlink("/dev/full", &temp).unwrap();
    let spec = WavSpec {
        sample_rate: 48_000,
        channels: 2,
        format: SampleFormat::Int24,
    };
    let block = vec![0i32; 48_000];
    let err = (|| -> Result<(), IoError> {
        let mut w = WavWriter::create(&path, spec)?;
        for _ in 0..10 {
            w.write_int(&[&block, &block])?;
        }
        w.finish()?.commit()?;
        Ok(())
    })()
    .unwrap_err();
    let msg = err.to_string();
    eprintln!("{msg}");
    assert!(matches!(err, IoError::Write { .. }), "{err:?}");
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    assert!(msg.contains("No space left on device"), "{msg}");
    assert!(!path.exists());
    assert!(
        !temp.exists(),
        "the temporary (here the symlink) is cleaned up"
    );
    assert!(Path::new("/dev/full").exists());
}
