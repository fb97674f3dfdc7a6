#!/usr/bin/env bash
# Smoke test of every interop launcher, started from its target file the way
# the harness will start it (see target.py), against stand-in issuers.
#
#   interop/smoke.sh [NAME...]      (default: every target in interop/targets/)
#
# A stub server (stub_server.py) plays https://{ap,ps,as,resource}.harness.test
# on one loopback port; every launcher gets a routes table pointing all four
# names at it. For each target: wait for `ready`, fetch its metadata, send an
# unsigned request to a protected path, then requests signed by client.py
# with tokens the stub's issuers minted, printing status and headers of
# each. Every launcher is stopped by its PID. Exit 1 if any expectation fails.
set -uo pipefail

interop="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
root="$(dirname "$interop")"
python="$interop/.install/oracle/bin/python"
[ -x "$python" ] || { echo "smoke: run interop/install.sh first" >&2; exit 2; }
cd "$root" || exit 2

work="$(mktemp -d)"
pids=()
failures=0
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_ready() { # URL, PID [any]: a 2xx answer, or with "any" any answer
  local fail=-f
  [ "${3:-}" = any ] && fail=
  for _ in $(seq 1 100); do
    kill -0 "$2" 2>/dev/null || return 1
    curl $fail -sS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

client() { # title, client.py args...
  local title="$1"; shift
  echo "  $title"
  (cd "$interop/smoke" && "$python" client.py "$@") || failures=$((failures + 1))
}

stub_port="$(free_port)"
(cd "$interop/smoke" && exec "$python" stub_server.py --port "$stub_port" --ca-out "$work/ca.pem") \
  >"$work/stub.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$stub_port/" "$!" any || { echo "smoke: stub did not start"; cat "$work/stub.log"; exit 1; }
stub="http://127.0.0.1:$stub_port"
routes="https://ap.harness.test=$stub,https://ps.harness.test=$stub,https://as.harness.test=$stub,https://resource.harness.test=$stub"

# Per-target requests. $base is http://127.0.0.1:PORT, $host the identifier's host.
probe_regent_resource() {
  client "unsigned GET /api/whoami" "$base/api/whoami" --token none --expect 401
  client "agent token, GET /api/whoami" "$base/api/whoami" --expect 200
  client "agent token, POST /api/whoami with a body" "$base/api/whoami" --method POST --json '{"hello":1}' --expect 200
  client "agent token, signed for the identifier instead of Host" "$base/api/whoami" --sign-for "$host" --expect 401
  client "agent token at /api/person" "$base/api/person" --expect 401
  client "person token, GET /api/person" "$base/api/person" --token person --aud "$identifier" --expect 200
  client "auth token, GET /api/auth" "$base/api/auth" --token auth --aud "$identifier" --expect 200
}

probe_hellocoop_resource() {
  client "unsigned GET /api/whoami" "$base/api/whoami" --token none --expect 401
  client "agent token, GET /api/whoami signed for the identifier" "$base/api/whoami" --sign-for "$host" --expect 200
  client "agent token, POST /api/whoami with a body" "$base/api/whoami" --method POST --sign-for "$host" --json '{"hello":1}' --expect 200
  client "agent token, signed for the socket address" "$base/api/whoami" --expect 401
  client "jwks_uri scheme (a server key), not an agent token" "$base/api/whoami" --token ps-server --sign-for "$host" --expect 401
}

probe_introspection_ps() {
  local person='{"resource":"https://resource.harness.test","login_hint":"harness-person"}'
  client "unsigned POST /person-token" "$base/person-token" --method POST --token none --json "$person" --expect 401
  client "agent token, POST /person-token" "$base/person-token" --method POST --sign-for "$host" --json "$person" --expect 200
  client "agent token, signed for the socket address" "$base/person-token" --method POST --json "$person" --expect 401
  client "agent token, POST /mission" "$base/mission" --method POST --sign-for "$host" \
    --json '{"description":"smoke mission","resources":["https://resource.harness.test"]}' --expect 202
  local id
  id="$(curl -fsS "$base/_harness/approvals" | "$python" -c 'import json,sys; print(json.load(sys.stdin)[-1]["approval_id"])')"
  client "poll the (auto-approved) mission" "$base/pending/harness/$id" --sign-for "$host" --expect 200
}

probe_introspection_as() {
  client "unsigned POST /token" "$base/token" --method POST --token none --json '{}' --expect 401
  client "agent token instead of a PS signature" "$base/token" --method POST --sign-for "$host" --json '{}' --expect 401
  client "PS-signed token request (resource, agent and person tokens)" "$base/token" --method POST \
    --token ps-server --sign-for "$host" --as-token-request "$identifier" --expect 200
}

probe_mockin() {
  local person='{"resource":"https://resource.harness.test"}'
  client "unsigned POST /aauth/token/person" "$base/aauth/token/person" --method POST --token none --json "$person" --expect 401
  client "agent token, POST /aauth/token/person" "$base/aauth/token/person" --method POST --json "$person" --expect 200
  client "agent token, signed for the identifier instead of Host" "$base/aauth/token/person" --method POST \
    --sign-for "$host" --json "$person" --expect 401
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd "$interop/targets" && ls *.toml | sed 's/\.toml$//'))

for name in "${names[@]}"; do
  file="interop/targets/$name.toml"
  [ -f "$file" ] || { echo "smoke: no target $file"; failures=$((failures + 1)); continue; }
  identifier="$("$python" "$interop/smoke/target.py" get "$file" identifier)"
  ready="$("$python" "$interop/smoke/target.py" get "$file" ready)"
  host="${identifier#https://}"
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  echo "== $name: $identifier on $base"
  AAUTH_HARNESS_ROUTES="$routes" AAUTH_HARNESS_CA="$work/ca.pem" \
    "$python" "$interop/smoke/target.py" exec "$file" "$port" "$routes" "$work/ca.pem" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  started=$SECONDS
  if ! wait_ready "$base$ready" "$pid"; then
    echo "  !! not ready; its log:"; sed 's/^/     /' "$work/$name.log"
    failures=$((failures + 1)); kill "$pid" 2>/dev/null; continue
  fi
  echo "  ready in $((SECONDS - started)) s (pid $pid)"
  echo "  metadata $ready: $(curl -fsS "$base$ready" | cut -c1-300)"
  "probe_${name//-/_}"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "  stopped pid $pid; launcher log:"
  sed 's/^/     /' "$work/$name.log" | grep -v FastifyDeprecation | grep -v trace-warnings | cut -c1-200
done

echo "== stub fetches (Host kept by the routed clients):"
sort "$work/stub.log" | uniq -c | sed 's/^/  /' | cut -c1-160
if [ "$failures" -gt 0 ]; then echo "smoke: $failures expectation(s) failed"; exit 1; fi
echo "smoke: every expectation held"
