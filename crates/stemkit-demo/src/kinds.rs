//! The instruments a demo session is made of: names, stems, levels, where each enters,
//! and which grow in as more tracks are asked for.

use crate::rng::mix64;
use crate::score::{Part, VocalPart};
use crate::song::{Section, Song};
use crate::voices::drums::{CloseMic, DrumTone, Kit};
use crate::voices::fx::{Direction, Sweep};
use crate::voices::keys::MonoSynth;
use crate::voices::singer::{Choir, Singer, Style};
use crate::voices::{Voice, bass, drums, fx, keys, singer};

/// The six stems, in the order the session declares them.
pub(crate) const STEMS: [&str; 6] = ["Kick", "Bass", "Drums", "Synths", "Vocals", "FX"];

/// Console order: tracks are numbered in this order, grouped by stem as on a desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    KickIn,
    KickOut,
    SnareTop,
    SnareBottom,
    HiHat,
    Clap,
    Toms,
    Ride,
    Shaker,
    Rim,
    Perc,
    Overheads,
    Room,
    BassDi,
    BassAmp,
    Sub808,
    Chords,
    Pad,
    Strings,
    Arp,
    Pluck,
    LeadSynth,
    LeadVox,
    VoxDouble,
    Harmonies,
    VocalChop,
    Riser,
    Impact,
    ReverseCymbal,
    Downlifter,
}

use Kind::{
    Arp, BassAmp, BassDi, Chords, Clap, Downlifter, Harmonies, HiHat, Impact, KickIn, KickOut,
    LeadSynth, LeadVox, Overheads, Pad, Perc, Pluck, ReverseCymbal, Ride, Rim, Riser, Room, Shaker,
    SnareBottom, SnareTop, Strings, Sub808, Toms, VocalChop, VoxDouble,
};

/// Order in which instruments join as `tracks` grows. The first six cover the six
/// stems, the first sixteen make a complete production.
const ARRIVAL: [Kind; 30] = [
    KickIn,
    BassDi,
    SnareTop,
    Pad,
    LeadVox,
    Riser,
    HiHat,
    Overheads,
    Sub808,
    Chords,
    Harmonies,
    Clap,
    Arp,
    Toms,
    Impact,
    LeadSynth,
    KickOut,
    SnareBottom,
    Room,
    BassAmp,
    VoxDouble,
    Pluck,
    Shaker,
    ReverseCymbal,
    VocalChop,
    Ride,
    Rim,
    Downlifter,
    Strings,
    Perc,
];

/// Past the catalogue, further layers and doubles of these join, numbered "2", "3", ...
const LAYERS: [Kind; 16] = [
    Perc, Shaker, Pluck, Arp, VoxDouble, Harmonies, Chords, Pad, Toms, VocalChop, Rim, Clap,
    LeadSynth, Strings, Riser, Ride,
];

/// Where an instrument's file starts on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// At the top of the song, silent until its part begins.
    Top,
    /// At the middle of the first verse (the lead vocal).
    MidVerse,
    /// At the first drop.
    FirstDrop,
}

/// One instrument of the catalogue.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Instrument {
    pub(crate) name: &'static str,
    pub(crate) stem: &'static str,
    pub(crate) channels: usize,
    /// The track fader in the session.
    pub(crate) fader_db: f64,
    pub(crate) pan: f64,
    pub(crate) entry: Entry,
    /// Synthesis gain: sets the peak level of the file.
    pub(crate) level: f32,
}

const fn inst(
    name: &'static str,
    stem: &'static str,
    channels: usize,
    fader_db: f64,
    pan: f64,
    entry: Entry,
    level: f32,
) -> Instrument {
    Instrument {
        name,
        stem,
        channels,
        fader_db,
        pan,
        entry,
        level,
    }
}

