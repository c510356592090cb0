//! The parameters of every processor as the session file spells them (DESIGN §4): names,
//! units, defaults and allowed ranges, defined once here and used by the session parser,
//! the validator and the processors themselves.

use serde::Deserialize;

/// What a parameter is checked against besides its own range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamContext {
    pub sample_rate: f64,
    /// The session tempo, needed by tempo-synced delay times.
    pub bpm: Option<f64>,
}

/// A parameter outside its range, named by its key path inside the insert
/// (`threshold_db`, `bands[1].freq`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ParamError {
    pub key: String,
    pub message: String,
}

fn check_range(key: &str, value: f64, lo: f64, hi: f64, unit: &str) -> Result<(), ParamError> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(ParamError {
            key: key.to_owned(),
            message: format!("{value} is outside {lo} ..= {hi}{unit}"),
        })
    }
}

/// One insert of a chain: `{ type = "eq", ... }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum InsertSpec {
    Eq(EqParams),
    Compressor(CompressorParams),
    Saturation(SaturationParams),
    Reverb(ReverbParams),
    Delay(DelayParams),
    Gain(GainParams),
    Limiter(LimiterParams),
}

/// The `type` names an insert may have, in the order of DESIGN §4.
pub const INSERT_TYPES: &[&str] = &[
    "eq",
    "compressor",
    "saturation",
    "reverb",
    "delay",
    "gain",
    "limiter",
];

