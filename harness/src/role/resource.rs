//! The reference resource (in progress).
