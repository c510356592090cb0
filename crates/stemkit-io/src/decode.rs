//! Streaming decode of source files with symphonia, at the source's own rate.
//!
//! A source is demuxed and decoded one packet at a time into a small planar `f32` queue,
//! so a ten-minute 96 kHz file costs a few kilobytes, not a gigabyte. Integer samples map
//! to full scale as `code / 2^(bits-1)` (int16 32767 becomes 32767/32768), so every
//! integer code is exact in `f32` up to 24 bits; float sources pass through unclipped.
//!
//! Encoder delay and padding are removed by symphonia's gapless mode, which is on: MP3
//! files with a LAME/Lavc info tag (what LAME and ffmpeg write) decode to exactly the
//! frames that were encoded, starting at the first one; MP3s without such a tag keep the
//! decoder's 529-frame delay, as every player does. Ogg Vorbis trims from its granule
//! positions; FLAC and PCM have nothing to trim.
//!
//! A stream that ends before the frame count its header announces is an error
//! ([`IoError::Truncated`]), never a silently short track.

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::Timestamp;

use crate::IoError;
use crate::pcm::PcmReader;

/// What a source file holds, read from its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInfo {
    pub path: PathBuf,
    pub sample_rate: u32,
    /// 1 or 2: files with more channels are refused when probed.
    pub channels: usize,
    /// Frames at `sample_rate` after encoder delay and padding are removed, when the
    /// header says (PCM, FLAC, Vorbis, MP3 with a LAME/Lavc info tag; an untagged MP3's
    /// length is only a guess from its size, so it is `None`).
    pub frames: Option<u64>,
    /// Bits per stored sample for PCM and FLAC (32 for float WAV); `None` for lossy codecs.
    pub bits_per_sample: Option<u32>,
    /// symphonia's codec name: `pcm_s16le`, `pcm_s24be`, `pcm_f32le`, `flac`, `mp3`, `vorbis`, ...
    pub codec: String,
    /// `wav`, `aiff`, `flac`, `ogg` or `mp3`.
    pub container: String,
}

impl SourceInfo {
    /// Length in seconds, when the frame count is known.
    #[must_use]
    pub fn duration_seconds(&self) -> Option<f64> {
        self.frames.map(|f| f as f64 / f64::from(self.sample_rate))
    }
}

/// Reads the header of `path` (no audio is decoded).
///
/// Main or worker thread.
///
/// # Errors
/// [`IoError::NotFound`], [`IoError::NotAudio`], [`IoError::Truncated`] when the file
/// ends inside its header, [`IoError::Channels`] above two channels,
/// [`IoError::Unsupported`] for a codec stemkit does not decode.
pub fn probe(path: &Path) -> Result<SourceInfo, IoError> {
    let format = open_format(path)?;
    let (info, _) = describe(path, format.as_ref())?;
    Ok(info)
}

fn open_format(path: &Path) -> Result<Box<dyn FormatReader>, IoError> {
    let file = File::open(path).map_err(|e| IoError::open(path, e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(IoError::NotAudio {
            path: path.into(),
            detail: "it is a folder".into(),
        });
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::Unsupported(_) => IoError::NotAudio {
                path: path.into(),
                detail: "no known audio format found".into(),
            },
            other => header_error(path, &other),
        })
}

