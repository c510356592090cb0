//! Seeded randomness. The demo must come out bit-identical on every run, so it carries
//! its own tiny generators rather than a crate whose sequence may change.

/// The SplitMix64 finaliser (Steele, Lea & Flood 2014): a well-mixed 64-bit value per
/// input, used for seeds and for hashing grid positions.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` that depends only on `(a, salt)`. Musical choices hash
/// the grid position instead of drawing from a running generator, so every microphone
/// on one drum hears the same humanised performance and a late-starting file plays
/// exactly what the song plays there.
pub(crate) fn hash01(a: u64, salt: u64) -> f32 {
    (mix64(a ^ mix64(salt)) >> 40) as f32 / (1u64 << 24) as f32
}

/// White noise from Marsaglia's 32-bit xorshift: three shifts per sample, uniform in
/// `[-1, 1)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Noise(u32);

impl Noise {
    pub(crate) fn new(seed: u64) -> Self {
        // Xorshift must not start at zero.
        Self((mix64(seed) as u32) | 1)
    }

    #[inline]
    pub(crate) fn sample(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x as i32) as f32 * (1.0 / 2_147_483_648.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_zero_mean_full_scale_and_seed_dependent() {
        let mut n = Noise::new(7);
        let xs: Vec<f32> = (0..100_000).map(|_| n.sample()).collect();
        let mean = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        // Uniform on [-1, 1) has variance 1/3.
        assert!((var - 1.0 / 3.0).abs() < 0.01, "variance {var}");
        assert!(xs.iter().all(|x| (-1.0..1.0).contains(x)));
        let mut other = Noise::new(8);
        assert_ne!(
            xs[..8],
            (0..8).map(|_| other.sample()).collect::<Vec<_>>()[..]
        );
    }

    #[test]
    fn hash_is_uniform_and_stable() {
        let n = 20_000;
        let below_half = (0..n).filter(|&i| hash01(i, 3) < 0.5).count();
        assert!((below_half as f64 / n as f64 - 0.5).abs() < 0.02);
        assert_eq!(hash01(12, 3), hash01(12, 3));
        assert_ne!(hash01(12, 3), hash01(12, 4));
    }
}