impl InsertSpec {
    /// The `type` name as written in the session.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Eq(_) => "eq",
            Self::Compressor(_) => "compressor",
            Self::Saturation(_) => "saturation",
            Self::Reverb(_) => "reverb",
            Self::Delay(_) => "delay",
            Self::Gain(_) => "gain",
            Self::Limiter(_) => "limiter",
        }
    }

    /// The keys an insert of type `type_name` accepts besides `type` (for unknown-key
    /// messages with a suggestion); `None` for an unknown type.
    #[must_use]
    pub fn keys_of(type_name: &str) -> Option<&'static [&'static str]> {
        Some(match type_name {
            "eq" => &["bands"],
            "compressor" => &[
                "style",
                "threshold_db",
                "ratio",
                "attack_ms",
                "release",
                "knee_db",
                "makeup_db",
                "mix",
                "key",
            ],
            "saturation" => &["drive_db", "character", "mix", "output_db"],
            "reverb" => &["decay_s", "predelay_ms", "size", "damping", "width", "mix"],
            "delay" => &["time", "feedback", "lowcut", "highcut", "pingpong", "mix"],
            "gain" => &["gain_db", "polarity", "width"],
            "limiter" => &["ceiling_dbtp", "release_ms", "lookahead_ms"],
            _ => return None,
        })
    }

    /// Checks every parameter against its range.
    ///
    /// # Errors
    /// The first parameter out of range, by key.
    pub fn validate(&self, ctx: &ParamContext) -> Result<(), ParamError> {
        match self {
            Self::Eq(p) => p.validate(ctx),
            Self::Compressor(p) => p.validate(),
            Self::Saturation(p) => p.validate(),
            Self::Reverb(p) => p.validate(),
            Self::Delay(p) => p.validate(ctx),
            Self::Gain(p) => p.validate(),
            Self::Limiter(p) => p.validate(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// eq

/// `eq`: a series of RBJ-cookbook biquad bands.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EqParams {
    pub bands: Vec<EqBand>,
}

/// Keys of one EQ band.
pub const EQ_BAND_KEYS: &[&str] = &["shape", "freq", "q", "gain_db", "slope"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BandShape {
    Highpass,
    Lowpass,
    Lowshelf,
    Highshelf,
    Bell,
    Notch,
}

/// One EQ band.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EqBand {
    pub shape: BandShape,
    /// Centre or corner frequency, Hz: 10 ..= 0.49 × sample rate.
    pub freq: f64,
    /// Quality factor, 0.1 ..= 40; default 0.707 (Butterworth for the pass filters; for
    /// shelves the RBJ "Q" form with 0.707 giving the steepest slope without overshoot).
    #[serde(default = "default_q")]
    pub q: f64,
    /// Gain of bell and shelf bands, dB, -30 ..= 30; default 0.
    #[serde(default)]
    pub gain_db: f64,
    /// Slope of highpass and lowpass bands: 12 or 24 dB/oct; default 12.
    #[serde(default = "default_slope")]
    pub slope: u32,
}

fn default_q() -> f64 {
    std::f64::consts::FRAC_1_SQRT_2
}
fn default_slope() -> u32 {
    12
}

impl EqParams {
    fn validate(&self, ctx: &ParamContext) -> Result<(), ParamError> {
        for (i, b) in self.bands.iter().enumerate() {
            b.validate(i, ctx.sample_rate)?;
        }
        Ok(())
    }
}

impl EqBand {
    /// Checks the band as the `index`-th of its EQ at `sample_rate`. Allocates only to
    /// report an error, so a live band change can be checked on the audio thread.
    ///
    /// # Errors
    /// The first key out of range, as `bands[index].key`.
    pub fn validate(&self, index: usize, sample_rate: f64) -> Result<(), ParamError> {
        let in_band = |e: ParamError| ParamError {
            key: format!("bands[{index}].{}", e.key),
            ..e
        };
        check_range("freq", self.freq, 10.0, 0.49 * sample_rate, " Hz").map_err(in_band)?;
        check_range("q", self.q, 0.1, 40.0, "").map_err(in_band)?;
        check_range("gain_db", self.gain_db, -30.0, 30.0, " dB").map_err(in_band)?;
        if self.slope != 12 && self.slope != 24 {
            return Err(in_band(ParamError {
                key: "slope".to_owned(),
                message: format!("{} dB/oct is not 12 or 24", self.slope),
            }));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// compressor

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompressorStyle {
    /// VCA-style glue: feed-forward, stereo-linked, hard knee, program-dependent release.
    #[default]
    Bus,
    /// Soft knee, effective ratio rising with gain reduction, slow.
    Varimu,
    /// Plain feed-forward with a knee.
    Clean,
}

/// A release time in ms, or `"auto"` (program dependent).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Release {
    Ms(f64),
    Auto(AutoWord),
}

/// The literal word `"auto"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoWord {
    Auto,
}

/// `compressor`. Unset options take the style's defaults
/// (bus: 2:1, 10 ms, auto release, hard knee; varimu: 1.5:1, 30 ms, auto, 6 dB knee;
/// clean: 2:1, 10 ms, 100 ms, 6 dB knee).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompressorParams {
    #[serde(default)]
    pub style: CompressorStyle,
    /// dBFS, -60 ..= 0; default -18.
    #[serde(default = "default_threshold")]
    pub threshold_db: f64,
    /// 1 ..= 100.
    pub ratio: Option<f64>,
    /// ms, 0.01 ..= 500.
    pub attack_ms: Option<f64>,
    /// ms 1 ..= 5000, or "auto".
    pub release: Option<Release>,
    /// dB, 0 ..= 24.
    pub knee_db: Option<f64>,
    /// dB, -24 ..= 24; default 0.
    #[serde(default)]
    pub makeup_db: f64,
    /// Wet share for parallel compression, 0 ..= 1; default 1.
    #[serde(default = "one")]
    pub mix: f64,
    /// External sidechain: the name of a track or stem of the session.
    pub key: Option<String>,
}

fn default_threshold() -> f64 {
    -18.0
}
fn one() -> f64 {
    1.0
}

impl CompressorParams {
    fn validate(&self) -> Result<(), ParamError> {
        check_range("threshold_db", self.threshold_db, -60.0, 0.0, " dB")?;
        if let Some(r) = self.ratio {
            check_range("ratio", r, 1.0, 100.0, "")?;
        }
        if let Some(a) = self.attack_ms {
            check_range("attack_ms", a, 0.01, 500.0, " ms")?;
        }
        if let Some(Release::Ms(r)) = self.release {
            check_range("release", r, 1.0, 5000.0, " ms")?;
        }
        if let Some(k) = self.knee_db {
            check_range("knee_db", k, 0.0, 24.0, " dB")?;
        }
        check_range("makeup_db", self.makeup_db, -24.0, 24.0, " dB")?;
        check_range("mix", self.mix, 0.0, 1.0, "")
    }
}

// ---------------------------------------------------------------------------------------
// saturation

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SaturationCharacter {
    #[default]
    Tape,
    Tube,
    Clip,
}

/// `saturation`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaturationParams {
    /// dB into the curve, 0 ..= 36; default 0.
    #[serde(default)]
    pub drive_db: f64,
    #[serde(default)]
    pub character: SaturationCharacter,
    /// Wet share, 0 ..= 1; default 1.
    #[serde(default = "one")]
    pub mix: f64,
    /// dB after the curve, -24 ..= 24; default 0.
    #[serde(default)]
    pub output_db: f64,
}

impl SaturationParams {
    fn validate(&self) -> Result<(), ParamError> {
        check_range("drive_db", self.drive_db, 0.0, 36.0, " dB")?;
        check_range("mix", self.mix, 0.0, 1.0, "")?;
        check_range("output_db", self.output_db, -24.0, 24.0, " dB")
    }
}

// ---------------------------------------------------------------------------------------
// reverb

/// `reverb`: algorithmic stereo reverb.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReverbParams {
    /// RT60 in seconds, 0.1 ..= 20; default 1.5.
    #[serde(default = "default_decay")]
    pub decay_s: f64,
    /// ms, 0 ..= 500; default 0.
    #[serde(default)]
    pub predelay_ms: f64,
    /// Room size, 0 ..= 1; default 0.5.
    #[serde(default = "half")]
    pub size: f64,
    /// High-frequency damping, 0 ..= 1; default 0.1 (mild enough that the broadband
    /// RT60 of an impulse stays within 10 % of `decay_s`).
    #[serde(default = "default_damping")]
    pub damping: f64,
    /// Stereo width, 0 ..= 1; default 1.
    #[serde(default = "one")]
    pub width: f64,
    /// Wet share, 0 ..= 1; default 1 (a return carries only the effect).
    #[serde(default = "one")]
    pub mix: f64,
}