/// Maps a symphonia error met while reading headers.
fn header_error(path: &Path, e: &SymError) -> IoError {
    match e {
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            IoError::Truncated {
                path: path.into(),
                detail: "the file ends inside its header".into(),
            }
        }
        SymError::IoError(io) => IoError::Read {
            path: path.into(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        SymError::Unsupported(what) => IoError::Unsupported {
            path: path.into(),
            detail: (*what).to_owned(),
        },
        other => IoError::Corrupt {
            path: path.into(),
            detail: format!("bad header: {other}"),
        },
    }
}

/// The default audio track's description and id.
fn describe(path: &Path, format: &dyn FormatReader) -> Result<(SourceInfo, u32), IoError> {
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| IoError::NotAudio {
            path: path.into(),
            detail: "the container holds no audio track".into(),
        })?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| IoError::Unsupported {
            path: path.into(),
            detail: "unknown codec".into(),
        })?;
    let codec = symphonia::default::get_codecs()
        .get_audio_decoder(params.codec)
        .map(|d| d.codec.info.short_name.to_owned())
        .ok_or_else(|| IoError::Unsupported {
            path: path.into(),
            detail: format!("no decoder for codec {}", params.codec),
        })?;
    let sample_rate =
        params
            .sample_rate
            .filter(|&r| r > 0)
            .ok_or_else(|| IoError::Unsupported {
                path: path.into(),
                detail: "no sample rate given".into(),
            })?;
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    if channels == 0 {
        return Err(IoError::Unsupported {
            path: path.into(),
            detail: "no channels given".into(),
        });
    }
    if channels > 2 {
        return Err(IoError::Channels {
            path: path.into(),
            channels,
        });
    }
    let container = match format.format_info().short_name {
        "wave" => "wav",
        other => other,
    };
    // The float WAV reader names the codec but leaves the bit count out.
    let float_bits = match codec.get(..7) {
        Some("pcm_f32") => Some(32),
        Some("pcm_f64") => Some(64),
        _ => None,
    };
    let mpeg = matches!(codec.as_str(), "mp1" | "mp2" | "mp3");
    let lossy = mpeg || codec == "vorbis";
    // An MPEG stream without an info tag has its length guessed from the file size; only
    // a tag (which also carries the encoder delay) gives a count that can be promised.
    let frames = if mpeg && track.delay.is_none() {
        None
    } else {
        track.num_frames
    };
    let info = SourceInfo {
        path: path.into(),
        sample_rate,
        channels,
        frames,
        bits_per_sample: if lossy {
            None
        } else {
            params.bits_per_sample.or(float_bits)
        },
        codec,
        container: container.to_owned(),
    };
    Ok((info, track.id))
}

/// The error of a stream that ends after `decoded` of the `expected` frames.
pub(crate) fn truncated(path: &Path, expected: u64, decoded: u64, rate: u32) -> IoError {
    IoError::Truncated {
        path: path.into(),
        detail: format!(
            "the header announces {expected} frames ({:.3} s) but the audio ends after \
             {decoded} ({:.3} s)",
            expected as f64 / f64::from(rate),
            decoded as f64 / f64::from(rate),
        ),
    }
}

/// Frames decoded ahead of an MPEG seek target: four 1152-frame MP3 frames.
const MPEG_SEEK_PREROLL: u64 = 4 * 1152;

/// Decoded audio of one source, handed out in order at the source rate.
///
/// Owns the demuxer, the decoder and a queue of decoded frames not yet taken; the queue
/// holds at most one packet beyond what was asked for, and its vectors stop growing once
/// they hold the largest packet.
pub(crate) struct DecodeStream {
    info: SourceInfo,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    /// Source frame index of `queue[c][head]`.
    position: u64,
    /// After a seek: the next decoded packet's timestamp tells where the queue starts.
    resync: bool,
    queue: Vec<Vec<f32>>,
    head: usize,
    ended: bool,
    /// Plain PCM WAV is read directly (see [`crate::pcm`]); symphonia reads the rest.
    pcm: Option<PcmReader>,
}

impl DecodeStream {
    pub(crate) fn open(path: &Path) -> Result<Self, IoError> {
        let format = open_format(path)?;
        let (info, track_id) = describe(path, format.as_ref())?;
        let params = format
            .tracks()
            .iter()
            .find(|t| t.id == track_id)
            .and_then(|t| t.codec_params.as_ref())
            .and_then(|p| p.audio())
            .ok_or_else(|| IoError::Unsupported {
                path: path.into(),
                detail: "unknown codec".into(),
            })?;
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(params, &AudioDecoderOptions::default())
            .map_err(|e| header_error(path, &e))?;
        let queue = vec![Vec::new(); info.channels];
        let pcm = PcmReader::open(path, &info);
        Ok(Self {
            pcm,
            info,
            format,
            decoder,
            track_id,
            position: 0,
            resync: false,
            queue,
            head: 0,
            ended: false,
        })
    }

