//! Quantisation of float audio to integer PCM with TPDF dither.
//!
//! TPDF (the sum of two independent uniform variables of one LSB each) makes the
//! quantisation error independent of the signal, so low-level material (reverb tails,
//! fades) decays into noise instead of distortion. The noise source is a seeded
//! xorshift generator: a render of the same session gives the same files, byte for byte.

/// Whether to add dither before rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DitherKind {
    None,
    Tpdf,
}

/// Quantises samples of one file to `bits`-bit integers.
#[derive(Clone, Debug)]
pub struct Quantizer {
    scale: f64,
    min: i32,
    max: i32,
    kind: DitherKind,
    state: u64,
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
            min: -full as i32,
            max: (full - 1) as i32,
            kind,
            // splitmix64 of the seed, so seeds 0, 1, 2 ... give unrelated sequences.
            state: splitmix(seed) | 1,
            clipped: 0,
        }
    }

    #[inline]
    fn uniform(&mut self) -> f64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        (x >> 11) as f64 * (1.0 / (1_u64 << 53) as f64)
    }

    /// One sample as an integer code, full scale ±1.0 ↦ ±2^(bits-1); out-of-range values
    /// clip to the extreme codes and are counted.
    #[inline]
    pub fn quantize(&mut self, x: f32) -> i32 {
        let d = match self.kind {
            DitherKind::None => 0.0,
            DitherKind::Tpdf => self.uniform() - self.uniform(),
        };
        let v = (f64::from(x) * self.scale + d).round();
        if v > f64::from(self.max) {
            self.clipped += 1;
            self.max
        } else if v < f64::from(self.min) {
            self.clipped += 1;
            self.min
        } else {
            v as i32
        }
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

fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
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
