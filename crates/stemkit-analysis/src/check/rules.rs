//! The per-file checks and the set checks, from the figures of the first pass.

use std::collections::BTreeMap;
use std::path::Path;

use stemkit_io::SourceInfo;

use super::{CheckResult, Diagnosis, NullTest, Run, fmt_db, info, most_common};
use crate::folder::Role;
use crate::naming::NameRule;

impl Run<'_> {
    pub(super) fn file_checks(
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

    pub(super) fn set_checks(
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
                let stems = self.summed.len();
                let why = if stems == 0 {
                    "there are no readable stems".to_owned()
                } else if stems > spec.max_stems.min(super::MAX_NULL_STEMS) {
                    format!(
                        "{stems} stems are more than the null test takes ({})",
                        spec.max_stems.min(super::MAX_NULL_STEMS)
                    )
                } else {
                    "the mix could not be read".to_owned()
                };
                (
                    false,
                    self.members[m].name.clone(),
                    format!("not run: {why}"),
                    None,
                )
            }
            (None, None) => match self.members.iter().find(|m| m.role == Role::Mix) {
                // Named like the mix but unreadable: the format check says why.
                Some(m) => (
                    false,
                    m.name.clone(),
                    "not run: the mix cannot be read".into(),
                    None,
                ),
                None => (
                    !spec.require_mix,
                    String::new(),
                    format!(
                        "not run: no mix (name it {}..., or pass --mix FILE)",
                        spec.mix_prefix
                    ),
                    None,
                ),
            },
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
