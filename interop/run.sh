#!/usr/bin/env bash
# Runs aauth-conform against every real implementation in interop/targets/ and compares each
# run with its baseline in interop/baselines/ (known failures, each citing clause and
# evidence). Reports land in interop/reports/<target>.{json,html,txt}.
#
#   interop/run.sh              install (idempotent), run, gate on the baselines
#   interop/run.sh --baseline   rewrite every baseline from a fresh run (review the diff!)
#
# Exit 0 when every target matches its baseline, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

write_baselines=0
[ "${1:-}" = "--baseline" ] && write_baselines=1

bash interop/install.sh >/dev/null
cargo build -q -p aauth-suite --bin aauth-conform
bin=target/debug/aauth-conform
out=interop/reports
mkdir -p "$out" interop/baselines

status=0
for target in interop/targets/*.toml; do
  name=$(basename "$target" .toml)
  baseline=interop/baselines/$name.toml
  args=(run --target "$target" --jobs 2 --report "json=$out/$name.json" --report "html=$out/$name.html")
  if [ "$write_baselines" = 0 ] && [ -f "$baseline" ]; then
    args+=(--expect "$baseline")
  fi
  set +e
  "$bin" "${args[@]}" >"$out/$name.txt" 2>&1
  code=$?
  set -e
  printf "%-22s exit %s  %s\n" "$name" "$code" "$(grep -E "^pass [0-9]+" "$out/$name.txt" | tail -n 1)"
  if [ "$write_baselines" = 1 ]; then
    "$bin" baseline "$out/$name.json" -o "$baseline" >/dev/null
  elif [ "$code" != 0 ]; then
    status=1
    grep -E '^(FAIL|XPASS|ERROR)' "$out/$name.txt" | head -20 || true
  fi
done
exit "$status"
