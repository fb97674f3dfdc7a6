//! aauth-harness: speak AAuth, correctly and deliberately wrongly.
//!
//! The suite (`aauth-suite`) builds its cases from these parts. Every parser here is strict
//! and keeps unknown values as received; every builder can also produce the one deviation a
//! negative case needs (see [`defect`]).
#![deny(missing_docs)]

pub mod bench;
pub mod clock;
pub mod defect;
pub mod fuzzing;
pub mod host;
pub mod httpsig;
pub mod jose;
pub mod message;
pub mod profile;
pub mod role;
pub mod target;
pub mod transcript;
pub mod vectors;
pub mod verify;
pub mod wire;
pub mod world;
