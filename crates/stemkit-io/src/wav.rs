//! Streaming WAV output, written under a temporary name and renamed when complete.
//!
//! Integer files use `WAVE_FORMAT_PCM` (format tag 1) even at 24 bits, because that is
//! what Broadcast Wave readers and DAWs expect of delivered stems; float files use
//! `WAVE_FORMAT_IEEE_FLOAT` (tag 3) with the `fact` chunk the format requires. Sizes are
//! written as zero first and patched by [`WavWriter::finish`].
//!
//! Every file reserves a 28-byte `JUNK` chunk right after `WAVE`: when the audio passes
//! 4 GiB (about 6 h 12 min of 24-bit stereo at 48 kHz) the file is finished as RF64
//! (EBU Tech 3306) by turning that chunk into `ds64` in place, so a long print never
//! fails at the end. Readers that do not know `JUNK` skip it, as RIFF requires.
//!
//! Blocks are interleaved into one byte vector that is reused, then go through a
//! `BufWriter`: in steady state a block costs no allocation.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::IoError;
use crate::atomic::{PendingFile, create_temp};
use crate::bwf::{WavMetadata, bext_chunk, ixml_chunk};

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

/// Plain RIFF up to 4 GiB; RF64 (EBU Tech 3306) past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Riff,
    Rf64,
}

impl Form {
    /// The form a file needs: RF64 once the RIFF size (everything after its size field,
    /// pad byte included) no longer fits 32 bits.
    fn for_sizes(header_len: u64, data_bytes: u64) -> Self {
        let riff = header_len - 8 + data_bytes + data_bytes % 2;
        if riff > u64::from(u32::MAX) {
            Self::Rf64
        } else {
            Self::Riff
        }
    }
}

/// Bytes of the `ds64` body, reserved as a `JUNK` chunk in every file so a file that
/// outgrows 4 GiB can become RF64 in place.
const DS64_BODY: usize = 28;

/// Everything before the sample data: RIFF/RF64 header, `JUNK`/`ds64`, `fmt ` (and `fact`
/// for float), the metadata chunks, and the `data` chunk header.
fn header(spec: &WavSpec, meta: &[u8], data_bytes: u64) -> Vec<u8> {
    let form = Form::for_sizes(header_len(spec, meta.len()), data_bytes);
    header_as(form, spec, meta, data_bytes)
}

fn header_len(spec: &WavSpec, meta_len: usize) -> u64 {
    let fmt = if spec.format == SampleFormat::Float32 {
        8 + 18 + 12
    } else {
        8 + 16
    };
    (12 + 8 + DS64_BODY + fmt + meta_len + 8) as u64
}

fn header_as(form: Form, spec: &WavSpec, meta: &[u8], data_bytes: u64) -> Vec<u8> {
    let float = spec.format == SampleFormat::Float32;
    let block_align = spec.channels * spec.format.bits() / 8;
    let frames = data_bytes / u64::from(block_align.max(1));
    let riff_size = header_len(spec, meta.len()) - 8 + data_bytes + data_bytes % 2;
    // In RF64 the 32-bit fields say "see ds64".
    let size32 = |v: u64| {
        if form == Form::Rf64 {
            u32::MAX
        } else {
            v as u32
        }
    };
    let mut h = Vec::with_capacity(header_len(spec, meta.len()) as usize);
    h.extend_from_slice(if form == Form::Rf64 { b"RF64" } else { b"RIFF" });
    h.extend_from_slice(&size32(riff_size).to_le_bytes());
    h.extend_from_slice(b"WAVE");
    if form == Form::Rf64 {
        h.extend_from_slice(b"ds64");
        h.extend_from_slice(&(DS64_BODY as u32).to_le_bytes());
        h.extend_from_slice(&riff_size.to_le_bytes());
        h.extend_from_slice(&data_bytes.to_le_bytes());
        h.extend_from_slice(&frames.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes()); // no size table
    } else {
        h.extend_from_slice(b"JUNK");
        h.extend_from_slice(&(DS64_BODY as u32).to_le_bytes());
        h.extend_from_slice(&[0; DS64_BODY]);
    }
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
        h.extend_from_slice(b"fact");
        h.extend_from_slice(&4u32.to_le_bytes());
        h.extend_from_slice(&size32(frames).to_le_bytes());
    }
    h.extend_from_slice(meta);
    h.extend_from_slice(b"data");
    h.extend_from_slice(&size32(data_bytes).to_le_bytes());
    debug_assert_eq!(h.len() as u64, header_len(spec, meta.len()));
    h
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
    /// The `bext` / `iXML` chunks, fixed for the file's life.
    meta: Vec<u8>,
    data_bytes: u64,
    bytes: Vec<u8>,
}

