//! Direct reading of plain PCM WAV data: the common source of a stem session, read
//! without the packet and sample-buffer layers of a general decoder.
//!
//! symphonia still probes every file and describes it; when it says "little-endian PCM
//! WAV at 16, 24 or 32 bits, or 32-bit float" and our own walk of the RIFF chunks finds
//! the same layout, the samples are read from the `data` chunk in large pieces and
//! converted straight into the caller's planar buffer. The conversion is the one symphonia
//! applies (`code / 2^(bits-1)`, floats passed through), so both paths give the same
//! samples bit for bit; a test holds them to it. Anything else (RF64, AIFF, FLAC, 8-bit,
//! 64-bit float, a header that disagrees) stays with symphonia.
//!
//! Main or worker thread: this reads the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::IoError;
use crate::SampleFormat;
use crate::decode::SourceInfo;

/// How the samples are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    I16,
    I24,
    I32,
    F32,
}

impl Encoding {
    fn bytes(self) -> usize {
        match self {
            Self::I16 => 2,
            Self::I24 => 3,
            Self::I32 | Self::F32 => 4,
        }
    }
}

/// Most bytes read from the file at once: a render block of stereo 24-bit (8192 frames
/// is 48 KiB) in one system call, small enough to stay in the cache while it is converted.
const CHUNK_BYTES: usize = 64 * 1024;

/// The `data` chunk of a PCM WAV file, read in order.
pub(crate) struct PcmReader {
    file: File,
    encoding: Encoding,
    channels: usize,
    sample_rate: u32,
    /// File offset of frame 0.
    data_start: u64,
    /// Frames the `data` chunk holds.
    frames: u64,
    /// Source frame of the next read.
    position: u64,
}

impl PcmReader {
    /// A direct reader for `path` when its header is plain PCM that agrees with `info`;
    /// `None` when the file is anything else (the caller keeps symphonia).
    pub(crate) fn open(path: &Path, info: &SourceInfo) -> Option<Self> {
        let encoding = match info.codec.as_str() {
            "pcm_s16le" => Encoding::I16,
            "pcm_s24le" => Encoding::I24,
            "pcm_s32le" => Encoding::I32,
            "pcm_f32le" => Encoding::F32,
            _ => return None,
        };
        if info.container != "wav" {
            return None;
        }
        let mut file = File::open(path).ok()?;
        let layout = walk_riff(&mut file)?;
        let agrees = layout.encoding == encoding
            && layout.channels == info.channels
            && layout.sample_rate == info.sample_rate
            && Some(layout.frames) == info.frames;
        if !agrees {
            return None;
        }
        file.seek(SeekFrom::Start(layout.data_start)).ok()?;
        Some(Self {
            file,
            encoding,
            channels: layout.channels,
            sample_rate: layout.sample_rate,
            data_start: layout.data_start,
            frames: layout.frames,
            position: 0,
        })
    }

    fn frame_bytes(&self) -> usize {
        self.encoding.bytes() * self.channels
    }

    /// Frames still to come.
    fn left(&self) -> u64 {
        self.frames - self.position
    }

    /// Moves to source frame `frame` (clamped to the end).
    pub(crate) fn seek(&mut self, frame: u64, path: &Path) -> Result<(), IoError> {
        let frame = frame.min(self.frames);
        let at = self.data_start + frame * self.frame_bytes() as u64;
        self.file
            .seek(SeekFrom::Start(at))
            .map_err(|e| read_error(path, e))?;
        self.position = frame;
        Ok(())
    }

    /// Converts up to `max` frames into `out[c][at..]`. Returns the frames written; 0
    /// only at the end of the data.
    ///
    /// The bytes land in a buffer of the calling thread that every reader on it shares:
    /// a render reading forty files block by block keeps one small, cache-hot buffer per
    /// thread instead of forty large ones the copy from the page cache would miss.
    ///
    /// # Errors
    /// [`IoError::Truncated`] when the file ends before its `data` chunk does;
    /// [`IoError::Read`] from the disk.
    pub(crate) fn read_into(
        &mut self,
        out: &mut [&mut [f32]],
        at: usize,
        max: usize,
        path: &Path,
    ) -> Result<usize, IoError> {
        let fb = self.frame_bytes();
        let n = (CHUNK_BYTES / fb).min(max).min(self.left() as usize);
        if n == 0 {
            return Ok(0);
        }
        SCRATCH.with_borrow_mut(|bytes| {
            bytes.resize(n * fb, 0);
            let mut got = 0;
            while got < bytes.len() {
                match self.file.read(&mut bytes[got..]) {
                    Ok(0) => break,
                    Ok(k) => got += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(read_error(path, e)),
                }
            }
            if got < bytes.len() {
                let decoded = self.position + (got / fb) as u64;
                return Err(crate::decode::truncated(
                    path,
                    self.frames,
                    decoded,
                    self.sample_rate,
                ));
            }
            convert(self.encoding, bytes, out, at, n);
            Ok(())
        })?;
        self.position += n as u64;
        Ok(n)
    }
}

