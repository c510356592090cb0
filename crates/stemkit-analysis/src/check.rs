//! `stemkit check`: a folder of stems (and its mix) against a delivery spec.
//!
//! Every file streams once through a lockstep pass that meters it, counts clips, finds
//! its strongest onset, draws its waveform overview and, when there is a mix, forms the
//! null-test residual. Only when the set does not null do two more passes run, for the
//! diagnosis: one captures a window around each stem's strongest onset for the offsets
//! (see [`crate::xcorr`]), one re-reads the set with those offsets removed to fit a gain
//! per stem by least squares and to look for gain riding on the mix bus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use stemkit_io::SourceInfo;

use crate::AnalysisError;
use crate::folder::{self, Member, Role};
use crate::meter::{Measurements, Meter};
use crate::naming::NameRule;
use crate::null::{BlockFit, Capture, Fit, Mapped, NullScan, solve};
use crate::scan::{COLUMNS, FileScan, Track, Waveform, lockstep};
use crate::spec::Spec;
use crate::xcorr::{Lag, find_lag};

/// Most files streamed at once when there is no null test to run together.
const CHUNK: usize = 64;
/// Most stems a null test takes (its least-squares fit grows with the square).
const MAX_NULL_STEMS: usize = 256;
/// Correlation below which a cross-correlation peak is not trusted as an offset.
const MIN_CONFIDENCE: f64 = 0.3;
/// Gains closer to unity than this are not reported, in dB.
const GAIN_REPORT_DB: f64 = 0.1;

/// What to check against.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub spec: Spec,
    /// The mix the stems must sum to; otherwise found by name (see [`crate::folder`]).
    pub mix: Option<PathBuf>,
}

/// One line of the verdict.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    /// `format`, `sample_rate`, `bit_depth`, `length`, `alignment`, `clipping`,
    /// `true_peak`, `silence`, `naming`, `sums_to_mix`, `stem_count`.
    pub id: &'static str,
    pub file: String,
    pub ok: bool,
    pub message: String,
    /// The figure the message is about (frames, dB, Hz, bits ...), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
}

/// A file of the set and its measurements.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    pub role: Role,
    pub variant: Option<String>,
    pub sample_rate: Option<u32>,
    pub channels: Option<usize>,
    /// Frames read at the set's rate.
    pub frames: Option<u64>,
    pub bits_per_sample: Option<u32>,
    pub codec: Option<String>,
    pub container: Option<String>,
    pub measurements: Option<Measurements>,
    pub clipped_runs: u64,
    pub error: Option<String>,
}

/// Mix minus the sum of the stems, as delivered.
#[derive(Clone, Debug, Serialize)]
pub struct NullTest {
    pub mix: String,
    pub summed: Vec<String>,
    /// `None` when the residual is digital silence.
    pub residual_peak_dbfs: Option<f64>,
    pub residual_rms_dbfs: Option<f64>,
    pub mix_rms_dbfs: Option<f64>,
    pub tolerance_dbfs: f64,
    pub ok: bool,
}

/// Why a set does not null.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Diagnosis {
    /// Every summed stem's offset against the mix (frames late; negative: early).
    pub offsets: Vec<StemOffset>,
    /// Least-squares gain per stem (after the offsets) that makes the set sum to the mix.
    pub gains: Vec<StemGain>,
    /// Residual peak once the offsets are removed, dBFS.
    pub aligned_residual_peak_dbfs: Option<f64>,
    /// How much the gain fit lowers the aligned residual's energy, dB.
    pub gain_fit_improvement_db: Option<f64>,
    pub master_bus: Option<MasterBus>,
    pub missing_stem: bool,
    /// The diagnosis in sentences.
    pub findings: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StemOffset {
    pub file: String,
    pub frames: i64,
    pub confidence: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct StemGain {
    pub file: String,
    /// Raise the stem by this much to sum to the mix.
    pub gain_db: f64,
}

/// Gain riding on the mix that the stems do not carry.
#[derive(Clone, Debug, Serialize)]
pub struct MasterBus {
    /// Share of the residual energy a per-block gain on the stem sum explains.
    pub explained: f64,
    pub gain_min_db: f64,
    pub gain_max_db: f64,
    /// Correlation of that gain with the level: negative for compression and limiting.
    pub level_correlation: f64,
}

/// A waveform lane of the HTML report.
#[derive(Clone, Debug)]
pub struct Lane {
    pub label: String,
    pub role: &'static str,
    pub waveform: Waveform,
}

/// The whole verdict.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub dir: String,
    pub sample_rate: Option<u32>,
    pub spec: Spec,
    /// Failing checks first.
    pub checks: Vec<CheckResult>,
    pub files: Vec<FileReport>,
    pub null_test: Option<NullTest>,
    /// The wet prints against the mix, when the folder holds them.
    pub null_test_wet: Option<NullTest>,
    pub diagnosis: Option<Diagnosis>,
    /// Files of the folder that are not audio.
    pub ignored: Vec<String>,
    #[serde(skip)]
    pub lanes: Vec<Lane>,
    /// Frames per waveform column.
    #[serde(skip)]
    pub col_frames: u64,
}

