//! Why a set does not null: passes 2 and 3 of a check and how their figures read.
//!
//! Pass 2 captures a window around each stem's strongest onset for the offsets (see
//! [`crate::xcorr`]); pass 3 re-reads the set with those offsets removed, for the gain per
//! stem and for gain riding on the mix bus. A residual that none of them explains is a
//! missing stem.

use super::{
    Diagnosis, GAIN_REPORT_DB, MIN_CONFIDENCE, MasterBus, Run, StemGain, StemOffset, db, fmt_db,
    info,
};
use crate::null::{BlockFit, Capture, Fit, Mapped, solve};
use crate::scan::{Track, lockstep};
use crate::xcorr::{Lag, find_lag};

impl Run<'_> {
    /// Passes 2 and 3: offsets, then gains and mix-bus processing with offsets removed.
    pub(super) fn diagnose(&mut self) -> Diagnosis {
        let mix = self.mix.expect("a failed null test has a mix");
        let summed = self.summed.clone();
        let (mut lags, whole) = self.offsets(mix, &summed);
        let mix_moved = whole.filter(|w| w.frames != 0 && w.confidence >= MIN_CONFIDENCE);
        if let Some(w) = mix_moved {
            lags = vec![Some(w); summed.len()];
        }
        let shifts: Vec<i64> = lags
            .iter()
            .map(|l| {
                l.filter(|l| l.confidence >= MIN_CONFIDENCE)
                    .map_or(0, |l| l.frames)
            })
            .collect();
        let mut d = Diagnosis::default();
        for (k, &i) in summed.iter().enumerate() {
            if let Some(l) = lags[k] {
                d.offsets.push(StemOffset {
                    file: self.members[i].name.clone(),
                    frames: shifts[k],
                    confidence: l.confidence,
                });
                if shifts[k] != 0 && mix_moved.is_none() {
                    let (n, way) = (
                        shifts[k].unsigned_abs(),
                        if shifts[k] > 0 { "late" } else { "early" },
                    );
                    d.findings.push(format!(
                        "{} starts {n} samples {way} (correlation {:.2} against the mix minus the other stems)",
                        self.members[i].name, l.confidence
                    ));
                }
            }
        }
        if let Some(w) = mix_moved {
            let (n, way) = (
                w.frames.unsigned_abs(),
                if w.frames > 0 { "earlier" } else { "later" },
            );
            d.findings.push(format!(
                "the mix starts {n} samples {way} than the stems (correlation {:.2} of their sum with the mix): every stem is off by the same amount, the mix was printed with another start, pre-roll or uncompensated latency",
                w.confidence
            ));
        }
        let Some(fit) = self.fit(mix, &summed, &shifts) else {
            return d;
        };
        d.aligned_residual_peak_dbfs = db(f64::from(fit.residual_peak));
        let aligned_ok = d
            .aligned_residual_peak_dbfs
            .is_none_or(|p| p <= self.spec.null_tolerance_dbfs);
        if shifts.iter().any(|&s| s != 0) {
            let before = self.null_scan.as_ref().map_or(0.0, |n| n.residual_energy);
            let drop = 10.0 * (before / fit.residual_energy.max(before * 1e-15)).log10();
            d.findings.push(if aligned_ok {
                format!(
                    "with those offsets removed the set nulls (residual peak {})",
                    fmt_db(d.aligned_residual_peak_dbfs, "dBFS")
                )
            } else {
                format!(
                    "with those offsets removed the residual falls by {drop:.0} dB to a peak of {}",
                    fmt_db(d.aligned_residual_peak_dbfs, "dBFS")
                )
            });
            // What is left is what the shift pushed past the file's ends.
            if aligned_ok || drop >= 20.0 {
                return d;
            }
        }
        // One stem off by a gain is the common case, and stems are often nearly collinear
        // (a return fed mostly by one stem), which spreads a joint fit over several. So a
        // single stem that explains the residual on its own is preferred to the joint fit.
        let n = summed.len();
        let single = (0..n)
            .filter(|&k| fit.ss[k] > 0.0)
            .map(|k| (k, fit.rs[k] * fit.rs[k] / fit.ss[k]))
            .max_by(|x, y| x.1.total_cmp(&y.1));
        let floor = fit.residual_energy * 1e-12;
        let gain_of_one = single.and_then(|(k, explained)| {
            let improvement =
                10.0 * (fit.residual_energy / (fit.residual_energy - explained).max(floor)).log10();
            (improvement >= 20.0).then(|| {
                let mut g = vec![Some(1.0); n];
                g[k] = Some(1.0 + fit.rs[k] / fit.ss[k]);
                (g, improvement)
            })
        });
        let (gains, improvement) = gain_of_one.unwrap_or_else(|| {
            let gains = solve(&fit.a, &fit.b);
            let g: Vec<f64> = gains.iter().map(|g| g.unwrap_or(1.0)).collect();
            let gab: f64 = (0..n).map(|i| g[i] * fit.b[i]).sum();
            let gag: f64 = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| g[i] * fit.a[i * n + j] * g[j])
                .sum();
            let after =
                (fit.gram_mix_energy - 2.0 * gab + gag).max(fit.gram_residual_energy * 1e-12);
            (gains, 10.0 * (fit.gram_residual_energy / after).log10())
        });
        d.gain_fit_improvement_db = Some(improvement);
        for (k, &i) in summed.iter().enumerate() {
            if let Some(gain_db) = gains[k].and_then(db) {
                d.gains.push(StemGain {
                    file: self.members[i].name.clone(),
                    gain_db,
                });
            }
        }
        if aligned_ok {
            return d;
        }
        if improvement >= 20.0 {
            self.explain_gains(&mut d);
        } else if let Some(mb) = master_bus(&fit.blocks) {
            d.findings.push(format!(
                "the mix carries gain the stems do not: from {:+.1} to {:+.1} dB, {} (processing on the mix bus, {:.0} % of the residual)",
                mb.gain_min_db,
                mb.gain_max_db,
                if mb.level_correlation < -0.3 {
                    "lower where the music is louder: compression or limiting"
                } else {
                    "varying over time"
                },
                100.0 * mb.explained
            ));
            d.master_bus = Some(mb);
        } else {
            d.missing_stem = true;
            let after = fit.residual_energy / 10f64.powf(improvement / 10.0);
            let rel = 10.0 * (after / fit.mix_energy.max(f64::MIN_POSITIVE)).log10();
            d.findings.push(format!(
                "the residual ({rel:.1} dB below the mix after the best offsets and gains) follows no stem and no gain on the mix: the mix holds material no stem carries (a missing stem or return)"
            ));
        }
        d
    }

    fn explain_gains(&self, d: &mut Diagnosis) {
        let off: Vec<&StemGain> = d
            .gains
            .iter()
            .filter(|g| g.gain_db.abs() >= GAIN_REPORT_DB)
            .collect();
        let all_same = d.gains.len() > 1
            && off.len() == d.gains.len()
            && d.gains
                .iter()
                .all(|g| (g.gain_db - d.gains[0].gain_db).abs() < 0.1);
        if all_same {
            d.findings.push(format!(
                "every stem is off by the same {:+.1} dB: the mix was printed at another level than the stems (a fader or normalisation on the mix)",
                d.gains[0].gain_db
            ));
            return;
        }
        for g in off {
            let mono = self
                .members
                .iter()
                .find(|m| m.name == g.file)
                .and_then(info)
                .is_some_and(|i| i.channels == 1);
            let pan_law = if mono && (g.gain_db.abs() - 3.0).abs() < 0.1 {
                " (a mono stem printed through a -3 dB pan law looks like this)"
            } else {
                ""
            };
            let verb = if g.gain_db > 0.0 { "raised" } else { "lowered" };
            d.findings.push(format!(
                "the set sums to the mix if {} is {verb} by {:.1} dB{pan_law}",
                g.file,
                g.gain_db.abs()
            ));
        }
    }

    /// Pass 2: each stem's lag against `mix - (other stems)`.
    /// Also the lag of the stem sum against the mix, around the mix's strongest onset: when
    /// the mix itself moved, every stem's own target is spoilt by all the others.
    fn offsets(&mut self, mix: usize, summed: &[usize]) -> (Vec<Option<Lag>>, Option<Lag>) {
        let mut ids = vec![mix];
        ids.extend_from_slice(summed);
        let opened = self.open(&ids, &[]);
        if opened.len() != ids.len() {
            return (vec![None; summed.len()], None);
        }
        let mut whole = self.scans[mix]
            .as_ref()
            .and_then(|s| s.onset)
            .map(Capture::new);
        let mut tracks: Vec<Track> = opened.into_iter().map(|(_, t)| t).collect();
        let mut caps: Vec<Option<Capture>> = summed
            .iter()
            .map(|&i| {
                let s = self.scans[i].as_ref()?;
                let silent = s
                    .meter
                    .finish()
                    .sample_peak_dbfs
                    .is_none_or(|p| p < self.spec.silence_max_dbfs);
                if silent {
                    None
                } else {
                    s.onset.map(Capture::new)
                }
            })
            .collect();
        let mut mapped = Mapped::new(summed.len(), tracks[0].channels());
        let (progress, total) = (&mut *self.progress, self.longest);
        lockstep(&mut tracks, |pos, tracks| {
            progress("finding offsets", pos, total);
            mapped.update(&tracks[0].buf, tracks[1..].iter().map(|t| &t.buf));
            for (k, cap) in caps.iter_mut().enumerate() {
                if let Some(c) = cap {
                    c.add(pos, &mapped.stems[k], &mapped.residual, true);
                }
            }
            if let Some(c) = whole.as_mut() {
                c.add(pos, &mapped.sum, &tracks[0].buf, false);
            }
        });
        let lags = caps
            .iter()
            .map(|c| c.as_ref().and_then(|c| find_lag(&c.stem, &c.target)))
            .collect();
        (lags, whole.and_then(|c| find_lag(&c.stem, &c.target)))
    }

    /// Pass 3: the normal equations with the offsets removed.
    fn fit(&mut self, mix: usize, summed: &[usize], shifts: &[i64]) -> Option<Fit> {
        let mut ids = vec![mix];
        ids.extend_from_slice(summed);
        let mut all_shifts = vec![0];
        all_shifts.extend_from_slice(shifts);
        let opened = self.open(&ids, &all_shifts);
        if opened.len() != ids.len() {
            return None;
        }
        let mut tracks: Vec<Track> = opened.into_iter().map(|(_, t)| t).collect();
        let mut mapped = Mapped::new(summed.len(), tracks[0].channels());
        let mut fit = Fit::new(summed.len());
        let (progress, total) = (&mut *self.progress, self.longest);
        lockstep(&mut tracks, |pos, tracks| {
            progress("fitting gains", pos, total);
            mapped.update(&tracks[0].buf, tracks[1..].iter().map(|t| &t.buf));
            fit.add(&tracks[0].buf, &mapped);
        });
        Some(fit)
    }
}

