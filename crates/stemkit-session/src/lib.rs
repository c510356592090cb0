//! stemkit's session file: model, parsing with line-precise errors, validation, naming templates.
#![forbid(unsafe_code)]