impl Kind {
    pub(crate) fn instrument(self) -> Instrument {
        use Entry::{FirstDrop, MidVerse, Top};
        match self {
            KickIn => inst("Kick In", "Kick", 1, -2.0, 0.0, Top, 0.5),
            KickOut => inst("Kick Out", "Kick", 1, -4.0, 0.0, Top, 0.4),
            SnareTop => inst("Snare Top", "Drums", 1, 2.0, 0.05, Top, 0.45),
            SnareBottom => inst("Snare Bottom", "Drums", 1, -8.0, 0.05, Top, 0.3),
            HiHat => inst("Hi-Hat", "Drums", 1, 0.0, -0.4, Top, 0.18),
            Clap => inst("Clap", "Drums", 1, 0.0, 0.0, Top, 0.3),
            Toms => inst("Toms", "Drums", 1, -2.0, 0.2, Top, 0.4),
            Ride => inst("Ride", "Drums", 1, -5.0, 0.45, Top, 0.22),
            Shaker => inst("Shaker", "Drums", 1, -8.0, 0.35, Top, 0.22),
            Rim => inst("Rim", "Drums", 1, -6.0, -0.25, Top, 0.3),
            Perc => inst("Perc", "Drums", 1, -5.0, -0.5, Top, 0.3),
            Overheads => inst("OH", "Drums", 2, 0.0, 0.0, Top, 0.25),
            Room => inst("Room", "Drums", 2, -6.0, 0.0, Top, 0.3),
            BassDi => inst("Bass DI", "Bass", 1, -4.0, 0.0, Top, 0.5),
            BassAmp => inst("Bass Amp", "Bass", 1, -8.0, 0.0, Top, 0.35),
            Sub808 => inst("Sub 808", "Bass", 1, -7.0, 0.0, Top, 0.5),
            Chords => inst("Chords", "Synths", 2, -3.0, 0.0, Top, 0.12),
            Pad => inst("Pad", "Synths", 2, -4.0, 0.0, Top, 0.08),
            Strings => inst("Strings", "Synths", 2, -6.0, 0.0, Top, 0.06),
            Arp => inst("Arp", "Synths", 1, -5.0, 0.4, Top, 0.25),
            Pluck => inst("Pluck", "Synths", 1, -4.0, -0.35, Top, 0.5),
            LeadSynth => inst("Lead Synth", "Synths", 1, -3.0, 0.1, FirstDrop, 0.25),
            LeadVox => inst("Lead Vox", "Vocals", 1, 0.0, 0.0, MidVerse, 1.0),
            VoxDouble => inst("Vox Double", "Vocals", 1, -6.0, -0.2, FirstDrop, 1.0),
            Harmonies => inst("BV", "Vocals", 2, -5.0, 0.0, FirstDrop, 1.0),
            VocalChop => inst("Vocal Chop", "Vocals", 1, -6.0, 0.3, FirstDrop, 1.0),
            Riser => inst("Riser", "FX", 2, -4.0, 0.0, Top, 0.35),
            Impact => inst("Impact", "FX", 2, -3.0, 0.0, Top, 0.4),
            ReverseCymbal => inst("Reverse Cymbal", "FX", 2, -6.0, 0.0, Top, 0.15),
            Downlifter => inst("Downlifter", "FX", 2, -5.0, 0.0, Top, 0.35),
        }
    }

    /// Whether the session flips this track's polarity (the microphone under the snare).
    pub(crate) fn flipped(self) -> bool {
        self == SnareBottom
    }