impl WavWriter {
    /// Creates `<dir>/.<name>.partial` beside `final_path`; nothing appears under the final
    /// name until [`PendingFile::commit`]. No metadata chunks.
    ///
    /// # Errors
    /// [`IoError::Invalid`] for zero channels or rate; [`IoError::Write`] when the
    /// temporary cannot be created (missing folder, read-only volume).
    pub fn create(final_path: &Path, spec: WavSpec) -> Result<Self, IoError> {
        Self::create_with(final_path, spec, &WavMetadata::default())
    }

    /// As [`WavWriter::create`], with Broadcast Wave `bext` and/or `iXML` chunks.
    ///
    /// # Errors
    /// As [`WavWriter::create`].
    pub fn create_with(
        final_path: &Path,
        spec: WavSpec,
        metadata: &WavMetadata,
    ) -> Result<Self, IoError> {
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(IoError::invalid(
                final_path,
                "a WAV file needs channels and a sample rate",
            ));
        }
        let mut meta = Vec::new();
        if let Some(b) = &metadata.bext {
            meta.extend(bext_chunk(b, &spec));
        }
        if let Some(x) = &metadata.ixml {
            meta.extend(ixml_chunk(x));
        }
        let (file, temp) = create_temp(final_path)?;
        let pending = PendingFile::new(temp, final_path.into());
        let mut out = BufWriter::with_capacity(1 << 18, file);
        out.write_all(&header(&spec, &meta, 0))
            .map_err(|e| IoError::write(final_path, e))?;
        Ok(Self {
            out,
            pending,
            spec,
            meta,
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
        let width = self.spec.format.bytes();
        if self.spec.format == SampleFormat::Float32 {
            return Err(IoError::invalid(
                self.pending.final_path(),
                "integer samples written to a 32-bit float file",
            ));
        }
        // Sized once, then every frame's bytes written in place: a loop per channel
        // layout the compiler can unroll, no capacity check per sample.
        self.bytes.clear();
        self.bytes.resize(frames * planar.len() * width, 0);
        let put = |out: &mut [u8], v: i32| {
            if width == 2 {
                let v = v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
                out.copy_from_slice(&v.to_le_bytes());
            } else {
                let v = v.clamp(-(1 << 23), (1 << 23) - 1);
                out.copy_from_slice(&v.to_le_bytes()[..3]);
            }
        };
        match planar {
            [m] => {
                for (out, &v) in self.bytes.chunks_exact_mut(width).zip(*m) {
                    put(out, v);
                }
            }
            [l, r] => {
                let frames = self.bytes.chunks_exact_mut(2 * width).zip(l.iter().zip(*r));
                for (out, (&a, &b)) in frames {
                    let (x, y) = out.split_at_mut(width);
                    put(x, a);
                    put(y, b);
                }
            }
            _ => {
                let frame = planar.len() * width;
                for (i, out) in self.bytes.chunks_exact_mut(frame).enumerate() {
                    for (ch, o) in planar.iter().zip(out.chunks_exact_mut(width)) {
                        put(o, ch[i]);
                    }
                }
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
        self.out
            .write_all(&self.bytes)
            .map_err(|e| IoError::write(self.pending.final_path(), e))?;
        self.data_bytes += self.bytes.len() as u64;
        Ok(())
    }

    /// Patches the header sizes, flushes and fsyncs; returns the file still under its
    /// temporary name.
    ///
    /// # Errors
    /// [`IoError::Write`] naming the final path; the temporary is removed.
    pub fn finish(self) -> Result<PendingFile, IoError> {
        let pending = self.finish_unsynced()?;
        pending.sync()?;
        Ok(pending)
    }

    /// As [`WavWriter::finish`] but leaves the fsync to [`PendingFile::sync`] (or to the
    /// commit), so a caller can sync many files at once beside other work.
    ///
    /// # Errors
    /// As [`WavWriter::finish`].
    pub fn finish_unsynced(self) -> Result<PendingFile, IoError> {
        let Self {
            out,
            pending,
            spec,
            meta,
            data_bytes,
            ..
        } = self;
        let fail = |e: std::io::Error| IoError::write(pending.final_path(), e);
        let mut file = out.into_inner().map_err(|e| fail(e.into_error()))?;
        if data_bytes % 2 == 1 {
            // RIFF chunks are word aligned: an odd-sized data chunk gets a pad byte.
            file.write_all(&[0]).map_err(fail)?;
        }
        let head = header(&spec, &meta, data_bytes);
        file.seek(SeekFrom::Start(0)).map_err(fail)?;
        file.write_all(&head).map_err(fail)?;
        file.flush().map_err(fail)?;
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(h: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(h[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn header_sizes_follow_the_data() {
        let spec = WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int24,
        };
        let h = header(&spec, &[], 600);
        assert_eq!(h.len(), 80);
        assert_eq!(&h[..4], b"RIFF");
        assert_eq!(u32_at(&h, 4), 72 + 600);
        assert_eq!(&h[12..16], b"JUNK");
        assert_eq!(&h[48..52], b"fmt ");
        // byte rate 288000, block align 6, 24 bits
        assert_eq!(u32_at(&h, 64), 288_000);
        assert_eq!(u16::from_le_bytes(h[68..70].try_into().unwrap()), 6);
        assert_eq!(&h[72..76], b"data");
        assert_eq!(u32_at(&h, 76), 600);
        // An odd data chunk counts its pad byte in the RIFF size.
        let odd = header(
            &WavSpec {
                channels: 1,
                ..spec
            },
            &[],
            3,
        );
        assert_eq!(u32_at(&odd, 4), 72 + 4);
        let f = header(
            &WavSpec {
                format: SampleFormat::Float32,
                ..spec
            },
            &[],
            800,
        );
        assert_eq!(f.len(), 94);
        assert_eq!(&f[74..78], b"fact");
        assert_eq!(u32_at(&f, 82), 100);
    }

    #[test]
    fn rf64_starts_where_the_riff_size_overflows() {
        let spec = WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int24,
        };
        let len = header_len(&spec, 0);
        // The RIFF size counts everything after its own field: header - 8 + data (+ pad).
        let room = u64::from(u32::MAX) - (len - 8);
        assert_eq!(room % 2, 1);
        assert_eq!(Form::for_sizes(len, room - 1), Form::Riff); // even, fits exactly
        assert_eq!(Form::for_sizes(len, room), Form::Rf64); // odd: its pad byte overflows
        assert_eq!(Form::for_sizes(len, room + 1), Form::Rf64);
        assert_eq!(Form::for_sizes(len, 6 << 30), Form::Rf64);
        assert_eq!(Form::for_sizes(len, 0), Form::Riff);
        // Metadata chunks take room from the audio.
        assert_eq!(Form::for_sizes(len + 700, room - 1), Form::Rf64);
    }

    #[test]
    fn rf64_header_carries_64_bit_sizes_in_ds64() {
        let spec = WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Float32,
        };
        let data = 5u64 << 30; // 5 GiB
        let h = header(&spec, &[], data);
        assert_eq!(&h[..4], b"RF64");
        assert_eq!(u32_at(&h, 4), u32::MAX);
        assert_eq!(&h[12..16], b"ds64");
        assert_eq!(u32_at(&h, 16), 28);
        let u64_at = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().unwrap());
        assert_eq!(u64_at(20), h.len() as u64 - 8 + data);
        assert_eq!(u64_at(28), data);
        assert_eq!(u64_at(36), data / 8);
        assert_eq!(u32_at(&h, 44), 0);
        // fact and data point at ds64.
        assert_eq!(u32_at(&h, 82), u32::MAX);
        assert_eq!(u32_at(&h, h.len() - 4), u32::MAX);
        assert_eq!(
            h.len(),
            header(&spec, &[], 0).len(),
            "the header keeps its size"
        );
    }

    #[test]
    fn ffmpeg_reads_an_rf64_header() {
        // A small file forced into RF64 shows the ds64 layout to an independent reader.
        let Ok(out) = std::process::Command::new("ffprobe")
            .arg("-version")
            .output()
        else {
            eprintln!("skipped: ffprobe is not installed");
            return;
        };
        assert!(out.status.success());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rf64.wav");
        let spec = WavSpec {
            sample_rate: 48_000,
            channels: 2,
            format: SampleFormat::Int16,
        };
        let data: Vec<u8> = (0..4800u32 * 4).map(|i| (i % 251) as u8).collect();
        let mut bytes = header_as(Form::Rf64, &spec, &[], data.len() as u64);
        bytes.extend_from_slice(&data);
        std::fs::write(&path, bytes).unwrap();
        let probe = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "stream=codec_name,sample_rate,channels,duration_ts",
            ])
            .args(["-of", "default=nw=1"])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&probe.stdout);
        for want in [
            "codec_name=pcm_s16le",
            "sample_rate=48000",
            "channels=2",
            "duration_ts=4800",
        ] {
            assert!(text.contains(want), "ffprobe: {text}");
        }
    }
}