thread_local! {
    /// The bytes of the read in progress on this thread (see [`PcmReader::read_into`]).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn read_error(path: &Path, e: std::io::Error) -> IoError {
    IoError::Read {
        path: path.into(),
        source: e,
    }
}

/// Where the samples of a plain PCM WAV file lie, for a reader that takes its bytes
/// itself (the render reads its prints back this way, hashing the same bytes it decodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavData {
    pub format: SampleFormat,
    pub channels: usize,
    pub sample_rate: u32,
    /// File offset of frame 0.
    pub data_start: u64,
    /// Frames the `data` chunk holds.
    pub frames: u64,
}

/// The layout of `path` when it is a RIFF WAV file of 16 or 24-bit integer or 32-bit
/// float samples, one or two channels; `Ok(None)` for anything else.
///
/// # Errors
/// [`IoError::NotFound`] or [`IoError::Read`] when the file cannot be opened.
pub fn wav_data(path: &Path) -> Result<Option<WavData>, IoError> {
    let mut file = File::open(path).map_err(|e| IoError::open(path, e))?;
    Ok(walk_riff(&mut file).and_then(|l| {
        let format = match l.encoding {
            Encoding::I16 => SampleFormat::Int16,
            Encoding::I24 => SampleFormat::Int24,
            Encoding::F32 => SampleFormat::Float32,
            Encoding::I32 => return None,
        };
        Some(WavData {
            format,
            channels: l.channels,
            sample_rate: l.sample_rate,
            data_start: l.data_start,
            frames: l.frames,
        })
    }))
}

/// What the RIFF chunks say.
struct Layout {
    encoding: Encoding,
    channels: usize,
    sample_rate: u32,
    data_start: u64,
    frames: u64,
}

/// Walks the chunks of a RIFF/WAVE file to `data`; `None` for anything this reader does
/// not take (RF64, extensible formats other than PCM and float, 8 or 64-bit samples).
fn walk_riff(file: &mut File) -> Option<Layout> {
    let len = file.metadata().ok()?.len();
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    if &head[..4] != b"RIFF" || &head[8..] != b"WAVE" {
        return None;
    }
    let mut at = 12u64;
    let mut format: Option<(Encoding, usize, u32)> = None;
    while at + 8 <= len {
        let mut ch = [0u8; 8];
        file.seek(SeekFrom::Start(at)).ok()?;
        file.read_exact(&mut ch).ok()?;
        let size = u64::from(u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]));
        let body = at + 8;
        match &ch[..4] {
            b"fmt " => {
                let mut f = vec![0u8; size.min(64) as usize];
                file.read_exact(&mut f).ok()?;
                format = Some(parse_fmt(&f)?);
            }
            b"data" => {
                let (encoding, channels, sample_rate) = format?;
                let frame_bytes = (encoding.bytes() * channels) as u64;
                return Some(Layout {
                    encoding,
                    channels,
                    sample_rate,
                    data_start: body,
                    frames: size / frame_bytes,
                });
            }
            _ => {}
        }
        at = body + size + size % 2;
    }
    None
}

/// `(encoding, channels, rate)` of a `fmt ` chunk body.
fn parse_fmt(f: &[u8]) -> Option<(Encoding, usize, u32)> {
    if f.len() < 16 {
        return None;
    }
    let u16_at = |i: usize| u16::from_le_bytes([f[i], f[i + 1]]);
    let mut tag = u16_at(0);
    let channels = usize::from(u16_at(2));
    let rate = u32::from_le_bytes([f[4], f[5], f[6], f[7]]);
    let block_align = usize::from(u16_at(12));
    let bits = u16_at(14);
    if tag == 0xFFFE {
        // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the sub-format
        // GUID, and the container size must equal the valid bits for a plain read.
        if f.len() < 40 || u16_at(18) != bits {
            return None;
        }
        tag = u16_at(24);
    }
    let encoding = match (tag, bits) {
        (1, 16) => Encoding::I16,
        (1, 24) => Encoding::I24,
        (1, 32) => Encoding::I32,
        (3, 32) => Encoding::F32,
        _ => return None,
    };
    (block_align == encoding.bytes() * channels && (1..=2).contains(&channels))
        .then_some((encoding, channels, rate))
}

/// Deinterleaves and converts `n` frames of `src` into `out[c][at..at + n]`, built for the
/// best instruction set the CPU has (integer unpacking and one exact scaling: the same
/// samples in every build).
fn convert(encoding: Encoding, src: &[u8], out: &mut [&mut [f32]], at: usize, n: usize) {
    stemkit_simd::best(Convert {
        encoding,
        src,
        out,
        at,
        n,
    });
}

struct Convert<'a, 'b> {
    encoding: Encoding,
    src: &'a [u8],
    out: &'a mut [&'b mut [f32]],
    at: usize,
    n: usize,
}

