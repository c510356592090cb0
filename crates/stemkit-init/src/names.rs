//! Track names as engineers write them, read into roles.
//!
//! A name is cut into words at spaces, punctuation, lower-to-upper case changes
//! (`LdVox`) and letter/digit boundaries (`Tom1`), folded to lower case without accents
//! (`Bläser` → `blaser`). Every word the vocabulary knows votes for a role; when several
//! do, the more specific instrument wins: `Sub Kick` is a kick, `Synth Bass` a bass,
//! `Ld Vox` a vocal, `Snare Top` a snare. Word pairs that mean something else than their
//! parts (`Bass Drum`, `Reverse Crash`, `Sub Drop`) are read first. Words that say nothing
//! about the instrument (`Audio`, `Track`, `L`, `DI` alone aside, microphone models,
//! numbers) are ignored, so `Audio 07` has no role and the audio decides.

use crate::role::Role;

/// One word of a name: as written, and folded for matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub raw: String,
    pub folded: String,
}

/// Lower case without the accents of the Latin-script languages track names come in.
#[must_use]
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'ß' => out.push_str("ss"),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c => out.push(c),
        }
    }
    out
}

/// The words of `name` (a file name without its extension, or a folder name). A run of
/// letters and digits the vocabulary knows as a whole (`808s`, `B3`, `Bassdrum`) stays one
/// word; others are cut at case changes and letter/digit boundaries.
#[must_use]
pub fn words(name: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for chunk in name.split(|c: char| !c.is_alphanumeric()) {
        if chunk.is_empty() {
            continue;
        }
        if lookup(&fold(chunk)).is_some() {
            out.push(word(chunk));
            continue;
        }
        let chars: Vec<char> = chunk.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (a, b) = (chars[i - 1], chars[i]);
            let case_change = a.is_lowercase() && b.is_uppercase();
            let digit_change = a.is_ascii_digit() != b.is_ascii_digit();
            if case_change || digit_change {
                out.push(word(&chars[start..i].iter().collect::<String>()));
                start = i;
            }
        }
        out.push(word(&chars[start..].iter().collect::<String>()));
    }
    out
}

fn word(raw: &str) -> Word {
    Word {
        raw: raw.to_owned(),
        folded: fold(raw),
    }
}

/// How strongly a word decides, strongest first: a name's role comes from its strongest
/// word. Specific instruments beat families (`Snare Top` over a top loop, `Synth Bass`
/// over synth), families beat mic positions and generic words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// Click and timecode: never part of the mix, whatever else the name says.
    Utility,
    Kick,
    Snare,
    Toms,
    HiHat,
    Cymbals,
    Percussion,
    Overheads,
    /// Above vocals so that `Tenor Sax` is a horn and `Tenor` alone a voice.
    Horns,
    Vocal,
    Bass,
    Guitar,
    Keys,
    Strings,
    /// Above synths: `Synth Riser` is an effect.
    Fx,
    Synth,
    /// A whole kit, loops and breaks: `Vocal Loop` is a vocal, `Loop` alone drums.
    Drums,
    Room,
    /// Words that lean one way when nothing else is said: `DI` (bass), `Amp` (guitar),
    /// song sections (`Hook`, `Verse`: vocals in hip-hop sessions), voice ranges.
    Lean,
    /// Mixes and references: left out only when the name names no instrument
    /// (`Ref Mix` is left out, `Drum Mix` is drums, `Guide Vox` a vocal).
    Reference,
}

