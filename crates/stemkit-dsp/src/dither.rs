//! Quantisation of float audio to integer PCM with TPDF dither.
//!
//! TPDF (the sum of two independent uniform variables of one LSB each) makes the
//! quantisation error independent of the signal, so low-level material (reverb tails,
//! fades) decays into noise instead of distortion. The noise source is counter-based (the
//! splitmix64 hash of a seeded counter, whose two 32-bit halves are the two uniforms): a
//! render of the same session gives the same files, byte for byte, and a block of noise
//! has no serial dependency, so [`Quantizer::quantize_block`] vectorises.
//!
//! Rounding is to nearest, ties to even, done by adding and subtracting 1.5 · 2^52 (exact
//! in `f64` for every value a 24-bit code can take); baseline x86-64 has no rounding
//! instruction, and `f64::round` would be a library call per sample.

use stemkit_simd::{Isa, Kernel};

use crate::fastmath::ROUNDER;

/// Whether to add dither before rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DitherKind {
    None,
    Tpdf,
}

/// Exponent bits of 1.0: a 52-bit mantissa under them is a value in [1, 2).
const ONE_BITS: u64 = 0x3FF0_0000_0000_0000;

/// splitmix64's increment.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Quantises samples of one file to `bits`-bit integers.
#[derive(Clone, Debug)]
pub struct Quantizer {
    scale: f64,
    min: f64,
    max: f64,
    kind: DitherKind,
    /// Base of this quantiser's noise sequence.
    seed: u64,
    /// Samples quantised so far: the counter the noise is hashed from.
    position: u64,
    clipped: u64,
}

impl Quantizer {
    /// A quantiser to `bits` (8 ..= 24; 32-bit output is float and not quantised) with
    /// its own noise sequence selected by `seed`.
    ///
    /// # Panics
    /// When `bits` is outside 8 ..= 24.
    #[must_use]
    pub fn new(bits: u32, kind: DitherKind, seed: u64) -> Self {
        assert!(
            (8..=24).contains(&bits),
            "{bits}-bit integer output is not supported"
        );
        let full = 1_i64 << (bits - 1);
        Self {
            scale: full as f64,
            min: -full as f64,
            max: (full - 1) as f64,
            kind,
            // Hashed, so seeds 0, 1, 2 ... start unrelated sequences.
            seed: splitmix(seed),
            position: 0,
            clipped: 0,
        }
    }

    /// TPDF noise for sample `index` of the sequence, in LSB: the difference of two
    /// uniforms on [0, 1) with 32 bits each (the two 1.0 offsets cancel exactly).
    #[inline(always)]
    fn tpdf(&self, index: u64) -> f64 {
        let r = splitmix(self.seed.wrapping_add(index.wrapping_mul(GOLDEN)));
        let a = f64::from_bits(ONE_BITS | ((r & 0xFFFF_FFFF) << 20));
        let b = f64::from_bits(ONE_BITS | ((r >> 32) << 20));
        a - b
    }

    /// The code for `x` with noise `d`, and whether it clipped. NaN gives 0, unclipped.
    /// Branch-free, and the integer comes out of the rounding constant's low mantissa bits
    /// (exact for every in-range code), so a loop of these vectorises.
    #[inline(always)]
    fn code(&self, x: f32, d: f64) -> (i32, bool) {
        let v = (f64::from(x) * self.scale + d + ROUNDER) - ROUNDER;
        let clipped = v > self.max || v < self.min;
        let v = if v.is_nan() { 0.0 } else { v };
        let v = v.max(self.min).min(self.max);
        ((v + ROUNDER).to_bits() as u32 as i32, clipped)
    }

    /// One sample as an integer code, full scale ±1.0 ↦ ±2^(bits-1); out-of-range values
    /// clip to the extreme codes and are counted. The same codes as [`Self::quantize_block`]
    /// for the same samples in the same order.
    #[inline]
    pub fn quantize(&mut self, x: f32) -> i32 {
        let d = match self.kind {
            DitherKind::None => 0.0,
            DitherKind::Tpdf => self.tpdf(self.position),
        };
        self.position += 1;
        let (code, clipped) = self.code(x, d);
        self.clipped += u64::from(clipped);
        code
    }

    /// A block of samples to codes (`codes` as long as `input`), continuing the noise
    /// sequence: the codes do not depend on how a stream is cut into blocks.
    pub fn quantize_block(&mut self, input: &[f32], codes: &mut [i32]) {
        let mut clipped = 0;
        stemkit_simd::best(Block {
            quantizer: self,
            input,
            codes,
            clipped: &mut clipped,
        });
        self.position += input.len() as u64;
        self.clipped += clipped;
    }

    /// Samples that clipped so far.
    #[must_use]
    pub fn clipped(&self) -> u64 {
        self.clipped
    }

    /// Full-scale value: the integer code of +1.0.
    #[must_use]
    pub fn full_scale(&self) -> f64 {
        self.scale
    }
}

/// One call of [`Quantizer::quantize_block`], for [`stemkit_simd::best`]: integer hashing
/// and exact arithmetic, so every build gives the same codes.
struct Block<'a> {
    quantizer: &'a Quantizer,
    input: &'a [f32],
    codes: &'a mut [i32],
    clipped: &'a mut u64,
}

