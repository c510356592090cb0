//! A small element tree over quick-xml, with the line of every element so errors can
//! point into the file, and typed attribute access whose errors say what was expected.
//!
//! The tree is bounded (depth and element count) because the XML comes from an untrusted
//! archive; DTDs are refused, so no entity can expand and nothing outside the document is
//! ever read.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::ErrorKind;

const MAX_DEPTH: usize = 256;
const MAX_ELEMENTS: usize = 4_000_000;

#[derive(Clone, Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Element>,
    pub(crate) text: String,
    pub(crate) line: usize,
}

/// Errors about one entry (`project.xml`), pointing at an element's line.
#[derive(Clone, Copy)]
pub(crate) struct Doc<'a> {
    pub(crate) entry: &'a str,
}

impl Doc<'_> {
    pub(crate) fn error(self, el: &Element, message: impl std::fmt::Display) -> ErrorKind {
        ErrorKind::Xml {
            entry: self.entry.to_owned(),
            line: el.line,
            message: format!("<{}>: {message}", el.name),
        }
    }

    pub(crate) fn f64(self, el: &Element, key: &str) -> Result<Option<f64>, ErrorKind> {
        el.attr(key)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        self.error(
                            el,
                            format!("attribute {key}=\"{v}\" is not a finite number"),
                        )
                    })
            })
            .transpose()
    }

    pub(crate) fn req_f64(self, el: &Element, key: &str) -> Result<f64, ErrorKind> {
        self.f64(el, key)?
            .ok_or_else(|| self.error(el, format!("the required attribute {key} is missing")))
    }

    pub(crate) fn u32(self, el: &Element, key: &str) -> Result<Option<u32>, ErrorKind> {
        el.attr(key)
            .map(|v| {
                v.trim().parse::<u32>().map_err(|_| {
                    self.error(el, format!("attribute {key}=\"{v}\" is not a whole number"))
                })
            })
            .transpose()
    }

    pub(crate) fn bool(self, el: &Element, key: &str) -> Result<Option<bool>, ErrorKind> {
        el.attr(key)
            .map(|v| match v.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(self.error(el, format!("attribute {key}=\"{v}\" is not true or false"))),
            })
            .transpose()
    }

    /// An attribute that must be one of `allowed` (an XSD enumeration).
    pub(crate) fn choice<'e>(
        self,
        el: &'e Element,
        key: &str,
        allowed: &[&str],
    ) -> Result<Option<&'e str>, ErrorKind> {
        match el.attr(key) {
            Some(v) if !allowed.contains(&v) => Err(self.error(
                el,
                format!(
                    "attribute {key}=\"{v}\" is not one of {}",
                    allowed.join(", ")
                ),
            )),
            v => Ok(v),
        }
    }
}

impl Element {
    pub(crate) fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Counts lines incrementally so each element's line costs only the bytes since the last.
struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.text.len());
        if pos > self.pos {
            self.line += self.text[self.pos..pos]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.pos = pos;
        }
        self.line
    }
}

/// Parses `text` into its root element.
pub(crate) fn parse(text: &str, doc: Doc<'_>) -> Result<Element, ErrorKind> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut lines = Lines {
        text: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    let fail = |line: usize, message: String| ErrorKind::Xml {
        entry: doc.entry.to_owned(),
        line,
        message,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0_usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            let at = lines.at(reader.error_position() as usize);
            fail(at, format!("malformed XML: {e}"))
        })?;
        // The markup just read starts at the last '<' before the reader's position (a
        // well-formed attribute value holds no raw '<').
        let end = (reader.buffer_position() as usize).min(text.len());
        let start = text.as_bytes()[..end]
            .iter()
            .rposition(|&b| b == b'<')
            .unwrap_or(end);
        let line = lines.at(start);
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(fail(line, "content after the root element".into()));
            }
            Event::Start(e) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(fail(line, "elements nest too deep or are too many".into()));
                }
                stack.push(element(&e, line, doc)?);
            }
            Event::Empty(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(fail(line, "too many elements".into()));
                }
                let el = element(&e, line, doc)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(fail(line, "a closing tag without its opening tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                } else if !t.xml10_content().trim().is_empty() {
                    return Err(fail(line, "text outside the root element".into()));
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                        .ok_or_else(|| fail(line, format!("unknown entity &{};", &*r)))?
                        .to_owned(),
                    Err(e) => return Err(fail(line, format!("bad character reference: {e}"))),
                };
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                return Err(fail(
                    line,
                    "a DOCTYPE is not allowed in a DAWproject".into(),
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(fail(
            lines.at(text.len()),
            "the document ends inside an element".into(),
        ));
    }
    root.ok_or_else(|| fail(1, "the document has no root element".into()))
}

fn element(e: &BytesStart<'_>, line: usize, doc: Doc<'_>) -> Result<Element, ErrorKind> {
    let name = e.name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| ErrorKind::Xml {
            entry: doc.entry.to_owned(),
            line,
            message: format!("<{name}>: malformed attribute: {err}"),
        })?;
        let key = a.key.as_ref().to_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| ErrorKind::Xml {
                entry: doc.entry.to_owned(),
                line,
                message: format!("<{name}>: attribute {key}: {err}"),
            })?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: Doc<'static> = Doc {
        entry: "project.xml",
    };

    #[test]
    fn builds_the_tree_with_lines_and_unescaped_values() {
        let root = parse(
            "<?xml version=\"1.0\"?>\n<A x=\"1 &amp; 2\">\n  <B/>\n  <C>t&lt;u&#x41;</C>\n</A>",
            DOC,
        )
        .unwrap();
        assert_eq!(root.name, "A");
        assert_eq!(root.attr("x"), Some("1 & 2"));
        assert_eq!(root.line, 2);
        assert_eq!(root.children[0].line, 3);
        assert_eq!(root.child("C").unwrap().text, "t<uA");
    }

    #[test]
    fn malformed_documents_name_their_line() {
        for (text, line) in [
            ("<A>\n<B>\n</A>", 3),
            ("<A>\n</A>\n<B/>", 3),
            ("<!DOCTYPE x [<!ENTITY e \"boom\">]>\n<A>&e;</A>", 1),
            ("<A>\n<B>", 2),
            ("", 1),
        ] {
            match parse(text, DOC) {
                Err(ErrorKind::Xml { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn typed_attributes_say_what_they_expected() {
        let root = parse("<Clip time=\"abc\" n=\"-1\" b=\"yes\" u=\"x\"/>", DOC).unwrap();
        let msg = DOC.f64(&root, "time").unwrap_err().to_string();
        assert!(msg.contains("time=\"abc\" is not a finite number"), "{msg}");
        assert!(DOC.u32(&root, "n").is_err());
        assert!(DOC.bool(&root, "b").is_err());
        assert!(DOC.choice(&root, "u", &["beats", "seconds"]).is_err());
        assert!(DOC.req_f64(&root, "duration").is_err());
    }
}