/// Word, strength, role.
type Entry = (&'static str, Rank, Role);

const VOCABULARY: &[Entry] = {
    use Rank as K;
    use Role as R;
    &[
        // utility
        ("click", K::Utility, R::Utility),
        ("clk", K::Utility, R::Utility),
        ("clicktrack", K::Utility, R::Utility),
        ("metronome", K::Utility, R::Utility),
        ("timecode", K::Utility, R::Utility),
        ("ltc", K::Utility, R::Utility),
        ("smpte", K::Utility, R::Utility),
        ("countin", K::Utility, R::Utility),
        ("count", K::Utility, R::Utility),
        ("talkback", K::Utility, R::Utility),
        ("slate", K::Utility, R::Utility),
        // kick
        ("kick", K::Kick, R::Kick),
        ("kik", K::Kick, R::Kick),
        ("kck", K::Kick, R::Kick),
        ("kd", K::Kick, R::Kick),
        ("bd", K::Kick, R::Kick),
        ("bassdrum", K::Kick, R::Kick),
        ("kickdrum", K::Kick, R::Kick),
        ("bombo", K::Kick, R::Kick),
        ("cassa", K::Kick, R::Kick),
        // snare, rim, clap
        ("snare", K::Snare, R::Snare),
        ("snr", K::Snare, R::Snare),
        ("sn", K::Snare, R::Snare),
        ("sd", K::Snare, R::Snare),
        ("caja", K::Snare, R::Snare),
        ("rullante", K::Snare, R::Snare),
        ("redoblante", K::Snare, R::Snare),
        ("caixa", K::Snare, R::Snare),
        ("rim", K::Snare, R::Snare),
        ("rimshot", K::Snare, R::Snare),
        ("sidestick", K::Snare, R::Snare),
        ("xstick", K::Snare, R::Snare),
        ("clap", K::Snare, R::Snare),
        ("clp", K::Snare, R::Snare),
        // toms
        ("tom", K::Toms, R::Toms),
        ("rack", K::Toms, R::Toms),
        ("floortom", K::Toms, R::Toms),
        // hi-hat
        ("hh", K::HiHat, R::HiHat),
        ("hat", K::HiHat, R::HiHat),
        ("hihat", K::HiHat, R::HiHat),
        ("hhat", K::HiHat, R::HiHat),
        ("ohh", K::HiHat, R::HiHat),
        ("chh", K::HiHat, R::HiHat),
        ("charleston", K::HiHat, R::HiHat),
        // cymbals
        ("ride", K::Cymbals, R::Cymbals),
        ("crash", K::Cymbals, R::Cymbals),
        ("cymbal", K::Cymbals, R::Cymbals),
        ("cym", K::Cymbals, R::Cymbals),
        ("china", K::Cymbals, R::Cymbals),
        ("splash", K::Cymbals, R::Cymbals),
        ("piatti", K::Cymbals, R::Cymbals),
        ("platillos", K::Cymbals, R::Cymbals),
        ("becken", K::Cymbals, R::Cymbals),
        // percussion
        ("perc", K::Percussion, R::Percussion),
        ("percussion", K::Percussion, R::Percussion),
        ("shaker", K::Percussion, R::Percussion),
        ("shk", K::Percussion, R::Percussion),
        ("tamb", K::Percussion, R::Percussion),
        ("tambourine", K::Percussion, R::Percussion),
        ("tamborine", K::Percussion, R::Percussion),
        ("conga", K::Percussion, R::Percussion),
        ("bongo", K::Percussion, R::Percussion),
        ("cowbell", K::Percussion, R::Percussion),
        ("clave", K::Percussion, R::Percussion),
        ("guiro", K::Percussion, R::Percussion),
        ("cabasa", K::Percussion, R::Percussion),
        ("triangle", K::Percussion, R::Percussion),
        ("timbale", K::Percussion, R::Percussion),
        ("djembe", K::Percussion, R::Percussion),
        ("cajon", K::Percussion, R::Percussion),
        ("tabla", K::Percussion, R::Percussion),
        ("snap", K::Percussion, R::Percussion),
        ("woodblock", K::Percussion, R::Percussion),
        ("agogo", K::Percussion, R::Percussion),
        ("maracas", K::Percussion, R::Percussion),
        ("timpani", K::Percussion, R::Percussion),
        ("percusion", K::Percussion, R::Percussion),
        ("percussioni", K::Percussion, R::Percussion),
        // overheads
        ("oh", K::Overheads, R::Overheads),
        ("ohs", K::Overheads, R::Overheads),
        ("overhead", K::Overheads, R::Overheads),
        ("ovh", K::Overheads, R::Overheads),
        ("ovhd", K::Overheads, R::Overheads),
        // horns and woodwinds
        ("horn", K::Horns, R::Horns),
        ("brass", K::Horns, R::Horns),
        ("trumpet", K::Horns, R::Horns),
        ("tpt", K::Horns, R::Horns),
        ("trp", K::Horns, R::Horns),
        ("trombone", K::Horns, R::Horns),
        ("tbn", K::Horns, R::Horns),
        ("trb", K::Horns, R::Horns),
        ("tbone", K::Horns, R::Horns),
        ("sax", K::Horns, R::Horns),
        ("saxophone", K::Horns, R::Horns),
        ("flugelhorn", K::Horns, R::Horns),
        ("cornet", K::Horns, R::Horns),
        ("tuba", K::Horns, R::Horns),
        ("euphonium", K::Horns, R::Horns),
        ("flute", K::Horns, R::Horns),
        ("piccolo", K::Horns, R::Horns),
        ("clarinet", K::Horns, R::Horns),
        ("oboe", K::Horns, R::Horns),
        ("bassoon", K::Horns, R::Horns),
        ("woodwind", K::Horns, R::Horns),
        ("winds", K::Horns, R::Horns),
        ("cuivres", K::Horns, R::Horns),
        ("blaser", K::Horns, R::Horns),
        ("metales", K::Horns, R::Horns),
        ("vientos", K::Horns, R::Horns),
        ("fiati", K::Horns, R::Horns),
        ("trompete", K::Horns, R::Horns),
        ("trompette", K::Horns, R::Horns),
        ("trompeta", K::Horns, R::Horns),
        ("tromba", K::Horns, R::Horns),
        ("posaune", K::Horns, R::Horns),
        ("saxo", K::Horns, R::Horns),
        ("flote", K::Horns, R::Horns),
        ("flauta", K::Horns, R::Horns),
        ("flauto", K::Horns, R::Horns),
        // vocals (lead unless a backing word is in the name)
        ("vox", K::Vocal, R::LeadVocal),
        ("vocal", K::Vocal, R::LeadVocal),
        ("voc", K::Vocal, R::LeadVocal),
        ("vx", K::Vocal, R::LeadVocal),
        ("lv", K::Vocal, R::LeadVocal),
        ("ldv", K::Vocal, R::LeadVocal),
        ("voice", K::Vocal, R::LeadVocal),
        ("sing", K::Vocal, R::LeadVocal),
        ("singer", K::Vocal, R::LeadVocal),
        ("rap", K::Vocal, R::LeadVocal),
        ("acapella", K::Vocal, R::LeadVocal),
        ("acap", K::Vocal, R::LeadVocal),
        ("talkbox", K::Vocal, R::LeadVocal),
        ("vocoder", K::Vocal, R::LeadVocal),
        ("chop", K::Vocal, R::LeadVocal),
        ("voix", K::Vocal, R::LeadVocal),
        ("chant", K::Vocal, R::LeadVocal),
        ("voce", K::Vocal, R::LeadVocal),
        ("voci", K::Vocal, R::LeadVocal),
        ("stimme", K::Vocal, R::LeadVocal),
        ("gesang", K::Vocal, R::LeadVocal),
        ("voz", K::Vocal, R::LeadVocal),
        ("voces", K::Vocal, R::LeadVocal),
        ("bv", K::Vocal, R::BackingVocal),
        ("bvs", K::Vocal, R::BackingVocal),
        ("bgv", K::Vocal, R::BackingVocal),
        ("bgvs", K::Vocal, R::BackingVocal),
        ("bvox", K::Vocal, R::BackingVocal),
        ("harmony", K::Vocal, R::BackingVocal),
        ("harmonies", K::Vocal, R::BackingVocal),
        ("harm", K::Vocal, R::BackingVocal),
        ("choir", K::Vocal, R::BackingVocal),
        ("adlib", K::Vocal, R::BackingVocal),
        ("backing", K::Vocal, R::BackingVocal),
        ("backup", K::Vocal, R::BackingVocal),
        ("ooh", K::Vocal, R::BackingVocal),
        ("aah", K::Vocal, R::BackingVocal),
        ("choeur", K::Vocal, R::BackingVocal),
        ("choeurs", K::Vocal, R::BackingVocal),
        ("chor", K::Vocal, R::BackingVocal),
        ("coro", K::Vocal, R::BackingVocal),
        ("coros", K::Vocal, R::BackingVocal),
        ("cori", K::Vocal, R::BackingVocal),
        // bass
        ("bass", K::Bass, R::Bass),
        ("bss", K::Bass, R::Bass),
        ("bassline", K::Bass, R::Bass),
        ("sub", K::Bass, R::Bass),
        ("subbass", K::Bass, R::Bass),
        ("808", K::Bass, R::Bass),
        ("808s", K::Bass, R::Bass),
        ("reese", K::Bass, R::Bass),
        ("wobble", K::Bass, R::Bass),
        ("upright", K::Bass, R::Bass),
        ("contrabass", K::Bass, R::Bass),
        ("kontrabass", K::Bass, R::Bass),
        ("contrebasse", K::Bass, R::Bass),
        ("basse", K::Bass, R::Bass),
        ("bajo", K::Bass, R::Bass),
        ("basso", K::Bass, R::Bass),
        ("baixo", K::Bass, R::Bass),
        // guitars
        ("gtr", K::Guitar, R::Guitar),
        ("guitar", K::Guitar, R::Guitar),
        ("guit", K::Guitar, R::Guitar),
        ("git", K::Guitar, R::Guitar),
        ("eg", K::Guitar, R::Guitar),
        ("ag", K::Guitar, R::Guitar),
        ("acoustic", K::Guitar, R::Guitar),
        ("electric", K::Guitar, R::Guitar),
        ("elec", K::Guitar, R::Guitar),
        ("nylon", K::Guitar, R::Guitar),
        ("banjo", K::Guitar, R::Guitar),
        ("mandolin", K::Guitar, R::Guitar),
        ("ukulele", K::Guitar, R::Guitar),
        ("uke", K::Guitar, R::Guitar),
        ("sitar", K::Guitar, R::Guitar),
        ("dobro", K::Guitar, R::Guitar),
        ("lapsteel", K::Guitar, R::Guitar),
        ("guitare", K::Guitar, R::Guitar),
        ("gitarre", K::Guitar, R::Guitar),
        ("guitarra", K::Guitar, R::Guitar),
        ("chitarra", K::Guitar, R::Guitar),
        ("violao", K::Guitar, R::Guitar),
        ("gitar", K::Guitar, R::Guitar),
        // keys
        ("keys", K::Keys, R::Keys),
        ("piano", K::Keys, R::Keys),
        ("pno", K::Keys, R::Keys),
        ("pianos", K::Keys, R::Keys),
        ("grand", K::Keys, R::Keys),
        ("rhodes", K::Keys, R::Keys),
        ("wurli", K::Keys, R::Keys),
        ("wurlitzer", K::Keys, R::Keys),
        ("ep", K::Keys, R::Keys),
        ("epiano", K::Keys, R::Keys),
        ("organ", K::Keys, R::Keys),
        ("hammond", K::Keys, R::Keys),
        ("b3", K::Keys, R::Keys),
        ("leslie", K::Keys, R::Keys),
        ("clav", K::Keys, R::Keys),
        ("clavinet", K::Keys, R::Keys),
        ("harpsichord", K::Keys, R::Keys),
        ("celesta", K::Keys, R::Keys),
        ("keyboard", K::Keys, R::Keys),
        ("kbd", K::Keys, R::Keys),
        ("mellotron", K::Keys, R::Keys),
        ("harmonium", K::Keys, R::Keys),
        ("accordion", K::Keys, R::Keys),
        ("glock", K::Keys, R::Keys),
        ("glockenspiel", K::Keys, R::Keys),
        ("vibes", K::Keys, R::Keys),
        ("vibraphone", K::Keys, R::Keys),
        ("marimba", K::Keys, R::Keys),
        ("xylophone", K::Keys, R::Keys),
        ("mallets", K::Keys, R::Keys),
        ("bells", K::Keys, R::Keys),
        ("klavier", K::Keys, R::Keys),
        ("flugel", K::Keys, R::Keys),
        ("orgel", K::Keys, R::Keys),
        ("orgue", K::Keys, R::Keys),
        ("organo", K::Keys, R::Keys),
        ("teclado", K::Keys, R::Keys),
        ("teclados", K::Keys, R::Keys),
        ("tastiera", K::Keys, R::Keys),
        ("tastiere", K::Keys, R::Keys),
        // strings
        ("strings", K::Strings, R::Strings),
        ("string", K::Strings, R::Strings),
        ("str", K::Strings, R::Strings),
        ("strs", K::Strings, R::Strings),
        ("violin", K::Strings, R::Strings),
        ("vln", K::Strings, R::Strings),
        ("vn", K::Strings, R::Strings),
        ("viola", K::Strings, R::Strings),
        ("vla", K::Strings, R::Strings),
        ("cello", K::Strings, R::Strings),
        ("celli", K::Strings, R::Strings),
        ("vc", K::Strings, R::Strings),
        ("vlc", K::Strings, R::Strings),
        ("harp", K::Strings, R::Strings),
        ("orchestra", K::Strings, R::Strings),
        ("orch", K::Strings, R::Strings),
        ("pizz", K::Strings, R::Strings),
        ("pizzicato", K::Strings, R::Strings),
        ("spiccato", K::Strings, R::Strings),
        ("quartet", K::Strings, R::Strings),
        ("cordes", K::Strings, R::Strings),
        ("streicher", K::Strings, R::Strings),
        ("cuerdas", K::Strings, R::Strings),
        ("archi", K::Strings, R::Strings),
        ("violon", K::Strings, R::Strings),
        ("violoncelle", K::Strings, R::Strings),
        ("geige", K::Strings, R::Strings),
        ("violino", K::Strings, R::Strings),
        ("violines", K::Strings, R::Strings),
        // effects
        ("fx", K::Fx, R::Fx),
        ("sfx", K::Fx, R::Fx),
        ("efx", K::Fx, R::Fx),
        ("effect", K::Fx, R::Fx),
        ("effects", K::Fx, R::Fx),
        ("riser", K::Fx, R::Fx),
        ("rise", K::Fx, R::Fx),
        ("uplifter", K::Fx, R::Fx),
        ("uplift", K::Fx, R::Fx),
        ("downlifter", K::Fx, R::Fx),
        ("downlift", K::Fx, R::Fx),
        ("sweep", K::Fx, R::Fx),
        ("whoosh", K::Fx, R::Fx),
        ("woosh", K::Fx, R::Fx),
        ("swoosh", K::Fx, R::Fx),
        ("swell", K::Fx, R::Fx),
        ("impact", K::Fx, R::Fx),
        ("hit", K::Fx, R::Fx),
        ("boom", K::Fx, R::Fx),
        ("noise", K::Fx, R::Fx),
        ("reverse", K::Fx, R::Fx),
        ("reversed", K::Fx, R::Fx),
        ("zap", K::Fx, R::Fx),
        ("laser", K::Fx, R::Fx),
        ("glitch", K::Fx, R::Fx),
        ("stutter", K::Fx, R::Fx),
        ("tapestop", K::Fx, R::Fx),
        ("vinyl", K::Fx, R::Fx),
        ("crackle", K::Fx, R::Fx),
        ("foley", K::Fx, R::Fx),
        ("atmos", K::Fx, R::Fx),
        ("atmo", K::Fx, R::Fx),
        ("atmosphere", K::Fx, R::Fx),
        ("ambience", K::Fx, R::Fx),
        ("texture", K::Fx, R::Fx),
        ("soundscape", K::Fx, R::Fx),
        ("build", K::Fx, R::Fx),
        ("buildup", K::Fx, R::Fx),
        ("scratch", K::Fx, R::Fx),
        ("siren", K::Fx, R::Fx),
        ("transition", K::Fx, R::Fx),
        ("effets", K::Fx, R::Fx),
        ("efectos", K::Fx, R::Fx),
        ("efeitos", K::Fx, R::Fx),
        ("effetti", K::Fx, R::Fx),
        // synths
        ("synth", K::Synth, R::Synth),
        ("syn", K::Synth, R::Synth),
        ("synthesizer", K::Synth, R::Synth),
        ("lead", K::Synth, R::Synth),
        ("ld", K::Synth, R::Synth),
        ("arp", K::Synth, R::Synth),
        ("arpeggio", K::Synth, R::Synth),
        ("pluck", K::Synth, R::Synth),
        ("pad", K::Synth, R::Synth),
        ("chord", K::Synth, R::Synth),
        ("chords", K::Synth, R::Synth),
        ("stab", K::Synth, R::Synth),
        ("saw", K::Synth, R::Synth),
        ("supersaw", K::Synth, R::Synth),
        ("seq", K::Synth, R::Synth),
        ("sequence", K::Synth, R::Synth),
        ("poly", K::Synth, R::Synth),
        ("moog", K::Synth, R::Synth),
        ("juno", K::Synth, R::Synth),
        ("prophet", K::Synth, R::Synth),
        ("jupiter", K::Synth, R::Synth),
        ("dx7", K::Synth, R::Synth),
        ("serum", K::Synth, R::Synth),
        ("sylenth", K::Synth, R::Synth),
        ("omnisphere", K::Synth, R::Synth),
        ("alchemy", K::Synth, R::Synth),
        ("es2", K::Synth, R::Synth),
        ("drone", K::Synth, R::Synth),
        ("melody", K::Synth, R::Synth),
        ("riff", K::Synth, R::Synth),
        ("sintetizador", K::Synth, R::Synth),
        // whole kits, loops, breaks
        ("drums", K::Drums, R::Drums),
        ("drum", K::Drums, R::Drums),
        ("drummer", K::Drums, R::Drums),
        ("kit", K::Drums, R::Drums),
        ("drumkit", K::Drums, R::Drums),
        ("loop", K::Drums, R::Drums),
        ("beat", K::Drums, R::Drums),
        ("break", K::Drums, R::Drums),
        ("breakbeat", K::Drums, R::Drums),
        ("groove", K::Drums, R::Drums),
        ("top", K::Drums, R::Drums),
        ("tops", K::Drums, R::Drums),
        ("fill", K::Drums, R::Drums),
        ("batterie", K::Drums, R::Drums),
        ("schlagzeug", K::Drums, R::Drums),
        ("bateria", K::Drums, R::Drums),
        ("batteria", K::Drums, R::Drums),
        ("909", K::Drums, R::Drums),
        // room microphones of the kit
        ("room", K::Room, R::Room),
        ("rm", K::Room, R::Room),
        ("amb", K::Room, R::Room),
        ("ambient", K::Room, R::Room),
        ("trash", K::Room, R::Room),
        // leanings
        ("di", K::Lean, R::Bass),
        ("amp", K::Lean, R::Guitar),
        ("crunch", K::Lean, R::Guitar),
        ("rhythm", K::Lean, R::Guitar),
        ("hook", K::Lean, R::LeadVocal),
        ("verse", K::Lean, R::LeadVocal),
        ("chorus", K::Lean, R::LeadVocal),
        ("bridge", K::Lean, R::LeadVocal),
        ("soprano", K::Lean, R::BackingVocal),
        ("alto", K::Lean, R::BackingVocal),
        ("tenor", K::Lean, R::BackingVocal),
        ("baritone", K::Lean, R::BackingVocal),
        // references
        ("mix", K::Reference, R::Utility),
        ("mixdown", K::Reference, R::Utility),
        ("master", K::Reference, R::Utility),
        ("premaster", K::Reference, R::Utility),
        ("mastered", K::Reference, R::Utility),
        ("ref", K::Reference, R::Utility),
        ("reference", K::Reference, R::Utility),
        ("rough", K::Reference, R::Utility),
        ("guide", K::Reference, R::Utility),
        ("instrumental", K::Reference, R::Utility),
        ("out", K::Reference, R::Utility),
    ]
};

/// Words that make a vocal a backing vocal without naming a voice themselves
/// (`BGV Stack`, `Gang Vox`, `Back Vox`).
const BACKING_WORDS: &[&str] = &["stack", "gang", "group", "back", "backs", "bkg", "bck"];

/// Word pairs read before single words: both words must be in the name.
const PAIRS: &[(&str, &str, Role)] = &[
    ("bass", "drum", Role::Kick),
    ("grosse", "caisse", Role::Kick),
    ("caisse", "claire", Role::Snare),
    ("floor", "tom", Role::Toms),
    ("reverse", "crash", Role::Fx),
    ("reverse", "cymbal", Role::Fx),
    ("reverse", "cym", Role::Fx),
    ("rev", "crash", Role::Fx),
    ("rev", "cymbal", Role::Fx),
    ("sub", "drop", Role::Fx),
    ("sub", "boom", Role::Fx),
    ("upright", "piano", Role::Keys),
    ("electric", "piano", Role::Keys),
    ("elec", "piano", Role::Keys),
    ("air", "horn", Role::Fx),
    ("tape", "stop", Role::Fx),
    ("white", "noise", Role::Fx),
];

/// `folded` as the vocabulary knows it, also as the singular of a plural (`hats`, `toms`,
/// `adlibs`).
fn lookup(folded: &str) -> Option<&'static Entry> {
    let find = |w: &str| VOCABULARY.iter().find(|e| e.0 == w);
    find(folded).or_else(|| {
        folded
            .strip_suffix('s')
            .filter(|w| w.len() >= 2)
            .and_then(find)
    })
}

