//! The shipped default texts, one module per language. Each `text` is an exhaustive `match`, so
//! a new key does not compile until every language has its text.

//! English is always compiled in; the other languages only with the `all-languages` feature
//! (the browser build loads them as data, see `crate::messages::LanguageData`).

#[cfg(feature = "all-languages")]
pub(crate) mod ar;
#[cfg(feature = "all-languages")]
pub(crate) mod de;
pub(crate) mod en;
#[cfg(feature = "all-languages")]
pub(crate) mod es;
#[cfg(feature = "all-languages")]
pub(crate) mod fr;
