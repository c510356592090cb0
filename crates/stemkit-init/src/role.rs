//! What a track is, independent of how a studio groups it: the roles names and audio are
//! classified into, and that a layout maps onto its stems.

/// An instrument family as engineers group tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Kick,
    /// Snares, rims and claps: what layouts with a snare stem put there.
    Snare,
    Toms,
    HiHat,
    Cymbals,
    Overheads,
    /// Room, ambience and trash microphones of the kit.
    Room,
    /// Hand percussion, shakers, tambourines, orchestral percussion.
    Percussion,
    /// A whole kit, a loop or a break.
    Drums,
    /// Bass guitar, synth bass, sub and 808.
    Bass,
    Guitar,
    /// Piano, electric pianos, organ, mallets.
    Keys,
    Strings,
    /// Brass, saxophones and woodwinds.
    Horns,
    /// Synth leads, pads, arps, plucks, chords.
    Synth,
    LeadVocal,
    BackingVocal,
    /// Risers, impacts, sweeps, noise, atmospheres.
    Fx,
    /// Click, timecode, reference mixes: not part of the mix, left out unless a layout
    /// claims them.
    Utility,
}

impl Role {
    pub const ALL: [Role; 19] = [
        Role::Kick,
        Role::Snare,
        Role::Toms,
        Role::HiHat,
        Role::Cymbals,
        Role::Overheads,
        Role::Room,
        Role::Percussion,
        Role::Drums,
        Role::Bass,
        Role::Guitar,
        Role::Keys,
        Role::Strings,
        Role::Horns,
        Role::Synth,
        Role::LeadVocal,
        Role::BackingVocal,
        Role::Fx,
        Role::Utility,
    ];

    /// The name a layout file uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Kick => "kick",
            Role::Snare => "snare",
            Role::Toms => "toms",
            Role::HiHat => "hihat",
            Role::Cymbals => "cymbals",
            Role::Overheads => "overheads",
            Role::Room => "room",
            Role::Percussion => "percussion",
            Role::Drums => "drums",
            Role::Bass => "bass",
            Role::Guitar => "guitar",
            Role::Keys => "keys",
            Role::Strings => "strings",
            Role::Horns => "horns",
            Role::Synth => "synth",
            Role::LeadVocal => "lead_vocal",
            Role::BackingVocal => "backing_vocal",
            Role::Fx => "fx",
            Role::Utility => "utility",
        }
    }

    /// The role a layout file names, if any.
    #[must_use]
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
