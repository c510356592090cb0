//! `report.json`: what a render wrote, with the figures a receiving engineer checks.
//! The shape is the contract of DESIGN §5; fields are only ever added.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use stemkit_engine::{Render, Role, Verification};
use stemkit_session::{Session, Variant};

#[derive(Debug, Serialize)]
pub struct FileEntry {
    pub role: Role,
    pub name: String,
    pub variant: Option<Variant>,
    /// Absolute path of the file.
    pub path: String,
    /// File name inside the output folder.
    pub file: String,
    pub channels: usize,
    pub frames: u64,
    pub sample_rate: u32,
    pub bit_depth: u32,
    /// Sample peak in dBFS; `null` for digital silence.
    pub peak_dbfs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub lufs_i: Option<f64>,
    pub clipped_samples: u64,
    /// `pre-master` (stems, returns and the mix before the master chain) or
    /// `master-consistent` (the mastered mix, the stems with the master distributed over
    /// them, and the residual).
    pub contract: &'static str,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct NullEntry {
    /// Peak of mix minus the sum of the variant's files, dBFS; `null` for digital silence.
    pub residual_peak_dbfs: Option<f64>,
    pub bit_exact: bool,
    /// Mastered set only: the mastered mix minus the distributed stems before
    /// quantisation, dBFS (`null` for digital silence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub float_residual_dbfs: Option<Option<f64>>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub stemkit_version: &'static str,
    pub session: String,
    pub session_file: String,
    pub sample_rate: u32,
    pub bit_depth: u32,
    pub format: &'static str,
    /// Length of every file, frames and seconds.
    pub frames: u64,
    pub seconds: f64,
    /// Timeline seconds of file sample 0.
    pub start_seconds: f64,
    /// Latency removed from every file by delay compensation, frames.
    pub compensated_latency_frames: usize,
    pub render_seconds: f64,
    /// Time spent reading every file back (checks, checksums, meters, null tests).
    pub verify_seconds: f64,
    /// What reading the files back checked before any took its final name.
    pub verified: &'static [&'static str],
    pub files: Vec<FileEntry>,
    /// One entry per set of files: `dry` and `wet` against the mix, `mastered` (the
    /// master-consistent stems and residual) against the mastered mix.
    pub null_test: std::collections::BTreeMap<&'static str, NullEntry>,
    pub warnings: Vec<String>,
}

/// The checks of [`stemkit_engine::verify`], as the report states them.
const VERIFIED: &[&str] = &[
    "every file read back whole after the render, before it took its final name",
    "header: sample rate, channels, bit depth and length as written",
    "sha256 of the very bytes decoded",
    "sample peak equal to the one written",
    "lufs_i and true_peak_dbtp measured from the decoded samples",
    "null tests recomputed from the decoded files, equal to the ones measured while writing",
];

fn dbfs(linear: f64) -> Option<f64> {
    (linear > 0.0).then(|| 20.0 * linear.log10())
}

impl Report {
    /// Builds the report of `render` from what reading its files back found
    /// ([`stemkit_engine::verify`]): checksums, loudness, true peak and the null tests
    /// are those of the files on disk.
    pub fn build(
        session: &Session,
        render: &Render,
        read_back: &Verification,
        took: Duration,
        verify_took: Duration,
    ) -> Self {
        let mut files = Vec::with_capacity(render.files.len());
        for (f, v) in render.files.iter().zip(&read_back.files) {
            let final_path = f.pending.final_path();
            let abs = std::path::absolute(final_path).unwrap_or_else(|_| final_path.to_path_buf());
            files.push(FileEntry {
                role: f.role,
                name: f.name.clone(),
                variant: f.variant,
                path: abs.display().to_string(),
                file: final_path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                channels: f.channels,
                frames: f.frames,
                sample_rate: f.sample_rate,
                bit_depth: f.bit_depth,
                peak_dbfs: dbfs(v.sample_peak),
                true_peak_dbtp: v.true_peak_dbtp,
                lufs_i: v.lufs_i,
                clipped_samples: f.clipped,
                contract: if f.mastered {
                    "master-consistent"
                } else {
                    "pre-master"
                },
                sha256: v.sha256.clone(),
            });
        }
        let null_test = read_back
            .null_tests
            .iter()
            .map(|n| {
                (
                    n.set,
                    NullEntry {
                        residual_peak_dbfs: n.residual_peak_dbfs,
                        bit_exact: n.bit_exact,
                        float_residual_dbfs: n.float_residual_dbfs,
                    },
                )
            })
            .collect();
        Self {
            stemkit_version: env!("CARGO_PKG_VERSION"),
            session: session.settings.name.clone(),
            session_file: session.path.display().to_string(),
            sample_rate: render.sample_rate,
            bit_depth: session.output.bit_depth.bits(),
            format: session.output.format.extension(),
            frames: render.frames,
            seconds: render.frames as f64 / f64::from(render.sample_rate),
            start_seconds: session.settings.start,
            compensated_latency_frames: render.compensated_latency,
            render_seconds: took.as_secs_f64(),
            verify_seconds: verify_took.as_secs_f64(),
            verified: VERIFIED,
            files,
            null_test,
            warnings: render.warnings.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The terminal summary: one line per file, then the null tests.
    pub fn summary(&self, report_path: &Path) -> String {
        let mut s = String::new();
        let speed = self.seconds / self.render_seconds.max(1e-9);
        let _ = writeln!(
            s,
            "{} files, {:.2} s at {} Hz / {}-bit, rendered in {:.2} s ({speed:.0}x real time), read back and verified in {:.2} s",
            self.files.len(),
            self.seconds,
            self.sample_rate,
            self.bit_depth,
            self.render_seconds,
            self.verify_seconds
        );
        for f in &self.files {
            let peak = f
                .peak_dbfs
                .map_or_else(|| "silent".to_owned(), |p| format!("peak {p:6.1} dBFS"));
            let role = match f.role {
                Role::Stem => "stem",
                Role::Return => "return",
                Role::Mix => "mix",
                Role::Master => "master",
            };
            let _ = writeln!(s, "  {role:<6} {:<32} {}ch  {peak}", f.file, f.channels);
        }
        for (variant, n) in &self.null_test {
            let verdict = if n.bit_exact {
                "bit-exact".to_owned()
            } else {
                n.residual_peak_dbfs.map_or_else(
                    || "digital silence".to_owned(),
                    |r| format!("residual {r:.1} dBFS"),
                )
            };
            let _ = writeln!(s, "  null test ({variant}): {verdict}");
        }
        let _ = writeln!(s, "report: {}", report_path.display());
        s
    }
}