impl stemkit_simd::Kernel for Convert<'_, '_> {
    #[inline(always)]
    fn run(self, _isa: stemkit_simd::Isa) {
        convert_in(self.encoding, self.src, self.out, self.at, self.n);
    }
}

#[inline(always)]
fn convert_in(encoding: Encoding, src: &[u8], out: &mut [&mut [f32]], at: usize, n: usize) {
    match (encoding, out) {
        (Encoding::I24, [m]) => unpack::<3>(src, &mut m[at..at + n], i24),
        (Encoding::I24, [l, r]) => {
            unpack2::<3, 6>(src, &mut l[at..at + n], &mut r[at..at + n], i24)
        }
        (Encoding::I16, [m]) => unpack::<2>(src, &mut m[at..at + n], i16s),
        (Encoding::I16, [l, r]) => {
            unpack2::<2, 4>(src, &mut l[at..at + n], &mut r[at..at + n], i16s)
        }
        (Encoding::I32, [m]) => unpack::<4>(src, &mut m[at..at + n], i32s),
        (Encoding::I32, [l, r]) => {
            unpack2::<4, 8>(src, &mut l[at..at + n], &mut r[at..at + n], i32s)
        }
        (Encoding::F32, [m]) => unpack::<4>(src, &mut m[at..at + n], f32s),
        (Encoding::F32, [l, r]) => {
            unpack2::<4, 8>(src, &mut l[at..at + n], &mut r[at..at + n], f32s)
        }
        _ => unreachable!("one or two channels, checked when the header was read"),
    }
}

/// One sample of each encoding from its little-endian bytes, at full scale 1.0.
#[inline(always)]
fn i24(b: &[u8]) -> f32 {
    const SCALE: f32 = 1.0 / 8_388_608.0;
    (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * SCALE
}

#[inline(always)]
fn i16s(b: &[u8]) -> f32 {
    f32::from(i16::from_le_bytes([b[0], b[1]])) * (1.0 / 32_768.0)
}

#[inline(always)]
fn i32s(b: &[u8]) -> f32 {
    // Through f64 so the one rounding is to the nearest f32, as symphonia does.
    (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0) as f32
}

#[inline(always)]
fn f32s(b: &[u8]) -> f32 {
    f32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

#[inline(always)]
fn unpack<const W: usize>(src: &[u8], out: &mut [f32], one: impl Fn(&[u8]) -> f32) {
    for (o, s) in out.iter_mut().zip(src.chunks_exact(W)) {
        *o = one(s);
    }
}

#[inline(always)]
fn unpack2<const W: usize, const F: usize>(
    src: &[u8],
    l: &mut [f32],
    r: &mut [f32],
    one: impl Fn(&[u8]) -> f32,
) {
    for ((a, b), s) in l.iter_mut().zip(r.iter_mut()).zip(src.chunks_exact(F)) {
        *a = one(&s[..W]);
        *b = one(&s[W..]);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::decode::DecodeStream;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    fn read_all(s: &mut DecodeStream, piece: usize) -> Vec<Vec<f32>> {
        let mut out = vec![Vec::new(); s.info().channels];
        loop {
            let n = s
                .take(piece, |c, x| out[c].extend_from_slice(x))
                .expect("fixture decodes");
            if n == 0 {
                return out;
            }
        }
    }

    #[test]
    fn direct_pcm_reads_what_symphonia_decodes_bit_for_bit() {
        for name in [
            "pcm16.wav",
            "pcm24.wav",
            "pcm24_ext.wav",
            "pcm32.wav",
            "float32.wav",
            "mono16.wav",
        ] {
            let mut direct = DecodeStream::open(&fixture(name)).expect("opens");
            assert!(direct.is_direct(), "{name} should take the direct path");
            let mut general = DecodeStream::open(&fixture(name)).expect("opens");
            general.force_general();
            let (a, b) = (read_all(&mut direct, 333), read_all(&mut general, 4096));
            assert_eq!(a.len(), b.len(), "{name}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.len(), y.len(), "{name}");
                let same = x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits());
                assert!(same, "{name}: samples differ");
            }
        }
    }

    #[test]
    fn direct_seek_lands_where_decoding_from_the_start_does() {
        let mut whole = DecodeStream::open(&fixture("pcm24.wav")).expect("opens");
        let all = read_all(&mut whole, 512);
        let mut s = DecodeStream::open(&fixture("pcm24.wav")).expect("opens");
        s.skip_to(1234).expect("seeks");
        let rest = read_all(&mut s, 100);
        assert_eq!(rest[0], all[0][1234..]);
        assert_eq!(rest[1], all[1][1234..]);
    }

    #[test]
    fn a_short_data_chunk_is_truncated_on_the_direct_path_too() {
        let mut s = DecodeStream::open(&fixture("truncated.wav")).expect("opens");
        assert!(s.is_direct());
        let mut err = None;
        for _ in 0..10_000 {
            match s.take(4096, |_, _| {}) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let e = err.expect("truncated.wav must fail");
        assert!(matches!(e, crate::IoError::Truncated { .. }), "{e}");
    }
}
