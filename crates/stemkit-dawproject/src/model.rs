//! The parts of `project.xml` stemkit reads, as typed structures over the element tree:
//! the transport, the track tree with its mixer channels, sends and devices, and where
//! the arrangement is. Values are checked against the schema's types and enumerations
//! here, so later stages deal only in numbers that mean something.

use std::collections::HashMap;

use crate::ErrorKind;
use crate::xml::{Doc, Element};

/// `Channel@role` (`mixerRole` in Project.xsd).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Regular,
    Master,
    Effect,
    Submix,
    Vca,
}

pub(crate) struct Channel<'a> {
    pub(crate) el: &'a Element,
    pub(crate) id: Option<&'a str>,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) audio_channels: Option<u32>,
    /// Fader in dB (`-inf` for a linear 0).
    pub(crate) volume_db: f64,
    /// -1 ..= 1.
    pub(crate) pan: f64,
    pub(crate) mute: bool,
    pub(crate) solo: bool,
    pub(crate) destination: Option<&'a str>,
    pub(crate) sends: Vec<SendDef<'a>>,
    pub(crate) devices: Vec<Device<'a>>,
    /// The track this channel belongs to, if any.
    pub(crate) track: Option<usize>,
}

pub(crate) struct SendDef<'a> {
    pub(crate) el: &'a Element,
    pub(crate) destination: Option<&'a str>,
    pub(crate) pre_fader: bool,
    pub(crate) level_db: f64,
    pub(crate) pan: f64,
    pub(crate) enabled: bool,
}

/// What kind of processor a device element is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeviceKind {
    Equalizer,
    Compressor,
    Limiter,
    NoiseGate,
    Builtin,
    Vst2,
    Vst3,
    Clap,
    Au,
    Device,
}

impl DeviceKind {
    fn of(element: &str) -> Option<Self> {
        Some(match element {
            "Equalizer" => Self::Equalizer,
            "Compressor" => Self::Compressor,
            "Limiter" => Self::Limiter,
            "NoiseGate" => Self::NoiseGate,
            "BuiltinDevice" => Self::Builtin,
            "Vst2Plugin" => Self::Vst2,
            "Vst3Plugin" => Self::Vst3,
            "ClapPlugin" => Self::Clap,
            "AuPlugin" => Self::Au,
            "Device" => Self::Device,
            _ => return None,
        })
    }

    /// How a user would call it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Equalizer => "equalizer",
            Self::Compressor => "compressor",
            Self::Limiter => "limiter",
            Self::NoiseGate => "noise gate",
            Self::Builtin | Self::Device => "device",
            Self::Vst2 => "VST2 plug-in",
            Self::Vst3 => "VST3 plug-in",
            Self::Clap => "CLAP plug-in",
            Self::Au => "AU plug-in",
        }
    }
}

pub(crate) struct Device<'a> {
    pub(crate) el: &'a Element,
    pub(crate) kind: DeviceKind,
    /// `deviceName`, else `name`.
    pub(crate) name: String,
    pub(crate) vendor: Option<&'a str>,
    /// False when bypassed in the DAW.
    pub(crate) enabled: bool,
}

impl Device<'_> {
    /// `VST3 plug-in "Pro-Q 3" (FabFilter)`.
    pub(crate) fn title(&self) -> String {
        let vendor = self.vendor.map(|v| format!(" ({v})")).unwrap_or_default();
        format!("{} \"{}\"{vendor}", self.kind.describe(), self.name)
    }
}

pub(crate) struct Track<'a> {
    pub(crate) el: &'a Element,
    pub(crate) id: Option<&'a str>,
    pub(crate) name: String,
    pub(crate) channel: Option<usize>,
    pub(crate) parent: Option<usize>,
}

pub(crate) struct Project<'a> {
    pub(crate) tempo: Option<f64>,
    pub(crate) time_signature: Option<(u32, u32)>,
    pub(crate) tracks: Vec<Track<'a>>,
    pub(crate) channels: Vec<Channel<'a>>,
    /// `Arrangement > Lanes`, the timeline the render plays.
    pub(crate) arrangement: Option<&'a Element>,
    /// Launcher scenes are not part of the arrangement.
    pub(crate) scenes: usize,
    /// Every element with an `id`, for clip references and routing.
    pub(crate) ids: HashMap<&'a str, &'a Element>,
    pub(crate) warnings: Vec<String>,
}

