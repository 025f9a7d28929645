#!/usr/bin/env bash
# The delivery drain benchmark (issue 3, "Targets"): Notify and three peers from npm —
# BullMQ, graphile-worker and pg-boss — drain the same pre-enqueued messages against one
# local PostgreSQL and Redis that this script starts on loopback, plus a pgbench baseline of
# Notify's claim-and-complete SQL. See bench/drain/README.md.
#
#   bench/drain/run.sh                  everything, 3 repetitions, medians reported
#   REPS=1 COUNT=5000 bench/drain/run.sh          a quick look
#   SYSTEMS="notify graphile" SCENARIOS=noop bench/drain/run.sh
#
# Environment: REPS (3), COUNT (20000), SYSTEMS ("notify bullmq graphile pgboss"),
# SCENARIOS ("noop http"), REPLICAS ("1 2"), PGBENCH (1: run it), LATENCY (1: Notify's
# accept→provider latency at half its scenario-(b) rate), DURABLE (0: synchronous_commit off,
# fsync on; 1: every commit waits for its WAL flush — on this machine's disk, ~5 ms per fsync,
# that measures the disk rather than the queues), RESULTS (bench/RESULTS.md: where the table is appended).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo/bench/drain"
REPS="${REPS:-3}"
COUNT="${COUNT:-20000}"
SYSTEMS="${SYSTEMS:-notify bullmq graphile pgboss}"
SCENARIOS="${SCENARIOS:-noop http}"
REPLICAS="${REPLICAS:-1 2}"
PGBENCH="${PGBENCH:-1}"
LATENCY="${LATENCY:-1}"
DURABLE="${DURABLE:-0}"
RESULTS="${RESULTS:-$repo/bench/RESULTS.md}"

log() { printf '[drain] %s\n' "$*" >&2; }

# --- what the benchmark needs ----------------------------------------------------------
"$repo/scripts/install-deps.sh"
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "run.sh: Node.js 20 or newer is needed for the peers (pg-boss 10 requires it)." >&2
  exit 1
fi
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/pg_ctl" ]; then
  pg_bin="$(dirname "$(command -v pg_ctl)")"
fi
[ -x "$pg_bin/pgbench" ] || { echo "run.sh: pgbench not found in $pg_bin" >&2; exit 1; }

commit="$(git -C "$repo" rev-parse --short HEAD)"   # what is built below, whatever is committed meanwhile
log "installing the peers (npm ci)"
(cd "$here/peers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
log "building Notify.DrainBench and Notify.Sandbox (Release)"
dotnet build "$repo/bench/Notify.DrainBench/Notify.DrainBench.csproj" -c Release -nologo -clp:ErrorsOnly -v q >&2
dotnet build "$repo/Notify.Sandbox/Notify.Sandbox.csproj" -c Release -nologo -clp:ErrorsOnly -v q >&2
drain_dll="$repo/bench/Notify.DrainBench/bin/Release/net10.0/Notify.DrainBench.dll"
sandbox_dir="$repo/Notify.Sandbox/bin/Release/net10.0"

# --- servers on loopback, in a temporary directory, stopped on exit -------------------------
work="$(mktemp -d /tmp/notify-drain.XXXXXX)"
chmod 755 "$work"
pids=()
pg_started=0
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then as_postgres=(runuser -u postgres --); fi
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "$pg_started" = 1 ]; then "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