/// Why a name got its role: the words that decided, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameMatch {
    pub role: Role,
    pub words: Vec<String>,
}

/// The role `name`'s words give, or `None` when no word says what the track is.
#[must_use]
pub fn classify(words: &[Word]) -> Option<NameMatch> {
    let has = |w: &str| {
        words
            .iter()
            .find(|x| x.folded == w || lookup(&x.folded).is_some_and(|e| e.0 == w))
    };
    // Click and timecode first: `Vox Click` is still a click.
    let hits: Vec<(&Word, &Entry)> = words
        .iter()
        .filter_map(|w| lookup(&w.folded).map(|e| (w, e)))
        .collect();
    if let Some((w, e)) = hits.iter().find(|(_, e)| e.1 == Rank::Utility) {
        return Some(NameMatch {
            role: e.2,
            words: vec![w.raw.clone()],
        });
    }
    for &(a, b, role) in PAIRS {
        if let (Some(x), Some(y)) = (has(a), has(b)) {
            return Some(NameMatch {
                role,
                words: vec![x.raw.clone(), y.raw.clone()],
            });
        }
    }
    let &(word, entry) = hits.iter().min_by_key(|(_, e)| e.1)?;
    let mut role = entry.2;
    let mut decided = vec![word.raw.clone()];
    if entry.1 == Rank::Vocal || role == Role::LeadVocal {
        let backing = words.iter().find(|w| {
            BACKING_WORDS.contains(&w.folded.as_str())
                || lookup(&w.folded).is_some_and(|e| e.2 == Role::BackingVocal)
        });
        if let Some(b) = backing {
            role = Role::BackingVocal;
            if b.raw != word.raw {
                decided.push(b.raw.clone());
            }
        }
    }
    Some(NameMatch {
        role,
        words: decided,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str) -> Vec<String> {
        words(name).into_iter().map(|w| w.raw).collect()
    }

    #[test]
    fn words_are_cut_where_engineers_join_them() {
        assert_eq!(raw("01_Kick In"), ["01", "Kick", "In"]);
        assert_eq!(raw("LdVox"), ["Ld", "Vox"]);
        assert_eq!(raw("HiHatOpen"), ["Hi", "Hat", "Open"]);
        assert_eq!(raw("Tom1"), ["Tom", "1"]);
        assert_eq!(raw("808s"), ["808s"]);
        assert_eq!(raw("B3 Leslie"), ["B3", "Leslie"]);
        assert_eq!(raw("BVs"), ["BVs"]);
        assert_eq!(raw("Kick#01-02"), ["Kick", "01", "02"]);
        assert_eq!(fold("Bläser"), "blaser");
        assert_eq!(fold("Violão"), "violao");
        assert_eq!(fold("Chœurs"), "choeurs");
    }

    fn role(name: &str) -> Option<Role> {
        classify(&words(name)).map(|m| m.role)
    }

    #[test]
    fn the_more_specific_word_wins() {
        assert_eq!(role("Sub Kick"), Some(Role::Kick));
        assert_eq!(role("Synth Bass"), Some(Role::Bass));
        assert_eq!(role("Ld Vox"), Some(Role::LeadVocal));
        assert_eq!(role("BGV Stack"), Some(Role::BackingVocal));
        assert_eq!(role("Tenor Sax"), Some(Role::Horns));
        assert_eq!(role("Tenor"), Some(Role::BackingVocal));
        assert_eq!(role("Bass Drum"), Some(Role::Kick));
        assert_eq!(role("Drum Mix"), Some(Role::Drums));
        assert_eq!(role("Ref Mix"), Some(Role::Utility));
        assert_eq!(role("Vox Click"), Some(Role::Utility));
        assert_eq!(role("Audio 07"), None);
        assert_eq!(role("Inst 3"), None);
    }

    #[test]
    fn the_deciding_words_are_reported_as_written() {
        let m = classify(&words("02_Snr_Top")).unwrap();
        assert_eq!(m.words, ["Snr"]);
        let m = classify(&words("Reverse Crash")).unwrap();
        assert_eq!(m.words, ["Reverse", "Crash"]);
        let m = classify(&words("Vox Harm 2")).unwrap();
        assert_eq!(
            (m.role, m.words),
            (
                Role::BackingVocal,
                vec!["Vox".to_owned(), "Harm".to_owned()]
            )
        );
    }
}
