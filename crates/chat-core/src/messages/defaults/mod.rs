//! The shipped default texts, one module per language. Each `text` is an exhaustive `match`, so
//! a new key does not compile until every language has its text.

pub(crate) mod ar;
pub(crate) mod de;
pub(crate) mod en;
pub(crate) mod es;
pub(crate) mod fr;