impl Kernel for Block<'_> {
    #[inline(always)]
    fn run(self, _isa: Isa) {
        // The noise of a chunk first (a hash per sample, no serial dependency), then the
        // arithmetic: two loops the compiler vectorises.
        const CHUNK: usize = 256;
        let q = self.quantizer;
        let mut noise = [0.0_f64; CHUNK];
        let mut position = q.position;
        let mut clipped = 0_u64;
        for (x, c) in self.input.chunks(CHUNK).zip(self.codes.chunks_mut(CHUNK)) {
            let noise = &mut noise[..x.len()];
            if q.kind == DitherKind::Tpdf {
                for (i, d) in (position..).zip(noise.iter_mut()) {
                    *d = q.tpdf(i);
                }
            }
            for ((code, &x), &d) in c.iter_mut().zip(x).zip(noise.iter()) {
                let (v, clip) = q.code(x, d);
                *code = v;
                clipped += u64::from(clip);
            }
            position += x.len() as u64;
        }
        *self.clipped = clipped;
    }
}

#[inline(always)]
fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undithered_rounds_and_clips() {
        let mut q = Quantizer::new(16, DitherKind::None, 0);
        assert_eq!(q.quantize(0.5), 16_384);
        assert_eq!(q.quantize(-1.0), -32_768);
        assert_eq!(q.quantize(1.0), 32_767);
        assert_eq!(q.clipped(), 1);
    }

    /// TPDF error has mean 0 and variance 1/12 (rounding) + 1/6 (dither) = 1/4 LSB²,
    /// independent of the signal; both are checked on a slow ramp.
    #[test]
    fn tpdf_error_statistics_match_theory() {
        let mut q = Quantizer::new(16, DitherKind::Tpdf, 7);
        let n = 200_000;
        let (mut sum, mut sq) = (0.0, 0.0);
        for i in 0..n {
            let x = 0.3 * (i as f32 / n as f32);
            let e = f64::from(q.quantize(x)) - f64::from(x) * 32_768.0;
            sum += e;
            sq += e * e;
        }
        let mean = sum / f64::from(n);
        let var = sq / f64::from(n) - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 0.25).abs() < 0.01, "variance {var}");
    }

    /// Ties go to the even code; everything else to the nearest.
    #[test]
    fn undithered_rounding_is_to_nearest_even() {
        let mut q = Quantizer::new(16, DitherKind::None, 0);
        let lsb = 1.0 / 32_768.0_f32;
        for (x, code) in [
            (0.5, 0),
            (1.5, 2),
            (2.5, 2),
            (-0.5, 0),
            (-1.5, -2),
            (2.49, 2),
            (2.51, 3),
            (-2.51, -3),
        ] {
            assert_eq!(q.quantize(x * lsb), code, "{x} LSB");
        }
    }

    /// The block path gives the codes of the per-sample path, in any cutting of the
    /// stream, including clips and non-finite input.
    #[test]
    fn blocks_equal_samples() {
        let x: Vec<f32> = (0..5000)
            .map(|i| match i % 997 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                _ => (i as f32 * 0.013).sin() * 1.2,
            })
            .collect();
        for kind in [DitherKind::None, DitherKind::Tpdf] {
            let mut one = Quantizer::new(24, kind, 9);
            let want: Vec<i32> = x.iter().map(|&v| one.quantize(v)).collect();
            let mut blocks = Quantizer::new(24, kind, 9);
            let mut got = vec![0; x.len()];
            for piece in crate::testing::cuts(x.len(), &[1, 64, 7, 1000, 333]) {
                blocks.quantize_block(&x[piece.clone()], &mut got[piece]);
            }
            assert_eq!(got, want, "{kind:?}");
            assert_eq!(blocks.clipped(), one.clipped(), "{kind:?}");
            assert!(one.clipped() > 100, "{kind:?}: the sine's peaks clip");
        }
    }

    /// Neighbouring noise values are uncorrelated and the noise is white: the lag-1 and
    /// lag-2 autocorrelations are within the ±4/√n band of independent samples.
    #[test]
    fn tpdf_noise_is_white() {
        let q = Quantizer::new(24, DitherKind::Tpdf, 1);
        let n = 100_000_u64;
        let d: Vec<f64> = (0..n).map(|i| q.tpdf(i)).collect();
        let var: f64 = d.iter().map(|v| v * v).sum::<f64>() / n as f64;
        assert!((var - 1.0 / 6.0).abs() < 0.005, "variance {var}");
        for lag in [1, 2] {
            let r: f64 = d.windows(lag + 1).map(|w| w[0] * w[lag]).sum::<f64>() / n as f64 / var;
            assert!(r.abs() < 4.0 / (n as f64).sqrt(), "lag {lag}: {r}");
        }
        assert!(d.iter().all(|v| v.abs() < 1.0));
    }

    #[test]
    fn same_seed_same_codes_other_seed_differs() {
        let run = |seed| {
            let mut q = Quantizer::new(24, DitherKind::Tpdf, seed);
            (0..64)
                .map(|i| q.quantize(i as f32 * 1e-6))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }
}
