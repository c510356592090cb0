//! The print stage: lines every bus output up to the common latency, quantises it, and
//! writes the files.
//!
//! The unit of quantisation is a *component*: a stem's output, a return's output, or one
//! stem's share of one return (wet variant). Every file is a sum of components in the
//! integer domain (or the float domain for 32-bit output): a dry stem is one component, a
//! wet stem is the stem plus its shares, the mix is every component. Because the mix is
//! summed from the very codes written to the stem files, the delivered files null exactly.

use std::path::{Path, PathBuf};

use stemkit_core::AudioBuffer;
use stemkit_dsp::dither::{DitherKind, Quantizer};
use stemkit_io::{
    FlacSpec, FlacWriter, IoError, PendingFile, SampleFormat, WavMetadata, WavSpec, WavWriter,
};
use stemkit_session::{BitDepth, FileFormat, Variant};

use crate::delay::DelayLine;
use crate::{EngineError, Printed, Role};

/// One bus output as it is quantised, aligned to the render's common latency.
///
/// Each channel has its own dither sequence, consumed in frame order, so the codes do not
/// depend on the block size nor on which thread quantises which component.
pub(crate) struct Component {
    align: DelayLine,
    quant: Vec<Quantizer>,
    /// The aligned float block.
    pub(crate) aligned: AudioBuffer,
    /// The aligned block as integer codes (integer output only).
    codes: Vec<Vec<i32>>,
    /// Aligned and not yet quantised.
    pending: bool,
}

impl Component {
    pub(crate) fn new(
        channels: usize,
        max_block: usize,
        align: usize,
        bits: BitDepth,
        dither: DitherKind,
        seed: u64,
    ) -> Self {
        let quant = if bits.is_integer() {
            (0..channels as u64)
                .map(|c| Quantizer::new(bits.bits(), dither, seed * 2 + c))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            align: DelayLine::new(channels, align),
            quant,
            aligned: AudioBuffer::new(channels, max_block),
            codes: vec![vec![0; max_block]; channels],
            pending: false,
        }
    }

    /// Takes this block's output of the bus, aligns and quantises it.
    pub(crate) fn take(&mut self, src: &AudioBuffer, split: bool) {
        self.align(src);
        self.quantise(split);
    }

    /// Copies this block's output of the bus and aligns it: after this the bus may move on
    /// to the next block while [`Component::quantise`] works on the copy.
    pub(crate) fn align(&mut self, src: &AudioBuffer) {
        self.aligned.copy_from(src);
        self.align.process(&mut self.aligned);
        self.pending = true;
    }

    /// Quantises the block [`Component::align`] took, if any. With `split`, the two
    /// channels of a stereo component are quantised on two threads (for renders with
    /// fewer components than threads); the codes are the same either way.
    pub(crate) fn quantise(&mut self, split: bool) {
        if !std::mem::take(&mut self.pending) {
            return;
        }
        let n = self.aligned.frames();
        if let (true, [ql, qr], [cl, cr]) = (split, &mut self.quant[..], &mut self.codes[..]) {
            let (l, r) = (self.aligned.channel(0), self.aligned.channel(1));
            rayon::join(
                || ql.quantize_block(l, &mut cl[..n]),
                || qr.quantize_block(r, &mut cr[..n]),
            );
            return;
        }
        for (c, (q, codes)) in self.quant.iter_mut().zip(&mut self.codes).enumerate() {
            q.quantize_block(self.aligned.channel(c), &mut codes[..n]);
        }
    }

    pub(crate) fn clipped(&self) -> u64 {
        self.quant.iter().map(Quantizer::clipped).sum()
    }
}

/// The file formats a print can be written in.
pub(crate) enum Writer {
    Wav(WavWriter),
    Flac(Box<FlacWriter>),
}

