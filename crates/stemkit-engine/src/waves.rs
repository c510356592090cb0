//! Processing waves of a graph whose nodes listen to each other's sidechain keys.
//!
//! Shared by the offline render and the live host, so both run nodes in the same waves
//! and a key reaches its listener on the same block in both.

/// The wave of every node: 0 for nodes with no input edge, else one more than the latest
/// wave feeding it (Kahn's algorithm). Nodes of one wave do not depend on each other and
/// may run in parallel.
///
/// # Errors
/// The nodes caught in a cycle, when the edges form one.
pub fn waves(n: usize, edges: &[(usize, usize)]) -> Result<Vec<usize>, Vec<usize>> {
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
