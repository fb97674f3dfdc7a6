#![no_main]
use aauth_harness::fuzzing::{target::Metadata, Input};

libfuzzer_sys::fuzz_target!(|input: Input<Metadata>| input.run());
