//! Plug-ins cannot be rendered: the import says which, on which track, in its warnings
//! and in the session file, and imports everything else.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stemkit_dawproject::ImportOptions;

fn project() -> String {
    format!(
        r#"{PROJECT_HEAD}
  <Transport><Tempo unit="bpm" value="100"/></Transport>
  <Structure>
    <Track id="tVox" name="Lead Vox" contentType="audio">
      <Channel id="cVox" role="regular" audioChannels="1" destination="cMaster">
        <Devices>
          <Equalizer deviceName="EQ" deviceRole="audioFX">
            <Band type="highPass"><Freq unit="hertz" value="90"/></Band>
            <Band type="bell"><Freq unit="hertz" value="3000"/><Gain unit="decibel" value="2.5"/><Q unit="linear" value="1.2"/></Band>
          </Equalizer>
          <Vst3Plugin deviceName="Pro-Q 3" deviceVendor="FabFilter" deviceRole="audioFX" deviceID="72C4DB717A4D459AB97E51745D84B39D"/>
          <Compressor deviceName="Comp" deviceRole="audioFX">
            <Attack unit="seconds" value="0.01"/><Ratio unit="linear" value="3"/><Release unit="seconds" value="0.2"/><Threshold unit="decibel" value="-24"/>
          </Compressor>
        </Devices>
        <Volume unit="decibel" value="-3"/>
      </Channel>
    </Track>
    <Track id="tMaster" name="Master" contentType="audio">
      <Channel id="cMaster" role="master" audioChannels="2">
        <Devices><ClapPlugin deviceName="Glue" deviceVendor="Example Audio" deviceRole="audioFX"/></Devices>
      </Channel>
    </Track>
  </Structure>
  <Arrangement>
    <Lanes timeUnit="beats">
      <Lanes track="tVox"><Clips>
        <Clip time="0" duration="2"><Audio channels="1" sampleRate="48000" duration="1"><File path="audio/vox.wav"/></Audio></Clip>
      </Clips></Lanes>
    </Lanes>
  </Arrangement>
</Project>"#
    )
}

#[test]
fn a_plugin_is_named_with_its_track_and_left_out() {
    let xml = project();
    let v = validate("Project.xsd", &xml);
    assert!(matches!(v, Validation::Valid | Validation::NoTool), "{v:?}");
    let wav = wav_bytes(&[noise(3, 48_000)], RATE);
    let bytes = archive(&[("project.xml", xml.as_bytes()), ("audio/vox.wav", &wav)]);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("vox.dawproject");
    std::fs::write(&project, bytes).unwrap();
    let imported =
        stemkit_dawproject::import(&project, &dir.path().join("out"), &ImportOptions::default())
            .unwrap();

    let named = |w: &&String| w.contains("Pro-Q 3") && w.contains("Lead Vox") && w.contains("VST3");
    let warning = imported.warnings.iter().find(named);
    assert!(warning.is_some(), "{:?}", imported.warnings);
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.contains("Glue") && w.contains("master") && w.contains("CLAP")),
        "{:?}",
        imported.warnings
    );
    let text = std::fs::read_to_string(&imported.session).unwrap();
    assert!(
        text.contains("Pro-Q 3") && text.contains("FabFilter"),
        "{text}"
    );
    // The devices stemkit does have came along, the fader after the compressor.
    let session = stemkit_session::load(&imported.session).unwrap();
    let kinds: Vec<&str> = session.tracks[0]
        .inserts
        .iter()
        .map(|i| i.type_name())
        .collect();
    assert_eq!(kinds, ["eq", "compressor", "gain"], "{text}");
    assert_eq!(session.tracks[0].gain_db, 0.0);
    assert!(session.master.inserts.is_empty());
}
