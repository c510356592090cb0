//! Streaming WAV output, written under a temporary name and renamed when complete.
//!
//! Integer files use `WAVE_FORMAT_PCM` (format tag 1) even at 24 bits, because that is
//! what Broadcast Wave readers and DAWs expect of delivered stems; float files use
//! `WAVE_FORMAT_IEEE_FLOAT` (tag 3) with the `fact` chunk the format requires. Sizes are
//! written as zero first and patched by [`WavWriter::finish`].
//!
//! Blocks are interleaved into one byte vector that is reused, then go through a
//! `BufWriter`: in steady state a block costs no allocation.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::IoError;
use crate::atomic::{PendingFile, create_temp};

/// Sample encoding of a WAV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleFormat {
    Int16,
    Int24,
    Float32,
}

impl SampleFormat {
    #[must_use]
    pub fn bits(self) -> u16 {
        match self {
            Self::Int16 => 16,
            Self::Int24 => 24,
            Self::Float32 => 32,
        }
    }

    fn bytes(self) -> usize {
        usize::from(self.bits() / 8)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavSpec {
    pub sample_rate: u32,
    pub channels: u16,
    pub format: SampleFormat,
}

/// Everything before the sample data, for `data_bytes` bytes of samples.
fn header(spec: &WavSpec, data_bytes: u64) -> Result<Vec<u8>, std::io::Error> {
    let float = spec.format == SampleFormat::Float32;
    let block_align = spec.channels * spec.format.bits() / 8;
    let mut h = Vec::with_capacity(64);
    h.extend_from_slice(b"RIFF\0\0\0\0WAVE");
    // fmt: 16 bytes for PCM; WAVEFORMATEX (18, cbSize = 0) for float.
    h.extend_from_slice(b"fmt ");
    h.extend_from_slice(&(if float { 18u32 } else { 16 }).to_le_bytes());
    h.extend_from_slice(&(if float { 3u16 } else { 1 }).to_le_bytes());
    h.extend_from_slice(&spec.channels.to_le_bytes());
    h.extend_from_slice(&spec.sample_rate.to_le_bytes());
    h.extend_from_slice(&(spec.sample_rate * u32::from(block_align)).to_le_bytes());
    h.extend_from_slice(&block_align.to_le_bytes());
    h.extend_from_slice(&spec.format.bits().to_le_bytes());
    if float {
        h.extend_from_slice(&0u16.to_le_bytes());
        let frames = data_bytes / u64::from(block_align.max(1));
        h.extend_from_slice(b"fact");
        h.extend_from_slice(&4u32.to_le_bytes());
        h.extend_from_slice(&u32::try_from(frames).unwrap_or(u32::MAX).to_le_bytes());
    }
    h.extend_from_slice(b"data");
    h.extend_from_slice(&(data_bytes as u32).to_le_bytes());
    debug_assert_eq!(h.len() as u64, header_len(spec));
    let riff = riff_size(spec, data_bytes)?;
    h[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(h)
}

fn header_len(spec: &WavSpec) -> u64 {
    if spec.format == SampleFormat::Float32 {
        58
    } else {
        44
    }
}

/// The RIFF chunk size for `data_bytes` of samples, or why it cannot be written.
fn riff_size(spec: &WavSpec, data_bytes: u64) -> Result<u32, std::io::Error> {
    let riff = header_len(spec) - 8 + data_bytes + data_bytes % 2;
    u32::try_from(riff).map_err(|_| {
        std::io::Error::other(format!(
            "{data_bytes} bytes of audio exceed the 4 GiB limit of a WAV file"
        ))
    })
}

/// A WAV file being written block by block.
///
/// Create, write and finish it on one worker thread (it does file I/O; never on the audio
/// callback). Dropping it before [`WavWriter::finish`] removes the temporary file.
pub struct WavWriter {
    out: BufWriter<File>,
    /// Declared after `out` so the file is closed before its temporary is removed.
    pending: PendingFile,
    spec: WavSpec,
    data_bytes: u64,
    bytes: Vec<u8>,
}

impl WavWriter {
    /// Creates `<dir>/.<name>.partial` beside `final_path`; nothing appears under the final
    /// name until [`PendingFile::commit`].
    ///
    /// # Errors
    /// [`IoError::Invalid`] for zero channels or rate; [`IoError::Write`] when the
    /// temporary cannot be created (missing folder, read-only volume).
    pub fn create(final_path: &Path, spec: WavSpec) -> Result<Self, IoError> {
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(IoError::invalid(
                final_path,
                "a WAV file needs channels and a sample rate",
            ));
        }
        let (file, temp) = create_temp(final_path)?;
        let pending = PendingFile::new(temp, final_path.into());
        let mut out = BufWriter::with_capacity(1 << 18, file);
        let head = header(&spec, 0).map_err(|e| IoError::write(final_path, e))?;
        out.write_all(&head)
            .map_err(|e| IoError::write(final_path, e))?;
        Ok(Self {
            out,
            pending,
            spec,
            data_bytes: 0,
            bytes: Vec::new(),
        })
    }

    #[must_use]
    pub fn spec(&self) -> WavSpec {
        self.spec
    }

    /// Frames written so far.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.data_bytes / (u64::from(self.spec.channels) * self.spec.format.bytes() as u64)
    }

    /// Interleaves and writes one block of planar integer codes (Int16/Int24; one slice per
    /// channel, all the same length). Codes beyond the format's range are saturated.
    ///
    /// # Errors
    /// [`IoError::Invalid`] on a float file or a shape mismatch; [`IoError::Write`] when the
    /// disk refuses the data.
    pub fn write_int(&mut self, planar: &[&[i32]]) -> Result<(), IoError> {
        let frames = self.check_block(planar.len(), planar.iter().map(|c| c.len()))?;
        self.bytes.clear();
        match self.spec.format {
            SampleFormat::Int16 => {
                for i in 0..frames {
                    for ch in planar {
                        let v = ch[i].clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
                        self.bytes.extend_from_slice(&v.to_le_bytes());
                    }
                }
            }
            SampleFormat::Int24 => {
                for i in 0..frames {
                    for ch in planar {
                        let v = ch[i].clamp(-(1 << 23), (1 << 23) - 1);
                        self.bytes.extend_from_slice(&v.to_le_bytes()[..3]);
                    }
                }
            }
            SampleFormat::Float32 => {
                return Err(IoError::invalid(
                    self.pending.final_path(),
                    "integer samples written to a 32-bit float file",
                ));
            }
        }
        self.flush_block()
    }

    /// Interleaves and writes one block of planar float samples (Float32 files).
    ///
    /// # Errors
    /// As [`WavWriter::write_int`], with an integer file being the mismatch.
    pub fn write_float(&mut self, planar: &[&[f32]]) -> Result<(), IoError> {
        let frames = self.check_block(planar.len(), planar.iter().map(|c| c.len()))?;
        if self.spec.format != SampleFormat::Float32 {
            return Err(IoError::invalid(
                self.pending.final_path(),
                format!(
                    "float samples written to a {}-bit integer file",
                    self.spec.format.bits()
                ),
            ));
        }
        self.bytes.clear();
        for i in 0..frames {
            for ch in planar {
                self.bytes.extend_from_slice(&ch[i].to_le_bytes());
            }
        }
        self.flush_block()
    }

    fn check_block(
        &self,
        channels: usize,
        mut lens: impl Iterator<Item = usize>,
    ) -> Result<usize, IoError> {
        let frames = lens.next().unwrap_or(0);
        if channels != usize::from(self.spec.channels) || lens.any(|l| l != frames) {
            return Err(IoError::invalid(
                self.pending.final_path(),
                format!(
                    "a block must hold {} channels of equal length",
                    self.spec.channels
                ),
            ));
        }
        Ok(frames)
    }

    fn flush_block(&mut self) -> Result<(), IoError> {
        let total = self.data_bytes + self.bytes.len() as u64;
        // Refuse before writing, so a file never holds more than its header can say.
        riff_size(&self.spec, total).map_err(|e| IoError::write(self.pending.final_path(), e))?;
        self.out
            .write_all(&self.bytes)
            .map_err(|e| IoError::write(self.pending.final_path(), e))?;
        self.data_bytes = total;
        Ok(())
    }

    /// Patches the header sizes, flushes and fsyncs; returns the file still under its
    /// temporary name.
    ///
    /// # Errors
    /// [`IoError::Write`] naming the final path; the temporary is removed.
    pub fn finish(self) -> Result<PendingFile, IoError> {
        let Self {
            out,
            pending,
            spec,
            data_bytes,
            ..
        } = self;
        let fail = |e: std::io::Error| IoError::write(pending.final_path(), e);
        let mut file = out.into_inner().map_err(|e| fail(e.into_error()))?;
        if data_bytes % 2 == 1 {
            // RIFF chunks are word aligned: an odd-sized data chunk gets a pad byte.
            file.write_all(&[0]).map_err(fail)?;
        }
        let head = header(&spec, data_bytes).map_err(fail)?;
        file.seek(SeekFrom::Start(0)).map_err(fail)?;
        file.write_all(&head).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_sizes_follow_the_data() {
        let spec = WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int24,
        };
        let h = header(&spec, 600).unwrap();
        assert_eq!(h.len(), 44);
        assert_eq!(&h[..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(h[4..8].try_into().unwrap()), 36 + 600);
        assert_eq!(u32::from_le_bytes(h[40..44].try_into().unwrap()), 600);
        // block align 6, byte rate 288000, 24 bits
        assert_eq!(u16::from_le_bytes(h[32..34].try_into().unwrap()), 6);
        assert_eq!(u32::from_le_bytes(h[28..32].try_into().unwrap()), 288_000);
        // An odd data chunk counts its pad byte in the RIFF size.
        let odd = header(
            &WavSpec {
                channels: 1,
                ..spec
            },
            3,
        )
        .unwrap();
        assert_eq!(u32::from_le_bytes(odd[4..8].try_into().unwrap()), 36 + 4);
        let f = header(
            &WavSpec {
                format: SampleFormat::Float32,
                ..spec
            },
            800,
        )
        .unwrap();
        assert_eq!(f.len(), 58);
        assert_eq!(&f[38..42], b"fact");
        assert_eq!(u32::from_le_bytes(f[46..50].try_into().unwrap()), 100);
    }

    #[test]
    fn plain_wav_refuses_data_past_4_gib() {
        let spec = WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int24,
        };
        let limit = u64::from(u32::MAX);
        assert!(header(&spec, limit - 37).is_ok());
        // 36 bytes of header after the size field, plus a pad byte for odd data.
        assert!(header(&spec, limit - 36).is_err());
        assert!(header(&spec, limit - 35).is_err());
    }
}
