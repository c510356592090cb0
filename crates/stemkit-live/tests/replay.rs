//! A performance played in real time to `file:` with its capture, then replayed offline
//! from the capture: the two files are identical, sample for sample.

mod common;

use std::thread::sleep;
use std::time::Duration;

use stemkit_live::{Control, Live, LiveOptions, Output, play, render_automation};

#[test]
fn replay_of_a_capture_equals_the_recording_sample_for_sample() {
    let dir = common::temp();
    let session = common::band(dir.path(), 4.0);
    let capture = common::path(&dir, "take.automation");
    let recording = common::path(&dir, "take.wav");
    let options = LiveOptions {
        block: 128,
        capture: Some(capture.clone()),
        ..LiveOptions::default()
    };
    let mut live = Live::new(&session, &options, &mut |_| {}).expect("live session");
    let h = live.handle();
    let processor = live.take_processor().expect("processor");
    h.send(Control::Play).expect("play");
    let playback = play(processor, &Output::File(recording.clone()), Some(3.0)).expect("output");

    let script: &[(u64, &str, &[f64])] = &[
        (150, "/stemkit/stem/Drums/gain_db", &[-9.0]),
        (100, "/stemkit/stem/Bass/filter", &[-0.6]),
        (50, "/stemkit/stem/Bass/filter", &[-0.2]),
        (100, "/stemkit/stem/Keys/send/Plate", &[-3.0]),
        (100, "/stemkit/stem/Drums/mute", &[1.0]),
        (100, "/stemkit/transport/loop", &[1.25, 1.5]),
        (400, "/stemkit/stem/Keys/solo", &[1.0]),
        (150, "/stemkit/transport/loop_off", &[]),
        (100, "/stemkit/transport/seek", &[2.5]),
        (100, "/stemkit/stem/Drums/mute", &[0.0]),
        (50, "/stemkit/stem/Keys/solo", &[0.0]),
        (100, "/stemkit/transport/pause", &[]),
        (150, "/stemkit/transport/play", &[]),
        (50, "/stemkit/master/limiter", &[0.0]),
        (50, "/stemkit/stem/Bass/filter", &[0.7]),
        (50, "/stemkit/return/Plate/gain_db", &[-6.0]),
        (50, "/stemkit/master/gain_db", &[-3.0]),
    ];
    for (wait_ms, address, args) in script {
        sleep(Duration::from_millis(*wait_ms));
        h.send_address(address, args)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    while !playback.is_finished() {
        sleep(Duration::from_millis(10));
    }
    let recorded = playback.stop().expect("stop").expect("a recording");
    let summary = live.finish().expect("finish");
    assert_eq!(summary.frames, 144_000, "3 s at 48 kHz");

    let text = std::fs::read_to_string(&capture).expect("capture");
    let controls = text
        .lines()
        .filter(|l| l.contains(" /stemkit/") && !l.contains("stall") && !l.contains("/end"))
        .count();
    assert_eq!(
        controls,
        script.len() + 1,
        "every control captured:\n{text}"
    );

    eprintln!("{text}");
    let replayed = common::path(&dir, "replay.wav");
    let report = render_automation(&session, &capture, &replayed).expect("replay");
    assert_eq!(report.frames, 144_000);
    let a = common::read_wav(&recorded);
    let b = common::read_wav(&replayed);
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].len(), 144_000);
    assert!(
        a[0].iter().any(|&x| x.abs() > 0.05),
        "the recording has sound"
    );
    for c in 0..2 {
        let first = a[c]
            .iter()
            .zip(&b[c])
            .position(|(x, y)| x.to_bits() != y.to_bits());
        assert_eq!(
            first, None,
            "channel {c} differs first at frame {first:?}\ncapture:\n{text}"
        );
    }
}
