#![no_main]
use aauth_harness::fuzzing::{target::Identifiers, Input};

libfuzzer_sys::fuzz_target!(|input: Input<Identifiers>| input.run());
