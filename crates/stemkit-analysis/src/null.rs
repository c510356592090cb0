//! The null test (mix minus the sum of the stems) and the accumulators its diagnosis
//! reads: per-stem capture windows for the offsets, the least-squares normal equations
//! for the gains, and per-block projections of the residual on the stem sum for
//! master-bus processing.
//!
//! Mono stems enter a stereo mix as dual mono and stereo stems a mono mix as `(L+R)/2`
//! (DESIGN §2), by [`AudioBuffer::add_from`].

use stemkit_core::AudioBuffer;

use crate::scan::{BLOCK, Waveform};
use crate::xcorr::{MAX_LAG, WINDOW};

/// Each stem's block in the mix's channel layout, their sum, and the residual.
pub struct Mapped {
    pub stems: Vec<AudioBuffer>,
    pub sum: AudioBuffer,
    pub residual: AudioBuffer,
}

impl Mapped {
    pub fn new(stems: usize, channels: usize) -> Self {
        Self {
            stems: (0..stems)
                .map(|_| AudioBuffer::new(channels, BLOCK))
                .collect(),
            sum: AudioBuffer::new(channels, BLOCK),
            residual: AudioBuffer::new(channels, BLOCK),
        }
    }

    /// Maps `stems` into the mix layout and forms their `sum` and `residual = mix - sum`.
    pub fn update<'a>(&mut self, mix: &AudioBuffer, stems: impl Iterator<Item = &'a AudioBuffer>) {
        self.sum.clear();
        for (dst, src) in self.stems.iter_mut().zip(stems) {
            dst.clear();
            dst.add_from(src, 1.0);
            self.sum.add_from(dst, 1.0);
        }
        self.residual.copy_from(mix);
        self.residual.add_from(&self.sum, -1.0);
    }
}

/// Mean of the channels at frame `i`.
fn fold(buf: &AudioBuffer, i: usize) -> f32 {
    buf.iter_channels().map(|c| c[i]).sum::<f32>() / buf.channels() as f32
}

/// Pass 1: the residual as delivered.
pub struct NullScan {
    pub residual_peak: f32,
    pub residual_energy: f64,
    pub mix_energy: f64,
    pub samples: u64,
    pub waveform: Waveform,
}

impl NullScan {
    pub fn new(col_frames: u64) -> Self {
        Self {
            residual_peak: 0.0,
            residual_energy: 0.0,
            mix_energy: 0.0,
            samples: 0,
            waveform: Waveform::new(col_frames),
        }
    }

    pub fn add(&mut self, position: u64, mix: &AudioBuffer, mapped: &Mapped) {
        self.residual_peak = self.residual_peak.max(mapped.residual.peak());
        self.residual_energy += energy(&mapped.residual);
        self.mix_energy += energy(mix);
        self.samples += (mix.frames() * mix.channels()) as u64;
        self.waveform.add(position, &mapped.residual, BLOCK);
    }
}

fn energy(buf: &AudioBuffer) -> f64 {
    buf.iter_channels()
        .flat_map(|c| c.iter())
        .map(|&s| f64::from(s) * f64::from(s))
        .sum()
}

/// Pass 2: a window of one signal and the matching, wider span of the signal it is looked
/// for in, folded to mono: a stem in `residual + stem`, or the stem sum in the mix.
pub struct Capture {
    /// File frame of `stem[0]`.
    start: i64,
    pub stem: Vec<f32>,
    pub target: Vec<f32>,
}

impl Capture {
    /// A window starting a quarter window before `onset`.
    pub fn new(onset: u64) -> Self {
        let start = onset as i64 - (WINDOW / 4) as i64;
        Self {
            start,
            stem: vec![0.0; WINDOW],
            target: vec![0.0; WINDOW + 2 * MAX_LAG],
        }
    }

