//! The format's built-in devices as stemkit inserts, where the parameters say enough.
//!
//! DAWproject describes an Equalizer, Compressor and Limiter by their controls, not by
//! their circuits, so a mapping is faithful only as far as the controls go: an EQ band
//! becomes the RBJ biquad of the same type, frequency, gain and Q; a compressor becomes
//! stemkit's `clean` style with the same threshold, ratio and timing and a hard knee (the
//! format has no knee); a limiter's threshold is taken as its output ceiling. A device
//! whose controls stemkit cannot honour (a band-pass band, an auto-makeup compressor, a
//! value out of range, an unknown unit) is left out with the reason, never approximated.

use crate::ErrorKind;
use crate::model::{Device, DeviceKind, real};
use crate::plan::{Band, Insert};
use crate::xml::{Doc, Element};

/// A device that does not map: the reason, for the warning.
pub(crate) type Unfaithful = String;

/// `Ok(Ok(inserts))` when `device` maps faithfully, `Ok(Err(reason))` when it does not;
/// `Err` only for XML that breaks the schema.
pub(crate) fn map(
    doc: Doc<'_>,
    device: &Device<'_>,
    sample_rate: f64,
) -> Result<Result<Vec<Insert>, Unfaithful>, ErrorKind> {
    match device.kind {
        DeviceKind::Equalizer => equalizer(doc, device.el, sample_rate),
        DeviceKind::Compressor => compressor(doc, device.el),
        DeviceKind::Limiter => limiter(doc, device.el),
        _ => Ok(Err(
            "stemkit does not run plug-ins or other DAWs' devices".to_owned()
        )),
    }
}

/// A parameter's value in `unit` (also accepting a linear gain where dB is wanted).
fn value(
    doc: Doc<'_>,
    el: &Element,
    name: &str,
    unit: &str,
) -> Result<Result<Option<f64>, Unfaithful>, ErrorKind> {
    let Some(p) = el.child(name) else {
        return Ok(Ok(None));
    };
    Ok(match real(doc, p)? {
        None => Ok(None),
        Some((v, u)) if u == unit => Ok(Some(v)),
        Some((v, "linear")) if unit == "decibel" && v > 0.0 => Ok(Some(20.0 * v.log10())),
        Some((_, u)) => Err(format!("{name} is in unit \"{u}\", expected {unit}")),
    })
}

fn in_range(name: &str, v: f64, lo: f64, hi: f64) -> Result<f64, Unfaithful> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{name} {v} is outside stemkit's {lo} ..= {hi}"))
    }
}

macro_rules! faithful {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(reason) => return Ok(Err(reason)),
        }
    };
}

/// A device's gain stage as a `gain` insert; none at 0 dB.
fn gain_stage(name: &str, g: Option<f64>) -> Result<Option<Insert>, Unfaithful> {
    match g {
        Some(g) if g != 0.0 => {
            in_range(name, g, -96.0, 24.0).map(|g| Some(Insert::Gain { gain_db: g }))
        }
        _ => Ok(None),
    }
}

/// `core` between the device's input and output gain stages (`output_in_core` when the
/// core insert already applies the output gain itself, as a compressor's makeup does).
fn gains(
    doc: Doc<'_>,
    el: &Element,
    core: Vec<Insert>,
    output_in_core: bool,
) -> Result<Result<Vec<Insert>, Unfaithful>, ErrorKind> {
    let input = faithful!(value(doc, el, "InputGain", "decibel")?);
    let output = if output_in_core {
        None
    } else {
        faithful!(value(doc, el, "OutputGain", "decibel")?)
    };
    let mut out = Vec::new();
    out.extend(faithful!(gain_stage("InputGain", input)));
    out.extend(core);
    out.extend(faithful!(gain_stage("OutputGain", output)));
    Ok(Ok(out))
}

