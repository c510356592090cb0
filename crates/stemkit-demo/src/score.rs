//! What each part plays when: drum grooves, the bass line, chord rhythms and melodies, as
//! pure functions of the grid position.
//!
//! The little randomness there is (velocities, ghost notes, chop syllables) comes from
//! hashing the tick, so close microphones, overheads and room agree on one performance.

use crate::rng::hash01;
use crate::song::{Beat, Section};
use Section::{Break, Build, Drop, Intro, Outro, Verse};

/// Am – F – C – G, voiced around middle C with smooth voice leading (MIDI notes).
pub(crate) const CHORDS: [[f32; 3]; 4] = [
    [57.0, 60.0, 64.0],
    [57.0, 60.0, 65.0],
    [55.0, 60.0, 64.0],
    [55.0, 59.0, 62.0],
];

/// Bass roots of the progression: A1, F1, C2, G1.
pub(crate) const ROOTS: [f32; 4] = [33.0, 29.0, 36.0, 31.0];

/// A note to play: pitch, velocity and how many ticks the gate stays open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Note {
    pub(crate) midi: f32,
    pub(crate) vel: f32,
    pub(crate) ticks: u32,
}

const fn note(midi: f32, vel: f32, ticks: u32) -> Note {
    Note { midi, vel, ticks }
}

/// The drum parts a kit is split into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Kick,
    Snare,
    Hat,
    Clap,
    Tom,
    Crash,
    Ride,
    Shaker,
    Rim,
    Perc,
}

const PARTS: usize = 10;

/// The drum hits on one grid point: a velocity per part (0 = none) and which tom, which
/// conga, open or closed hat.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Hits {
    vel: [f32; PARTS],
    pub(crate) open_hat: bool,
    pub(crate) tom: usize,
    pub(crate) perc: usize,
}

impl Hits {
    pub(crate) fn get(&self, part: Part) -> f32 {
        self.vel[part as usize]
    }

    fn set(&mut self, part: Part, vel: f32) {
        self.vel[part as usize] = vel;
    }
}

/// The whole kit's performance on one grid point.
pub(crate) fn drum_hits(b: &Beat) -> Hits {
    use Part::{Clap, Crash, Hat, Kick, Perc, Ride, Rim, Shaker, Snare, Tom};
    let mut h = Hits::default();
    let s = b.step;
    let human = |salt: u64| 0.82 + 0.18 * hash01(b.tick, salt);
    if b.last_bar {
        if s == 0 {
            h.set(Kick, 1.0);
            h.set(Crash, 0.9);
        }
        return h;
    }
    let beat = s.is_multiple_of(8);
    let eighth = s.is_multiple_of(4);
    let sixteenth = s.is_multiple_of(2);
    let backbeat = s == 8 || s == 24;
    let phrase_end = b.bar_in_section % 8 == 7 || b.section_ends();
    let fill = phrase_end && s >= 16 && matches!(b.section, Verse | Drop);
    if b.bar_in_section.is_multiple_of(8) && s == 0 && matches!(b.section, Verse | Drop | Outro) {
        h.set(Crash, human(1));
    }
    match b.section {
        Intro => {
            let second_half = b.bar_in_section * 2 >= b.section_bars;
            if beat && (second_half || s == 0 || s == 16) {
                h.set(Kick, 0.9 * human(2));
            }
            if eighth {
                h.set(Hat, if s % 8 == 4 { 0.7 } else { 0.45 } * human(3));
            }
        }
        Verse => {
            if beat || (s == 20 && b.bar % 2 == 1) {
                h.set(Kick, human(2));
            }
            if backbeat && !fill {
                h.set(Snare, human(4));
            } else if sixteenth && !fill && hash01(b.tick, 5) < 0.08 {
                h.set(Snare, 0.22 * human(6));
            }
            if eighth {
                h.set(Hat, if s % 8 == 4 { 0.8 } else { 0.55 } * human(3));
                h.open_hat = s == 28;
            }
            if s == 12 || s == 30 {
                h.set(Rim, 0.6 * human(7));
            }
        }
        Build => {
            let p = b.progress();
            if beat && !b.section_ends() {
                h.set(Kick, human(2));
            }
            let every = match p {
                p if p < 0.25 => 8,
                p if p < 0.5 => 4,
                p if p < 0.75 => 2,
                _ => 1,
            };
            if s.is_multiple_of(every) {
                h.set(Snare, (0.3 + 0.7 * p) * human(4));
            }
            if sixteenth {
                h.set(Hat, (0.35 + 0.3 * p) * human(3));
            }
        }
        Drop => {
            if beat {
                h.set(Kick, human(2));
                h.set(Ride, 0.6 * human(8));
            }
            if backbeat && !fill {
                h.set(Snare, human(4));
                h.set(Clap, human(9));
            }
            if sixteenth {
                h.set(Hat, if s % 4 == 2 { 0.75 } else { 0.5 } * human(3));
                h.open_hat = s % 8 == 4;
                h.set(Shaker, if s % 4 == 2 { 0.8 } else { 0.45 } * human(10));
            }
            if matches!(s, 6 | 22 | 28) {
                h.set(Rim, 0.7 * human(7));
            }
            if matches!(s, 4 | 10 | 14 | 20 | 26) {
                h.set(Perc, 0.8 * human(11));
                h.perc = (s as usize / 4 + b.bar as usize) % 3;
            }
        }
        Break => {
            if s % 8 == 4 {
                h.set(Hat, 0.35 * human(3));
            }
            if eighth {
                h.set(Shaker, 0.5 * human(10));
            }
            if s == 12 || s == 28 {
                h.set(Rim, 0.5 * human(7));
            }
        }
        Outro => {
            if beat {
                h.set(Kick, human(2));
            }
            if backbeat && b.bar_in_section * 2 < b.section_bars {
                h.set(Snare, 0.9 * human(4));
            }
            if eighth {
                h.set(Hat, 0.5 * human(3));
            }
        }
    }
    if fill && sixteenth {
        // Two beats of 16ths down the toms: high, mid, floor.
        h.tom = [0, 0, 0, 1, 1, 1, 2, 2][(s as usize - 16) / 2];
        h.set(Tom, (0.7 + 0.3 * (s - 16) as f32 / 14.0) * human(12));
    }
    h
}

