//! Helper threads change no sample: the same performance replayed with the stems' inserts
//! all on one thread and shared with two helpers gives the same file, byte for byte. The
//! band session has shared stems in the same wave (Drums, Bass), one whose key another
//! stem listens to (Bass), and a stem whose compressor listens to a key and so stays on
//! the audio thread (Keys); the performance moves faders, mutes, a filter and a send.

mod common;

use stemkit_live::render_automation_with;

#[test]
fn helpers_change_no_sample() {
    let dir = common::temp();
    let session = common::band(dir.path(), 2.0);
    let auto = dir.path().join("take.automation");
    std::fs::write(
        &auto,
        "# stemkit automation 1\n# sample_rate 48000\n# block 64\n\
         0 /stemkit/transport/play\n\
         9600 /stemkit/stem/Drums/gain_db -9\n\
         19200 /stemkit/stem/Bass/filter -0.6\n\
         28800 /stemkit/stem/Keys/send/Echo -20\n\
         38400 /stemkit/stem/Drums/mute 1\n\
         57600 /stemkit/stem/Bass/solo 1\n\
         96000 /stemkit/end\n",
    )
    .expect("automation");
    let files: Vec<Vec<u8>> = [0, 2]
        .into_iter()
        .map(|helpers| {
            let out = dir.path().join(format!("helpers-{helpers}.wav"));
            render_automation_with(&session, &auto, &out, helpers).expect("replay");
            std::fs::read(&out).expect("read replay")
        })
        .collect();
    let samples = common::read_wav(&dir.path().join("helpers-0.wav"));
    let peak = samples[0].iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.05, "the replay has sound (peak {peak})");
    assert_eq!(files[0].len(), files[1].len(), "same length");
    assert!(files[0] == files[1], "the helpers changed the output");
}