    pub(crate) fn info(&self) -> &SourceInfo {
        &self.info
    }

    #[cfg(test)]
    pub(crate) fn is_direct(&self) -> bool {
        self.pcm.is_some()
    }

    /// Reads through symphonia even where the direct path would apply.
    #[cfg(test)]
    pub(crate) fn force_general(&mut self) {
        self.pcm = None;
    }

    /// Moves forward to source frame `frame`: an accurate seek where the format allows,
    /// then decode-and-discard of the frames between the seek point and `frame`.
    pub(crate) fn skip_to(&mut self, frame: u64) -> Result<(), IoError> {
        if frame <= self.position {
            return Ok(());
        }
        if let Some(pcm) = &mut self.pcm {
            pcm.seek(frame, &self.info.path)?;
            self.position = frame;
            return Ok(());
        }
        if self.queued() as u64 <= frame - self.position {
            self.try_seek(frame);
        }
        while self.position < frame && self.fill()? {
            let n = (frame - self.position).min(self.queued() as u64) as usize;
            self.head += n;
            self.position += n as u64;
        }
        Ok(())
    }

    /// Seeks when timestamps count frames; on any seek failure the stream is where it was
    /// and the caller decodes forward instead.
    fn try_seek(&mut self, frame: u64) {
        let Some(track) = self.format.tracks().iter().find(|t| t.id == self.track_id) else {
            return;
        };
        let frames_are_ticks = track
            .time_base
            .is_some_and(|tb| tb.numer.get() == 1 && tb.denom.get() == self.info.sample_rate);
        // MPEG audio frames borrow bits from earlier frames (the bit reservoir) and overlap
        // them in the MDCT: symphonia's seek does not back up far enough to rebuild both,
        // so a few frames are decoded and discarded before the target.
        let preroll = if self.info.codec.starts_with("mp") {
            MPEG_SEEK_PREROLL
        } else {
            0
        };
        let Ok(ts) = i64::try_from(frame.saturating_sub(preroll)) else {
            return;
        };
        if !frames_are_ticks {
            return;
        }
        let to = SeekTo::Timestamp {
            ts: Timestamp::new(ts),
            track_id: self.track_id,
        };
        if self.format.seek(SeekMode::Accurate, to).is_ok() {
            self.decoder.reset();
            for q in &mut self.queue {
                q.clear();
            }
            self.head = 0;
            self.resync = true;
            self.ended = false;
        }
    }

    fn queued(&self) -> usize {
        self.queue[0].len() - self.head
    }

    /// Hands out up to `max` frames, one channel at a time, as `sink(channel, samples)`.
    /// Returns the frame count, 0 only at the end of the stream.
    pub(crate) fn take(
        &mut self,
        max: usize,
        mut sink: impl FnMut(usize, &[f32]),
    ) -> Result<usize, IoError> {
        if let Some(pcm) = &mut self.pcm {
            // The queue serves as the conversion buffer of the direct path here.
            let n = max.min(1 << 14);
            for q in &mut self.queue {
                q.resize(n, 0.0);
            }
            let path = &self.info.path;
            let got = match &mut self.queue[..] {
                [m] => pcm.read_into(&mut [m], 0, n, path)?,
                [l, r] => pcm.read_into(&mut [l, r], 0, n, path)?,
                _ => unreachable!("channel count checked at open"),
            };
            for (c, q) in self.queue.iter().enumerate() {
                sink(c, &q[..got]);
            }
            self.position += got as u64;
            return Ok(got);
        }
        self.fill()?;
        let n = self.queued().min(max);
        for (c, q) in self.queue.iter().enumerate() {
            sink(c, &q[self.head..self.head + n]);
        }
        self.head += n;
        self.position += n as u64;
        Ok(n)
    }

