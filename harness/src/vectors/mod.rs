//! Our AAuth request vectors: fixed keys and clock ([`fixtures`]), the file format, the
//! generator and the checker. The files live under `vectors/aauth/` so implementations in
//! any language can replay them.

pub mod fixtures;
