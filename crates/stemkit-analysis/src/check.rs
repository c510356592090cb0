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

mod diagnose;
mod rules;

use crate::AnalysisError;
use crate::folder::{self, Member, Role};
use crate::meter::{Measurements, Meter};
use crate::naming::NameRule;
use crate::null::{Mapped, NullScan};
use crate::scan::{COLUMNS, FileScan, Track, Waveform, lockstep};
use crate::spec::Spec;

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
    /// The mix the stems must sum to; otherwise the file named like one (`mix_prefix` of
    /// the spec) or the one `report.json` calls the mix.
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
    /// What the receiving engineer should know but the spec does not fail: a stereo file
    /// that is really mono, a DC offset.
    pub notes: Vec<String>,
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
    let notes = notes(&files);
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
        notes,
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

/// DC offset above this level is worth a note, in dBFS (-60 dBFS is 0.1 % of full scale).
const DC_NOTE_DBFS: f64 = -60.0;

fn notes(files: &[FileReport]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let Some(m) = &f.measurements else { continue };
        if m.stereo.as_ref().is_some_and(|s| s.dual_mono) && m.sample_peak_dbfs.is_some() {
            out.push(format!(
                "{}: both channels carry the same signal; it could be delivered as mono",
                f.file
            ));
        }
        for (c, dc) in m.dc_offset.iter().enumerate() {
            let level = 20.0 * dc.abs().log10();
            if level > DC_NOTE_DBFS {
                out.push(format!(
                    "{}: DC offset of {level:.1} dBFS on channel {}",
                    f.file,
                    c + 1
                ));
            }
        }
    }
    out
}

/// A level for a message: `-inf` for digital silence.
#[must_use]
pub fn fmt_db(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| format!("-inf {unit}"), |v| format!("{v:.1} {unit}"))
}
