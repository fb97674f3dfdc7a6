#![no_main]
use aauth_harness::fuzzing::{target::ProblemJson, Input};

libfuzzer_sys::fuzz_target!(|input: Input<ProblemJson>| input.run());
