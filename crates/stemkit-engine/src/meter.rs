//! The two figures the report gives of every print, measured at read-back speed:
//! integrated loudness (ITU-R BS.1770-4) and true peak.
//!
//! They follow `stemkit meter` (the `ebur128` crate behind `stemkit-analysis`): the same
//! K-weighting coefficients, 400 ms gating blocks every 100 ms from the first full block,
//! the -70 LUFS absolute and -10 LU relative gates, and the same 48-tap windowed-sinc
//! interpolator (4× below 96 kHz, 2× below 192 kHz) for the true peak, which is never
//! below the sample peak. A test holds both meters to 0.001 dB of each other.
//!
//! Two things make it several times faster than the general meter without changing a
//! figure:
//! - the K-filter's recursion is summed with the most recent state last, so each sample
//!   waits on one multiply-add of the previous instead of five, and two channels run
//!   side by side;
//! - the interpolator is only run where it could raise the true peak: a stretch whose
//!   largest sample times the filter's gain bound (the largest sum of absolute
//!   coefficients of a phase) stays at or below the peak already known cannot hold a
//!   higher inter-sample peak. The peak known from the start is the file's sample peak as
//!   the render wrote it; the read-back checks that this is the file's sample peak
//!   indeed, so nothing is skipped on a false premise.

/// Frames per stretch of the true-peak bound.
const STRETCH: usize = 256;
/// Interpolator length: 48 taps over all phases.
const TAPS: usize = 48;

/// Loudness and true peak of one file, fed in blocks.
pub(crate) struct PrintMeter {
    channels: usize,
    b: [f64; 5],
    a: [f64; 5],
    /// K-filter state `w[n-1] .. w[n-4]` per channel.
    state: [[f64; 4]; 2],
    sub_frames: usize,
    sub_fill: usize,
    sub_energy: f64,
    /// Energy (sum of K-weighted squares over the channels) of every whole 100 ms.
    subs: Vec<f64>,
    /// Interpolator phases: `phase[p][i]` weighs the input `i` samples back.
    phases: Vec<[f32; TAPS]>,
    taps: usize,
    /// Largest sum of absolute coefficients of a phase: no output exceeds it times the
    /// largest input it sees.
    bound: f32,
    /// The last `taps - 1` inputs per channel, oldest first.
    history: [Vec<f32>; 2],
    known_peak: f32,
    interpolated: f32,
    sample_peak: f32,
    scratch: Vec<f32>,
}

/// What [`PrintMeter::finish`] reports.
pub(crate) struct Measured {
    pub(crate) sample_peak: f32,
    pub(crate) true_peak_dbtp: Option<f64>,
    pub(crate) lufs_i: Option<f64>,
}

/// The K-weighting of BS.1770 (a high shelf, then the RLB high-pass) as one 4th-order
/// filter at `rate`, with the coefficients libebur128 derives.
#[allow(non_snake_case)]
fn k_weighting(rate: f64) -> ([f64; 5], [f64; 5]) {
    use std::f64::consts::PI;
    let (f0, G, Q) = (
        1_681.974_450_955_533,
        3.999_843_853_973_347,
        0.707_175_236_955_419_6,
    );
    let K = (PI * f0 / rate).tan();
    let Vh = 10f64.powf(G / 20.0);
    let Vb = Vh.powf(0.4996667741545416);
    let a0 = 1.0 + K / Q + K * K;
    let pb = [
        (Vh + Vb * K / Q + K * K) / a0,
        2.0 * (K * K - Vh) / a0,
        (Vh - Vb * K / Q + K * K) / a0,
    ];
    let pa = [1.0, 2.0 * (K * K - 1.0) / a0, (1.0 - K / Q + K * K) / a0];
    let (f0, Q) = (38.13547087602444, 0.5003270373238773);
    let K = (PI * f0 / rate).tan();
    let rb = [1.0, -2.0, 1.0];
    let d = 1.0 + K / Q + K * K;
    let ra = [1.0, 2.0 * (K * K - 1.0) / d, (1.0 - K / Q + K * K) / d];
    let conv = |p: [f64; 3], r: [f64; 3]| {
        [
            p[0] * r[0],
            p[0] * r[1] + p[1] * r[0],
            p[0] * r[2] + p[1] * r[1] + p[2] * r[0],
            p[1] * r[2] + p[2] * r[1],
            p[2] * r[2],
        ]
    };
    (conv(pb, rb), conv(pa, ra))
}