/// A `RealParameter`'s value and unit; `None` when the element has no value.
pub(crate) fn real<'a>(doc: Doc<'_>, el: &'a Element) -> Result<Option<(f64, &'a str)>, ErrorKind> {
    let unit = doc.choice(
        el,
        "unit",
        &[
            "linear",
            "normalized",
            "percent",
            "decibel",
            "hertz",
            "semitones",
            "seconds",
            "beats",
            "bpm",
        ],
    )?;
    let unit = unit.ok_or_else(|| doc.error(el, "the required attribute unit is missing"))?;
    Ok(doc.f64(el, "value")?.map(|v| (v, unit)))
}

/// A level parameter (channel or send Volume) in dB.
pub(crate) fn level_db(doc: Doc<'_>, el: &Element) -> Result<f64, ErrorKind> {
    match real(doc, el)? {
        None => Ok(0.0),
        Some((v, "decibel")) => Ok(v),
        Some((v, "linear")) if v >= 0.0 => Ok(20.0 * v.log10()),
        Some((v, "linear")) => Err(doc.error(el, format!("a linear level of {v} is negative"))),
        Some((_, unit)) => Err(doc.error(
            el,
            format!("a level in unit \"{unit}\" has no defined gain; expected linear or decibel"),
        )),
    }
}

/// A pan parameter as stemkit's -1 ..= 1.
pub(crate) fn pan(doc: Doc<'_>, el: &Element) -> Result<f64, ErrorKind> {
    let (p, range) = match real(doc, el)? {
        None => return Ok(0.0),
        // 0 .. 1 with the centre at 0.5.
        Some((v, "normalized")) => (2.0 * v - 1.0, "0 ..= 1"),
        // The format's own examples write a centred linear pan as 0: -1 .. 1.
        Some((v, "linear")) => (v, "-1 ..= 1"),
        Some((_, unit)) => {
            return Err(doc.error(
                el,
                format!("a pan in unit \"{unit}\" has no defined position; expected normalized"),
            ));
        }
    };
    if (-1.0 - 1e-9..=1.0 + 1e-9).contains(&p) {
        Ok(p.clamp(-1.0, 1.0))
    } else {
        Err(doc.error(el, format!("the pan is outside {range}")))
    }
}

/// The session format's tempo range, bpm.
const TEMPO_RANGE: std::ops::RangeInclusive<f64> = 20.0..=999.0;

fn usable_tempo(doc: Doc<'_>, el: &Element, bpm: f64) -> Result<f64, ErrorKind> {
    if TEMPO_RANGE.contains(&bpm) {
        Ok(bpm)
    } else {
        Err(doc.error(
            el,
            format!("a tempo of {bpm} bpm is outside stemkit's 20 ..= 999 bpm"),
        ))
    }
}

fn bool_param(doc: Doc<'_>, el: Option<&Element>) -> Result<Option<bool>, ErrorKind> {
    el.map_or(Ok(None), |e| doc.bool(e, "value"))
}

impl<'a> Project<'a> {
    pub(crate) fn read(root: &'a Element, doc: Doc<'_>) -> Result<Self, ErrorKind> {
        if root.name != "Project" {
            return Err(doc.error(root, "the root element must be <Project>"));
        }
        let version = root
            .attr("version")
            .ok_or_else(|| doc.error(root, "the required attribute version is missing"))?;
        let mut warnings = Vec::new();
        if !version.starts_with("1.") && version != "1" {
            warnings.push(format!(
                "project.xml declares DAWproject version {version}; it is read as version 1.0"
            ));
        }
        let mut ids = HashMap::new();
        index_ids(root, &mut ids, doc)?;

        let mut tempo = None;
        let mut time_signature = None;
        if let Some(t) = root.child("Transport") {
            if let Some(el) = t.child("Tempo") {
                match real(doc, el)? {
                    Some((bpm, "bpm")) => tempo = Some(usable_tempo(doc, el, bpm)?),
                    Some((_, unit)) => {
                        return Err(
                            doc.error(el, format!("the tempo's unit is \"{unit}\", not bpm"))
                        );
                    }
                    None => {}
                }
            }
            if let Some(el) = t.child("TimeSignature") {
                let num = doc.u32(el, "numerator")?;
                let den = doc.u32(el, "denominator")?;
                match (num, den) {
                    (Some(n), Some(d)) if n > 0 && d > 0 => time_signature = Some((n, d)),
                    _ => {
                        return Err(doc.error(
                            el,
                            "numerator and denominator must be positive whole numbers",
                        ));
                    }
                }
            }
        }

        let mut project = Self {
            tempo,
            time_signature,
            tracks: Vec::new(),
            channels: Vec::new(),
            arrangement: None,
            scenes: 0,
            ids,
            warnings,
        };
        if let Some(s) = root.child("Structure") {
            for el in &s.children {
                match el.name.as_str() {
                    "Track" => project.read_track(el, None, doc)?,
                    "Channel" => {
                        project.read_channel(el, None, doc)?;
                    }
                    _ => {
                        return Err(
                            doc.error(el, "only <Track> and <Channel> belong in <Structure>")
                        );
                    }
                }
            }
        }
        if let Some(a) = root.child("Arrangement") {
            project.arrangement = a.child("Lanes");
            project.check_tempo_automation(a, doc)?;
        }
        if let Some(s) = root.child("Scenes") {
            project.scenes = s.children_named("Scene").count();
        }
        Ok(project)
    }