impl Writer {
    /// Opens a writer for `path`; WAV files carry `meta` (BWF `bext`, `iXML`).
    pub(crate) fn create(
        path: &Path,
        format: FileFormat,
        channels: usize,
        bits: BitDepth,
        sample_rate: u32,
        meta: &WavMetadata,
    ) -> Result<Self, IoError> {
        Ok(match format {
            FileFormat::Wav => {
                let format = match bits {
                    BitDepth::Int16 => SampleFormat::Int16,
                    BitDepth::Int24 => SampleFormat::Int24,
                    BitDepth::Float32 => SampleFormat::Float32,
                };
                let spec = WavSpec {
                    sample_rate,
                    channels: channels as u16,
                    format,
                };
                Self::Wav(WavWriter::create_with(path, spec, meta)?)
            }
            FileFormat::Flac => Self::Flac(Box::new(FlacWriter::create(
                path,
                FlacSpec {
                    sample_rate,
                    channels: channels as u16,
                    bits: bits.bits(),
                },
            )?)),
        })
    }

    fn write_int(&mut self, planar: &[&[i32]]) -> Result<(), IoError> {
        match self {
            Self::Wav(w) => w.write_int(planar),
            Self::Flac(w) => w.write_int(planar),
        }
    }

    fn write_float(&mut self, planar: &[&[f32]]) -> Result<(), IoError> {
        match self {
            Self::Wav(w) => w.write_float(planar),
            // Refused at load: FLAC output is integer only.
            Self::Flac(_) => Err(IoError::Invalid {
                path: PathBuf::new(),
                detail: "FLAC output is 16 or 24-bit".into(),
            }),
        }
    }

    /// Finishes the file; a FLAC file is decoded again and its MD5 checked first. A WAV
    /// file is left for the caller to sync (it reads the prints back meanwhile).
    fn finish(self) -> Result<PendingFile, IoError> {
        match self {
            Self::Wav(w) => w.finish_unsynced(),
            Self::Flac(w) => w.finish(),
        }
    }
}

/// One file being written: the sum of some components.
pub(crate) struct OutFile {
    pub(crate) role: Role,
    pub(crate) name: String,
    pub(crate) variant: Option<Variant>,
    pub(crate) parts: Vec<usize>,
    channels: usize,
    writer: Writer,
    path: PathBuf,
    /// Processing frames to drop before file frame 0.
    discard: u64,
    mastered: bool,
    written: u64,
    peak: f64,
    clipped: u64,
    int_block: Vec<Vec<i32>>,
    acc: Vec<i64>,
    float_block: Vec<Vec<f32>>,
    full_scale: f64,
    bits: BitDepth,
    sample_rate: u32,
}

impl OutFile {
    #[allow(clippy::too_many_arguments)] // one constructor call site; a struct would only rename these
    pub(crate) fn create(
        writer: Writer,
        path: &Path,
        role: Role,
        name: String,
        variant: Option<Variant>,
        parts: Vec<usize>,
        channels: usize,
        discard: u64,
        mastered: bool,
        bits: BitDepth,
        sample_rate: u32,
        max_block: usize,
    ) -> Result<Self, EngineError> {
        Ok(Self {
            role,
            name,
            variant,
            parts,
            channels,
            writer,
            path: path.to_path_buf(),
            discard,
            mastered,
            written: 0,
            peak: 0.0,
            clipped: 0,
            int_block: vec![vec![0; max_block]; channels],
            acc: vec![0; max_block],
            float_block: vec![vec![0.0; max_block]; channels],
            full_scale: f64::from(1_u32 << (bits.bits() - 1)),
            bits,
            sample_rate,
        })
    }

    /// The frames of this block that belong in the file, as `(first index in the block,
    /// count)`, for a block of `n` frames at processing frame `t0` and a file of `length`.
    fn window(&self, t0: u64, n: usize, length: u64) -> (usize, usize) {
        let first = self.discard.saturating_sub(t0).min(n as u64);
        let file_at = (t0 + first).saturating_sub(self.discard);
        let count = (n as u64 - first).min(length.saturating_sub(file_at));
        (first as usize, count as usize)
    }

    /// Whether the file is complete.
    pub(crate) fn done(&self, length: u64) -> bool {
        self.written >= length
    }

