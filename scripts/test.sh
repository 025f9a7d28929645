#!/usr/bin/env bash
# Runs the whole test suite. The tests start their own PostgreSQL and Redis on free loopback
# ports (installed here when missing) and the Notify processes they need; nothing else has
# to be running. Extra arguments go to `dotnet test` (e.g. --filter Topology).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/install-deps.sh"
cd "$repo"
results="${NOTIFY_TEST_RESULTS:-$repo/TestResults}"
# One build of everything first: the topology tests launch the services' own binaries.
dotnet build Notify.sln -nologo -clp:ErrorsOnly
dotnet test Notify.sln --no-build -nologo --logger trx --results-directory "$results" "$@"
