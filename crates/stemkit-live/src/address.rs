//! The address space every surface speaks: OSC messages, the web page's messages, MIDI
//! learn targets and the lines of a capture file are all `address` + numeric arguments.
//!
//! ```text
//! /stemkit/transport/play | pause | stop         (no argument, or 1; 0 is a button release)
//! /stemkit/transport/seek <seconds>              seek_bar <bar>   seek_frame <frame>
//! /stemkit/transport/loop <start_bar> <end_bar>  (bars from 1, end exclusive, 4/4)
//! /stemkit/transport/loop_frames <start> <end>   loop_off
//! /stemkit/stem/<stem>/gain_db <dB>              -144 ..= 24, or -inf
//! /stemkit/stem/<stem>/mute <0|1>                solo <0|1>
//! /stemkit/stem/<stem>/filter <-1 ..= 1>         < 0 low-pass, 0 off, > 0 high-pass
//! /stemkit/stem/<stem>/send/<return> <dB>
//! /stemkit/return/<return>/gain_db <dB>          mute <0|1>
//! /stemkit/master/gain_db <dB>                   limiter <0|1>
//! ```
//!
//! A name segment is the stem or return name, with any byte outside `A-Z a-z 0-9 - _ . ~`
//! written as `%XX` (so `Kick In` is `Kick%20In`); the plain name is accepted too.

use crate::control::{Control, ControlError, Names, TimeBase};

/// Parses one message. `Ok(None)` is a message that asks for nothing: a transport button's
/// release (argument 0).
///
/// # Errors
/// An unknown address, stem or return, a wrong number of arguments, a value that is not a
/// number or is out of range, bars without a session tempo.
pub fn parse(
    address: &str,
    args: &[f64],
    names: &Names,
    time: &TimeBase,
) -> Result<Option<Control>, ControlError> {
    let err = |p: String| ControlError::new(address, p);
    if let Some(a) = args.iter().find(|a| a.is_nan()) {
        return Err(err(format!("{a} is not a number")));
    }
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(err(format!("expects {n} argument(s), got {}", args.len())))
        }
    };
    let flag = || -> Result<bool, ControlError> {
        arity(1)?;
        Ok(args[0] != 0.0)
    };
    let frame = |v: f64| -> Result<u64, ControlError> {
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 {
            Ok(v as u64)
        } else {
            Err(err(format!("{v} is not a frame number")))
        }
    };
    let bar = |v: f64| -> Result<u64, ControlError> {
        if !(v.is_finite() && v >= 1.0) {
            return Err(err(format!("bar {v} is before bar 1")));
        }
        time.frame_of_bar(v)
            .ok_or_else(|| err("the session has no bpm, so bars have no place".into()))
    };
    let seg: Vec<&str> = address
        .strip_prefix("/stemkit/")
        .map_or_else(Vec::new, |rest| rest.split('/').collect());
    let control = match seg.as_slice() {
        ["transport", action @ ("play" | "pause" | "stop")] => {
            if args.len() > 1 {
                return Err(err(format!("expects 0 or 1 argument, got {}", args.len())));
            }
            if args.first() == Some(&0.0) {
                return Ok(None);
            }
            match *action {
                "play" => Control::Play,
                "pause" => Control::Pause,
                _ => Control::Stop,
            }
        }
        ["transport", "seek"] => {
            arity(1)?;
            if !(args[0].is_finite() && args[0] >= 0.0) {
                return Err(err(format!("{} s is not a time in the song", args[0])));
            }
            Control::Seek {
                frame: time.frame_of_seconds(args[0]),
            }
        }
        ["transport", "seek_bar"] => {
            arity(1)?;
            Control::Seek {
                frame: bar(args[0])?,
            }
        }
        ["transport", "seek_frame"] => {
            arity(1)?;
            Control::Seek {
                frame: frame(args[0])?,
            }
        }
        ["transport", "loop"] => {
            arity(2)?;
            Control::Loop {
                start: bar(args[0])?,
                end: bar(args[1])?,
            }
        }
        ["transport", "loop_frames"] => {
            arity(2)?;
            Control::Loop {
                start: frame(args[0])?,
                end: frame(args[1])?,
            }
        }
        ["transport", "loop_off"] => Control::LoopOff,
        ["stem", name, rest @ ..] => {
            let stem = lookup(name, &names.stems).ok_or_else(|| {
                err(format!(
                    "no stem named \"{}\" (stems: {})",
                    decode(name),
                    names.stems.join(", ")
                ))
            })?;
            match rest {
                ["gain_db"] => {
                    arity(1)?;
                    Control::StemGain { stem, db: args[0] }
                }
                ["mute"] => Control::StemMute { stem, on: flag()? },
                ["solo"] => Control::StemSolo { stem, on: flag()? },
                ["filter"] => {
                    arity(1)?;
                    Control::StemFilter {
                        stem,
                        value: args[0],
                    }
                }
                ["send", ret] => {
                    let ret = lookup(ret, &names.returns).ok_or_else(|| {
                        err(format!(
                            "no return named \"{}\" (returns: {})",
                            decode(ret),
                            names.returns.join(", ")
                        ))
                    })?;
                    arity(1)?;
                    Control::StemSend {
                        stem,
                        ret,
                        db: args[0],
                    }
                }
                _ => return Err(unknown(address)),
            }
        }
        ["return", name, rest @ ..] => {
            let ret = lookup(name, &names.returns).ok_or_else(|| {
                err(format!(
                    "no return named \"{}\" (returns: {})",
                    decode(name),
                    names.returns.join(", ")
                ))
            })?;
            match rest {
                ["gain_db"] => {
                    arity(1)?;
                    Control::ReturnGain { ret, db: args[0] }
                }
                ["mute"] => Control::ReturnMute { ret, on: flag()? },
                _ => return Err(unknown(address)),
            }
        }
        ["master", "gain_db"] => {
            arity(1)?;
            Control::MasterGain { db: args[0] }
        }
        ["master", "limiter"] => Control::MasterLimiter { on: flag()? },
        _ => return Err(unknown(address)),
    };
    control.validate(names, time)?;
    Ok(Some(control))
}