    /// Fills `out[c][at..at + max]` straight from the file where it can (plain PCM), else
    /// through [`DecodeStream::take`]. Returns the frames written, 0 only at the end.
    pub(crate) fn take_into(
        &mut self,
        out: &mut [&mut [f32]],
        at: usize,
        max: usize,
    ) -> Result<usize, IoError> {
        if let Some(pcm) = &mut self.pcm {
            let n = pcm.read_into(out, at, max, &self.info.path)?;
            self.position += n as u64;
            return Ok(n);
        }
        self.take(max, |c, s| out[c][at..at + s.len()].copy_from_slice(s))
    }

    /// Decodes until frames are queued; false at the end of the stream.
    fn fill(&mut self) -> Result<bool, IoError> {
        while self.queued() == 0 && !self.ended {
            self.decode_packet()?;
        }
        Ok(self.queued() > 0)
    }

    /// Decodes the next packet of our track into the queue, or marks the end.
    fn decode_packet(&mut self) -> Result<(), IoError> {
        let packet = loop {
            match self.format.next_packet() {
                Ok(Some(p)) if p.track_id == self.track_id => break p,
                Ok(Some(_)) => {}
                Ok(None) => return self.finish(),
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return self.finish();
                }
                Err(SymError::ResetRequired) => {
                    return Err(IoError::Unsupported {
                        path: self.info.path.clone(),
                        detail: "chained streams (the track list changes mid-file)".into(),
                    });
                }
                Err(e) => return Err(self.stream_error(&e)),
            }
        };
        let decoded = match self.decoder.decode(&packet) {
            Ok(d) => d,
            // Right after a seek the decoder may lack the bit reservoir of the frames before;
            // that pre-roll lies before the requested frame and is discarded anyway.
            Err(SymError::DecodeError(_)) if self.resync => return Ok(()),
            Err(e) => return Err(self.stream_error(&e)),
        };
        let frames = decoded.frames();
        if frames == 0 {
            return Ok(());
        }
        if decoded.num_planes() != self.info.channels {
            return Err(IoError::Corrupt {
                path: self.info.path.clone(),
                detail: format!(
                    "a packet decodes to {} channels, the header says {}",
                    decoded.num_planes(),
                    self.info.channels
                ),
            });
        }
        if self.resync {
            let start = packet
                .pts
                .get()
                .saturating_add_unsigned(packet.trim_start.get());
            self.position = u64::try_from(start).unwrap_or(0);
            self.resync = false;
        }
        if self.head > 0 {
            for q in &mut self.queue {
                q.drain(..self.head);
            }
            self.head = 0;
        }
        let old = self.queue[0].len();
        for q in &mut self.queue {
            q.resize(old + frames, 0.0);
        }
        match &mut self.queue[..] {
            [m] => decoded.copy_to_slice_planar::<f32, _>(&mut [&mut m[old..]]),
            [l, r] => decoded.copy_to_slice_planar::<f32, _>(&mut [&mut l[old..], &mut r[old..]]),
            _ => unreachable!("channel count checked at open"),
        }
        Ok(())
    }

    /// End of packets: a stream shorter than its header announced is truncated.
    fn finish(&mut self) -> Result<(), IoError> {
        self.ended = true;
        let decoded = self.position + self.queued() as u64;
        match self.info.frames {
            Some(expected) if decoded < expected => Err(truncated(
                &self.info.path,
                expected,
                decoded,
                self.info.sample_rate,
            )),
            _ => Ok(()),
        }
    }

    fn stream_error(&self, e: &SymError) -> IoError {
        let at = self.position as f64 / f64::from(self.info.sample_rate);
        let path = self.info.path.clone();
        match e {
            SymError::IoError(io) => IoError::Read {
                path,
                source: std::io::Error::new(io.kind(), format!("{io} (at {at:.3} s)")),
            },
            other => IoError::Corrupt {
                path,
                detail: format!("{other} (at {at:.3} s)"),
            },
        }
    }
}
