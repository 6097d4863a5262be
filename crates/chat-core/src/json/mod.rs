//! JSON for the core: a small value type with a parser and a writer ([`Value`]), and a reader
//! that validates configuration objects and reports every problem with its path.
//!
//! Why not serde_json: the core ships in the wasm bundle, where serde + serde_json (and the
//! std::io error formatting it links) cost about a fifth of the widget's size; the core only
//! needs untyped values read defensively (configuration, bot replies, saved state), which a
//! few hundred lines do. Tests check it against serde_json.

mod reader;
mod value;

pub use reader::{check_http_url, closest, edit_distance, http_url_host, Report};
pub(crate) use reader::{text_item, type_name, ObjReader};
pub use value::{Object, Value};