/// The bass guitar line (also the bass synth's).
pub(crate) fn bass_note(b: &Beat) -> Option<Note> {
    if b.step % 2 == 1 {
        return None;
    }
    let six = b.step / 2;
    let root = ROOTS[b.chord];
    if b.last_bar {
        return (six == 0).then_some(note(root, 1.0, 20));
    }
    match b.section {
        Intro => None,
        Verse | Outro => six.is_multiple_of(2).then(|| {
            let octave = if six == 6 || six == 14 { 12.0 } else { 0.0 };
            note(
                root + octave,
                if six.is_multiple_of(4) { 1.0 } else { 0.8 },
                3,
            )
        }),
        Build => {
            let sixteenths = b.progress() >= 0.5;
            (sixteenths || six.is_multiple_of(2)).then_some(note(root, 0.6 + 0.4 * b.progress(), 2))
        }
        Drop => {
            const PATTERN: [u8; 16] = [1, 0, 1, 2, 0, 1, 0, 2, 1, 0, 1, 2, 0, 1, 1, 3];
            match PATTERN[six as usize] {
                0 => None,
                1 => Some(note(root, if six.is_multiple_of(4) { 1.0 } else { 0.8 }, 3)),
                2 => Some(note(root + 12.0, 0.75, 2)),
                // Lead into the next bar from the fifth of its chord.
                _ => Some(note(ROOTS[(b.chord + 1) % 4] + 7.0, 0.7, 2)),
            }
        }
        Break => (six == 0).then_some(note(root, 0.8, 30)),
    }
}

/// The 808: long notes on the one and the and-of-two, the drop and outro only.
pub(crate) fn sub_note(b: &Beat) -> Option<Note> {
    let root = ROOTS[b.chord];
    if b.last_bar {
        return (b.step == 0).then_some(note(root, 1.0, 24));
    }
    if !matches!(b.section, Drop | Outro) {
        return None;
    }
    match b.step {
        0 => Some(note(root, 1.0, 11)),
        12 => Some(note(root, 0.85, 10)),
        24 if b.bar % 2 == 1 => Some(note(root + 12.0, 0.7, 6)),
        _ => None,
    }
}

/// Chord stabs: half-bar chords in the verse, 8ths rising through the build, off-beat
/// stabs in the drop. The pitch is the chord of the bar; `midi` is unused.
pub(crate) fn chord_gate(b: &Beat) -> Option<Note> {
    if b.last_bar {
        return (b.step == 0).then_some(note(0.0, 0.9, 16));
    }
    match b.section {
        Verse | Outro => matches!(b.step, 0 | 20).then_some(note(0.0, 0.8, 12)),
        Build => b
            .step
            .is_multiple_of(4)
            .then(|| note(0.0, 0.4 + 0.6 * b.progress(), 2)),
        Drop => (b.step % 8 == 4).then_some(note(0.0, 1.0, 3)),
        Intro | Break => None,
    }
}

/// Whether the pads hold a chord through this section.
pub(crate) fn pad_plays(section: Section, high: bool) -> bool {
    if high {
        matches!(section, Drop | Break)
    } else {
        !matches!(section, Drop)
    }
}