    /// Whether the file is complete once the block at `t0` is written.
    pub(crate) fn done_after(&self, t0: u64, n: usize, length: u64) -> bool {
        self.written + self.window(t0, n, length).1 as u64 >= length
    }

    /// Sums this file's components for the block and writes what falls in the file.
    pub(crate) fn write_block(
        &mut self,
        comps: &[Component],
        t0: u64,
        n: usize,
        length: u64,
    ) -> Result<(), EngineError> {
        let (first, count) = self.window(t0, n, length);
        if count == 0 {
            return Ok(());
        }
        let range = first..first + count;
        let io = |source| EngineError::Write {
            path: self.path.clone(),
            source,
        };
        if self.bits.is_integer() {
            let (lo, hi) = (-(self.full_scale as i64), self.full_scale as i64 - 1);
            for (c, out) in self.int_block.iter_mut().enumerate() {
                let out = &mut out[..count];
                out.fill(0);
                if self.parts.len() == 1 {
                    let comp = &comps[self.parts[0]];
                    let cc = c.min(comp.codes.len() - 1);
                    out.copy_from_slice(&comp.codes[cc][range.clone()]);
                } else {
                    let acc = &mut self.acc[..count];
                    acc.fill(0);
                    for &p in &self.parts {
                        let comp = &comps[p];
                        let cc = c.min(comp.codes.len() - 1);
                        for (a, &v) in acc.iter_mut().zip(&comp.codes[cc][range.clone()]) {
                            *a += i64::from(v);
                        }
                    }
                    for (o, &a) in out.iter_mut().zip(acc.iter()) {
                        if a < lo || a > hi {
                            self.clipped += 1;
                        }
                        *o = a.clamp(lo, hi) as i32;
                    }
                }
                let peak = out.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
                self.peak = self.peak.max(f64::from(peak) / self.full_scale);
            }
            let planar = first_frames(&self.int_block, count);
            self.writer
                .write_int(&planar[..self.channels])
                .map_err(io)?;
        } else {
            for (c, out) in self.float_block.iter_mut().enumerate() {
                let out = &mut out[..count];
                out.fill(0.0);
                for &p in &self.parts {
                    let comp = &comps[p];
                    let cc = c.min(comp.aligned.channels() - 1);
                    for (o, &v) in out.iter_mut().zip(&comp.aligned.channel(cc)[range.clone()]) {
                        *o += v;
                    }
                }
                let peak = out.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
                self.peak = self.peak.max(f64::from(peak));
            }
            let planar = first_frames(&self.float_block, count);
            self.writer
                .write_float(&planar[..self.channels])
                .map_err(io)?;
        }
        self.written += count as u64;
        Ok(())
    }

    /// The samples written in the last block for channel `c`, as integers or floats, for
    /// the null test (`count` frames starting at the block's window).
    pub(crate) fn last_int(&self, c: usize, count: usize) -> &[i32] {
        &self.int_block[c.min(self.channels - 1)][..count]
    }

    pub(crate) fn last_float(&self, c: usize, count: usize) -> &[f32] {
        &self.float_block[c.min(self.channels - 1)][..count]
    }

    pub(crate) fn block_count(&self, t0: u64, n: usize, length: u64) -> usize {
        self.window(t0, n, length).1
    }

    pub(crate) fn finish(self, comps: &[Component]) -> Result<Printed, EngineError> {
        let clipped = self.clipped + self.parts.iter().map(|&p| comps[p].clipped()).sum::<u64>();
        let pending = self.writer.finish().map_err(|source| EngineError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(Printed {
            role: self.role,
            name: self.name,
            variant: self.variant,
            pending,
            channels: self.channels,
            frames: self.written,
            sample_rate: self.sample_rate,
            bit_depth: self.bits.bits(),
            peak: self.peak,
            clipped,
            mastered: self.mastered,
        })
    }
}

/// The first `count` frames of up to two channels, without allocating.
fn first_frames<T>(block: &[Vec<T>], count: usize) -> [&[T]; 2] {
    let last = block.len() - 1;
    [&block[0][..count], &block[1.min(last)][..count]]
}