fn unknown(address: &str) -> ControlError {
    ControlError::new(
        address,
        "unknown address (see the address space in the stemkit-live docs: /stemkit/transport/..., /stemkit/stem/<name>/..., /stemkit/return/<name>/..., /stemkit/master/...)",
    )
}

/// The canonical address and arguments of `control`: what a capture file records and what
/// [`parse`] reads back to the very same control (frames, not seconds or bars).
#[must_use]
pub fn format(control: &Control, names: &Names) -> (String, Vec<f64>) {
    let stem = |s: usize| {
        names
            .stems
            .get(s)
            .map_or_else(|| format!("#{s}"), |n| encode(n))
    };
    let ret = |r: usize| {
        names
            .returns
            .get(r)
            .map_or_else(|| format!("#{r}"), |n| encode(n))
    };
    let b = |on: bool| if on { 1.0 } else { 0.0 };
    match *control {
        Control::Play => ("/stemkit/transport/play".into(), vec![]),
        Control::Pause => ("/stemkit/transport/pause".into(), vec![]),
        Control::Stop => ("/stemkit/transport/stop".into(), vec![]),
        Control::Seek { frame } => ("/stemkit/transport/seek_frame".into(), vec![frame as f64]),
        Control::Loop { start, end } => (
            "/stemkit/transport/loop_frames".into(),
            vec![start as f64, end as f64],
        ),
        Control::LoopOff => ("/stemkit/transport/loop_off".into(), vec![]),
        Control::StemGain { stem: s, db } => {
            (format!("/stemkit/stem/{}/gain_db", stem(s)), vec![db])
        }
        Control::StemMute { stem: s, on } => {
            (format!("/stemkit/stem/{}/mute", stem(s)), vec![b(on)])
        }
        Control::StemSolo { stem: s, on } => {
            (format!("/stemkit/stem/{}/solo", stem(s)), vec![b(on)])
        }
        Control::StemFilter { stem: s, value } => {
            (format!("/stemkit/stem/{}/filter", stem(s)), vec![value])
        }
        Control::StemSend {
            stem: s,
            ret: r,
            db,
        } => (
            format!("/stemkit/stem/{}/send/{}", stem(s), ret(r)),
            vec![db],
        ),
        Control::ReturnGain { ret: r, db } => {
            (format!("/stemkit/return/{}/gain_db", ret(r)), vec![db])
        }
        Control::ReturnMute { ret: r, on } => {
            (format!("/stemkit/return/{}/mute", ret(r)), vec![b(on)])
        }
        Control::MasterGain { db } => ("/stemkit/master/gain_db".into(), vec![db]),
        Control::MasterLimiter { on } => ("/stemkit/master/limiter".into(), vec![b(on)]),
    }
}