    /// The synthesiser of this instrument; `variant` > 0 for its extra layers.
    pub(crate) fn voice(self, variant: u32, sr: f32) -> Box<dyn Voice> {
        let level = self.instrument().level;
        let seed = mix64(u64::from(self as u8) << 16 | u64::from(variant));
        let v = variant as f32;
        let close = |part: Part, t: DrumTone| -> Box<dyn Voice> {
            let t = DrumTone {
                pitch: 1.0 + 0.12 * v,
                ..t
            };
            Box::new(CloseMic::new(part, t, sr, variant, level))
        };
        let sing = |part: VocalPart, style: Style, seed: u64| {
            let style = Style {
                detune_cents: style.detune_cents + 4.0 * v,
                late_s: style.late_s + 0.004 * v,
                vibrato_hz: style.vibrato_hz + 0.2 * v,
                ..style
            };
            Singer::new(part, style, sr, seed, level)
        };
        match self {
            KickIn => close(Part::Kick, drums::tone(Part::Kick)),
            KickOut => close(Part::Kick, drums::kick_out()),
            SnareTop => close(Part::Snare, drums::tone(Part::Snare)),
            SnareBottom => {
                let t = DrumTone {
                    pitch: 1.0 + 0.12 * v,
                    ..drums::snare_bottom()
                };
                Box::new(CloseMic::new(Part::Snare, t, sr, variant, -level))
            }
            HiHat => close(Part::Hat, drums::tone(Part::Hat)),
            Clap => close(Part::Clap, drums::tone(Part::Clap)),
            Toms => close(Part::Tom, drums::tone(Part::Tom)),
            Ride => close(Part::Ride, drums::tone(Part::Ride)),
            Shaker => close(Part::Shaker, drums::tone(Part::Shaker)),
            Rim => close(Part::Rim, drums::tone(Part::Rim)),
            Perc => close(Part::Perc, drums::tone(Part::Perc)),
            Overheads => Box::new(Kit::overheads(sr, variant, level)),
            Room => Box::new(Kit::room(sr, variant, level)),
            BassDi => Box::new(bass::Bass::di(sr, level)),
            BassAmp => Box::new(bass::Bass::amp(sr, level)),
            Sub808 => Box::new(bass::Sub808::new(sr, level)),
            Chords => Box::new(keys::Chords::new(sr, variant, level)),
            Pad => Box::new(keys::Pad::new(sr, false, variant, level)),
            Strings => Box::new(keys::Pad::new(sr, true, variant, level)),
            Arp => Box::new(MonoSynth::new(keys::ARP, sr, variant, level)),
            LeadSynth => Box::new(MonoSynth::new(keys::LEAD, sr, variant, level)),
            Pluck => Box::new(keys::Pluck::new(sr, seed, level)),
            LeadVox => Box::new(sing(VocalPart::Lead, singer::LEAD, seed)),
            VoxDouble => Box::new(sing(VocalPart::Double, singer::DOUBLE, seed)),
            Harmonies => {
                let high = Style {
                    detune_cents: -5.0,
                    vibrato_hz: 5.3,
                    ..singer::CHOIR
                };
                Box::new(Choir([
                    sing(VocalPart::Harmony(0), singer::CHOIR, seed),
                    sing(VocalPart::Harmony(1), high, seed ^ 1),
                ]))
            }
            VocalChop => Box::new(sing(VocalPart::Chop, singer::CHOP, seed)),
            Riser => Box::new(Sweep::new(Direction::Up, sr, seed, level)),
            Downlifter => Box::new(Sweep::new(Direction::Down, sr, seed, level)),
            Impact => Box::new(fx::Impact::new(sr, seed, level)),
            ReverseCymbal => Box::new(fx::ReverseCymbal::new(sr, seed, level)),
        }
    }

    /// The bar the file starts at.
    pub(crate) fn entry_bar(self, song: &Song) -> u32 {
        let bar = match self.instrument().entry {
            Entry::Top => 0,
            Entry::MidVerse => song.first(Section::Verse).map_or(0, |(start, end)| {
                let len = end - start;
                // On a four-bar phrase boundary when the verse has one.
                start + if len >= 8 { len / 2 / 4 * 4 } else { len / 2 }
            }),
            Entry::FirstDrop => song.first(Section::Drop).map_or(0, |(start, _)| start),
        };
        bar.min(song.bars - 1)
    }
}

/// The instruments of an `n`-track demo in console order, each with its layer number
/// (0 for the first of a kind).
pub(crate) fn lineup(n: usize) -> Vec<(Kind, u32)> {
    let mut list: Vec<(Kind, u32)> = ARRIVAL.iter().take(n).map(|&k| (k, 0)).collect();
    for i in 0..n.saturating_sub(ARRIVAL.len()) {
        list.push((LAYERS[i % LAYERS.len()], (i / LAYERS.len()) as u32 + 1));
    }
    list.sort();
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_six_cover_every_stem_and_names_stay_unique() {
        let six: Vec<&str> = lineup(6).iter().map(|k| k.0.instrument().stem).collect();
        for stem in STEMS {
            assert!(six.contains(&stem), "{stem} missing from {six:?}");
        }
        let many = lineup(100);
        let mut names: Vec<(&str, u32)> = many
            .iter()
            .map(|(k, v)| (k.instrument().name, *v))
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 100);
    }

    #[test]
    fn every_stem_holds_its_own_instruments_only() {
        for (k, _) in lineup(ARRIVAL.len()) {
            let i = k.instrument();
            assert!(STEMS.contains(&i.stem));
            // Kick and Bass stems are mono; their tracks are mono too.
            if matches!(i.stem, "Kick" | "Bass") {
                assert_eq!(i.channels, 1, "{}", i.name);
            }
        }
    }
}
