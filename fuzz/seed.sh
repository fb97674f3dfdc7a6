#!/bin/sh
# Seed corpora and dictionaries for every fuzz target, from vectors/ and the harness's own
# builders (see aauth_harness::fuzzing::seeds). Corpora go to fuzz/corpus/<target>/
# (git-ignored); dictionaries to fuzz/dict/<target>.dict (committed, checked by
# harness/tests/fuzz_seeds.rs). Safe to re-run: files are named by content hash.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo run --quiet -p aauth-harness --example fuzz_seeds -- vectors fuzz/corpus fuzz/dict
