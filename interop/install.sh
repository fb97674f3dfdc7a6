#!/usr/bin/env bash
# Installs the pinned third-party AAuth implementations the interop launchers
# run, into interop/.install/ (git-ignored). Idempotent: a part whose lock file
# has not changed since its last successful install is left alone.
#
#   interop/install.sh            install what is missing or stale
#   interop/install.sh --force    reinstall everything
#
# Python packages go into one venv each, because regent-httpsig pins
# http-message-signatures<2.1 while the oracle wants 3.0.0. Every transitive
# Python dependency is pinned in interop/locks/<venv>.txt (from `pip freeze`
# after a first install); npm packages are pinned by interop/npm/package-lock.json
# and installed with `npm ci`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$here/.install"
python="${PYTHON:-python3}"
force=0
[ "${1:-}" = "--force" ] && force=1

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

lock_digest() { sha256sum "$@" | sha256sum | cut -c1-16; }

# One stamp per part: the digest of the lock it was installed from.
is_current() { [ "$force" = 0 ] && [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }

check_tools() {
  command -v "$python" >/dev/null || die "$python not found (set PYTHON=...)"
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "$python is older than 3.11 (introspection-aauth needs 3.11+)"
  command -v node >/dev/null || die "node not found"
  command -v npm >/dev/null || die "npm not found"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
    || die "node is older than 20"
}

# install_venv NAME: a venv at .install/NAME with exactly locks/NAME.txt in it.
install_venv() {
  local name="$1" lock="$here/locks/$1.txt" dir="$prefix/$1" digest
  [ -f "$lock" ] || die "missing lock file $lock"
  digest="$(lock_digest "$lock")"
  if is_current "$dir" "$digest"; then
    say "venv $name: up to date ($(grep -c . "$lock") pinned packages)"
    return
  fi
  say "venv $name: installing $(grep -c . "$lock") pinned packages from locks/$name.txt"
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$lock" \
    || die "pip install failed for $name"
  "$dir/bin/pip" check --disable-pip-version-check >/dev/null \
    || die "pip check failed for $name: the lock is missing a dependency"
  echo "$digest" >"$dir/.stamp"
  say "venv $name: done"
}

install_npm() {
  local dir="$prefix/node" digest
  digest="$(lock_digest "$here/npm/package.json" "$here/npm/package-lock.json")"
  if is_current "$dir" "$digest"; then
    say "npm: up to date ($(cd "$dir" && ls node_modules | wc -l) top-level modules)"
    return
  fi
  say "npm: npm ci from npm/package-lock.json"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$here/npm/package.json" "$here/npm/package-lock.json" "$dir/"
  # mockin declares node ~22 but runs on 20; npm only warns about that.
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  echo "$digest" >"$dir/.stamp"
  say "npm: done"
}

report_versions() {
  say "installed:"
  "$prefix/regent/bin/python" -c 'import regent_httpsig, http_message_signatures, importlib.metadata as m; print("  regent-httpsig", regent_httpsig.__version__, "(http-message-signatures", m.version("http-message-signatures") + ")")'
  "$prefix/introspection/bin/python" -c 'import importlib.metadata as m; print("  introspection-aauth", m.version("introspection-aauth"), "(httpx2", m.version("httpx2") + ")")'
  "$prefix/oracle/bin/python" -c 'import importlib.metadata as m; print("  http-message-signatures", m.version("http-message-signatures"))'
  (cd "$prefix/node" && node -e '
    for (const p of ["@hellocoop/mockin", "@hellocoop/httpsig", "http-message-sig"])
      console.log("  " + p, require("./node_modules/" + p + "/package.json").version)')
}

main() {
  local start=$SECONDS
  check_tools
  mkdir -p "$prefix"
  install_venv regent
  install_venv introspection
  install_venv oracle
  install_npm
  report_versions
  say "finished in $((SECONDS - start)) s; everything is under ${prefix#"$PWD"/}"
}

main "$@"
