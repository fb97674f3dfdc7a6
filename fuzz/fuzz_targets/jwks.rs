#![no_main]
use aauth_harness::fuzzing::{target::Jwks, Input};

libfuzzer_sys::fuzz_target!(|input: Input<Jwks>| input.run());
