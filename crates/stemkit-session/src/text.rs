//! Writing session values as TOML text, for the tools that generate sessions (`demo`,
//! `init`, `import`) and want a file that reads like one an engineer wrote.

use std::fmt::Write as _;

/// A TOML float: always with a decimal point or exponent, never `-0.0`.
#[must_use]
pub fn float(x: f64) -> String {
    format!("{:?}", x + 0.0)
}

/// A TOML basic string, quoted and escaped.
#[must_use]
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_written() {
        for s in [
            "plain",
            "with \"quotes\"",
            "back\\slash",
            "tab\there",
            "Ünïcode",
        ] {
            let doc: toml::Table = toml::from_str(&format!("k = {}", string(s))).unwrap();
            assert_eq!(doc["k"].as_str(), Some(s));
        }
        for x in [0.0, -0.0, 1.0, -3.5, 1e-9, 48_000.0] {
            let doc: toml::Table = toml::from_str(&format!("k = {}", float(x))).unwrap();
            assert_eq!(doc["k"].as_float(), Some(x + 0.0));
        }
        assert_eq!(float(-0.0), "0.0");
    }
}
