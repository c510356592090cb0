//! The canonical stem chain order engineers use (DESIGN §2): corrective EQ (high-pass,
//! resonance cuts) → tonal EQ → compression → saturation → spatial effects. A chain that
//! departs from it gets a warning; it is rendered as written, never reordered.

use stemkit_dsp::params::{BandShape, InsertSpec};

use crate::Session;

const STAGES: [&str; 5] = [
    "corrective EQ",
    "tonal EQ",
    "compression",
    "saturation",
    "spatial effects",
];

/// The stages an insert belongs to, as `(first, last)`; `None` for inserts that fit
/// anywhere (gain, limiter).
fn stages(insert: &InsertSpec) -> Option<(usize, usize)> {
    match insert {
        InsertSpec::Eq(eq) => {
            let corrective = |s: BandShape| {
                matches!(
                    s,
                    BandShape::Highpass | BandShape::Lowpass | BandShape::Notch
                )
            };
            let has_corrective = eq.bands.iter().any(|b| corrective(b.shape));
            let has_tonal = eq.bands.iter().any(|b| !corrective(b.shape));
            match (has_corrective, has_tonal) {
                (true, true) => Some((0, 1)),
                (true, false) => Some((0, 0)),
                (false, true) => Some((1, 1)),
                (false, false) => None,
            }
        }
        InsertSpec::Compressor(_) => Some((2, 2)),
        InsertSpec::Saturation(_) => Some((3, 3)),
        InsertSpec::Reverb(_) | InsertSpec::Delay(_) => Some((4, 4)),
        InsertSpec::Gain(_) | InsertSpec::Limiter(_) => None,
    }
}

/// One warning per stem whose chain runs a stage after a later one.
#[must_use]
pub fn chain_order_warnings(session: &Session) -> Vec<String> {
    let mut out = Vec::new();
    for stem in &session.stems {
        let mut latest: Option<(usize, usize)> = None; // (stage, insert index)
        for (i, ins) in stem.inserts.iter().enumerate() {
            let Some((first, last)) = stages(ins) else {
                continue;
            };
            if let Some((stage, at)) = latest
                && first < stage
            {
                out.push(format!(
                        "stem \"{}\": inserts[{i}] ({}, {}) comes after inserts[{at}] ({}); the usual order is {}. Rendered as written.",
                        stem.name,
                        ins.type_name(),
                        STAGES[first],
                        STAGES[stage],
                        STAGES.join(" → ")
                    ));
                break;
            }
            if latest.is_none_or(|(stage, _)| last > stage) {
                latest = Some((last, i));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem_with(inserts: &str) -> Session {
        let text = format!(
            "[session]\nsample_rate = 48000\n[[stem]]\nname = \"Drums\"\ninserts = [{inserts}]\n"
        );
        toml::from_str(&text).unwrap()
    }

    #[test]
    fn canonical_chains_pass() {
        let s = stem_with(
            r#"{ type = "eq", bands = [ { shape = "highpass", freq = 30.0 } ] },
               { type = "eq", bands = [ { shape = "bell", freq = 300.0, gain_db = -2.0 } ] },
               { type = "compressor" }, { type = "gain" }, { type = "saturation" }, { type = "limiter" }"#,
        );
        assert!(chain_order_warnings(&s).is_empty());
        // One EQ doing both corrective and tonal work is fine.
        let s = stem_with(
            r#"{ type = "eq", bands = [ { shape = "highpass", freq = 30.0 }, { shape = "bell", freq = 300.0 } ] }, { type = "compressor" }"#,
        );
        assert!(chain_order_warnings(&s).is_empty());
    }

    #[test]
    fn departures_are_named() {
        let s = stem_with(r#"{ type = "saturation" }, { type = "compressor" }"#);
        let w = chain_order_warnings(&s);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains(
                "inserts[1] (compressor, compression) comes after inserts[0] (saturation)"
            ),
            "{}",
            w[0]
        );
        let s = stem_with(
            r#"{ type = "compressor" }, { type = "eq", bands = [ { shape = "highpass", freq = 30.0 } ] }"#,
        );
        assert!(chain_order_warnings(&s)[0].contains("corrective EQ"));
    }
}
