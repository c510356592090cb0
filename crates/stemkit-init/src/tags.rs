//! Tempo and key from a file's metadata: the `acid` chunk loop tools and DAWs write into
//! WAV files (its tempo), and the BPM and (initial) key tags symphonia reads: the Vorbis
//! comments of FLAC and Ogg files. (ID3 tags of MP3 files do not reach the format
//! reader's metadata in symphonia 0.6, so MP3s give their tempo by name only.)

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use stemkit_io::SourceInfo;
use symphonia::core::formats::FormatOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::{MetadataOptions, RawValue, StandardTag};

/// What a file's metadata says; unreadable metadata says nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tags {
    pub bpm: Option<f64>,
    pub key: Option<String>,
}

/// The tempo and key in `info`'s file, if it states them.
pub fn read(path: &Path, info: &SourceInfo) -> Tags {
    if info.container == "wav" {
        return Tags {
            bpm: acid_tempo(path).filter(|b| (40.0..=300.0).contains(b)),
            key: None,
        };
    }
    tagged(path).unwrap_or_default()
}

/// The tempo field of a WAV file's `acid` chunk.
fn acid_tempo(path: &Path) -> Option<f64> {
    let mut f = File::open(path).ok()?;
    let mut head = [0_u8; 12];
    f.read_exact(&mut head).ok()?;
    if &head[..4] != b"RIFF" || &head[8..] != b"WAVE" {
        return None;
    }
    let mut chunk = [0_u8; 8];
    while f.read_exact(&mut chunk).is_ok() {
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        if &chunk[..4] == b"acid" && size >= 24 {
            let mut acid = [0_u8; 24];
            f.read_exact(&mut acid).ok()?;
            let tempo = f32::from_le_bytes([acid[20], acid[21], acid[22], acid[23]]);
            return (tempo.is_finite() && tempo > 0.0).then_some(f64::from(tempo));
        }
        f.seek(SeekFrom::Current(i64::from(size) + i64::from(size & 1)))
            .ok()?;
    }
    None
}

/// BPM and initial key from the tags symphonia reads.
fn tagged(path: &Path) -> Option<Tags> {
    let file = File::open(path).ok()?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .ok()?;
    let mut meta = format.metadata();
    let revision = meta.skip_to_latest()?;
    let mut tags = Tags::default();
    for tag in &revision.media.tags {
        match &tag.std {
            Some(StandardTag::Bpm(b)) if (40..=300).contains(b) => tags.bpm = Some(*b as f64),
            Some(StandardTag::InitialKey(k)) => {
                tags.key = crate::tempo::key_in(k.trim());
            }
            // Vorbis comments name it INITIALKEY or KEY, which symphonia keeps raw.
            None if tags.key.is_none()
                && ["initialkey", "key"]
                    .iter()
                    .any(|k| tag.raw.key.eq_ignore_ascii_case(k)) =>
            {
                if let RawValue::String(k) = &tag.raw.value {
                    tags.key = crate::tempo::key_in(k.trim());
                }
            }
            _ => {}
        }
    }
    Some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-bit mono WAV with an `acid` chunk stating `tempo`, before its audio.
    fn acid_wav(tempo: f32) -> Vec<u8> {
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&1_u16.to_le_bytes()); // PCM
        fmt.extend_from_slice(&1_u16.to_le_bytes()); // mono
        fmt.extend_from_slice(&48_000_u32.to_le_bytes());
        fmt.extend_from_slice(&96_000_u32.to_le_bytes());
        fmt.extend_from_slice(&2_u16.to_le_bytes());
        fmt.extend_from_slice(&16_u16.to_le_bytes());
        let mut acid = vec![0_u8; 20];
        acid.extend_from_slice(&tempo.to_le_bytes());
        let data = vec![0_u8; 200];
        let mut body = b"WAVE".to_vec();
        for (id, chunk) in [(b"fmt ", &fmt), (b"acid", &acid), (b"data", &data)] {
            body.extend_from_slice(id);
            body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
            body.extend_from_slice(chunk);
        }
        let mut wav = b"RIFF".to_vec();
        wav.extend_from_slice(&(body.len() as u32).to_le_bytes());
        wav.extend_from_slice(&body);
        wav
    }

    #[test]
    fn the_acid_chunk_gives_the_tempo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop.wav");
        std::fs::write(&path, acid_wav(126.0)).unwrap();
        let info = stemkit_io::probe(&path).unwrap();
        assert_eq!(read(&path, &info).bpm, Some(126.0));
        // A tempo no song has is not taken.
        std::fs::write(&path, acid_wav(0.0)).unwrap();
        assert_eq!(read(&path, &info).bpm, None);
    }

    #[test]
    fn flac_comments_give_tempo_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pad.flac");
        let made = std::process::Command::new("ffmpeg")
            .args([
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=220:duration=1",
            ])
            .args(["-metadata", "BPM=128", "-metadata", "INITIALKEY=F#m"])
            .arg(&path)
            .status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("ffmpeg is not installed: FLAC tag reading not checked");
            return;
        }
        let info = stemkit_io::probe(&path).unwrap();
        let tags = read(&path, &info);
        assert_eq!(
            tags,
            Tags {
                bpm: Some(128.0),
                key: Some("F#m".into())
            }
        );
    }
}
