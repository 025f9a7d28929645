#!/usr/bin/env bash
# Brings up the whole Notify topology locally: PostgreSQL, Redis, the ingress and the five
# channel processes. Arguments go to the AppHost (--state-dir DIR, --otlp URL, --no-channels,
# --replicas email=2,whatsapp=2).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/install-deps.sh"
cd "$repo"
exec dotnet run --project Notify.AppHost -- "$@"