/// Checks the folder `dir`.
///
/// # Errors
/// [`AnalysisError::Folder`] when the folder cannot be listed or holds no audio;
/// [`AnalysisError::Spec`] for a naming rule that does not compile. Unreadable or broken
/// audio files are not errors: they fail the `format` check.
pub fn check_folder(dir: &Path, opts: &CheckOptions) -> Result<CheckReport, AnalysisError> {
    check_folder_with_progress(dir, opts, &mut |_, _, _| {})
}

/// [`check_folder`], calling `progress(stage, done, total)` after every block read; the
/// stages are `reading`, then, when the set does not null, `finding offsets` and `fitting
/// gains`; `done` and `total` count frames of the stage.
///
/// # Errors
/// As [`check_folder`].
pub fn check_folder_with_progress(
    dir: &Path,
    opts: &CheckOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<CheckReport, AnalysisError> {
    let spec = &opts.spec;
    let rule = NameRule::new(spec).map_err(|detail| AnalysisError::Spec {
        path: "spec".into(),
        detail,
    })?;
    let (members, ignored) = folder::discover(dir, opts.mix.as_deref(), &spec.mix_prefix)?;
    let mut run = Run::new(&members, spec, progress);
    run.first_pass();
    let mut checks = Vec::new();
    let null_test = run.null_test(false);
    let null_test_wet = run.null_test(true);
    let diagnosis = match &null_test {
        Some(n) if !n.ok => Some(run.diagnose()),
        _ => None,
    };
    run.file_checks(&rule, diagnosis.as_ref(), &mut checks);
    run.set_checks(null_test.as_ref(), diagnosis.as_ref(), &mut checks);
    if let Some(n) = &null_test_wet {
        checks.push(CheckResult {
            id: "sums_to_mix",
            file: n.mix.clone(),
            ok: n.ok,
            message: format!(
                "wet variant: mix minus {} wet stems peaks at {} (tolerance {:.1} dBFS)",
                n.summed.len(),
                fmt_db(n.residual_peak_dbfs, "dBFS"),
                n.tolerance_dbfs
            ),
            figure: n.residual_peak_dbfs,
            unit: n.residual_peak_dbfs.map(|_| "dBFS"),
        });
    }
    checks.sort_by_key(|c| c.ok);
    let files = run.file_reports();
    let lanes = run.lanes();
    Ok(CheckReport {
        ok: checks.iter().all(|c| c.ok),
        dir: dir.display().to_string(),
        sample_rate: run.rate,
        spec: spec.clone(),
        checks,
        files,
        null_test,
        null_test_wet,
        diagnosis,
        ignored,
        lanes,
        col_frames: run.col_frames,
    })
}

/// State of one check run.
struct Run<'a> {
    progress: &'a mut dyn FnMut(&str, u64, u64),
    /// Frames of the longest file at the set's rate.
    longest: u64,
    members: &'a [Member],
    spec: &'a Spec,
    rate: Option<u32>,
    col_frames: u64,
    mix: Option<usize>,
    /// Members that sum to the mix, readable.
    summed: Vec<usize>,
    /// Wet prints, readable: they sum to the mix on their own, without the returns.
    wet: Vec<usize>,
    scans: Vec<Option<FileScan>>,
    errors: Vec<Option<String>>,
    null_scan: Option<NullScan>,
    wet_scan: Option<NullScan>,
}

fn info(m: &Member) -> Option<&SourceInfo> {
    m.info.as_ref().ok()
}

