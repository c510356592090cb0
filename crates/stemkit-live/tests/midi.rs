//! MIDI learn without a MIDI port: messages are fed to the mapping as a port would feed
//! them; the learned mapping is saved as TOML and drives the mix.

mod common;

use stemkit_live::midi::{MidiLearn, MidiMap, cc_to_db};
use stemkit_live::{Live, LiveOptions};

#[test]
fn learned_controllers_are_saved_and_drive_the_mix() {
    let dir = common::temp();
    let session = common::band(dir.path(), 1.0);
    let mut live = Live::new(&session, &LiveOptions::default(), &mut |_| {}).expect("live session");
    let h = live.handle();
    let map_path = common::path(&dir, "midi.toml");
    let mut learn = MidiLearn::new(h.clone(), Some(map_path.clone())).expect("learn");

    // Learn: arm from a surface, move CC 7 on channel 2, press note 36 on channel 10.
    h.arm_midi_learn("/stemkit/stem/Bass/gain_db").expect("arm");
    learn.on_message(&[0xB1, 7, 100]).expect("learn cc");
    h.arm_midi_learn("/stemkit/stem/Drums/mute").expect("arm");
    learn.on_message(&[0x99, 36, 90]).expect("learn note");
    h.arm_midi_learn("/stemkit/stem/Keys/filter").expect("arm");
    learn.on_message(&[0xB1, 21, 64]).expect("learn filter");
    assert!(
        h.arm_midi_learn("/stemkit/transport/seek").is_err(),
        "a seek cannot be learned"
    );
    assert!(
        h.arm_midi_learn("/stemkit/stem/Vocals/mute").is_err(),
        "unknown stem"
    );
    // Learning sent nothing.
    assert_eq!(h.state().0.stems[1].gain_db, 0.0);

    // Play: CC values become controls.
    learn.on_message(&[0xB1, 7, 97]).expect("cc");
    assert_eq!(h.state().0.stems[1].gain_db, cc_to_db(97));
    assert!(
        (cc_to_db(97) + 6.0).abs() < 1e-12
            && cc_to_db(107) == 0.0
            && cc_to_db(0) == f64::NEG_INFINITY
    );
    learn.on_message(&[0x99, 36, 127]).expect("note");
    assert!(h.state().0.stems[0].mute, "first press mutes");
    learn
        .on_message(&[0x89, 36, 0])
        .expect("note off is ignored");
    learn
        .on_message(&[0x99, 36, 0])
        .expect("note-on at velocity 0 is a release");
    assert!(h.state().0.stems[0].mute);
    learn.on_message(&[0x99, 36, 100]).expect("note");
    assert!(!h.state().0.stems[0].mute, "second press unmutes");
    learn.on_message(&[0xB1, 21, 127]).expect("filter");
    assert_eq!(h.state().0.stems[2].filter, 1.0);
    learn.on_message(&[0xB1, 21, 1]).expect("filter");
    assert!((h.state().0.stems[2].filter + 1.0).abs() < 1e-12);
    // Another channel's CC 7 is not bound.
    learn.on_message(&[0xB0, 7, 10]).expect("unbound");
    assert_eq!(h.state().0.stems[1].gain_db, cc_to_db(97));

    // Saved as TOML, and read back the same.
    let text = std::fs::read_to_string(&map_path).expect("saved map");
    assert!(
        text.contains("[[binding]]") && text.contains("address = \"/stemkit/stem/Bass/gain_db\""),
        "{text}"
    );
    assert_eq!(&MidiMap::load(&map_path).expect("load"), learn.map());
    assert_eq!(learn.map().bindings.len(), 3);
    // Re-learning a controller moves it.
    h.arm_midi_learn("/stemkit/master/gain_db").expect("arm");
    learn.on_message(&[0xB1, 7, 64]).expect("relearn");
    assert_eq!(MidiMap::load(&map_path).expect("load").bindings.len(), 3);
    drop(live.take_processor());
    live.finish().expect("finish");
}
