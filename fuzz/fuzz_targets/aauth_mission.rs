#![no_main]
use aauth_harness::fuzzing::{target::AauthMission, Input};

libfuzzer_sys::fuzz_target!(|input: Input<AauthMission>| input.run());
