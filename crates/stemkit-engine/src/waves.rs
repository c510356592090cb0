//! Processing waves of a graph whose nodes listen to each other's sidechain keys.
//!
//! Shared by the offline render and the live host, so both run nodes in the same waves
//! and a key reaches its listener on the same block in both.

use stemkit_dsp::params::InsertSpec;

/// A track or stem as the schedule sees it: its name (what a compressor's `key` names)
/// and its inserts (whose keys it waits for).
#[derive(Clone, Copy, Debug)]
pub struct Bus<'a> {
    pub name: &'a str,
    pub inserts: &'a [InsertSpec],
}

/// The wave of every track (`tracks`, each with the index of its stem) and then every
/// stem: a track runs before its stem, every key before its listener, each node one wave
/// after the latest node it waits for.
///
/// # Errors
/// A loop of sidechain keys, as a message naming the tracks and stems in it.
pub fn schedule(tracks: &[(Bus<'_>, usize)], stems: &[Bus<'_>]) -> Result<Vec<usize>, String> {
    let n_t = tracks.len();
    let node_of = |name: &str| {
        tracks
            .iter()
            .position(|(t, _)| t.name == name)
            .or_else(|| stems.iter().position(|s| s.name == name).map(|i| n_t + i))
    };
    let keys_of = |inserts: &[InsertSpec]| -> Vec<usize> {
        inserts
            .iter()
            .filter_map(|i| match i {
                InsertSpec::Compressor(c) => c.key.as_deref().and_then(node_of),
                _ => None,
            })
            .collect()
    };
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (i, (t, stem)) in tracks.iter().enumerate() {
        edges.push((i, n_t + stem));
        edges.extend(keys_of(t.inserts).into_iter().map(|k| (k, i)));
    }
    for (i, s) in stems.iter().enumerate() {
        edges.extend(keys_of(s.inserts).into_iter().map(|k| (k, n_t + i)));
    }
    waves(n_t + stems.len(), &edges).map_err(|stuck| {
        let stuck: Vec<String> = stuck
            .into_iter()
            .map(|i| {
                if i < n_t {
                    format!("track \"{}\"", tracks[i].0.name)
                } else {
                    format!("stem \"{}\"", stems[i - n_t].name)
                }
            })
            .collect();
        format!("sidechain keys form a loop through {}", stuck.join(", "))
    })
}

/// The wave of every node: 0 for nodes with no input edge, else one more than the latest
/// wave feeding it (Kahn's algorithm). Nodes of one wave do not depend on each other and
/// may run in parallel.
///
/// # Errors
/// The nodes caught in a cycle, when the edges form one.
fn waves(n: usize, edges: &[(usize, usize)]) -> Result<Vec<usize>, Vec<usize>> {
    let mut indegree = vec![0; n];
    for &(_, to) in edges {
        indegree[to] += 1;
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).rev().collect();
    let mut wave = vec![0_usize; n];
    let mut done = 0;
    while let Some(i) = ready.pop() {
        done += 1;
        for &(from, to) in edges {
            if from == i {
                wave[to] = wave[to].max(wave[i] + 1);
                indegree[to] -= 1;
                if indegree[to] == 0 {
                    ready.push(to);
                }
            }
        }
    }
    if done < n {
        return Err((0..n).filter(|&i| indegree[i] > 0).collect());
    }
    Ok(wave)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stemkit_dsp::params::CompressorParams;

    fn keyed(key: &str) -> Vec<InsertSpec> {
        vec![InsertSpec::Compressor(CompressorParams {
            key: Some(key.into()),
            ..Default::default()
        })]
    }

    /// Tracks Kick and Bass into stems Drums and Low; Bass ducks under Kick, and Low
    /// listens to Drums: Bass one wave after Kick, each stem after its tracks and keys.
    /// Then a loop (Drums listens to Low) is an error naming both stems.
    #[test]
    fn schedule_orders_keys_and_names_a_loop() {
        let bass_inserts = keyed("Kick");
        let low_inserts = keyed("Drums");
        let kick = Bus {
            name: "Kick",
            inserts: &[],
        };
        let bass = Bus {
            name: "Bass",
            inserts: &bass_inserts,
        };
        let drums = Bus {
            name: "Drums",
            inserts: &[],
        };
        let low = Bus {
            name: "Low",
            inserts: &low_inserts,
        };
        let tracks = [(kick, 0), (bass, 1)];
        assert_eq!(schedule(&tracks, &[drums, low]), Ok(vec![0, 1, 1, 2]));

        let drums_inserts = keyed("Low");
        let drums = Bus {
            name: "Drums",
            inserts: &drums_inserts,
        };
        let err = schedule(&tracks, &[drums, low]).expect_err("a loop of keys");
        assert_eq!(
            err,
            "sidechain keys form a loop through stem \"Drums\", stem \"Low\""
        );
    }

    #[test]
    fn waves_follow_the_longest_path_and_cycles_are_named() {
        // 0 → 2, 1 → 2, 2 → 3, 0 → 3
        assert_eq!(
            waves(4, &[(0, 2), (1, 2), (2, 3), (0, 3)]),
            Ok(vec![0, 0, 1, 2])
        );
        assert_eq!(waves(3, &[(0, 1), (1, 2), (2, 1)]), Err(vec![1, 2]));
        assert_eq!(waves(2, &[]), Ok(vec![0, 0]));
    }
}
