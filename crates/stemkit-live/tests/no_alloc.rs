//! The audio thread's contract: `LiveProcessor::process` never allocates, whatever the
//! controls, the transport and the stream are doing. Counted by `assert_no_alloc` on the
//! calling thread while the disk and capture threads run beside it.

mod common;

use std::thread::sleep;
use std::time::Duration;

use assert_no_alloc::{AllocDisabler, assert_no_alloc, violation_count};
use stemkit_core::AudioBuffer;
use stemkit_live::{Control, Live, LiveOptions};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

#[test]
fn the_live_callback_never_allocates() {
    let dir = common::temp();
    let session = common::band(dir.path(), 3.0);
    let options = LiveOptions {
        block: 64,
        capture: Some(common::path(&dir, "take.automation")),
        // A helper thread, so the hand-over and the wake-up are counted too.
        helpers: 1,
    };
    let mut live = Live::new(&session, &options, &mut |_| {}).expect("live session");
    let h = live.handle();
    let mut p = live.take_processor().expect("processor");
    let mut out = AudioBuffer::new(2, 64);
    sleep(Duration::from_millis(200));
    // Every kind of control, the transport ones twice, spread over the run.
    let controls = [
        Control::Play,
        Control::StemGain { stem: 0, db: -12.0 },
        Control::StemFilter {
            stem: 1,
            value: -0.7,
        },
        Control::StemFilter {
            stem: 1,
            value: 0.5,
        },
        Control::StemSend {
            stem: 2,
            ret: 0,
            db: -3.0,
        },
        Control::StemMute { stem: 0, on: true },
        Control::StemSolo { stem: 2, on: true },
        Control::Loop {
            start: 24_000,
            end: 36_000,
        },
        Control::ReturnGain { ret: 1, db: -6.0 },
        Control::ReturnMute { ret: 0, on: true },
        Control::MasterGain { db: -2.0 },
        Control::MasterLimiter { on: false },
        Control::LoopOff,
        Control::Seek { frame: 96_000 },
        Control::Pause,
        Control::Play,
        Control::StemSolo { stem: 2, on: false },
        Control::StemGain {
            stem: 0,
            db: f64::NEG_INFINITY,
        },
        Control::MasterLimiter { on: true },
        Control::Stop,
        Control::Play,
    ];
    let before = violation_count();
    for block in 0..1500 {
        if block % 60 == 0
            && let Some(c) = controls.get(block / 60)
        {
            h.send(*c).expect("valid control");
        }
        assert_no_alloc(|| p.process(&mut out));
        if block % 100 == 0 {
            // Let the disk thread keep up, as a real-time callback would.
            sleep(Duration::from_millis(2));
        }
    }
    assert_eq!(violation_count(), before, "the live callback allocated");
    assert!(h.meters().master.peak[0].take() > 0.0, "the run made sound");
    drop(p);
    live.finish().expect("finish");
}