fn default_decay() -> f64 {
    1.5
}
fn half() -> f64 {
    0.5
}
fn default_damping() -> f64 {
    0.1
}

impl ReverbParams {
    fn validate(&self) -> Result<(), ParamError> {
        check_range("decay_s", self.decay_s, 0.1, 20.0, " s")?;
        check_range("predelay_ms", self.predelay_ms, 0.0, 500.0, " ms")?;
        check_range("size", self.size, 0.0, 1.0, "")?;
        check_range("damping", self.damping, 0.0, 1.0, "")?;
        check_range("width", self.width, 0.0, 1.0, "")?;
        check_range("mix", self.mix, 0.0, 1.0, "")
    }
}

// ---------------------------------------------------------------------------------------
// delay

/// A delay time: ms, or a note value synced to the session tempo
/// (`"1/4"`, `"1/8."` dotted, `"1/8t"` triplet).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DelayTime {
    Ms(f64),
    Note(String),
}

impl Default for DelayTime {
    fn default() -> Self {
        Self::Note("1/8".to_owned())
    }
}

impl DelayTime {
    /// The time in seconds, or a message saying why it has none.
    ///
    /// # Errors
    /// A malformed note value, or a note value without a session tempo.
    pub fn seconds(&self, bpm: Option<f64>) -> Result<f64, String> {
        match self {
            Self::Ms(ms) => Ok(ms / 1000.0),
            Self::Note(text) => {
                let beats = note_beats(text).ok_or_else(|| {
                    format!("\"{text}\" is not a note value like \"1/4\", \"1/8.\" or \"1/8t\"")
                })?;
                let bpm = bpm.ok_or_else(|| {
                    format!("\"{text}\" is synced to the tempo, but [session] sets no bpm")
                })?;
                Ok(beats * 60.0 / bpm)
            }
        }
    }
}

/// Length in quarter-note beats of `"1/8"`, `"1/8."`, `"1/8t"`, `"3/16"`.
fn note_beats(text: &str) -> Option<f64> {
    let (body, factor) = if let Some(b) = text.strip_suffix('.') {
        (b, 1.5)
    } else if let Some(b) = text.strip_suffix('t') {
        (b, 2.0 / 3.0)
    } else {
        (text, 1.0)
    };
    let (num, den) = body.split_once('/')?;
    let num: f64 = num.trim().parse().ok()?;
    let den: f64 = den.trim().parse().ok()?;
    (num > 0.0 && den > 0.0).then(|| 4.0 * num / den * factor)
}

