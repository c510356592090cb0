//! The session as the engine sees it. Field docs give units, ranges and defaults; the
//! serde attributes are the file format.

use std::path::PathBuf;

use serde::Deserialize;
use stemkit_dsp::params::{AutoWord, InsertSpec};

/// A value, or the word `"auto"`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum AutoOr {
    Value(f64),
    Auto(AutoWord),
}

impl AutoOr {
    /// The value, `None` for `"auto"`.
    #[must_use]
    pub fn value(self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(v),
            Self::Auto(_) => None,
        }
    }
}

impl Default for AutoOr {
    fn default() -> Self {
        Self::Auto(AutoWord::Auto)
    }
}

/// A whole session file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    #[serde(rename = "session")]
    pub settings: Settings,
    #[serde(default)]
    pub output: Output,
    #[serde(default, rename = "track")]
    pub tracks: Vec<Track>,
    #[serde(default, rename = "stem")]
    pub stems: Vec<Stem>,
    #[serde(default, rename = "return")]
    pub returns: Vec<Return>,
    #[serde(default)]
    pub master: Master,
    /// The session file itself; track paths are relative to its folder.
    #[serde(skip)]
    pub path: PathBuf,
}

/// `[session]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Used by the `{session}` naming token and in file metadata.
    #[serde(default = "default_session_name")]
    pub name: String,
    /// Output rate in Hz, 8000 ..= 384000; sources at other rates are resampled.
    pub sample_rate: u32,
    /// Tempo for file names and synced delays.
    pub bpm: Option<f64>,
    /// Musical key for file names (`"Am"`, `"F#"`).
    pub key: Option<String>,
    /// Seconds on the timeline where every printed file starts; default 0.
    #[serde(default)]
    pub start: f64,
    /// Seconds on the timeline where the song ends, or "auto" (the last source sample).
    #[serde(default)]
    pub end: AutoOr,
    /// Seconds after the end, 0 ..= 30, or "auto" (until every bus is below -96 dBFS,
    /// at most 30 s).
    #[serde(default)]
    pub tail: AutoOr,
    /// Centre attenuation of the constant-power pan law for mono sources, dB, -6 ..= 0;
    /// default -3.
    #[serde(default = "default_pan_law")]
    pub pan_law_db: f64,
}

fn default_session_name() -> String {
    "Session".to_owned()
}
fn default_pan_law() -> f64 {
    -3.0
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    #[default]
    Wav,
    Flac,
}

impl FileFormat {
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Wav => "wav",
            Self::Flac => "flac",
        }
    }
}

/// Bits per sample of printed files; 32 means 32-bit float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u32")]
pub enum BitDepth {
    Int16,
    Int24,
    Float32,
}

impl TryFrom<u32> for BitDepth {
    type Error = String;
    fn try_from(bits: u32) -> Result<Self, String> {
        match bits {
            16 => Ok(Self::Int16),
            24 => Ok(Self::Int24),
            32 => Ok(Self::Float32),
            _ => Err(format!("bit_depth {bits} is not 16, 24 or 32")),
        }
    }
}

impl BitDepth {
    #[must_use]
    pub fn bits(self) -> u32 {
        match self {
            Self::Int16 => 16,
            Self::Int24 => 24,
            Self::Float32 => 32,
        }
    }

    #[must_use]
    pub fn is_integer(self) -> bool {
        self != Self::Float32
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dither {
    None,
    #[default]
    Tpdf,
}

/// What a printed stem contains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// The stem alone; returns are printed as their own files.
    Dry,
    /// The stem plus its own share of every return.
    Wet,
}

impl Variant {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dry => "dry",
            Self::Wet => "wet",
        }
    }
}

/// How the master chain relates to the printed stems.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MasterMode {
    /// Stems and the mix are printed before the master chain.
    #[default]
    Bypass,
    /// The master chain is distributed over the stems so they sum to the mastered mix.
    Consistent,
}

/// `[output]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    #[serde(default)]
    pub format: FileFormat,
    #[serde(default = "default_bits")]
    pub bit_depth: BitDepth,
    #[serde(default)]
    pub dither: Dither,
    /// File name template; tokens `{session} {stem} {bpm} {key} {sr} {bits} {variant}`.
    #[serde(default = "default_naming")]
    pub naming: String,
    /// The `{stem}` of the mix file.
    #[serde(default = "default_mix_name")]
    pub mix_name: String,
    #[serde(default = "default_variants")]
    pub variants: Vec<Variant>,
    #[serde(default)]
    pub master: MasterMode,
    /// Also hand the printed stems off as `<session name>.dawproject` beside them;
    /// default false (the `--dawproject` option of `render` does the same).
    #[serde(default)]
    pub dawproject: bool,
}

