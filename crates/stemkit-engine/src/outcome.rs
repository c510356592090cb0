//! What a render produced, for the report and for the caller to commit.

use stemkit_io::PendingFile;
use stemkit_session::Variant;

/// What a printed file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Stem,
    Return,
    /// The pre-master mix: the sum of the stems and returns.
    Mix,
    /// The mix through the master chain.
    Master,
}

/// One printed file, still under its temporary name until the caller commits it.
#[derive(Debug)]
pub struct Printed {
    pub role: Role,
    /// The bus name (stem, return, or the mix name).
    pub name: String,
    /// The variant of a stem file; `None` for returns, the mix and the master.
    pub variant: Option<Variant>,
    pub pending: PendingFile,
    pub channels: usize,
    pub frames: u64,
    pub sample_rate: u32,
    pub bit_depth: u32,
    /// Largest absolute sample written, full scale 1.0.
    pub peak: f64,
    /// Samples that hit the integer range and were clipped.
    pub clipped: u64,
    /// Whether the file belongs to the master-consistent set (the mastered mix, the
    /// distributed stems and the residual) rather than the pre-master contract.
    pub mastered: bool,
}

/// The null test of one set of files: its mix minus the sum of the set.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NullTest {
    /// `dry` and `wet` (against the pre-master mix) or `mastered` (the
    /// master-consistent stems and residual against the mastered mix).
    pub set: &'static str,
    /// Peak of the residual in dBFS; `None` when the residual is digital silence.
    pub residual_peak_dbfs: Option<f64>,
    /// Whether the files null exactly (integer output, no clipping in the mix).
    pub bit_exact: bool,
    /// For the mastered set: peak of the mastered mix minus the sum of the distributed
    /// stems before quantisation (what the residual stem carries), dBFS; `Some(None)`
    /// when it is digital silence.
    pub float_residual_dbfs: Option<Option<f64>>,
    /// Index in [`Render::files`] of the mix the set is tested against.
    #[serde(skip)]
    pub mix: usize,
    /// Indices in [`Render::files`] of the files that sum to it.
    #[serde(skip)]
    pub members: Vec<usize>,
}

/// A finished render: files under temporary names, null tests, warnings.
#[derive(Debug)]
pub struct Render {
    pub files: Vec<Printed>,
    pub null_tests: Vec<NullTest>,
    pub warnings: Vec<String>,
    /// Length of every file in frames.
    pub frames: u64,
    pub sample_rate: u32,
    /// Latency the render removed from every file, in frames (plugin-delay compensation).
    pub compensated_latency: usize,
}