    /// Adds a block: `window` to the window; `target`, plus `window` when `with_window`,
    /// to the target.
    pub fn add(
        &mut self,
        position: u64,
        window: &AudioBuffer,
        target: &AudioBuffer,
        with_window: bool,
    ) {
        let t0 = self.start - MAX_LAG as i64;
        let t_end = t0 + self.target.len() as i64;
        if position as i64 + BLOCK as i64 <= t0 || position as i64 >= t_end {
            return;
        }
        for i in 0..BLOCK {
            let frame = position as i64 + i as i64;
            let (s, r) = (fold(window, i), fold(target, i));
            if let Some(d) = usize::try_from(frame - self.start)
                .ok()
                .and_then(|k| self.stem.get_mut(k))
            {
                *d = s;
            }
            if let Some(d) = usize::try_from(frame - t0)
                .ok()
                .and_then(|k| self.target.get_mut(k))
            {
                *d = if with_window { r + s } else { r };
            }
        }
    }
}

/// One block's projection of the residual on the stem sum.
#[derive(Clone, Copy, Debug)]
pub struct BlockFit {
    /// Level of the stem sum, dB re full scale (mean square).
    pub level_db: f64,
    /// The gain on the stem sum that best explains the mix in this block, in dB.
    pub gain_db: f64,
    pub residual_energy: f64,
    /// Residual energy a gain on the stem sum explains.
    pub explained: f64,
}

/// Stem counts up to this square update the joint normal equations on every block.
const GRAM_BUDGET: usize = 144;

/// Pass 3 (stems aligned): normal equations `A g = b` of `mix ≈ Σ g_i stem_i`, each
/// stem's projection on the residual, and per-block fits for master-bus processing.
///
/// The normal equations cost the square of the stem count per sample, so above 12 stems
/// they are summed over every k-th block only (k = n² / 144): an unbiased sample of the
/// same fit, with `gram_*` energies over the same blocks. Everything else sees every block.
pub struct Fit {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    /// `<residual, stem_i>` with every gain at unity.
    pub rs: Vec<f64>,
    /// `<stem_i, stem_i>`.
    pub ss: Vec<f64>,
    pub mix_energy: f64,
    pub residual_energy: f64,
    /// Mix and residual energy over the blocks `a` and `b` were summed on.
    pub gram_mix_energy: f64,
    pub gram_residual_energy: f64,
    gram_every: u64,
    seen: u64,
    pub residual_peak: f32,
    pub blocks: Vec<BlockFit>,
    n: usize,
}

impl Fit {
    pub fn new(n: usize) -> Self {
        Self {
            a: vec![0.0; n * n],
            b: vec![0.0; n],
            rs: vec![0.0; n],
            ss: vec![0.0; n],
            mix_energy: 0.0,
            residual_energy: 0.0,
            gram_mix_energy: 0.0,
            gram_residual_energy: 0.0,
            gram_every: (n * n / GRAM_BUDGET).max(1) as u64,
            seen: 0,
            residual_peak: 0.0,
            blocks: Vec::new(),
            n,
        }
    }

    pub fn add(&mut self, mix: &AudioBuffer, mapped: &Mapped) {
        let n = self.n;
        let gram = self.seen.is_multiple_of(self.gram_every);
        self.seen += 1;
        for i in 0..n {
            self.rs[i] += dot(&mapped.stems[i], &mapped.residual);
            self.ss[i] += energy(&mapped.stems[i]);
            if gram {
                self.b[i] += dot(&mapped.stems[i], mix);
                for j in i..n {
                    let v = dot(&mapped.stems[i], &mapped.stems[j]);
                    self.a[i * n + j] += v;
                    if i != j {
                        self.a[j * n + i] += v;
                    }
                }
            }
        }
        let mm = energy(mix);
        let rr = energy(&mapped.residual);
        self.mix_energy += mm;
        self.residual_energy += rr;
        if gram {
            self.gram_mix_energy += mm;
            self.gram_residual_energy += rr;
        }
        self.residual_peak = self.residual_peak.max(mapped.residual.peak());
        // sum = mix - residual: <r,S> = <r,m> - <r,r>, <S,S> = <m,m> - 2<r,m> + <r,r>.
        let rm = dot(&mapped.residual, mix);
        let rs = rm - rr;
        let ss = mm - 2.0 * rm + rr;
        if ss > 0.0 && rr > 0.0 {
            let samples = (mix.frames() * mix.channels()) as f64;
            self.blocks.push(BlockFit {
                level_db: 10.0 * (ss / samples).log10(),
                gain_db: 20.0 * (1.0 + rs / ss).abs().max(1e-9).log10(),
                residual_energy: rr,
                explained: rs * rs / ss,
            });
        }
    }
}