/// The most common value (the first of equals).
fn most_common<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0usize) += 1;
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(v, _)| v)
}

fn db(gain: f64) -> Option<f64> {
    let v = 20.0 * gain.log10();
    v.is_finite().then_some(v)
}

impl<'a> Run<'a> {
    fn new(
        members: &'a [Member],
        spec: &'a Spec,
        progress: &'a mut dyn FnMut(&str, u64, u64),
    ) -> Self {
        let mix = members
            .iter()
            .position(|m| m.role == Role::Mix && m.info.is_ok());
        let rate = mix
            .and_then(|i| info(&members[i]))
            .map(|i| i.sample_rate)
            .or_else(|| most_common(members.iter().filter_map(info).map(|i| i.sample_rate)));
        let longest = rate.map_or(0, |r| {
            members
                .iter()
                .filter_map(info)
                .filter_map(|i| {
                    i.frames
                        .map(|f| f * u64::from(r) / u64::from(i.sample_rate))
                })
                .max()
                .unwrap_or(0)
        });
        let summed: Vec<usize> = (0..members.len())
            .filter(|&i| members[i].sums() && members[i].info.is_ok())
            .collect();
        Self {
            members,
            spec,
            rate,
            col_frames: longest.div_ceil(COLUMNS as u64).max(1),
            progress,
            longest,
            mix,
            summed,
            wet: (0..members.len())
                .filter(|&i| {
                    members[i].role == Role::Stem && members[i].variant.as_deref() == Some("wet")
                })
                .filter(|&i| members[i].info.is_ok())
                .collect(),
            scans: members.iter().map(|_| None).collect(),
            errors: members
                .iter()
                .map(|m| m.info.as_ref().err().cloned())
                .collect(),
            null_scan: None,
            wet_scan: None,
        }
    }

    fn null_runnable(&self) -> bool {
        self.mix.is_some()
            && !self.summed.is_empty()
            && self.summed.len().max(self.wet.len()) <= self.spec.max_stems.min(MAX_NULL_STEMS)
    }