/// The interpolator of libebur128: a Hann-windowed sinc over 48 taps, cut into `factor`
/// phases of `48 / factor` taps.
fn interpolator(factor: usize) -> Vec<[f32; TAPS]> {
    use std::f64::consts::PI;
    let taps = TAPS / factor;
    let mut phases = vec![[0.0_f32; TAPS]; factor];
    for j in 0..TAPS {
        let jf = j as f64;
        let window = TAPS as f64;
        let w = 0.5 * (1.0 - (2.0 * PI * jf / window).cos());
        let m = jf - window / 2.0;
        let x = m * PI / factor as f64;
        let coeff = if m.abs() > 1e-6 { w * x.sin() / x } else { w };
        phases[j % factor][j / factor] = coeff as f32;
    }
    debug_assert!(phases.iter().all(|p| p[taps..].iter().all(|&c| c == 0.0)));
    phases
}

impl PrintMeter {
    /// A meter for a file of `channels` (1 or 2) at `rate` Hz whose sample peak is
    /// expected to be `peak` (full scale 1.0).
    pub(crate) fn new(channels: usize, rate: u32, peak: f32) -> Self {
        let (b, a) = k_weighting(f64::from(rate));
        let factor = if rate < 96_000 {
            4
        } else if rate < 192_000 {
            2
        } else {
            1
        };
        let taps = TAPS / factor;
        let phases = if factor == 1 {
            Vec::new()
        } else {
            interpolator(factor)
        };
        let bound = phases
            .iter()
            .map(|p| p.iter().map(|c| f64::from(c.abs())).sum::<f64>())
            .fold(0.0, f64::max);
        Self {
            channels,
            b,
            a,
            state: [[0.0; 4]; 2],
            sub_frames: (rate as usize + 5) / 10,
            sub_fill: 0,
            sub_energy: 0.0,
            subs: Vec::new(),
            taps,
            // Rounded up so the float sums of the bound test can never fall short.
            bound: (bound * (1.0 + 1e-6)) as f32,
            phases,
            history: [vec![0.0; taps - 1], vec![0.0; taps - 1]],
            known_peak: peak,
            interpolated: 0.0,
            sample_peak: 0.0,
            scratch: Vec::new(),
        }
    }

    /// Adds one block: a slice per channel, all the same length.
    pub(crate) fn add(&mut self, planes: &[&[f32]]) {
        let n = planes.first().map_or(0, |p| p.len());
        for p in planes {
            self.sample_peak = p.iter().fold(self.sample_peak, |m, x| m.max(x.abs()));
        }
        let mut start = 0;
        while start < n {
            let len = (self.sub_frames - self.sub_fill).min(n - start);
            self.sub_energy += self.k_energy(planes, start..start + len);
            self.sub_fill += len;
            start += len;
            if self.sub_fill == self.sub_frames {
                self.subs.push(self.sub_energy);
                self.sub_energy = 0.0;
                self.sub_fill = 0;
            }
        }
        if !self.phases.is_empty() {
            for (c, p) in planes.iter().enumerate().take(self.channels) {
                self.true_peak(c, p);
            }
        }
    }

    /// Sum over the channels of the K-weighted squares of `range`.
    fn k_energy(&mut self, planes: &[&[f32]], range: std::ops::Range<usize>) -> f64 {
        let (b, a) = (self.b, self.a);
        // w[n] = x - a4 w[n-4] - a3 w[n-3] - a2 w[n-2] - a1 w[n-1]: the older terms first,
        // so only the last multiply-add waits for the previous sample.
        let step = |s: &mut [f64; 4], x: f32| {
            let w = f64::from(x) - a[4] * s[3] - a[3] * s[2] - a[2] * s[1] - a[1] * s[0];
            let y = b[0] * w + b[1] * s[0] + b[2] * s[1] + b[3] * s[2] + b[4] * s[3];
            *s = [w, s[0], s[1], s[2]];
            y * y
        };
        match planes {
            [m] => {
                let s = &mut self.state[0];
                m[range].iter().map(|&x| step(s, x)).sum()
            }
            [l, r] => {
                let [sl, sr] = &mut self.state;
                let mut acc = [0.0_f64; 2];
                for (&x, &y) in l[range.clone()].iter().zip(&r[range]) {
                    acc[0] += step(sl, x);
                    acc[1] += step(sr, y);
                }
                acc[0] + acc[1]
            }
            _ => 0.0,
        }
    }

