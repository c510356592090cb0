//! The pieces of a streamed FIR shared by the oversampler and the true-peak detector: the
//! Kaiser window's Bessel function, the taps worth multiplying, an input stream with its
//! history in front of each block, and the interleaving of two phases.

/// A filter's non-zero taps, by index `k` (the tap on input `n − k`). Every other tap of a
/// half-band filter is an exact zero and is left out. The filters here are linear-phase,
/// so their taps come in mirror pairs of equal coefficients: a pair is applied as
/// `c · (x[n − a] + x[n − b])`, one multiplication for two taps.
#[derive(Clone)]
pub(crate) struct Taps {
    /// `(a, b, c)` with `a < b`, outermost pair first.
    pub(crate) pairs: Vec<(usize, usize, f32)>,
    /// Taps without a partner: the centre of an odd-length filter, or every tap of a
    /// filter that is not symmetric.
    pub(crate) singles: Vec<(usize, f32)>,
}

impl Taps {
    pub(crate) fn of(taps: &[f32]) -> Self {
        let nonzero: Vec<(usize, f32)> = taps
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, c)| c != 0.0)
            .collect();
        let len = nonzero.len();
        let mirrored = (0..len).all(|i| nonzero[i].1 == nonzero[len - 1 - i].1);
        if !mirrored {
            return Self {
                pairs: Vec::new(),
                singles: nonzero,
            };
        }
        Self {
            pairs: (0..len / 2)
                .map(|i| (nonzero[i].0, nonzero[len - 1 - i].0, nonzero[i].1))
                .collect(),
            singles: (len % 2 == 1)
                .then(|| nonzero[len / 2])
                .into_iter()
                .collect(),
        }
    }
}

/// Zeroth-order modified Bessel function of the first kind (power series; converges for
/// the arguments a Kaiser window needs): the windows of the oversampler and the
/// true-peak detector.
pub(crate) fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let q = x * x / 4.0;
    for k in 1..64 {
        term *= q / f64::from(k * k);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// A FIR's input stream processed in blocks: the last `history` samples are kept in front
/// of each block, so every output of [`crate::kernels::fir`] reads one contiguous slice and the
/// filters that share an input (the two phases of an interpolator) share the buffer.
#[derive(Clone)]
pub(crate) struct Stream {
    pub(crate) history: usize,
    buf: Vec<f32>,
}

impl Stream {
    pub(crate) fn new(history: usize, max_block: usize) -> Self {
        Self {
            history,
            buf: vec![0.0; history + max_block],
        }
    }

    /// Where the next `n` input samples go.
    pub(crate) fn block_mut(&mut self, n: usize) -> &mut [f32] {
        &mut self.buf[self.history..self.history + n]
    }

    /// History and the block of `n`.
    pub(crate) fn view(&self, n: usize) -> &[f32] {
        &self.buf[..self.history + n]
    }

    /// After a block of `n`: its end becomes the history.
    pub(crate) fn advance(&mut self, n: usize) {
        self.buf.copy_within(n..n + self.history, 0);
    }

    pub(crate) fn clear(&mut self) {
        self.buf.fill(0.0);
    }
}

/// `out = [first[0], second[0], first[1], second[1], …]`: the two phases of a 2×
/// interpolator back into one stream at the doubled rate.
pub(crate) fn interleave(first: &[f32], second: &[f32], out: &mut [f32]) {
    for ((pair, &a), &b) in out.chunks_exact_mut(2).zip(first).zip(second) {
        pair[0] = a;
        pair[1] = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_matches_tabulated_values() {
        // Abramowitz & Stegun table 9.8: I0(1) = 1.266065878, I0(5) = 27.23987182.
        assert!((bessel_i0(1.0) - 1.266_065_878).abs() < 1e-9);
        assert!((bessel_i0(5.0) - 27.239_871_82).abs() < 1e-7);
    }
}