/// The arpeggio: 16ths up and down the chord over two octaves, build and drop.
pub(crate) fn arp_note(b: &Beat) -> Option<Note> {
    if b.last_bar || b.step % 2 == 1 || !matches!(b.section, Build | Drop) {
        return None;
    }
    const ORDER: [usize; 8] = [0, 1, 2, 3, 4, 3, 2, 1];
    let c = CHORDS[b.chord];
    let tones = [c[0], c[1], c[2], c[0] + 12.0, c[1] + 12.0];
    let i = ORDER[(b.step as usize / 2) % 8];
    let vel = if b.step.is_multiple_of(8) { 1.0 } else { 0.7 };
    Some(note(tones[i] + 12.0, vel, 1))
}

/// The plucked guitar-like part: a syncopated figure in the verse and the break.
pub(crate) fn pluck_note(b: &Beat) -> Option<Note> {
    if b.last_bar || !matches!(b.section, Verse | Break) {
        return None;
    }
    const STEPS: [u32; 6] = [0, 6, 12, 16, 22, 28];
    let i = STEPS.iter().position(|&s| s == b.step)?;
    let c = CHORDS[b.chord];
    let tone = c[(i + (hash01(u64::from(b.bar), 21) * 3.0) as usize) % 3];
    Some(note(tone + 12.0, if i % 3 == 0 { 0.9 } else { 0.65 }, 4))
}

/// The lead synth riff of the drop: two bars of A-minor pentatonic.
pub(crate) fn lead_note(b: &Beat) -> Option<Note> {
    if b.last_bar || b.section != Drop || b.step % 2 == 1 {
        return None;
    }
    const RIFF: [(u32, u32, f32); 11] = [
        (0, 3, 69.0),
        (3, 3, 72.0),
        (6, 2, 76.0),
        (8, 4, 74.0),
        (12, 2, 72.0),
        (14, 2, 67.0),
        (16, 3, 72.0),
        (19, 3, 69.0),
        (22, 2, 67.0),
        (24, 6, 69.0),
        (30, 2, 64.0),
    ];
    let pos = (b.bar_in_section % 2) * 16 + b.step / 2;
    RIFF.iter().find(|n| n.0 == pos).map(|&(_, len, midi)| {
        note(
            midi,
            if pos.is_multiple_of(4) { 1.0 } else { 0.8 },
            2 * len - 1,
        )
    })
}

/// The vowels the singers move between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vowel {
    A,
    E,
    I,
    O,
    U,
}

impl Vowel {
    /// Formant centre frequencies F1–F4 in Hz (Peterson & Barney 1952, male averages;
    /// F4 set to a typical 3.4 kHz).
    pub(crate) fn formants(self) -> [f32; 4] {
        match self {
            Self::A => [730.0, 1090.0, 2440.0, 3400.0],
            Self::E => [530.0, 1840.0, 2480.0, 3400.0],
            Self::I => [270.0, 2290.0, 3010.0, 3400.0],
            Self::O => [570.0, 840.0, 2410.0, 3400.0],
            Self::U => [300.0, 870.0, 2240.0, 3400.0],
        }
    }

    fn from_index(i: usize) -> Self {
        [Self::A, Self::E, Self::I, Self::O, Self::U][i % 5]
    }
}

/// A sung note: a [`Note`] with the vowel it is sung on and how strong its consonant is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Sung {
    pub(crate) note: Note,
    pub(crate) vowel: Vowel,
    pub(crate) consonant: f32,
}

/// Which vocal part a singer sings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VocalPart {
    Lead,
    /// The lead melody sung again, in the drops only.
    Double,
    /// Backing harmony on the chord's middle (0) or top (1) note.
    Harmony(usize),
    /// Short rhythmic syllables in the drops.
    Chop,
}

/// Melody phrases as (16th in the 4-bar phrase, length in 16ths, MIDI note, vowel).
type Phrase = &'static [(u32, u32, f32, Vowel)];

const PHRASES: [Phrase; 2] = {
    use Vowel::{A, E, I, O, U};
    [
        &[
            (4, 2, 64.0, A),
            (6, 2, 64.0, O),
            (8, 4, 67.0, E),
            (12, 2, 65.0, A),
            (14, 2, 64.0, I),
            (16, 6, 60.0, O),
            (22, 2, 62.0, A),
            (24, 4, 64.0, E),
            (28, 4, 65.0, U),
            (32, 4, 64.0, A),
            (36, 2, 62.0, O),
            (38, 2, 60.0, I),
            (40, 8, 67.0, A),
            (50, 2, 67.0, O),
            (52, 2, 65.0, E),
            (54, 6, 62.0, A),
        ],
        &[
            (0, 4, 69.0, A),
            (4, 2, 67.0, E),
            (6, 2, 64.0, O),
            (8, 6, 64.0, A),
            (16, 2, 65.0, I),
            (18, 2, 65.0, A),
            (20, 4, 69.0, O),
            (24, 6, 67.0, E),
            (32, 2, 67.0, A),
            (34, 2, 64.0, O),
            (36, 4, 60.0, U),
            (40, 2, 62.0, E),
            (42, 2, 64.0, A),
            (44, 4, 67.0, O),
            (48, 10, 62.0, A),
        ],
    ]
};

