#!/usr/bin/env bash
# Runs a command with the local stack up, and always stops the stack afterwards (by pid).
set -euo pipefail
cd "$(dirname "$0")/../.."
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
started=$(date +%s)
$UV run --locked relais stack up
trap '$UV run --locked relais stack down' EXIT
set -a; source "${RELAIS_STATE:-.relais}/stack.env"; set +a
echo "stack ready in $(( $(date +%s) - started ))s"
"$@"