pg_port="$(free_port)"
pg_password="$(node -p "require('crypto').randomBytes(18).toString('base64url')")"
printf '%s\n' "$pg_password" > "$work/pwfile"
mkdir -p "$work/pg"
if [ ${#as_postgres[@]} -gt 0 ]; then chown postgres "$work/pg" "$work/pwfile"; fi
"${as_postgres[@]}" "$pg_bin/initdb" -D "$work/pg" -U notify --pwfile="$work/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >/dev/null
pg_settings="-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg -c max_connections=200 -c shared_buffers=256MB"
if [ "$DURABLE" != 1 ]; then pg_settings="$pg_settings -c synchronous_commit=off"; fi
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w -o "$pg_settings" start >/dev/null
pg_started=1
log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (durable=$DURABLE)"

redis_port="$(free_port)"
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" >"$work/redis.log" 2>&1 &
pids+=($!)

# Receipts off: the scenario is the Mail Send alone. With them on, the sandbox composed two
# SendGrid events per message and posted them to its default receiver (a name that does not
# resolve here), 256 messages at a time, each retried for 15 s; once its queue of 10,000 was
# full it logged a warning per message instead. That work, the same whatever system sent the
# messages, spilled into later runs.
sandbox_port="$(free_port)"
sandbox_key="SG.drain.$(node -p "require('crypto').randomBytes(12).toString('hex')")"
(cd "$sandbox_dir" && exec env ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production \
  Kestrel__Endpoints__http__Url="http://127.0.0.1:$sandbox_port" \
  Logging__LogLevel__Default=Warning Sandbox__SendGrid__ApiKeys__0="$sandbox_key" \
  Sandbox__Receipts__Enabled=false \
  dotnet Notify.Sandbox.dll >"$work/sandbox.log" 2>&1) &
pids+=($!)

for _ in $(seq 1 150); do
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1 && curl -sf "http://127.0.0.1:$sandbox_port/sandbox/stats" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
redis-cli -p "$redis_port" ping >/dev/null || { echo "run.sh: Redis did not start" >&2; cat "$work/redis.log" >&2; exit 1; }
curl -sf "http://127.0.0.1:$sandbox_port/sandbox/stats" >/dev/null || { echo "run.sh: the sandbox did not start" >&2; cat "$work/sandbox.log" >&2; exit 1; }
log "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$redis_port; sandbox on 127.0.0.1:$sandbox_port"

export DRAIN_PG_HOST=127.0.0.1 DRAIN_PG_PORT="$pg_port" DRAIN_PG_USER=notify DRAIN_PG_PASSWORD="$pg_password"
export DRAIN_REDIS_HOST=127.0.0.1 DRAIN_REDIS_PORT="$redis_port"
export DRAIN_SANDBOX_URL="http://127.0.0.1:$sandbox_port" DRAIN_SANDBOX_KEY="$sandbox_key"
export DRAIN_NOTIFY_DLL="$drain_dll"
# For the CPU accounting in drain.mjs: the servers' own processes (PostgreSQL's backends are its children).
export DRAIN_PG_PID="$(head -1 "$work/pg/postmaster.pid")" DRAIN_REDIS_PID="${pids[0]}" DRAIN_SANDBOX_PID="${pids[1]}"
export PGPASSWORD="$pg_password"
psql_at() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U notify "$@"; }

if [ "${SERVERS_ONLY:-0}" = 1 ]; then
  # For working on one system by hand: keep the servers up and say how to reach them.
  env | grep -E '^(DRAIN_|PGPASSWORD=)' | sed 's/^/export /' >"${SERVERS_ENV:-$work/env}"
  log "servers up; environment in ${SERVERS_ENV:-$work/env} (source it, then: node bench/drain/peers/drain.mjs --system ...). Ctrl-C stops them."
  while true; do sleep 3600 & wait $!; done
fi

# The machine's load before the first run, for the report (other work on 2 cores shows in every number).
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
drains="$work/drains.jsonl"
pgbench_out="$work/pgbench.jsonl"
latency_out="$work/latency.jsonl"
: >"$drains"; : >"$pgbench_out"; : >"$latency_out"

# --- the drains: repetitions outermost, so noise from the shared machine falls on every system alike
for rep in $(seq 1 "$REPS"); do
  for scenario in $SCENARIOS; do
    for replicas in $REPLICAS; do
      for system in $SYSTEMS; do
        log "rep $rep/$REPS: $system, scenario $scenario, $replicas replica(s)"
        if ! node "$here/peers/drain.mjs" --system "$system" --scenario "$scenario" --replicas "$replicas" --count "$COUNT" >>"$drains"; then
          log "run failed: $system $scenario $replicas"
          printf '{"system":"%s","scenario":"%s","replicas":%s,"ok":false,"problems":["the run failed"]}\n' "$system" "$scenario" "$replicas" >>"$drains"
        fi
      done
    done
  done
done

# --- pgbench: the raw SQL cost of Notify's claim-and-complete lifecycle ---------------------
if [ "$PGBENCH" = 1 ]; then
  for rep in $(seq 1 "$REPS"); do
    for clients in 1 2; do
      tx=1000
      rows=$((clients * tx * 100 + 1000))
      psql_at -d postgres -c "DROP DATABASE IF EXISTS drain_pgbench WITH (FORCE)" -c "CREATE DATABASE drain_pgbench"
      dotnet "$drain_dll" enqueue "Host=127.0.0.1;Port=$pg_port;Username=notify;Password=$pg_password;Database=drain_pgbench" 1 >/dev/null
      psql_at -d drain_pgbench -c "TRUNCATE notify.notifications, notify.deliveries, notify.delivery_attempts"
      psql_at -d drain_pgbench -v rows="$rows" -f "$here/pgbench/populate.sql"
      psql_at -d drain_pgbench -c "VACUUM ANALYZE"
      psql_at -d postgres -c "CHECKPOINT"
      log "rep $rep/$REPS: pgbench claim+complete, $clients client(s) × $tx transactions of 100 rows"
      out="$("$pg_bin/pgbench" -n -M prepared -c "$clients" -j "$clients" -t "$tx" -f "$here/pgbench/claim_complete.sql" \
        -h 127.0.0.1 -p "$pg_port" -U notify drain_pgbench 2>&1)"
      tps="$(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)"
      sent="$(psql_at -d drain_pgbench -At -c "SELECT count(*) FROM notify.deliveries WHERE status = 'SENT'")"
      expected=$((clients * tx * 100))
      ok=true; [ "$sent" = "$expected" ] || ok=false
      printf '{"clients":%s,"tps":%s,"rows":%s,"sent":%s,"ok":%s}\n' "$clients" "${tps:-0}" \
        "$(node -p "Math.round(${tps:-0} * 100)")" "$sent" "$ok" >>"$pgbench_out"
      log "$(tail -1 "$pgbench_out")"
    done
  done
  psql_at -d postgres -c "DROP DATABASE IF EXISTS drain_pgbench WITH (FORCE)"
fi

# --- Notify's accept → provider latency at half its sustainable scenario-(b) rate --------------
if [ "$LATENCY" = 1 ] && [[ " $SYSTEMS " == *" notify "* ]] && [[ " $SCENARIOS " == *" http "* ]]; then
  half="$(node -e "
    const rows = require('fs').readFileSync('$drains', 'utf8').trim().split('\n').map(JSON.parse)
      .filter(r => r.system === 'notify' && r.scenario === 'http' && r.replicas === 1 && r.ok).map(r => r.rate).sort((a, b) => a - b);
    console.log(rows.length ? Math.round(rows[Math.floor((rows.length - 1) / 2)] / 2) : 0)")"
  if [ "$half" -gt 0 ]; then
    for rep in $(seq 1 "$REPS"); do
      log "rep $rep/$REPS: Notify latency at $half/s (half of scenario b)"
      node "$here/peers/drain.mjs" --system notify --scenario http --latency-rate "$half" --latency-seconds 20 >>"$latency_out" || log "latency run failed"
    done
  fi
fi

# --- the table -------------------------------------------------------------------------------
table="$(node "$here/peers/report.mjs" --drains "$drains" --pgbench "$pgbench_out" --latency "$latency_out" \
  --count "$COUNT" --reps "$REPS" --durable "$DURABLE" --pg-version "$("$pg_bin/postgres" --version | awk '{print $3}')" \
  --redis-version "$(redis-server --version | awk '{print $3}' | cut -d= -f2)" --commit "$commit" --load "$load_before")"
printf '\n%s\n' "$table"
printf '\n%s\n' "$table" >>"$RESULTS"
log "appended to $RESULTS"
