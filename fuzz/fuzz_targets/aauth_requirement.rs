#![no_main]
use aauth_harness::fuzzing::{target::AauthRequirement, Input};

libfuzzer_sys::fuzz_target!(|input: Input<AauthRequirement>| input.run());
