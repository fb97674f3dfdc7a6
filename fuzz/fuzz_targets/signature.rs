#![no_main]
use aauth_harness::fuzzing::{target::Signature, Input};

libfuzzer_sys::fuzz_target!(|input: Input<Signature>| input.run());