fn default_bits() -> BitDepth {
    BitDepth::Int24
}
fn default_naming() -> String {
    "{stem}_{bpm}_{key}".to_owned()
}
fn default_mix_name() -> String {
    "Mix".to_owned()
}
fn default_variants() -> Vec<Variant> {
    vec![Variant::Dry]
}

impl Default for Output {
    fn default() -> Self {
        Self {
            format: FileFormat::default(),
            bit_depth: default_bits(),
            dither: Dither::default(),
            naming: default_naming(),
            mix_name: default_mix_name(),
            variants: default_variants(),
            master: MasterMode::default(),
            dawproject: false,
        }
    }
}

/// `[[track]]`: one source file placed on the timeline.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub name: String,
    /// Path of the source, relative to the session file's folder.
    pub file: PathBuf,
    /// The stem this track feeds.
    pub stem: String,
    /// Timeline seconds where the track starts playing; default 0.
    #[serde(default)]
    pub at: f64,
    /// Seconds into the source where playback starts (a trimmed clip); default 0.
    #[serde(default)]
    pub offset: f64,
    /// Seconds of the source to play from `offset`; default: to the end of the source.
    pub length: Option<f64>,
    /// dB, -144 ..= 24; default 0.
    #[serde(default)]
    pub gain_db: f64,
    /// -1 (left) ..= 1 (right); default 0.
    #[serde(default)]
    pub pan: f64,
    #[serde(default)]
    pub mute: bool,
    #[serde(default)]
    pub solo: bool,
    /// Invert polarity; default false.
    #[serde(default)]
    pub polarity: bool,
    #[serde(default)]
    pub inserts: Vec<InsertSpec>,
    /// Post-fader feeds from this track's output to returns.
    #[serde(default)]
    pub sends: Vec<Send>,
}

impl Track {
    /// The source path resolved against the session folder.
    #[must_use]
    pub fn source_path(&self, session: &Session) -> PathBuf {
        session.dir().join(&self.file)
    }
}

/// `[[stem]]`: a group bus printed as one file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stem {
    pub name: String,
    /// 1 = mono file, 2 = stereo; default 2.
    #[serde(default = "two")]
    pub channels: usize,
    /// Fader, dB, -144 ..= 24; default 0.
    #[serde(default)]
    pub gain_db: f64,
    /// A muted stem is left out of the mix and not printed.
    #[serde(default)]
    pub mute: bool,
    #[serde(default)]
    pub inserts: Vec<InsertSpec>,
    #[serde(default)]
    pub sends: Vec<Send>,
}

fn two() -> usize {
    2
}

/// `[[return]]`: an aux bus fed by sends, printed as its own file in the dry variant.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Return {
    pub name: String,
    /// 1 or 2; default 2.
    #[serde(default = "two")]
    pub channels: usize,
    /// Fader, dB, -144 ..= 24; default 0.
    #[serde(default)]
    pub gain_db: f64,
    #[serde(default)]
    pub mute: bool,
    #[serde(default)]
    pub inserts: Vec<InsertSpec>,
}

/// A feed to a return.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Send {
    /// The return's name.
    pub to: String,
    /// dB, -144 ..= 24; default 0.
    #[serde(default)]
    pub level_db: f64,
    /// Tap before the stem fader instead of after it; default false. Track sends are
    /// always post-fader.
    #[serde(default)]
    pub pre_fader: bool,
}

/// `[master]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Master {
    /// dB after the master chain; default 0.
    #[serde(default)]
    pub gain_db: f64,
    #[serde(default)]
    pub inserts: Vec<InsertSpec>,
}

impl Master {
    /// Whether the master changes the mix, so a mastered mix is printed.
    #[must_use]
    pub fn is_active(&self) -> bool {
        !self.inserts.is_empty() || self.gain_db != 0.0
    }
}

impl Session {
    /// The folder track paths are relative to.
    #[must_use]
    pub fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Whether any track is soloed: then only soloed tracks play.
    #[must_use]
    pub fn any_solo(&self) -> bool {
        self.tracks.iter().any(|t| t.solo)
    }

    /// Whether the track plays, after mute and solo.
    #[must_use]
    pub fn track_plays(&self, track: &Track) -> bool {
        !track.mute && (track.solo || !self.any_solo())
    }
}
