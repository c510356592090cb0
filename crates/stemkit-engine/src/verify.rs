//! Reading the prints back: one pass over every file of a render, in step, checks what
//! is on disk and measures it.
//!
//! For each file: the header must say what the render meant to write (rate, channels,
//! bit depth, length); its SHA-256 is taken over the very bytes that are decoded; the
//! sample peak must equal the one the render wrote; integrated loudness (BS.1770-4 gating)
//! and true peak are measured (see [`crate::meter`]). For each set of files with a null
//! test, the mix minus the sum of the set is recomputed from the decoded files, so the
//! report's null test is a property of the delivered files, not of the render's memory.
//!
//! The files are read in segments of [`SEGMENT`] frames, all at the same position, on the
//! render's thread pool: a segment of every file is read, hashed, decoded and metered in
//! parallel, then the null tests of that segment are summed. Memory stays a few segments
//! per file, whatever the length.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use stemkit_core::AudioBuffer;
use stemkit_io::{SampleFormat, SourceReader, WavData};

use crate::meter::PrintMeter;
use crate::{EngineError, NullTest, Printed, Render};

/// Frames per step of the read-back.
const SEGMENT: usize = 1 << 16;

/// What reading one print back found.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// SHA-256 of the whole file, 64 lowercase hex digits.
    pub sha256: String,
    /// Largest absolute sample, full scale 1.0 (equal to [`Printed::peak`], or the
    /// verification fails).
    pub sample_peak: f64,
    /// True peak (4× oversampled below 96 kHz), dBTP; `None` for digital silence.
    pub true_peak_dbtp: Option<f64>,
    /// Integrated loudness, LUFS; `None` when every block is below the absolute gate.
    pub lufs_i: Option<f64>,
}

/// Every print read back, and the null tests recomputed from the files.
#[derive(Clone, Debug, PartialEq)]
pub struct Verification {
    /// In the order of [`Render::files`].
    pub files: Vec<Verified>,
    /// In the order of [`Render::null_tests`].
    pub null_tests: Vec<NullTest>,
}

/// Reads back every file of `render` (still under their temporary names) on `threads`
/// threads (0 = one per core).
///
/// # Errors
/// [`EngineError::Verify`] naming the first file that cannot be read or does not hold
/// what the render wrote.
pub fn verify(render: &Render, threads: usize) -> Result<Verification, EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EngineError::Session(format!("cannot start the threads: {e}")))?;
    pool.install(|| verify_on_pool(render))
}

fn verify_on_pool(render: &Render) -> Result<Verification, EngineError> {
    let mut readers: Vec<ReadBack> = render
        .files
        .par_iter()
        .map(ReadBack::open)
        .collect::<Result<_, _>>()?;
    let mut residuals = vec![0.0_f64; render.null_tests.len()];
    loop {
        readers.par_iter_mut().try_for_each(ReadBack::step)?;
        let count = readers.first().map_or(0, |r| r.count);
        if count == 0 {
            break;
        }
        for (test, peak) in render.null_tests.iter().zip(&mut residuals) {
            *peak = peak.max(segment_residual(&readers, test, count));
        }
    }
    let files = readers
        .into_iter()
        .map(ReadBack::finish)
        .collect::<Result<_, _>>()?;
    // Integer prints sum exactly, so the files must give the very figure the render
    // measured; a float set may have lost a residual of float dust that was not printed.
    for (t, &peak) in render.null_tests.iter().zip(&residuals) {
        let written = render.files.get(t.mix);
        if t.members.is_empty() || written.is_none_or(|f| f.bit_depth == 32) {
            continue;
        }
        let scale = written.map_or(1.0, |f| full_scale(f.bit_depth));
        let read = (peak > 0.0).then(|| 20.0 * (peak / scale).log10());
        if read != t.residual_peak_dbfs {
            let path =
                written.map_or_else(Default::default, |f| f.pending.final_path().to_path_buf());
            return Err(fail(
                &path,
                format!(
                    "the {} null test of the files read back ({}) differs from the one measured as they were written ({})",
                    t.set,
                    dbfs_text(read),
                    dbfs_text(t.residual_peak_dbfs)
                ),
            ));
        }
    }
    let null_tests = render
        .null_tests
        .iter()
        .zip(residuals)
        .map(|(t, peak)| {
            let bits = render.files.get(t.mix).map_or(32, |f| f.bit_depth);
            let scale = full_scale(bits);
            NullTest {
                residual_peak_dbfs: (peak > 0.0).then(|| 20.0 * (peak / scale).log10()),
                bit_exact: peak == 0.0 && bits < 32,
                ..t.clone()
            }
        })
        .collect();
    Ok(Verification { files, null_tests })
}