/// Gain on the mix bus: per-block gains of the stem sum explain most of the residual and
/// move by more than half a dB across the loud part of the song.
fn master_bus(blocks: &[BlockFit]) -> Option<MasterBus> {
    let total: f64 = blocks.iter().map(|b| b.residual_energy).sum();
    let explained: f64 = blocks.iter().map(|b| b.explained).sum();
    if total <= 0.0 || explained / total < 0.5 {
        return None;
    }
    let loudest = blocks
        .iter()
        .map(|b| b.level_db)
        .fold(f64::NEG_INFINITY, f64::max);
    let loud: Vec<&BlockFit> = blocks
        .iter()
        .filter(|b| b.level_db >= loudest - 30.0)
        .collect();
    let mut gains: Vec<f64> = loud.iter().map(|b| b.gain_db).collect();
    gains.sort_by(f64::total_cmp);
    let pct = |p: f64| gains[((gains.len() - 1) as f64 * p).round() as usize];
    let (lo, hi) = (pct(0.05), pct(0.95));
    if hi - lo < 0.5 {
        return None;
    }
    let n = loud.len() as f64;
    let (mx, my) = (
        loud.iter().map(|b| b.level_db).sum::<f64>() / n,
        loud.iter().map(|b| b.gain_db).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for b in &loud {
        let (dx, dy) = (b.level_db - mx, b.gain_db - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let level_correlation = if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    };
    Some(MasterBus {
        explained: explained / total,
        gain_min_db: lo,
        gain_max_db: hi,
        level_correlation,
    })
}
