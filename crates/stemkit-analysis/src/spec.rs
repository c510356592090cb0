//! The delivery spec `stemkit check` tests a folder against.
//!
//! The default is the common spec of stem deliveries (DESIGN §3), written out in
//! `docs/delivery-spec.md`: every file WAV or FLAC, 24-bit integer or 32-bit float, one
//! sample rate, one length, one start; no clipped samples; true peak at most -1 dBTP; no
//! silent stem; names `{stem}[_{bpm}][_{key}][_{variant}]` with the same tempo and key on every file;
//! the stems (and returns) null against the mix to -60 dBFS or better.
//!
//! 16-bit files fail the default on purpose: summing N dithered 16-bit stems adds N times
//! the dither noise, and mastering rooms and libraries ask for 24-bit. A spec file that
//! lists `bit_depths = [16, 24, 32]` accepts them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::AnalysisError;

/// Every key is optional in the file; a missing key keeps the default. Unknown keys are
/// errors (a misspelt key must not silently keep the default).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spec {
    /// Allowed containers: `wav`, `flac`, `aiff`, `ogg`, `mp3`.
    pub formats: Vec<String>,
    /// Allowed sample rates in Hz; empty allows any. Every file must share one rate anyway.
    pub sample_rates: Vec<u32>,
    /// Allowed bits per sample; 32 means 32-bit float or integer. Every file must share one.
    pub bit_depths: Vec<u32>,
    /// Highest allowed true peak of any file, in dBTP.
    pub true_peak_max_dbtp: f64,
    /// Consecutive samples at full scale that count as a clip.
    pub clip_run: usize,
    /// A file whose sample peak stays below this level is silent, in dBFS (low enough
    /// that a dithered silence still counts as silent).
    pub silence_max_dbfs: f64,
    /// Naming template: `{stem}`, `{bpm}`, `{key}`, `{session}`, `{sr}`, `{bits}`,
    /// `{variant}`; `[...]` is an optional part. Every placeholder but `{stem}` and
    /// `{variant}` must have the same value on every file.
    pub naming: String,
    /// A regular expression every file name (without extension) must match; replaces
    /// `naming` when set.
    pub naming_pattern: Option<String>,
    /// Largest allowed peak of `mix - sum(stems)`, in dBFS.
    pub null_tolerance_dbfs: f64,
    /// Frames a file's length may differ from the mix (or the set).
    pub length_tolerance_frames: u64,
    /// Fewest and most stems (and returns) the folder may hold.
    pub min_stems: usize,
    pub max_stems: usize,
    /// Without `--mix`, the file whose name starts with this word is the mix.
    pub mix_prefix: String,
    /// Fail the set when no mix is found (otherwise `alignment` and `sums_to_mix` are
    /// reported as not run).
    pub require_mix: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            formats: vec!["wav".into(), "flac".into()],
            sample_rates: Vec::new(),
            bit_depths: vec![24, 32],
            true_peak_max_dbtp: -1.0,
            clip_run: 3,
            silence_max_dbfs: -80.0,
            naming: "{stem}[_{bpm}][_{key}][_{variant}]".into(),
            naming_pattern: None,
            null_tolerance_dbfs: -60.0,
            length_tolerance_frames: 0,
            min_stems: 1,
            max_stems: 64,
            mix_prefix: "Mix".into(),
            require_mix: false,
        }
    }
}

impl Spec {
    /// Reads a spec file (TOML).
    ///
    /// # Errors
    /// [`AnalysisError::Spec`] naming the file, with the line and key of a bad entry.
    pub fn load(path: &Path) -> Result<Self, AnalysisError> {
        let text = std::fs::read_to_string(path).map_err(|e| AnalysisError::Spec {
            path: path.into(),
            detail: format!("cannot read: {e}"),
        })?;
        Self::parse(&text).map_err(|detail| AnalysisError::Spec {
            path: path.into(),
            detail,
        })
    }

    /// Parses spec text; the error is the TOML parser's message (line, column, key).
    ///
    /// # Errors
    /// On bad TOML, an unknown key, a wrong type or an out-of-range value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let spec: Self = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        if spec.clip_run == 0 {
            return Err("clip_run must be at least 1".into());
        }
        if spec.min_stems > spec.max_stems {
            return Err(format!(
                "min_stems ({}) exceeds max_stems ({})",
                spec.min_stems, spec.max_stems
            ));
        }
        crate::naming::NameRule::new(&spec)?;
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_default_and_keys_override() {
        assert_eq!(Spec::parse("").unwrap(), Spec::default());
        let s = Spec::parse("bit_depths = [16, 24]\ntrue_peak_max_dbtp = -0.3\n").unwrap();
        assert_eq!(s.bit_depths, [16, 24]);
        assert_eq!(s.true_peak_max_dbtp, -0.3);
        assert_eq!(s.formats, ["wav", "flac"]);
    }

    #[test]
    fn unknown_key_is_an_error_with_its_name_and_line() {
        let e = Spec::parse("formats = [\"wav\"]\ntrue_peak_max = -1.0\n").unwrap_err();
        assert!(e.contains("true_peak_max") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn bad_pattern_and_bad_bounds_are_refused() {
        assert!(
            Spec::parse("naming_pattern = \"([a-z\"")
                .unwrap_err()
                .contains("naming_pattern")
        );
        assert!(Spec::parse("min_stems = 5\nmax_stems = 2").is_err());
        assert!(
            Spec::parse("naming = \"{stem}_{tempo}\"")
                .unwrap_err()
                .contains("{tempo}")
        );
    }
}