fn equalizer(
    doc: Doc<'_>,
    el: &Element,
    sample_rate: f64,
) -> Result<Result<Vec<Insert>, Unfaithful>, ErrorKind> {
    let mut bands = Vec::new();
    for b in el.children_named("Band") {
        let kind = doc.choice(
            b,
            "type",
            &[
                "highPass",
                "lowPass",
                "bandPass",
                "highShelf",
                "lowShelf",
                "bell",
                "notch",
            ],
        )?;
        let kind = kind.ok_or_else(|| doc.error(b, "the required attribute type is missing"))?;
        if let Some(en) = b.child("Enabled")
            && doc.bool(en, "value")? == Some(false)
        {
            continue;
        }
        let freq = faithful!(value(doc, b, "Freq", "hertz")?)
            .ok_or_else(|| doc.error(b, "the required <Freq> is missing"))?;
        let freq = faithful!(in_range("Freq", freq, 10.0, 0.49 * sample_rate));
        let gain = faithful!(value(doc, b, "Gain", "decibel")?);
        let q = faithful!(value(doc, b, "Q", "linear")?);
        let q = match q {
            Some(q) => Some(faithful!(in_range("Q", q, 0.1, 40.0))),
            None => None,
        };
        let gain_db = match gain {
            Some(g) => Some(faithful!(in_range("Gain", g, -30.0, 30.0))),
            None => None,
        };
        let (shape, slope) = match kind {
            "highPass" | "lowPass" => {
                // `order` counts poles: 2 is 12 dB/oct, 4 is 24 dB/oct.
                let slope = match doc.u32(b, "order")? {
                    None | Some(2) => 12,
                    Some(4) => 24,
                    Some(o) => {
                        return Ok(Err(format!(
                            "a {kind} band of order {o} (stemkit has 12 and 24 dB/oct)"
                        )));
                    }
                };
                (
                    if kind == "highPass" {
                        "highpass"
                    } else {
                        "lowpass"
                    },
                    Some(slope),
                )
            }
            "highShelf" => ("highshelf", None),
            "lowShelf" => ("lowshelf", None),
            "bell" => ("bell", None),
            "notch" => ("notch", None),
            _ => return Ok(Err(format!("a {kind} band (stemkit has no band-pass)"))),
        };
        let gain_db = if matches!(shape, "bell" | "highshelf" | "lowshelf") {
            gain_db
        } else {
            None
        };
        bands.push(Band {
            shape,
            freq,
            q,
            gain_db,
            slope,
        });
    }
    let core = if bands.is_empty() {
        Vec::new()
    } else {
        vec![Insert::Eq(bands)]
    };
    gains(doc, el, core, false)
}

fn compressor(doc: Doc<'_>, el: &Element) -> Result<Result<Vec<Insert>, Unfaithful>, ErrorKind> {
    if let Some(auto) = el.child("AutoMakeup")
        && doc.bool(auto, "value")? == Some(true)
    {
        return Ok(Err(
            "its automatic makeup gain follows the DAW's own formula".to_owned(),
        ));
    }
    let threshold = faithful!(value(doc, el, "Threshold", "decibel")?)
        .ok_or_else(|| "it gives no Threshold".to_owned());
    let threshold_db = faithful!(threshold.and_then(|t| in_range("Threshold", t, -60.0, 0.0)));
    let ratio = match faithful!(value(doc, el, "Ratio", "linear")?) {
        Some(r) => Some(faithful!(in_range("Ratio", r, 1.0, 100.0))),
        None => None,
    };
    let attack_ms = match faithful!(value(doc, el, "Attack", "seconds")?) {
        Some(a) => Some(faithful!(in_range("Attack (ms)", a * 1000.0, 0.01, 500.0))),
        None => None,
    };
    let release_ms = match faithful!(value(doc, el, "Release", "seconds")?) {
        Some(r) => Some(faithful!(in_range("Release (ms)", r * 1000.0, 1.0, 5000.0))),
        None => None,
    };
    let makeup_db = match faithful!(value(doc, el, "OutputGain", "decibel")?) {
        Some(m) => faithful!(in_range("OutputGain", m, -24.0, 24.0)),
        None => 0.0,
    };
    let core = vec![Insert::Compressor {
        threshold_db,
        ratio,
        attack_ms,
        release_ms,
        makeup_db,
    }];
    gains(doc, el, core, true)
}