    fn read_track(
        &mut self,
        el: &'a Element,
        parent: Option<usize>,
        doc: Doc<'_>,
    ) -> Result<(), ErrorKind> {
        let me = self.tracks.len();
        self.tracks.push(Track {
            el,
            id: el.attr("id"),
            name: el.attr("name").unwrap_or("Track").to_owned(),
            channel: None,
            parent,
        });
        for child in &el.children {
            match child.name.as_str() {
                "Channel" => {
                    let ch = self.read_channel(child, Some(me), doc)?;
                    self.tracks[me].channel = Some(ch);
                }
                "Track" => self.read_track(child, Some(me), doc)?,
                _ => return Err(doc.error(child, "only <Channel> and <Track> belong in <Track>")),
            }
        }
        Ok(())
    }

    fn read_channel(
        &mut self,
        el: &'a Element,
        track: Option<usize>,
        doc: Doc<'_>,
    ) -> Result<usize, ErrorKind> {
        let role = match doc.choice(
            el,
            "role",
            &["regular", "master", "effect", "submix", "vca"],
        )? {
            None | Some("regular") => Role::Regular,
            Some("master") => Role::Master,
            Some("effect") => Role::Effect,
            Some("submix") => Role::Submix,
            Some(_) => Role::Vca,
        };
        let audio_channels = doc.u32(el, "audioChannels")?;
        let volume_db = el.child("Volume").map_or(Ok(0.0), |v| level_db(doc, v))?;
        let pan_pos = el.child("Pan").map_or(Ok(0.0), |p| pan(doc, p))?;
        let mute = bool_param(doc, el.child("Mute"))?.unwrap_or(false);
        let solo = doc.bool(el, "solo")?.unwrap_or(false);
        let mut sends = Vec::new();
        if let Some(s) = el.child("Sends") {
            for send in s.children_named("Send") {
                let volume = send
                    .child("Volume")
                    .ok_or_else(|| doc.error(send, "a <Send> needs its <Volume>"))?;
                sends.push(SendDef {
                    el: send,
                    destination: send.attr("destination"),
                    pre_fader: doc.choice(send, "type", &["pre", "post"])? == Some("pre"),
                    level_db: level_db(doc, volume)?,
                    pan: send.child("Pan").map_or(Ok(0.0), |p| pan(doc, p))?,
                    enabled: bool_param(doc, send.child("Enable"))?.unwrap_or(true),
                });
            }
        }
        let mut devices = Vec::new();
        if let Some(d) = el.child("Devices") {
            for dev in &d.children {
                let kind = DeviceKind::of(&dev.name)
                    .ok_or_else(|| doc.error(dev, "not a device element of the format"))?;
                devices.push(Device {
                    el: dev,
                    kind,
                    name: dev
                        .attr("deviceName")
                        .or_else(|| dev.attr("name"))
                        .unwrap_or("unnamed")
                        .to_owned(),
                    vendor: dev.attr("deviceVendor"),
                    enabled: bool_param(doc, dev.child("Enabled"))?.unwrap_or(true),
                });
            }
        }
        let name = el
            .attr("name")
            .or_else(|| track.map(|t| self.tracks[t].name.as_str()))
            .unwrap_or("Channel")
            .to_owned();
        self.channels.push(Channel {
            el,
            id: el.attr("id"),
            name,
            role,
            audio_channels,
            volume_db,
            pan: pan_pos,
            mute,
            solo,
            destination: el.attr("destination"),
            sends,
            devices,
            track,
        });
        Ok(self.channels.len() - 1)
    }

