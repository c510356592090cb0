//! Where each playing track sits on the timeline, and which file it is streamed from.

use std::path::{Path, PathBuf};

use stemkit_core::AudioBuffer;
use stemkit_io::{SampleFormat, SourceReader, WavSpec, WavWriter};
use stemkit_session::Session;

use crate::LiveError;

/// One playing track: its timeline span and the file frames that fill it.
#[derive(Clone, Debug)]
pub(crate) struct TrackPlan {
    pub(crate) session_index: usize,
    pub(crate) name: String,
    /// Index of its stem in the session.
    pub(crate) stem: usize,
    /// The file streamed: the source itself, or its conformed copy.
    pub(crate) path: PathBuf,
    pub(crate) channels: usize,
    /// Timeline frames `start .. end` (from the session start) where it plays.
    pub(crate) start: u64,
    pub(crate) end: u64,
    /// Frame of `path` (at the session rate) heard at `start`.
    pub(crate) first: u64,
}

/// Every playing track of a session, and the conformed copies they need.
pub(crate) struct Placement {
    pub(crate) plans: Vec<TrackPlan>,
    /// Timeline frame where the song ends (the session's `end`, or the last source frame).
    pub(crate) song_end: u64,
    pub(crate) notes: Vec<String>,
    /// Holds the conformed copies; they are deleted with it.
    pub(crate) _conformed: Option<tempfile::TempDir>,
}

/// Whether a decode of `info` from any offset yields the same samples as a decode from
/// the start: lossless codecs at the session rate.
fn streams_directly(info: &stemkit_io::SourceInfo, rate: u32) -> bool {
    info.sample_rate == rate && info.bits_per_sample.is_some() && info.frames.is_some()
}

/// Main thread: places every track that plays (after mute and solo, as the offline render
/// decides), conforming sources that cannot be streamed directly. `note` hears progress.
pub(crate) fn place(session: &Session, note: &mut dyn FnMut(&str)) -> Result<Placement, LiveError> {
    let rate = session.settings.sample_rate;
    let sr = f64::from(rate);
    let mut plans = Vec::new();
    let mut notes = Vec::new();
    let mut conformed: Option<tempfile::TempDir> = None;
    for (index, t) in session.tracks.iter().enumerate() {
        if !session.track_plays(t) {
            continue;
        }
        let Some(stem) = session.stems.iter().position(|s| s.name == t.stem) else {
            return Err(LiveError::Session(format!(
                "track \"{}\" names no stem \"{}\"",
                t.name, t.stem
            )));
        };
        let source = t.source_path(session);
        let io = |e| LiveError::Io(e);
        let info = stemkit_io::probe(&source).map_err(io)?;
        let (path, frames) = if streams_directly(&info, rate) {
            (source, info.frames.unwrap_or(0))
        } else {
            let dir = match &conformed {
                Some(d) => d.path().to_path_buf(),
                None => {
                    let d = tempfile::Builder::new()
                        .prefix("stemkit-live-")
                        .tempdir()
                        .map_err(|e| {
                            LiveError::Session(format!(
                                "cannot create a folder for conformed sources: {e}"
                            ))
                        })?;
                    let p = d.path().to_path_buf();
                    conformed = Some(d);
                    p
                }
            };
            note(&format!(
                "conforming \"{}\" ({} Hz, {}) to {rate} Hz",
                t.name, info.sample_rate, info.codec
            ));
            let out = dir.join(format!("{index}.wav"));
            let frames = conform(&source, rate, info.channels, &out)?;
            (out, frames)
        };
        let skipped = (session.settings.start - t.at).max(0.0);
        let start = ((t.at - session.settings.start).max(0.0) * sr).round() as u64;
        let first = ((t.offset + skipped) * sr).round().max(0.0) as u64;
        let available = frames.saturating_sub(first);
        let wanted = match t.length {
            Some(len) => (((len - skipped) * sr).round().max(0.0) as u64).min(available),
            None => available,
        };
        if wanted == 0 {
            notes.push(format!(
                "track \"{}\" has no audio after the session start: skipped",
                t.name
            ));
            continue;
        }
        plans.push(TrackPlan {
            session_index: index,
            name: t.name.clone(),
            stem,
            path,
            channels: info.channels,
            start,
            end: start + wanted,
            first,
        });
    }
    let last = plans.iter().map(|p| p.end).max().unwrap_or(0);
    let song_end = session.settings.end.value().map_or(last, |end| {
        ((end - session.settings.start) * sr).round().max(0.0) as u64
    });
    Ok(Placement {
        plans,
        song_end,
        notes,
        _conformed: conformed,
    })
}

/// Decodes `source` whole at `rate` into a float WAV at `out`; returns its frames.
fn conform(source: &Path, rate: u32, channels: usize, out: &Path) -> Result<u64, LiveError> {
    let mut reader = SourceReader::open(source, rate, 0.0).map_err(LiveError::Io)?;
    let spec = WavSpec {
        sample_rate: rate,
        channels: channels as u16,
        format: SampleFormat::Float32,
    };
    let mut writer = WavWriter::create(out, spec).map_err(LiveError::Io)?;
    let mut buf = AudioBuffer::new(channels, 65_536);
    loop {
        let n = reader.read(&mut buf).map_err(LiveError::Io)?;
        if n == 0 {
            break;
        }
        let planes: Vec<&[f32]> = buf.iter_channels().map(|c| &c[..n]).collect();
        writer.write_float(&planes).map_err(LiveError::Io)?;
    }
    let frames = writer.frames();
    writer
        .finish()
        .and_then(stemkit_io::PendingFile::commit)
        .map_err(LiveError::Io)?;
    Ok(frames)
}