    /// Runs the interpolator over the stretches of `x` that could raise the true peak.
    fn true_peak(&mut self, c: usize, x: &[f32]) {
        let hist = self.taps - 1;
        let ext = &mut self.scratch;
        ext.clear();
        ext.extend_from_slice(&self.history[c]);
        ext.extend_from_slice(x);
        let mut y = [0.0_f32; STRETCH];
        for start in (0..x.len()).step_by(STRETCH) {
            let len = STRETCH.min(x.len() - start);
            // Outputs for inputs start..start+len see ext[start .. start + hist + len].
            let seen = &ext[start..start + hist + len];
            let largest = seen.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
            if largest * self.bound <= self.known_peak.max(self.interpolated) {
                continue;
            }
            for phase in &self.phases {
                let y = &mut y[..len];
                y.fill(0.0);
                for (i, &h) in phase[..self.taps].iter().enumerate() {
                    // Input i samples back of output n sits at ext[hist + n - i].
                    let src = &seen[hist - i..hist - i + len];
                    for (o, &v) in y.iter_mut().zip(src) {
                        *o += h * v;
                    }
                }
                self.interpolated = y.iter().fold(self.interpolated, |m, v| m.max(v.abs()));
            }
        }
        let keep = ext.len() - hist;
        self.history[c].copy_from_slice(&ext[keep..]);
    }

    pub(crate) fn finish(&self) -> Measured {
        const ABS_GATE_LUFS: f64 = -70.0;
        let block_frames = (4 * self.sub_frames) as f64;
        let blocks: Vec<f64> = self
            .subs
            .windows(4)
            .map(|w| w.iter().sum::<f64>() / block_frames)
            .collect();
        let loudness = |z: f64| -0.691 + 10.0 * z.log10();
        let energy = |l: f64| 10f64.powf((l + 0.691) / 10.0);
        let above: Vec<f64> = blocks
            .into_iter()
            .filter(|&z| z >= energy(ABS_GATE_LUFS))
            .collect();
        let lufs_i = (!above.is_empty())
            .then(|| {
                let relative = above.iter().sum::<f64>() / above.len() as f64 * 0.1;
                let kept: Vec<f64> = above.into_iter().filter(|&z| z >= relative).collect();
                (!kept.is_empty()).then(|| loudness(kept.iter().sum::<f64>() / kept.len() as f64))
            })
            .flatten();
        let peak = self.sample_peak.max(self.interpolated);
        Measured {
            sample_peak: self.sample_peak,
            true_peak_dbtp: (peak > 0.0).then(|| 20.0 * f64::from(peak).log10()),
            lufs_i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.max(1);
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let env = 0.05 + 0.9 * ((i as f32 / 7_000.0).sin()).abs();
                (x as f32 / u32::MAX as f32 - 0.5) * env
            })
            .collect()
    }

    /// Skipping stretches that cannot raise the peak gives the very same true peak as
    /// running the interpolator everywhere.
    #[test]
    fn the_bound_skips_nothing_that_matters() {
        let (l, r) = (noise(100_000, 3), noise(100_000, 9));
        let peak = l.iter().chain(&r).fold(0.0_f32, |m, x| m.max(x.abs()));
        let run = |hint: f32, piece: usize| {
            let mut m = PrintMeter::new(2, 48_000, hint);
            for (a, b) in l.chunks(piece).zip(r.chunks(piece)) {
                m.add(&[a, b]);
            }
            (m.interpolated, m.finish().lufs_i)
        };
        let full = run(0.0, 4096);
        assert!(
            full.0 > peak,
            "noise has inter-sample peaks above its samples"
        );
        assert_eq!(run(peak, 4096).0.to_bits(), full.0.to_bits());
        // Block boundaries do not move a figure either.
        assert_eq!(run(peak, 1000).0.to_bits(), full.0.to_bits());
        let (a, b) = (full.1.unwrap(), run(peak, 1000).1.unwrap());
        assert!((a - b).abs() < 1e-9, "{a} {b}");
    }

    /// A full-scale 997 Hz sine reads -3.01 LUFS on one channel (BS.1770's calibration:
    /// a 0 dBFS 1 kHz sine on a front channel is -3.01 LKFS, and 997 Hz is within 0.01).
    #[test]
    fn a_full_scale_sine_reads_its_calibrated_loudness() {
        let x: Vec<f32> = (0..48_000 * 5)
            .map(|i| (2.0 * std::f64::consts::PI * 997.0 * f64::from(i) / 48_000.0).sin() as f32)
            .collect();
        let mut m = PrintMeter::new(1, 48_000, 1.0);
        m.add(&[&x]);
        let l = m.finish().lufs_i.unwrap();
        assert!((l + 3.01).abs() < 0.02, "{l}");
    }
}
