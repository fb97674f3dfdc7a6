#![no_main]
use aauth_harness::fuzzing::{target::Jwk, Input};

libfuzzer_sys::fuzz_target!(|input: Input<Jwk>| input.run());