/// `delay`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayParams {
    /// ms (1 ..= 4000) or a synced note value; default "1/8".
    #[serde(default)]
    pub time: DelayTime,
    /// 0 ..= 0.95; default 0.35.
    #[serde(default = "default_feedback")]
    pub feedback: f64,
    /// High-pass in the feedback loop, Hz (20 ..= 0.49 × rate); off when unset.
    pub lowcut: Option<f64>,
    /// Low-pass in the feedback loop, Hz (20 ..= 0.49 × rate); off when unset.
    pub highcut: Option<f64>,
    /// Alternate echoes between left and right; default false.
    #[serde(default)]
    pub pingpong: bool,
    /// Wet share, 0 ..= 1; default 1.
    #[serde(default = "one")]
    pub mix: f64,
}

fn default_feedback() -> f64 {
    0.35
}

impl DelayParams {
    fn validate(&self, ctx: &ParamContext) -> Result<(), ParamError> {
        let secs = self.time.seconds(ctx.bpm).map_err(|message| ParamError {
            key: "time".to_owned(),
            message,
        })?;
        check_range("time", secs * 1000.0, 1.0, 4000.0, " ms")?;
        check_range("feedback", self.feedback, 0.0, 0.95, "")?;
        for (key, f) in [("lowcut", self.lowcut), ("highcut", self.highcut)] {
            if let Some(f) = f {
                check_range(key, f, 20.0, 0.49 * ctx.sample_rate, " Hz")?;
            }
        }
        check_range("mix", self.mix, 0.0, 1.0, "")
    }
}

// ---------------------------------------------------------------------------------------
// gain

/// `gain`: level, polarity and mid/side width.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GainParams {
    /// dB, -96 ..= 24; default 0.
    #[serde(default)]
    pub gain_db: f64,
    /// Invert polarity; default false.
    #[serde(default)]
    pub polarity: bool,
    /// Side level relative to mid, 0 (mono) ..= 2; default 1 (unchanged).
    #[serde(default = "one")]
    pub width: f64,
}

impl GainParams {
    fn validate(&self) -> Result<(), ParamError> {
        check_range("gain_db", self.gain_db, -96.0, 24.0, " dB")?;
        check_range("width", self.width, 0.0, 2.0, "")
    }
}

// ---------------------------------------------------------------------------------------
// limiter

/// `limiter`: true-peak aware lookahead limiter.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimiterParams {
    /// dBTP, -24 ..= 0; default -1.
    #[serde(default = "default_ceiling")]
    pub ceiling_dbtp: f64,
    /// ms, 1 ..= 2000; default 100.
    #[serde(default = "default_limiter_release")]
    pub release_ms: f64,
    /// ms, 0.1 ..= 20; default 1.5.
    #[serde(default = "default_lookahead")]
    pub lookahead_ms: f64,
}

fn default_ceiling() -> f64 {
    -1.0
}
fn default_limiter_release() -> f64 {
    100.0
}
fn default_lookahead() -> f64 {
    1.5
}

impl LimiterParams {
    fn validate(&self) -> Result<(), ParamError> {
        check_range("ceiling_dbtp", self.ceiling_dbtp, -24.0, 0.0, " dBTP")?;
        check_range("release_ms", self.release_ms, 1.0, 2000.0, " ms")?;
        check_range("lookahead_ms", self.lookahead_ms, 0.1, 20.0, " ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_values_in_beats() {
        assert_eq!(note_beats("1/4"), Some(1.0));
        assert_eq!(note_beats("1/8."), Some(0.75));
        assert!((note_beats("1/4t").unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(note_beats("3/16"), Some(0.75));
        assert_eq!(note_beats("quarter"), None);
        let t = DelayTime::Note("1/8".into());
        assert_eq!(t.seconds(Some(120.0)), Ok(0.25));
        assert!(t.seconds(None).is_err());
    }

    #[test]
    fn ranges_name_the_key() {
        let ctx = ParamContext {
            sample_rate: 48_000.0,
            bpm: None,
        };
        let eq = InsertSpec::Eq(EqParams {
            bands: vec![EqBand {
                shape: BandShape::Bell,
                freq: 30_000.0,
                q: 1.0,
                gain_db: 0.0,
                slope: 12,
            }],
        });
        assert_eq!(eq.validate(&ctx).unwrap_err().key, "bands[0].freq");
    }
}