    /// Opens the members `ids` (shifted by `shifts`), recording open failures.
    fn open(&mut self, ids: &[usize], shifts: &[i64]) -> Vec<(usize, Track)> {
        let Some(rate) = self.rate else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, &i) in ids.iter().enumerate() {
            let Some(inf) = info(&self.members[i]) else {
                continue;
            };
            match Track::open(
                &self.members[i].path,
                inf.channels,
                rate,
                shifts.get(k).copied().unwrap_or(0),
            ) {
                Ok(t) => out.push((i, t)),
                Err(e) => self.errors[i] = Some(e),
            }
        }
        out
    }

    fn first_pass(&mut self) {
        let Some(rate) = self.rate else { return };
        let readable: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.members[i].info.is_ok())
            .collect();
        let null = self.null_runnable();
        let chunk = if null { readable.len().max(1) } else { CHUNK };
        let total = self.longest * readable.len().div_ceil(chunk) as u64;
        for (c, ids) in readable.chunks(chunk).enumerate() {
            let opened = self.open(ids, &[]);
            let (who, mut tracks): (Vec<usize>, Vec<Track>) = opened.into_iter().unzip();
            for (&i, t) in who.iter().zip(&tracks) {
                let meter = Meter::new(t.channels(), rate)
                    .expect("decoder channels and rate are in the meter's range");
                self.scans[i] = Some(FileScan::new(
                    meter,
                    t.channels(),
                    rate,
                    self.spec.clip_run,
                    self.col_frames,
                ));
            }
            let mix_track = self
                .mix
                .and_then(|m| who.iter().position(|&i| i == m))
                .filter(|_| null);
            // The dry group (stems and returns) and, when printed, the wet stems.
            let mut groups: Vec<(Vec<usize>, Mapped, NullScan)> = Vec::new();
            if let Some(mt) = mix_track {
                for group in [&self.summed, &self.wet] {
                    let in_chunk: Vec<usize> = (0..who.len())
                        .filter(|&k| group.contains(&who[k]))
                        .collect();
                    if !in_chunk.is_empty() {
                        let mapped = Mapped::new(in_chunk.len(), tracks[mt].channels());
                        groups.push((in_chunk, mapped, NullScan::new(self.col_frames)));
                    }
                }
            }
            let (scans, progress, done) = (
                &mut self.scans,
                &mut *self.progress,
                c as u64 * self.longest,
            );
            lockstep(&mut tracks, |pos, tracks| {
                progress("reading", done + pos, total);
                for (&i, t) in who.iter().zip(tracks) {
                    if let Some(s) = scans[i].as_mut() {
                        s.add(pos, t);
                    }
                }
                if let Some(mt) = mix_track {
                    for (stem_tracks, mapped, ns) in &mut groups {
                        mapped.update(&tracks[mt].buf, stem_tracks.iter().map(|&k| &tracks[k].buf));
                        ns.add(pos, &tracks[mt].buf, mapped);
                    }
                }
            });
            for (&i, t) in who.iter().zip(&tracks) {
                if let Some(e) = &t.error {
                    self.errors[i] = Some(e.clone());
                }
            }
            if mix_track.is_some() {
                self.summed.retain(|i| who.contains(i));
                self.wet.retain(|i| who.contains(i));
                for (stem_tracks, _, ns) in groups {
                    if self.wet.contains(&who[stem_tracks[0]]) {
                        self.wet_scan = Some(ns);
                    } else {
                        self.null_scan = Some(ns);
                    }
                }
            }
        }
    }

    /// The null test of the dry group (stems and returns), or of the wet prints.
    fn null_test(&self, wet: bool) -> Option<NullTest> {
        let (ns, group) = if wet {
            (self.wet_scan.as_ref()?, &self.wet)
        } else {
            (self.null_scan.as_ref()?, &self.summed)
        };
        let mix = self.mix?;
        let samples = ns.samples.max(1) as f64;
        let residual_peak_dbfs = db(f64::from(ns.residual_peak));
        Some(NullTest {
            mix: self.members[mix].name.clone(),
            summed: group
                .iter()
                .map(|&i| self.members[i].name.clone())
                .collect(),
            residual_peak_dbfs,
            residual_rms_dbfs: db((ns.residual_energy / samples).sqrt()),
            mix_rms_dbfs: db((ns.mix_energy / samples).sqrt()),
            tolerance_dbfs: self.spec.null_tolerance_dbfs,
            ok: residual_peak_dbfs.is_none_or(|p| p <= self.spec.null_tolerance_dbfs),
        })
    }

    /// Passes 2 and 3: offsets, then gains and mix-bus processing with offsets removed.
    fn diagnose(&mut self) -> Diagnosis {
        let mix = self.mix.expect("a failed null test has a mix");
        let summed = self.summed.clone();
        let lags = self.offsets(mix, &summed);
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
                if shifts[k] != 0 {
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
            .filter(|&k| fit.a[k * n + k] > 0.0)
            .map(|k| (k, fit.rs[k] * fit.rs[k] / fit.a[k * n + k]))
            .max_by(|x, y| x.1.total_cmp(&y.1));
        let floor = fit.residual_energy * 1e-12;
        let gain_of_one = single.and_then(|(k, explained)| {
            let improvement =
                10.0 * (fit.residual_energy / (fit.residual_energy - explained).max(floor)).log10();
            (improvement >= 20.0).then(|| {
                let mut g = vec![Some(1.0); n];
                g[k] = Some(1.0 + fit.rs[k] / fit.a[k * n + k]);
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
            let after = (fit.mix_energy - 2.0 * gab + gag).max(floor);
            (gains, 10.0 * (fit.residual_energy / after).log10())
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
    fn offsets(&mut self, mix: usize, summed: &[usize]) -> Vec<Option<Lag>> {
        let mut ids = vec![mix];
        ids.extend_from_slice(summed);
        let opened = self.open(&ids, &[]);
        if opened.len() != ids.len() {
            return vec![None; summed.len()];
        }
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
                    c.add(pos, &mapped.stems[k], &mapped.residual);
                }
            }
        });
        caps.iter()
            .map(|c| c.as_ref().and_then(|c| find_lag(&c.stem, &c.target)))
            .collect()
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

    fn file_checks(
        &self,
        rule: &NameRule,
        diagnosis: Option<&Diagnosis>,
        out: &mut Vec<CheckResult>,
    ) {
        let spec = self.spec;
        let readable: Vec<&SourceInfo> = self.members.iter().filter_map(info).collect();
        let set_bits = most_common(readable.iter().map(|i| depth_label(i)));
        let ref_len = self
            .mix
            .and_then(|m| self.scans[m].as_ref().map(|s| s.frames))
            .or_else(|| most_common(self.scans.iter().flatten().map(|s| s.frames)));
        let names: Vec<Option<BTreeMap<String, String>>> = self
            .members
            .iter()
            .map(|m| rule.parse(file_stem(&m.name)))
            .collect();
        let mut consensus = BTreeMap::new();
        for key in names
            .iter()
            .flatten()
            .flat_map(|v| v.keys())
            .filter(|k| *k != "stem" && *k != "variant")
        {
            consensus.entry(key.clone()).or_insert_with(|| {
                most_common(names.iter().flatten().map(|v| v.get(key)))
                    .flatten()
                    .cloned()
            });
        }
        for (i, m) in self.members.iter().enumerate() {
            let file = m.name.clone();
            let mut add = |id: &'static str,
                           ok: bool,
                           message: String,
                           figure: Option<f64>,
                           unit: Option<&'static str>| {
                out.push(CheckResult {
                    id,
                    file: file.clone(),
                    ok,
                    message,
                    figure,
                    unit,
                });
            };
            let (Some(inf), None) = (info(m), &self.errors[i]) else {
                let why = self.errors[i]
                    .clone()
                    .unwrap_or_else(|| "unreadable".into());
                add("format", false, why, None, None);
                continue;
            };
            // format
            let lossy = inf.bits_per_sample.is_none();
            let allowed = spec
                .formats
                .iter()
                .any(|f| f.eq_ignore_ascii_case(&inf.container));
            add(
                "format",
                allowed && !lossy,
                if !allowed {
                    format!(
                        "{} ({}); the spec allows {}",
                        inf.container,
                        inf.codec,
                        spec.formats.join(", ")
                    )
                } else if lossy {
                    format!("{} is a lossy codec", inf.codec)
                } else {
                    format!("{} ({})", inf.container, inf.codec)
                },
                None,
                None,
            );
            // sample_rate
            let rate = self.rate.unwrap_or(inf.sample_rate);
            let (ok, msg) = if inf.sample_rate != rate {
                (
                    false,
                    format!("{} Hz; the set is at {rate} Hz", inf.sample_rate),
                )
            } else if !spec.sample_rates.is_empty() && !spec.sample_rates.contains(&inf.sample_rate)
            {
                (
                    false,
                    format!(
                        "{} Hz; the spec allows {:?}",
                        inf.sample_rate, spec.sample_rates
                    ),
                )
            } else {
                (true, format!("{} Hz", inf.sample_rate))
            };
            add(
                "sample_rate",
                ok,
                msg,
                Some(f64::from(inf.sample_rate)),
                Some("Hz"),
            );
            // bit_depth
            let label = depth_label(inf);
            let (ok, msg) = match inf.bits_per_sample {
                None => (false, format!("{} has no bit depth (lossy)", inf.codec)),
                Some(b) if !spec.bit_depths.contains(&b) => (
                    false,
                    format!("{label}; the spec allows {}", join_bits(&spec.bit_depths)),
                ),
                Some(_) if set_bits.is_some_and(|s| s != label) => (
                    false,
                    format!(
                        "{label}; the rest of the set is {}",
                        set_bits.unwrap_or_default()
                    ),
                ),
                Some(_) => (true, label.to_owned()),
            };
            add(
                "bit_depth",
                ok,
                msg,
                inf.bits_per_sample.map(f64::from),
                Some("bits"),
            );
            let Some(scan) = &self.scans[i] else { continue };
            let measured = scan.meter.finish();
            // length
            if let Some(want) = ref_len {
                let diff = scan.frames as i64 - want as i64;
                // A file at another rate comes out of the resampler rounded to whole frames.
                let rounding = if inf.sample_rate == rate {
                    0
                } else {
                    u64::from(rate.div_ceil(inf.sample_rate))
                };
                let ok = diff.unsigned_abs() <= spec.length_tolerance_frames + rounding;
                let against = if self.mix.is_some() && Some(i) != self.mix {
                    "the mix"
                } else {
                    "the set"
                };
                let msg = if diff == 0 {
                    format!(
                        "{} frames ({:.3} s)",
                        scan.frames,
                        scan.frames as f64 / f64::from(rate)
                    )
                } else {
                    format!(
                        "{:.3} s ({} frames) {} than {against} ({want} frames)",
                        diff.unsigned_abs() as f64 / f64::from(rate),
                        diff.unsigned_abs(),
                        if diff < 0 { "shorter" } else { "longer" }
                    )
                };
                add("length", ok, msg, Some(diff as f64), Some("frames"));
            }
            // alignment
            if m.sums() && self.null_scan.is_some() {
                let off = diagnosis.and_then(|d| d.offsets.iter().find(|o| o.file == m.name));
                match (diagnosis, off) {
                    (None, _) => add(
                        "alignment",
                        true,
                        "nulls against the mix".into(),
                        Some(0.0),
                        Some("samples"),
                    ),
                    (Some(_), Some(o)) if o.frames != 0 => add(
                        "alignment",
                        false,
                        format!(
                            "starts {} samples {} than the mix has it",
                            o.frames.unsigned_abs(),
                            if o.frames > 0 { "later" } else { "earlier" }
                        ),
                        Some(o.frames as f64),
                        Some("samples"),
                    ),
                    (Some(_), Some(o)) => add(
                        "alignment",
                        true,
                        format!("lines up with the mix (correlation {:.2})", o.confidence),
                        Some(0.0),
                        Some("samples"),
                    ),
                    (Some(_), None) => add(
                        "alignment",
                        true,
                        "no offset found (silent or no onset)".into(),
                        None,
                        None,
                    ),
                }
            }
            // clipping
            let clip_msg = match scan.first_clip {
                Some(at) => format!(
                    "{} clipped run(s) of {}+ samples at full scale, longest {}, first at {:.3} s",
                    scan.clip_events,
                    spec.clip_run,
                    scan.longest_clip,
                    at as f64 / f64::from(rate)
                ),
                None => "no clipped samples".into(),
            };
            add(
                "clipping",
                scan.clip_events == 0,
                clip_msg,
                Some(scan.clip_events as f64),
                Some("runs"),
            );
            // true_peak
            let tp = measured.true_peak_dbtp;
            let ok = tp.is_none_or(|t| t <= spec.true_peak_max_dbtp);
            let msg = if ok {
                format!(
                    "{} (ceiling {:.1} dBTP)",
                    fmt_db(tp, "dBTP"),
                    spec.true_peak_max_dbtp
                )
            } else {
                format!(
                    "{} exceeds the {:.1} dBTP ceiling",
                    fmt_db(tp, "dBTP"),
                    spec.true_peak_max_dbtp
                )
            };
            add("true_peak", ok, msg, tp, Some("dBTP"));
            // silence
            let peak = measured.sample_peak_dbfs;
            let silent = peak.is_none_or(|p| p < spec.silence_max_dbfs);
            let msg = if silent {
                format!(
                    "silent: peak {} (below {:.0} dBFS)",
                    fmt_db(peak, "dBFS"),
                    spec.silence_max_dbfs
                )
            } else {
                format!("peak {}", fmt_db(peak, "dBFS"))
            };
            add("silence", !silent, msg, peak, Some("dBFS"));
            // naming
            let (ok, msg) = match &names[i] {
                None => (false, format!("does not follow the {}", rule.described())),
                Some(v) => {
                    let odd: Vec<String> = consensus
                        .iter()
                        .filter(|(k, want)| v.get(*k) != want.as_ref())
                        .map(|(k, want)| {
                            format!(
                                "{{{k}}} is {} where the set has {}",
                                v.get(k).map_or("missing".into(), |x| format!("{x:?}")),
                                want.as_ref().map_or("none".into(), |x| format!("{x:?}"))
                            )
                        })
                        .collect();
                    if odd.is_empty() {
                        (true, format!("follows the {}", rule.described()))
                    } else {
                        (false, odd.join("; "))
                    }
                }
            };
            add("naming", ok, msg, None, None);
        }
    }

    fn set_checks(
        &self,
        null: Option<&NullTest>,
        diagnosis: Option<&Diagnosis>,
        out: &mut Vec<CheckResult>,
    ) {
        let spec = self.spec;
        let stems = self.members.iter().filter(|m| m.sums()).count();
        let ok = (spec.min_stems..=spec.max_stems).contains(&stems);
        out.push(CheckResult {
            id: "stem_count",
            file: String::new(),
            ok,
            message: format!(
                "{stems} stems and returns; the spec allows {} to {}",
                spec.min_stems, spec.max_stems
            ),
            figure: Some(stems as f64),
            unit: Some("files"),
        });
        let (ok, file, message, figure) = match (null, self.mix) {
            (Some(n), _) => {
                let mut msg = format!(
                    "mix minus {} stems peaks at {} (tolerance {:.1} dBFS)",
                    n.summed.len(),
                    fmt_db(n.residual_peak_dbfs, "dBFS"),
                    n.tolerance_dbfs
                );
                if let Some(d) = diagnosis.filter(|d| !d.findings.is_empty()) {
                    msg.push_str(": ");
                    msg.push_str(&d.findings.join("; "));
                }
                (n.ok, n.mix.clone(), msg, n.residual_peak_dbfs)
            }
            (None, Some(m)) => {
                (false, self.members[m].name.clone(), "not run: the mix or the stems could not be read in full, or there are too many stems".into(), None)
            }
            (None, None) => (
                !spec.require_mix,
                String::new(),
                format!("not run: no mix (name it {}..., or pass --mix FILE)", spec.mix_prefix),
                None,
            ),
        };
        out.push(CheckResult {
            id: "sums_to_mix",
            file,
            ok,
            message,
            figure,
            unit: figure.map(|_| "dBFS"),
        });
    }

    fn file_reports(&self) -> Vec<FileReport> {
        self.members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let inf = info(m);
                FileReport {
                    file: m.name.clone(),
                    role: m.role,
                    variant: m.variant.clone(),
                    sample_rate: inf.map(|i| i.sample_rate),
                    channels: inf.map(|i| i.channels),
                    frames: self.scans[i].as_ref().map(|s| s.frames),
                    bits_per_sample: inf.and_then(|i| i.bits_per_sample),
                    codec: inf.map(|i| i.codec.clone()),
                    container: inf.map(|i| i.container.clone()),
                    measurements: self.scans[i].as_ref().map(|s| s.meter.finish()),
                    clipped_runs: self.scans[i].as_ref().map_or(0, |s| s.clip_events),
                    error: self.errors[i].clone(),
                }
            })
            .collect()
    }

    fn lanes(&mut self) -> Vec<Lane> {
        let mut lanes = Vec::new();
        let order = |r: Role| match r {
            Role::Stem => 0,
            Role::Return => 1,
            Role::Mix => 2,
            Role::Master => 3,
        };
        let mut idx: Vec<usize> = (0..self.members.len()).collect();
        idx.sort_by_key(|&i| order(self.members[i].role));
        for i in idx {
            if let Some(s) = self.scans[i].as_mut() {
                let role = match self.members[i].role {
                    Role::Stem => "stem",
                    Role::Return => "return",
                    Role::Mix => "mix",
                    Role::Master => "master",
                };
                lanes.push(Lane {
                    label: self.members[i].name.clone(),
                    role,
                    waveform: std::mem::take(&mut s.waveform),
                });
            }
        }
        if let Some(ns) = self.null_scan.as_mut() {
            lanes.push(Lane {
                label: "residual (mix - stems)".into(),
                role: "residual",
                waveform: std::mem::take(&mut ns.waveform),
            });
        }
        lanes
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

fn depth_label(i: &SourceInfo) -> &'static str {
    match (
        i.bits_per_sample,
        i.codec.contains("f32") || i.codec.contains("f64"),
    ) {
        (Some(32), true) => "32-bit float",
        (Some(64), true) => "64-bit float",
        (Some(8), _) => "8-bit",
        (Some(16), _) => "16-bit",
        (Some(20), _) => "20-bit",
        (Some(24), _) => "24-bit",
        (Some(32), false) => "32-bit integer",
        (Some(_), _) => "unusual bit depth",
        (None, _) => "lossy",
    }
}

fn join_bits(bits: &[u32]) -> String {
    bits.iter()
        .map(|b| {
            if *b == 32 {
                "32 (float)".to_owned()
            } else {
                b.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn file_stem(name: &str) -> &str {
    Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name)
}

/// A level for a message: `-inf` for digital silence.
#[must_use]
pub fn fmt_db(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| format!("-inf {unit}"), |v| format!("{v:.1} {unit}"))
}