fn lookup(segment: &str, list: &[String]) -> Option<usize> {
    list.iter()
        .position(|n| n == segment)
        .or_else(|| list.iter().position(|n| *n == decode(segment)))
}

/// A name as an address segment: bytes outside the unreserved set become `%XX`.
#[must_use]
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Names, TimeBase) {
        (
            Names {
                stems: vec!["Kick In".into(), "Bass".into()],
                returns: vec!["Plate".into()],
            },
            TimeBase {
                sample_rate: 48_000,
                bpm: Some(120.0),
                beats_per_bar: 4,
                song_end: 480_000,
            },
        )
    }

    #[test]
    fn every_control_round_trips_through_its_canonical_address() {
        let (names, time) = setup();
        let all = [
            Control::Play,
            Control::Pause,
            Control::Stop,
            Control::Seek { frame: 12_345 },
            Control::Loop {
                start: 96_000,
                end: 192_000,
            },
            Control::LoopOff,
            Control::StemGain {
                stem: 0,
                db: -6.123_456_789_012_3,
            },
            Control::StemGain {
                stem: 1,
                db: f64::NEG_INFINITY,
            },
            Control::StemMute { stem: 0, on: true },
            Control::StemSolo { stem: 1, on: false },
            Control::StemFilter {
                stem: 0,
                value: -0.37,
            },
            Control::StemSend {
                stem: 1,
                ret: 0,
                db: -12.0,
            },
            Control::ReturnGain { ret: 0, db: 3.5 },
            Control::ReturnMute { ret: 0, on: true },
            Control::MasterGain { db: -1.0 },
            Control::MasterLimiter { on: false },
        ];
        for c in all {
            let (address, args) = format(&c, &names);
            assert_eq!(
                parse(&address, &args, &names, &time),
                Ok(Some(c)),
                "{address}"
            );
        }
        assert_eq!(format(&all[6], &names).0, "/stemkit/stem/Kick%20In/gain_db");
    }

    #[test]
    fn bars_seconds_and_plain_names() {
        let (names, time) = setup();
        // 120 bpm in 4/4: a bar is 2 s = 96 000 frames.
        assert_eq!(
            parse("/stemkit/transport/loop", &[2.0, 4.0], &names, &time),
            Ok(Some(Control::Loop {
                start: 96_000,
                end: 288_000
            }))
        );
        assert_eq!(
            parse("/stemkit/transport/seek", &[1.5], &names, &time),
            Ok(Some(Control::Seek { frame: 72_000 }))
        );
        assert_eq!(
            parse("/stemkit/stem/Kick In/mute", &[1.0], &names, &time),
            Ok(Some(Control::StemMute { stem: 0, on: true }))
        );
        assert_eq!(
            parse("/stemkit/transport/play", &[0.0], &names, &time),
            Ok(None)
        );
    }

    #[test]
    fn bad_messages_name_what_is_wrong() {
        let (names, time) = setup();
        let problem = |a: &str, args: &[f64]| parse(a, args, &names, &time).unwrap_err().problem;
        assert!(problem("/stemkit/stem/Drums/gain_db", &[0.0]).contains("no stem named \"Drums\""));
        assert!(problem("/stemkit/stem/Bass/gain_db", &[f64::NAN]).contains("not a number"));
        assert!(problem("/stemkit/stem/Bass/gain_db", &[30.0]).contains("outside"));
        assert!(problem("/stemkit/stem/Bass/filter", &[1.5]).contains("outside"));
        assert!(problem("/stemkit/stem/Bass/send/Hall", &[0.0]).contains("no return named"));
        assert!(problem("/stemkit/stem/Bass/gain_db", &[]).contains("expects 1"));
        assert!(problem("/stemkit/transport/loop", &[3.0, 3.0]).contains("must end after"));
        assert!(problem("/stemkit/transport/seek", &[60.0]).contains("past the song end"));
        assert!(problem("/stemkit/mixer/x", &[]).contains("unknown address"));
        let no_tempo = TimeBase { bpm: None, ..time };
        let e = parse("/stemkit/transport/seek_bar", &[2.0], &names, &no_tempo).unwrap_err();
        assert!(e.problem.contains("no bpm"));
    }
}
