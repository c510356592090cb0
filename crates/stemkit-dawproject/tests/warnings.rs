//! What plays in the DAW but not in stemkit is warned about, one line each, and the rest
//! imports: the shape of a typical export (an instrument track, automation, fades,
//! launcher scenes, panned groups and sends).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

fn project() -> String {
    format!(
        r##"{PROJECT_HEAD}
  <Transport>
    <Tempo id="id0" name="Tempo" unit="bpm" value="128.000000" min="20" max="666"/>
    <TimeSignature id="id1" numerator="4" denominator="4"/>
  </Transport>
  <Structure>
    <Track id="id2" name="Synth" contentType="notes" loaded="true" color="#a2eabf">
      <Channel id="id3" role="regular" audioChannels="2" destination="id20" solo="false">
        <Devices>
          <ClapPlugin id="id4" deviceName="Polysynth" deviceRole="instrument" loaded="true">
            <Parameters/><Enabled id="id5" value="true"/><State path="plugins/a.clap-preset"/>
          </ClapPlugin>
        </Devices>
        <Mute id="id6" value="false"/>
        <Pan id="id7" unit="normalized" value="0.500000" min="0" max="1"/>
        <Volume id="id8" unit="linear" value="0.659140" min="0" max="2"/>
      </Channel>
    </Track>
    <Track id="id9" name="Group" contentType="tracks" loaded="true">
      <Channel id="id10" role="submix" audioChannels="2" destination="id20">
        <Pan id="id11" unit="normalized" value="0.7"/>
        <Volume id="id12" unit="linear" value="1"/>
      </Channel>
      <Track id="id13" name="Guitar" contentType="audio" loaded="true">
        <Channel id="id14" role="regular" audioChannels="2">
          <Sends><Send id="id15" destination="id17" type="post"><Pan unit="normalized" value="0.2"/><Volume unit="decibel" value="-12"/></Send></Sends>
          <Volume id="id16" unit="linear" value="1"/>
        </Channel>
      </Track>
    </Track>
    <Track id="id18" name="FX" contentType="audio" loaded="true">
      <Channel id="id17" role="effect" audioChannels="2" destination="id20"><Volume unit="linear" value="1"/></Channel>
    </Track>
    <Track id="id19" name="Master" contentType="audio notes" loaded="true">
      <Channel id="id20" role="master" audioChannels="2"><Volume unit="linear" value="1"/></Channel>
    </Track>
  </Structure>
  <Arrangement id="id21">
    <Lanes timeUnit="beats" id="id22">
      <Lanes track="id2" id="id23"><Clips id="id24">
        <Clip time="0.0" duration="16.0" playStart="0.0" loopStart="0.0" loopEnd="16.0" enable="true" fadeTimeUnit="beats" fadeInTime="0.0" fadeOutTime="0.0">
          <Notes id="id25"><Note time="0.0" duration="1.0" channel="0" key="60" vel="0.8" rel="0.5"/></Notes>
        </Clip>
      </Clips></Lanes>
      <Lanes track="id13" id="id26">
        <Clips id="id27">
          <Clip time="8.0" duration="8.0" playStart="0.0" fadeTimeUnit="beats" fadeInTime="0.5" fadeOutTime="0.0" name="Riff">
            <Clips id="id28"><Clip time="0.0" duration="8.0" contentTimeUnit="beats" playStart="0.0" fadeTimeUnit="beats" fadeInTime="0.0" fadeOutTime="0.0">
              <Warps contentTimeUnit="seconds" timeUnit="beats" id="id29">
                <Audio algorithm="stretch" channels="2" duration="4.0" sampleRate="48000" id="id30"><File path="samples/riff.wav"/></Audio>
                <Warp time="0.0" contentTime="0.0"/><Warp time="8.0" contentTime="3.75"/>
              </Warps>
            </Clip></Clips>
          </Clip>
        </Clips>
        <Points id="id31" unit="linear"><Target parameter="id16"/><RealPoint time="0.0" value="0.5" interpolation="linear"/><RealPoint time="8.0" value="1.0" interpolation="linear"/></Points>
      </Lanes>
    </Lanes>
  </Arrangement>
  <Scenes><Scene id="id32"><Lanes id="id33"/></Scene></Scenes>
</Project>"##
    )
}

#[test]
fn what_does_not_render_is_warned_about_and_the_rest_imports() {
    let xml = project();
    let v = validate("Project.xsd", &xml);
    assert!(matches!(v, Validation::Valid | Validation::NoTool), "{v:?}");
    let wav = wav_bytes(&[noise(1, 48_000 * 4), noise(2, 48_000 * 4)], RATE);
    let bytes = archive(&[("project.xml", xml.as_bytes()), ("samples/riff.wav", &wav)]);
    let plan =
        stemkit_dawproject::plan_archive(&bytes, stemkit_dawproject::Limits::default()).unwrap();
    let w = plan.warnings();
    for expected in [
        &["track \"Synth\"", "notes"][..],
        &["track \"Guitar\"", "automation"],
        &["clip \"Riff\" on track \"Guitar\"", "fades"],
        &["launcher scene"],
        &["group \"Group\"", "pan"],
        &["track \"Guitar\"", "pan of its send"],
    ] {
        assert!(
            w.iter().any(|m| expected.iter().all(|e| m.contains(e))),
            "no warning with {expected:?} in {w:#?}"
        );
    }
    // The instrument's plug-in is covered by the notes warning: that track has no audio.
    assert!(!w.iter().any(|m| m.contains("Polysynth")), "{w:#?}");
    let text = plan.session_text();
    let doc: toml::Table = text.parse().unwrap();
    assert_eq!(doc["track"].as_array().unwrap().len(), 1, "{text}");
    // 8 beats at 128 bpm, warped by 3.75 s per 8 beats: the tempo line, so no stretch.
    let at = doc["track"][0]["at"].as_float().unwrap();
    assert!((at - 8.0 * 60.0 / 128.0).abs() < 1e-12, "{text}");
    assert_eq!(doc["track"][0]["stem"].as_str(), Some("Group"));
    assert_eq!(doc["track"][0]["sends"][0]["to"].as_str(), Some("FX"));
}