    /// A tempo that changes cannot be rendered: clip positions in beats would need the map.
    fn check_tempo_automation(
        &mut self,
        arrangement: &Element,
        doc: Doc<'_>,
    ) -> Result<(), ErrorKind> {
        if let Some(points) = arrangement.child("TempoAutomation") {
            for p in points.children.iter().filter(|p| p.name == "RealPoint") {
                let v = doc.req_f64(p, "value")?;
                match self.tempo {
                    Some(t) if (v - t).abs() <= 1e-6 * t => {}
                    Some(t) => {
                        return Err(ErrorKind::Unsupported(format!(
                            "project.xml line {}: the tempo changes ({t} to {v} bpm); stemkit sessions have one tempo: consolidate the tempo in the DAW, or bounce the clips, and export again",
                            p.line
                        )));
                    }
                    None => self.tempo = Some(usable_tempo(doc, p, v)?),
                }
            }
        }
        if let Some(points) = arrangement.child("TimeSignatureAutomation")
            && points
                .children
                .iter()
                .any(|p| p.name == "TimeSignaturePoint")
        {
            self.warnings.push(
                "the time signature changes along the arrangement; only the transport's is kept"
                    .to_owned(),
            );
        }
        Ok(())
    }

    pub(crate) fn channel_by_id(&self, id: &str) -> Option<usize> {
        self.channels.iter().position(|c| c.id == Some(id))
    }

    /// The track a `Lanes@track` refers to (a track's id, or its channel's).
    pub(crate) fn track_by_ref(&self, id: &str) -> Option<usize> {
        self.tracks
            .iter()
            .position(|t| t.id == Some(id))
            .or_else(|| self.channel_by_id(id).and_then(|c| self.channels[c].track))
    }
}

fn index_ids<'a>(
    el: &'a Element,
    ids: &mut HashMap<&'a str, &'a Element>,
    doc: Doc<'_>,
) -> Result<(), ErrorKind> {
    if let Some(id) = el.attr("id")
        && ids.insert(id, el).is_some()
    {
        return Err(doc.error(el, format!("the id \"{id}\" is used twice")));
    }
    for c in &el.children {
        index_ids(c, ids, doc)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    const DOC: Doc<'static> = Doc {
        entry: "project.xml",
    };

    fn param(text: &str) -> Element {
        parse(text, DOC).unwrap()
    }

    #[test]
    fn levels_in_both_units() {
        let db = level_db(DOC, &param("<Volume unit=\"linear\" value=\"0.5\"/>")).unwrap();
        assert!((db - 20.0 * 0.5_f64.log10()).abs() < 1e-12);
        assert_eq!(
            level_db(DOC, &param("<Volume unit=\"decibel\" value=\"-6.5\"/>")).unwrap(),
            -6.5
        );
        assert_eq!(
            level_db(DOC, &param("<Volume unit=\"linear\" value=\"0\"/>")).unwrap(),
            f64::NEG_INFINITY
        );
        assert!(level_db(DOC, &param("<Volume unit=\"linear\" value=\"-1\"/>")).is_err());
        assert!(level_db(DOC, &param("<Volume unit=\"hertz\" value=\"1\"/>")).is_err());
        assert!(level_db(DOC, &param("<Volume unit=\"furlongs\" value=\"1\"/>")).is_err());
        assert!(level_db(DOC, &param("<Volume value=\"1\"/>")).is_err());
    }

    #[test]
    fn normalized_pan_is_centred_at_a_half() {
        assert_eq!(
            pan(DOC, &param("<Pan unit=\"normalized\" value=\"0.5\"/>")).unwrap(),
            0.0
        );
        assert_eq!(
            pan(DOC, &param("<Pan unit=\"normalized\" value=\"0\"/>")).unwrap(),
            -1.0
        );
        assert_eq!(
            pan(DOC, &param("<Pan unit=\"normalized\" value=\"0.75\"/>")).unwrap(),
            0.5
        );
        assert_eq!(
            pan(DOC, &param("<Pan unit=\"linear\" value=\"-0.25\"/>")).unwrap(),
            -0.25
        );
        assert!(pan(DOC, &param("<Pan unit=\"normalized\" value=\"1.5\"/>")).is_err());
        assert!(pan(DOC, &param("<Pan unit=\"decibel\" value=\"0\"/>")).is_err());
    }
}
