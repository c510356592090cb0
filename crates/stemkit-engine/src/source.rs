//! A track's source placed on the session timeline: where it starts and ends in frames
//! from the session start, and the streaming reader behind it.

use stemkit_core::AudioBuffer;
use stemkit_io::SourceReader;
use stemkit_session::{Session, Track};

use crate::EngineError;

pub(crate) struct TrackSource {
    reader: SourceReader,
    /// Timeline frame (from the session start) of the first played source frame.
    pub(crate) start: u64,
    /// Timeline frame one past the last played source frame.
    pub(crate) end: u64,
    scratch: AudioBuffer,
    /// Frames already taken from the reader.
    read: u64,
}

impl TrackSource {
    /// Opens `track`'s file positioned at the first frame that plays after the session
    /// start. `None` when nothing of the track plays after the start.
    pub(crate) fn open(
        session: &Session,
        track: &Track,
        max_block: usize,
    ) -> Result<Option<Self>, EngineError> {
        let sr = f64::from(session.settings.sample_rate);
        let err = |source| EngineError::Source {
            track: track.name.clone(),
            source,
        };
        // A track placed before the session start loses the part before it.
        let skipped = (session.settings.start - track.at).max(0.0);
        let start = ((track.at - session.settings.start).max(0.0) * sr).round() as u64;
        let path = track.source_path(session);
        let reader =
            SourceReader::open(&path, session.settings.sample_rate, track.offset + skipped)
                .map_err(err)?;
        let available = match reader.remaining_frames() {
            Some(n) => n,
            None => count_frames(&path, session.settings.sample_rate, track.offset + skipped)
                .map_err(err)?,
        };
        let wanted = match track.length {
            Some(len) => (((len - skipped) * sr).round().max(0.0) as u64).min(available),
            None => available,
        };
        if wanted == 0 {
            return Ok(None);
        }
        let channels = reader.info().channels;
        Ok(Some(Self {
            reader,
            start,
            end: start + wanted,
            scratch: AudioBuffer::new(channels, max_block),
            read: 0,
        }))
    }

    pub(crate) fn channels(&self) -> usize {
        self.scratch.channels()
    }

    /// Whether the block `[t0, t0 + n)` overlaps the played range.
    pub(crate) fn overlaps(&self, t0: u64, n: usize) -> bool {
        t0 < self.end && t0 + n as u64 > self.start
    }

    /// Fills `buf` (its frame count is the block length) for the block starting at
    /// timeline frame `t0`: source audio where the track plays, silence elsewhere.
    pub(crate) fn fill(
        &mut self,
        t0: u64,
        buf: &mut AudioBuffer,
        track: &str,
    ) -> Result<(), EngineError> {
        let n = buf.frames() as u64;
        let from = self.start.max(t0);
        let to = self.end.min(t0 + n);
        if from == t0 && to == t0 + n {
            // The whole block plays: read straight into it.
            let got = self
                .reader
                .read(buf)
                .map_err(|source| EngineError::Source {
                    track: track.to_owned(),
                    source,
                })?;
            self.read += got as u64;
            if got < n as usize {
                self.end = self.start + self.read;
                for ch in buf.channels_mut() {
                    ch[got..].fill(0.0);
                }
            }
            return Ok(());
        }
        buf.clear();
        if from >= to {
            return Ok(());
        }
        let want = (to - from) as usize;
        self.scratch.set_frames(want);
        let got = self
            .reader
            .read(&mut self.scratch)
            .map_err(|source| EngineError::Source {
                track: track.to_owned(),
                source,
            })?;
        self.read += got as u64;
        if got < want {
            // The source ended early (its header over-stated its length): what is
            // missing stays silent, and nothing more is read.
            self.end = self.start + self.read;
        }
        let at = (from - t0) as usize;
        for c in 0..buf.channels() {
            buf.channel_mut(c)[at..at + got].copy_from_slice(&self.scratch.channel(c)[..got]);
        }
        Ok(())
    }
}

/// Frames of a source whose header does not say, by decoding it once.
fn count_frames(
    path: &std::path::Path,
    rate: u32,
    offset: f64,
) -> Result<u64, stemkit_io::IoError> {
    let mut reader = SourceReader::open(path, rate, offset)?;
    let mut buf = AudioBuffer::new(reader.info().channels, 65_536);
    let mut total = 0;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
    }
}