fn dot(x: &AudioBuffer, y: &AudioBuffer) -> f64 {
    x.iter_channels()
        .zip(y.iter_channels())
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(&p, &q)| f64::from(p) * f64::from(q))
                .sum::<f64>()
        })
        .sum()
}

/// Solves the normal equations `A g = b` (symmetric, `n x n`) for the stem gains, by
/// Gaussian elimination with partial pivoting, for the unknowns whose diagonal is non-zero
/// (silent stems have no gain; they are `None`).
///
/// Real stems can be nearly collinear (a return that is mostly one stem's reverb, a
/// doubled part), and then many gain sets explain the mix almost equally well. A ridge of
/// 1e-8 of the largest diagonal, pulling towards unity, picks among those the one closest
/// to unity, and leaves every well-determined gain as it is.
#[must_use]
pub fn solve(a: &[f64], b: &[f64]) -> Vec<Option<f64>> {
    let n = b.len();
    let live: Vec<usize> = (0..n).filter(|&i| a[i * n + i] > 0.0).collect();
    let m = live.len();
    let ridge = 1e-8 * live.iter().map(|&i| a[i * n + i]).fold(0.0, f64::max);
    let mut aug: Vec<Vec<f64>> = live
        .iter()
        .map(|&i| {
            let row = live
                .iter()
                .map(|&j| a[i * n + j] + if i == j { ridge } else { 0.0 });
            row.chain([b[i] + ridge]).collect()
        })
        .collect();
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|&p, &q| aug[p][col].abs().total_cmp(&aug[q][col].abs()))
            .unwrap_or(col);
        aug.swap(col, pivot);
        let d = aug[col][col];
        if d.abs() < 1e-300 {
            continue;
        }
        for row in 0..m {
            if row != col {
                let f = aug[row][col] / d;
                if f != 0.0 {
                    let (upper, lower) = aug.split_at_mut(row.max(col));
                    let (dst, src) = if row > col {
                        (&mut lower[0], &upper[col])
                    } else {
                        (&mut upper[row], &lower[0])
                    };
                    for (x, v) in dst[col..].iter_mut().zip(&src[col..]) {
                        *x -= f * v;
                    }
                }
            }
        }
    }
    let mut out = vec![None; n];
    for (r, &i) in live.iter().enumerate() {
        let d = aug[r][r];
        if d.abs() >= 1e-300 {
            out[i] = Some(aug[r][m] / d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collinear_stems_keep_unity_gain_where_the_data_cannot_tell() {
        // x1 = x0 exactly: any g0 + g1 = 2 fits y = 2 x0; the ridge picks g0 = g1 = 1.
        let a = [2.0, 2.0, 2.0, 2.0];
        let b = [4.0, 4.0];
        let g = solve(&a, &b);
        assert!(
            (g[0].unwrap() - 1.0).abs() < 1e-6 && (g[1].unwrap() - 1.0).abs() < 1e-6,
            "{g:?}"
        );
    }

    #[test]
    fn solve_recovers_known_gains_and_skips_silent_unknowns() {
        // Columns x0 = [1,0,1], x1 = [1,1,0], x2 = 0; y = 2 x0 + 0.5 x1.
        let x = [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]];
        let y: Vec<f64> = (0..3).map(|k| 2.0 * x[0][k] + 0.5 * x[1][k]).collect();
        let mut a = vec![0.0; 9];
        let mut b = vec![0.0; 3];
        for i in 0..3 {
            b[i] = (0..3).map(|k| x[i][k] * y[k]).sum();
            for j in 0..3 {
                a[i * 3 + j] = (0..3).map(|k| x[i][k] * x[j][k]).sum();
            }
        }
        let g = solve(&a, &b);
        assert!((g[0].unwrap() - 2.0).abs() < 1e-6);
        assert!((g[1].unwrap() - 0.5).abs() < 1e-6);
        assert_eq!(g[2], None);
    }
}
