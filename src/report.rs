//! `report.json`: what a render wrote, with the figures a receiving engineer checks.
//! The shape is the contract of DESIGN §5; fields are only ever added.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use stemkit_engine::{Render, Role};
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
    pub files: Vec<FileEntry>,
    /// One entry per set of files: `dry` and `wet` against the mix, `mastered` (the
    /// master-consistent stems and residual) against the mastered mix.
    pub null_test: std::collections::BTreeMap<&'static str, NullEntry>,
    pub warnings: Vec<String>,
}

type Verified = (stemkit_analysis::Measurements, String);

/// Verifies every printed file on its own thread (metering is the costly part), in the
/// order of the render's files.
fn verify_all(render: &Render) -> Result<Vec<Verified>, String> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<Verified, String>>>> = render
        .files
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.min(render.files.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = render.files.get(i) else { break };
                    let r = verify(f);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| match m.into_inner().ok().flatten() {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(e),
            None => Err("verification did not run".to_owned()),
        })
        .collect()
}

/// Reads a printed file back: its header must say what the render wrote.
fn verify(f: &stemkit_engine::Printed) -> Result<Verified, String> {
    let path = f.pending.temp_path();
    let shown = f.pending.final_path().display();
    let (info, m) =
        stemkit_analysis::meter_file(path).map_err(|e| format!("verifying {shown}: {e}"))?;
    let expect = (f.sample_rate, f.channels, Some(f.frames), Some(f.bit_depth));
    let found = (
        info.sample_rate,
        info.channels,
        info.frames,
        info.bits_per_sample,
    );
    if expect != found || m.frames != f.frames {
        return Err(format!(
            "verifying {shown}: wrote {} Hz, {} ch, {} frames, {} bits but read back {} Hz, {} ch, {:?} frames ({} decoded), {:?} bits",
            f.sample_rate,
            f.channels,
            f.frames,
            f.bit_depth,
            info.sample_rate,
            info.channels,
            info.frames,
            m.frames,
            info.bits_per_sample
        ));
    }
    let sha = stemkit_io::sha256_file(path).map_err(|e| e.to_string())?;
    Ok((m, sha))
}

fn dbfs(linear: f64) -> Option<f64> {
    (linear > 0.0).then(|| 20.0 * linear.log10())
}

impl Report {
    /// Builds the report of `render`: re-reads every file under its temporary name,
    /// checks it holds what the render meant to write, meters and hashes it.
    pub fn build(session: &Session, render: &Render, took: Duration) -> Result<Self, String> {
        let checks = verify_all(render)?;
        let mut files = Vec::with_capacity(render.files.len());
        for (f, (m, sha256)) in render.files.iter().zip(checks) {
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
                peak_dbfs: dbfs(f.peak),
                true_peak_dbtp: m.true_peak_dbtp,
                lufs_i: m.integrated_lufs,
                clipped_samples: f.clipped,
                contract: if f.mastered {
                    "master-consistent"
                } else {
                    "pre-master"
                },
                sha256,
            });
        }
        let null_test = render
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
        Ok(Self {
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
            files,
            null_test,
            warnings: render.warnings.clone(),
        })
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
            "{} files, {:.2} s at {} Hz / {}-bit, rendered in {:.2} s ({speed:.0}x real time)",
            self.files.len(),
            self.seconds,
            self.sample_rate,
            self.bit_depth,
            self.render_seconds
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