/// Peak of the test's mix minus the sum of its set over this segment, in codes (integer
/// prints, summed exactly in `i64`) or full scale (float prints, summed in `f64`). A mono
/// file counts on both channels of a stereo mix, as it is mixed.
fn segment_residual(readers: &[ReadBack], test: &NullTest, count: usize) -> f64 {
    let (Some(mix), true) = (
        readers.get(test.mix),
        test.members.iter().all(|&m| m < readers.len()),
    ) else {
        return 0.0;
    };
    let chunks = count.div_ceil(4096);
    (0..chunks)
        .into_par_iter()
        .map(|k| {
            let range = k * 4096..((k + 1) * 4096).min(count);
            let mut peak = 0.0_f64;
            for c in 0..mix.channels {
                if mix.integer {
                    let mut acc: Vec<i64> = mix.ints[c][range.clone()]
                        .iter()
                        .map(|&v| i64::from(v))
                        .collect();
                    for &m in &test.members {
                        let f = &readers[m];
                        let src = &f.ints[c.min(f.channels - 1)][range.clone()];
                        acc.iter_mut()
                            .zip(src)
                            .for_each(|(a, &v)| *a -= i64::from(v));
                    }
                    let p = acc.iter().map(|a| a.unsigned_abs()).max().unwrap_or(0);
                    peak = peak.max(p as f64);
                } else {
                    let mut acc: Vec<f64> = mix.floats[c][range.clone()]
                        .iter()
                        .map(|&v| f64::from(v))
                        .collect();
                    for &m in &test.members {
                        let f = &readers[m];
                        let src = &f.floats[c.min(f.channels - 1)][range.clone()];
                        acc.iter_mut()
                            .zip(src)
                            .for_each(|(a, &v)| *a -= f64::from(v));
                    }
                    peak = acc.iter().fold(peak, |p, a| p.max(a.abs()));
                }
            }
            peak
        })
        .reduce(|| 0.0, f64::max)
}

/// Where a print's samples come from.
enum Input {
    /// A WAV print: its bytes are hashed and decoded in the same pass.
    Wav {
        file: File,
        data: WavData,
        hasher: Sha256,
        bytes: Vec<u8>,
        /// Frames of the data chunk still to read.
        left: u64,
    },
    /// Any other container (FLAC): decoded by the source reader, hashed on its own.
    Decoded {
        reader: Box<SourceReader>,
        buf: AudioBuffer,
    },
}

/// One print being read back.
struct ReadBack<'a> {
    printed: &'a Printed,
    input: Input,
    channels: usize,
    integer: bool,
    full_scale: f32,
    /// This segment, per channel: integer codes (integer prints) and floats at full scale 1.
    ints: Vec<Vec<i32>>,
    floats: Vec<Vec<f32>>,
    /// Frames valid in this segment.
    count: usize,
    frames: u64,
    meter: PrintMeter,
}

