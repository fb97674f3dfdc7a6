#![no_main]
use aauth_harness::fuzzing::{target::Jws, Input};

libfuzzer_sys::fuzz_target!(|input: Input<Jws>| input.run());