/// What `part` sings on this grid point, if it starts a note.
pub(crate) fn vocal_note(part: VocalPart, b: &Beat) -> Option<Sung> {
    if b.last_bar || b.step % 2 == 1 {
        return None;
    }
    let six = b.step / 2;
    match part {
        VocalPart::Lead | VocalPart::Double => {
            let sings = match part {
                VocalPart::Lead => matches!(b.section, Verse | Drop | Break),
                _ => b.section == Drop,
            };
            if !sings {
                return None;
            }
            let phrase = PHRASES[((b.bar_in_section / 4) % 2) as usize];
            let pos = (b.bar_in_section % 4) * 16 + six;
            phrase
                .iter()
                .find(|n| n.0 == pos)
                .map(|&(start, len, midi, vowel)| Sung {
                    note: note(midi, if start % 8 == 0 { 1.0 } else { 0.85 }, 2 * len),
                    vowel,
                    consonant: if start % 4 == 0 { 0.5 } else { 0.25 },
                })
        }
        VocalPart::Harmony(voice) => (b.section == Drop && six == 0).then(|| Sung {
            note: note(CHORDS[b.chord][1 + voice.min(1)], 0.8, 30),
            vowel: if b.bar.is_multiple_of(2) {
                Vowel::U
            } else {
                Vowel::O
            },
            consonant: 0.0,
        }),
        VocalPart::Chop => {
            const CHOP: [(u32, u32); 6] = [(0, 1), (3, 1), (6, 2), (10, 1), (12, 1), (14, 2)];
            if b.section != Drop {
                return None;
            }
            let &(_, len) = CHOP.iter().find(|c| c.0 == six)?;
            let pick = (hash01(b.tick, 31) * 3.0) as usize;
            Some(Sung {
                note: note(CHORDS[b.chord][pick] + 12.0, 0.9, 2 * len),
                vowel: Vowel::from_index((hash01(b.tick, 32) * 5.0) as usize),
                consonant: 0.6,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::song::Song;

    fn beats(song: &Song) -> impl Iterator<Item = Beat> + '_ {
        (0..u64::from(song.bars) * 32).filter_map(|t| song.beat(t))
    }

    #[test]
    fn drop_is_four_on_the_floor_with_backbeat() {
        let song = Song::new(60.0, 48_000.0, 124.0);
        let drop_bar: Vec<Hits> = beats(&song)
            .filter(|b| b.bar == 16)
            .map(|b| drum_hits(&b))
            .collect();
        let kicks: Vec<usize> = (0..32)
            .filter(|&s| drop_bar[s].get(Part::Kick) > 0.0)
            .collect();
        assert_eq!(kicks, [0, 8, 16, 24]);
        assert!(drop_bar[8].get(Part::Snare) > 0.5 && drop_bar[24].get(Part::Clap) > 0.5);
    }

    #[test]
    fn every_note_is_in_a_minor_and_in_a_sane_range() {
        // A natural minor.
        let scale = [0, 2, 3, 5, 7, 8, 10];
        let song = Song::new(120.0, 48_000.0, 124.0);
        for b in beats(&song) {
            let notes = [
                bass_note(&b),
                sub_note(&b),
                arp_note(&b),
                pluck_note(&b),
                lead_note(&b),
            ]
            .into_iter()
            .flatten()
            .chain(
                [VocalPart::Lead, VocalPart::Harmony(1), VocalPart::Chop]
                    .into_iter()
                    .filter_map(|p| vocal_note(p, &b).map(|s| s.note)),
            );
            for n in notes {
                let pc = (n.midi as i32 - 57).rem_euclid(12);
                assert!(scale.contains(&pc), "note {} at tick {}", n.midi, b.tick);
                assert!((24.0..=90.0).contains(&n.midi) && n.ticks > 0);
            }
        }
    }

    #[test]
    fn lead_vocal_rests_between_phrases_and_outside_its_sections() {
        let song = Song::new(60.0, 48_000.0, 124.0);
        let sung: Vec<u32> = beats(&song)
            .filter(|b| vocal_note(VocalPart::Lead, b).is_some())
            .map(|b| b.bar)
            .collect();
        assert!(
            sung.iter()
                .all(|&bar| (4..12).contains(&bar) || (16..27).contains(&bar))
        );
        // Phrase A leaves its last bar's end and the start of its first bar free.
        assert!(!sung.contains(&12) && sung.contains(&16));
    }
}