fn fail(path: &Path, detail: impl Into<String>) -> EngineError {
    EngineError::Verify {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

impl<'a> ReadBack<'a> {
    fn open(printed: &'a Printed) -> Result<Self, EngineError> {
        let path = printed.pending.temp_path();
        let shown = printed.pending.final_path();
        let io = |e: stemkit_io::IoError| fail(shown, e.to_string());
        let integer = printed.bit_depth < 32;
        let input = match stemkit_io::wav_data(path).map_err(io)? {
            Some(data) => {
                let bits = u32::from(data.format.bits());
                let found = (data.sample_rate, data.channels, data.frames, bits);
                let wrote = (
                    printed.sample_rate,
                    printed.channels,
                    printed.frames,
                    printed.bit_depth,
                );
                if found != wrote {
                    return Err(fail(
                        shown,
                        format!(
                            "wrote {} Hz, {} ch, {} frames, {} bits but read back {} Hz, {} ch, {} frames, {} bits",
                            wrote.0, wrote.1, wrote.2, wrote.3, found.0, found.1, found.2, found.3
                        ),
                    ));
                }
                let mut file = File::open(path).map_err(|e| fail(shown, e.to_string()))?;
                // The header is hashed as it is; the samples follow in segments.
                let mut head = vec![0; data.data_start as usize];
                file.read_exact(&mut head)
                    .map_err(|e| fail(shown, e.to_string()))?;
                let mut hasher = Sha256::new();
                hasher.update(&head);
                Input::Wav {
                    file,
                    data,
                    hasher,
                    bytes: Vec::with_capacity(SEGMENT * data.channels * (bits as usize / 8)),
                    left: data.frames,
                }
            }
            None => {
                let info = stemkit_io::probe(path).map_err(io)?;
                let found = (
                    info.sample_rate,
                    info.channels,
                    info.frames,
                    info.bits_per_sample,
                );
                let wrote = (
                    printed.sample_rate,
                    printed.channels,
                    Some(printed.frames),
                    Some(printed.bit_depth),
                );
                if found != wrote {
                    return Err(fail(
                        shown,
                        format!(
                            "wrote {} Hz, {} ch, {} frames, {} bits but read back {} Hz, {} ch, {:?} frames, {:?} bits",
                            wrote.0,
                            wrote.1,
                            printed.frames,
                            printed.bit_depth,
                            found.0,
                            found.1,
                            found.2,
                            found.3
                        ),
                    ));
                }
                let reader = SourceReader::open(path, info.sample_rate, 0.0).map_err(io)?;
                Input::Decoded {
                    reader: Box::new(reader),
                    buf: AudioBuffer::new(info.channels, SEGMENT),
                }
            }
        };
        let channels = printed.channels;
        Ok(Self {
            printed,
            input,
            channels,
            integer,
            full_scale: full_scale(printed.bit_depth) as f32,
            ints: vec![vec![0; SEGMENT]; if integer { channels } else { 0 }],
            floats: vec![vec![0.0; SEGMENT]; channels],
            count: 0,
            frames: 0,
            meter: PrintMeter::new(channels, printed.sample_rate, printed.peak as f32),
        })
    }

    /// Reads, hashes, decodes and meters the next segment.
    fn step(&mut self) -> Result<(), EngineError> {
        let shown = self.printed.pending.final_path();
        self.count = match &mut self.input {
            Input::Wav {
                file,
                data,
                hasher,
                bytes,
                left,
            } => {
                let n = (*left).min(SEGMENT as u64) as usize;
                bytes.resize(n * data.channels * usize::from(data.format.bits() / 8), 0);
                file.read_exact(bytes)
                    .map_err(|e| fail(shown, format!("the data ends early ({e})")))?;
                hasher.update(&bytes[..]);
                *left -= n as u64;
                decode(
                    data.format,
                    bytes,
                    &mut self.ints,
                    &mut self.floats,
                    n,
                    self.full_scale,
                );
                n
            }
            Input::Decoded { reader, buf } => {
                buf.set_frames(SEGMENT);
                let n = reader.read(buf).map_err(|e| fail(shown, e.to_string()))?;
                for (c, out) in self.floats.iter_mut().enumerate() {
                    out[..n].copy_from_slice(&buf.channel(c)[..n]);
                }
                for (ints, floats) in self.ints.iter_mut().zip(&self.floats) {
                    for (i, &x) in ints[..n].iter_mut().zip(&floats[..n]) {
                        *i = (x * self.full_scale) as i32;
                    }
                }
                n
            }
        };
        self.frames += self.count as u64;
        let planes: Vec<&[f32]> = self.floats.iter().map(|c| &c[..self.count]).collect();
        self.meter.add(&planes);
        Ok(())
    }

    fn finish(self) -> Result<Verified, EngineError> {
        let shown = self.printed.pending.final_path();
        let sha256 = match self.input {
            Input::Wav {
                mut file, hasher, ..
            } => {
                // Whatever follows the data (a pad byte) belongs to the file too.
                let mut hasher = hasher;
                let mut rest = Vec::new();
                file.read_to_end(&mut rest)
                    .map_err(|e| fail(shown, e.to_string()))?;
                hasher.update(&rest);
                hex(&hasher.finalize())
            }
            Input::Decoded { .. } => stemkit_io::sha256_file(self.printed.pending.temp_path())
                .map_err(|e| fail(shown, e.to_string()))?,
        };
        if self.frames != self.printed.frames {
            return Err(fail(
                shown,
                format!(
                    "wrote {} frames but read back {}",
                    self.printed.frames, self.frames
                ),
            ));
        }
        let m = self.meter.finish();
        let wrote = self.printed.peak;
        if f64::from(m.sample_peak) != wrote {
            return Err(fail(
                shown,
                format!(
                    "wrote a sample peak of {wrote} but read back {}",
                    m.sample_peak
                ),
            ));
        }
        Ok(Verified {
            sha256,
            sample_peak: f64::from(m.sample_peak),
            true_peak_dbtp: m.true_peak_dbtp,
            lufs_i: m.lufs_i,
        })
    }
}

/// The code of +1.0 in an integer print; 1 in a float one.
fn full_scale(bits: u32) -> f64 {
    if bits < 32 {
        f64::from(1_u32 << (bits - 1))
    } else {
        1.0
    }
}

fn dbfs_text(v: Option<f64>) -> String {
    v.map_or_else(|| "digital silence".to_owned(), |d| format!("{d:.2} dBFS"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Deinterleaves `n` frames of little-endian samples into integer codes (integer
/// formats) and floats at full scale 1.0.
fn decode(
    format: SampleFormat,
    bytes: &[u8],
    ints: &mut [Vec<i32>],
    floats: &mut [Vec<f32>],
    n: usize,
    full_scale: f32,
) {
    let channels = floats.len();
    let width = match format {
        SampleFormat::Int16 => 2,
        SampleFormat::Int24 => 3,
        SampleFormat::Float32 => 4,
    };
    for c in 0..channels {
        let frames = bytes
            .chunks_exact(width * channels)
            .map(|f| &f[c * width..(c + 1) * width]);
        match format {
            SampleFormat::Int16 | SampleFormat::Int24 => {
                let scale = 1.0 / full_scale;
                let codes = &mut ints[c][..n];
                if format == SampleFormat::Int16 {
                    for (o, s) in codes.iter_mut().zip(frames) {
                        *o = i32::from(i16::from_le_bytes([s[0], s[1]]));
                    }
                } else {
                    for (o, s) in codes.iter_mut().zip(frames) {
                        *o = i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8;
                    }
                }
                for (f, &i) in floats[c][..n].iter_mut().zip(codes.iter()) {
                    *f = i as f32 * scale;
                }
            }
            SampleFormat::Float32 => {
                for (o, s) in floats[c][..n].iter_mut().zip(frames) {
                    *o = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
                }
            }
        }
    }
}
