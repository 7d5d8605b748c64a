//! Placeholder, filled in by the crate's implementation.