fn limiter(doc: Doc<'_>, el: &Element) -> Result<Result<Vec<Insert>, Unfaithful>, ErrorKind> {
    let ceiling_dbtp = match faithful!(value(doc, el, "Threshold", "decibel")?) {
        Some(t) => Some(faithful!(in_range("Threshold", t, -24.0, 0.0))),
        None => None,
    };
    let release_ms = match faithful!(value(doc, el, "Release", "seconds")?) {
        Some(r) => Some(faithful!(in_range("Release (ms)", r * 1000.0, 1.0, 2000.0))),
        None => None,
    };
    let lookahead_ms = match faithful!(value(doc, el, "Attack", "seconds")?) {
        Some(a) => Some(faithful!(in_range("Attack (ms)", a * 1000.0, 0.1, 20.0))),
        None => None,
    };
    let core = vec![Insert::Limiter {
        ceiling_dbtp,
        release_ms,
        lookahead_ms,
    }];
    gains(doc, el, core, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    const DOC: Doc<'static> = Doc {
        entry: "project.xml",
    };

    fn device(text: &str) -> Result<Vec<Insert>, Unfaithful> {
        let el = parse(text, DOC).unwrap();
        let kind = match el.name.as_str() {
            "Equalizer" => DeviceKind::Equalizer,
            "Compressor" => DeviceKind::Compressor,
            "Limiter" => DeviceKind::Limiter,
            _ => DeviceKind::Vst3,
        };
        let d = Device {
            el: &el,
            kind,
            name: "x".into(),
            vendor: None,
            enabled: true,
        };
        map(DOC, &d, 48_000.0).unwrap()
    }

    #[test]
    fn eq_bands_keep_their_controls() {
        let inserts = device(
            r#"<Equalizer deviceName="EQ" deviceRole="audioFX">
                <Band type="highPass" order="4"><Freq unit="hertz" value="80"/><Q unit="linear" value="0.7"/></Band>
                <Band type="bell"><Freq unit="hertz" value="2500"/><Gain unit="decibel" value="-3"/><Q unit="linear" value="2"/></Band>
                <Band type="lowShelf"><Freq unit="hertz" value="100"/><Gain unit="decibel" value="2"/><Enabled value="false"/></Band>
                <OutputGain unit="decibel" value="-1"/>
            </Equalizer>"#,
        )
        .unwrap();
        assert_eq!(inserts.len(), 2);
        let Insert::Eq(bands) = &inserts[0] else {
            panic!("{inserts:?}")
        };
        assert_eq!(bands.len(), 2, "the disabled band is left out");
        assert_eq!((bands[0].shape, bands[0].slope), ("highpass", Some(24)));
        assert_eq!(
            (bands[1].freq, bands[1].gain_db, bands[1].q),
            (2500.0, Some(-3.0), Some(2.0))
        );
        assert!(matches!(inserts[1], Insert::Gain { gain_db } if gain_db == -1.0));
    }

    #[test]
    fn what_stemkit_cannot_honour_is_refused_with_a_reason() {
        for (text, why) in [
            (
                r#"<Equalizer deviceName="EQ" deviceRole="audioFX"><Band type="bandPass"><Freq unit="hertz" value="80"/></Band></Equalizer>"#,
                "band-pass",
            ),
            (
                r#"<Equalizer deviceName="EQ" deviceRole="audioFX"><Band type="bell"><Freq unit="hertz" value="30000"/></Band></Equalizer>"#,
                "Freq 30000",
            ),
            (
                r#"<Compressor deviceName="C" deviceRole="audioFX"><Threshold unit="decibel" value="-20"/><AutoMakeup value="true"/></Compressor>"#,
                "makeup",
            ),
            (
                r#"<Compressor deviceName="C" deviceRole="audioFX"><Threshold unit="percent" value="20"/></Compressor>"#,
                "unit \"percent\"",
            ),
            (
                r#"<Vst3Plugin deviceName="Pro-Q" deviceRole="audioFX"/>"#,
                "plug-ins",
            ),
        ] {
            let reason = device(text).unwrap_err();
            assert!(reason.contains(why), "{reason} / {why}");
        }
    }

    #[test]
    fn compressor_and_limiter_units_convert() {
        let c = device(
            r#"<Compressor deviceName="C" deviceRole="audioFX"><Threshold unit="decibel" value="-20"/><Ratio unit="linear" value="4"/>
               <Attack unit="seconds" value="0.005"/><Release unit="seconds" value="0.12"/><InputGain unit="decibel" value="3"/><OutputGain unit="decibel" value="2"/></Compressor>"#,
        )
        .unwrap();
        assert!(matches!(c[0], Insert::Gain { gain_db } if gain_db == 3.0));
        let Insert::Compressor {
            threshold_db,
            ratio,
            attack_ms,
            release_ms,
            makeup_db,
        } = c[1]
        else {
            panic!("{c:?}")
        };
        assert_eq!((threshold_db, ratio, makeup_db), (-20.0, Some(4.0), 2.0));
        assert!(
            (attack_ms.unwrap() - 5.0).abs() < 1e-9 && (release_ms.unwrap() - 120.0).abs() < 1e-9
        );
        assert_eq!(c.len(), 2);
        let l = device(
            r#"<Limiter deviceName="L" deviceRole="audioFX"><Threshold unit="decibel" value="-1"/><Release unit="seconds" value="0.05"/></Limiter>"#,
        )
        .unwrap();
        assert!(matches!(l[0], Insert::Limiter { ceiling_dbtp: Some(c), .. } if c == -1.0));
    }
}
