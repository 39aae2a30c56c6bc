#!/usr/bin/env bash
# The README's self-service walk-through, run for real on the dev stack and printed as it answers: the design's
# three `POST /api/agents` bodies (docs/api/examples/, verbatim), the same under free names, a body changed as
# the answers say, its deploy by a worker (the same `pulumi up` as dev-up), the design's status, scale and logs
# calls, and a second user who sees none of it. It removes its agent at the end, so the dev stack is left as it
# was. Needs the dev stack up once (scripts/dev-up.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
port="${PORT:-8010}"
api="http://127.0.0.1:$port/api"

bash scripts/venv.sh >/dev/null
source scripts/engine-env.sh >/dev/null 2>&1
export PULUMI_BACKEND_URL="file://$root/.state/pulumi"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
export PULUMI_SKIP_CHECKPOINTS="${PULUMI_SKIP_CHECKPOINTS-true}"

.venv/bin/python -m launchpad dev-db start --data-dir .state/postgres --port 54329 >/dev/null
database=$(.venv/bin/python -m launchpad dev-db url)
.venv/bin/python -m launchpad migrate --database-url "$database" >/dev/null
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi
  .venv/bin/python -m launchpad dev-db stop --data-dir .state/postgres >/dev/null
}
trap cleanup EXIT
.venv/bin/python -m launchpad api serve --dev --port "$port" >.state/api-demo.log 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

TOKEN=$(.venv/bin/python -m launchpad api token --dev --email trader@example.com)
OTHER=$(.venv/bin/python -m launchpad api token --dev --email someone-else@example.com)
show() { echo "\$ $1"; }
call() {  # call METHOD PATH [BODY-FILE|-] [TOKEN]: prints the status line and the JSON answer
  local method=$1 path=$2 body=${3:-} token=${4:-$TOKEN}
  local args=(-s -X "$method" "$api$path" -H "Authorization: Bearer $token" -H "apikey: your-supabase-anon-key"
              -w '\nHTTP %{http_code}\n')
  [ -n "$body" ] && args+=(-H "Content-Type: application/json" --data-binary "@$body")
  curl "${args[@]}"
}
worker_once() {
  show "python -m launchpad deployer run --stack dev --once"
  LAUNCHPAD_DATABASE_URL="$database" .venv/bin/python -m launchpad deployer run --stack dev --project "$root" \
    --home .state/deployer --once 2>&1 | tail -n 3
}
mkdir -p .state/deployer build/api-demo

for name in crypto-trading-bot support-assistant omni-agent; do
  show "curl -X POST $api/agents -d @docs/api/examples/design-$name.json"
  call POST /agents "docs/api/examples/design-$name.json"
done
for name in crypto-trading-bot support-assistant omni-agent; do
  sed "s/\"agentName\": \"$name\"/\"agentName\": \"my-$name\"/" "docs/api/examples/design-$name.json" \
    >"build/api-demo/my-$name.json"
  show "curl -X POST $api/agents -d @my-$name.json   # the same body, agentName \"my-$name\""
  call POST /agents "build/api-demo/my-$name.json" | .venv/bin/python -c '
import json, sys
lines = sys.stdin.read().rsplit("\n", 2)
answer = json.loads(lines[0])
print(json.dumps(answer, indent=2)); print(lines[1])'
done

# The three bodies changed as the answers say (no project_ref or tables, traits in `adjectives`, a model, the
# platform's pinned plugins, the secrets each platform reads, one replica per chat bot identity), as the example
# fleet's agents are, so they use the plugin sets it has locked (agents/locks/).
cat >build/api-demo/market-watcher.json <<'EOF2'
{
  "agentName": "market-watcher",
  "description": "AI-powered cryptocurrency trading assistant",
  "character": {"name": "TradingBot", "bio": "Expert cryptocurrency trader with real-time market analysis",
                "adjectives": ["professional", "analytical", "helpful"]},
  "plugins": ["@elizaos/plugin-discord"],
  "platforms": ["discord"],
  "model": {"provider": "openai", "name": "gpt-4o-mini"},
  "resources": {"memory": "1Gi", "cpu": "500m"},
  "environment": {"DISCORD_APPLICATION_ID": "1234567890", "DISCORD_API_TOKEN": "your-discord-token",
                  "OPENAI_API_KEY": "sk-your-openai-key"},
  "supabase_config": {"database_url": "postgresql://postgres:a-password@db.your-project.supabase.co:5432/postgres"}
}
EOF2
cat >build/api-demo/helpdesk.json <<'EOF2'
{
  "agentName": "helpdesk",
  "description": "24/7 customer support agent",
  "character": {"name": "SupportBot", "bio": "Friendly customer support specialist",
                "adjectives": ["helpful", "patient", "knowledgeable"],
                "knowledge": ["Support hours are 08:00-20:00 CET on weekdays."]},
  "plugins": ["@elizaos/plugin-telegram"],
  "platforms": {"telegram": {"mode": "polling"}},
  "model": {"provider": "anthropic", "name": "claude-3-5-haiku-latest", "embeddings": "openai"},
  "resources": {"memory": "1Gi", "cpu": "250m"},
  "environment": {"TELEGRAM_BOT_TOKEN": "your-telegram-token", "ANTHROPIC_API_KEY": "sk-ant-your-key",
                  "OPENAI_API_KEY": "sk-your-openai-key"},
  "supabase_config": {"database_url": "postgresql://postgres:a-password@db.your-project.supabase.co:5432/postgres"}
}
EOF2
cat >build/api-demo/omni-presence.json <<'EOF2'
{
  "agentName": "omni-presence",
  "description": "Multi-platform AI agent",
  "character": {"name": "OmniBot", "bio": "Versatile AI assistant across multiple platforms",
                "adjectives": ["adaptable", "intelligent", "engaging"]},
  "plugins": ["@elizaos/plugin-discord", "@elizaos/plugin-telegram", "@elizaos/plugin-twitter"],
  "platforms": {"discord": {}, "telegram": {"mode": "polling"}, "twitter": {"mode": "post"}},
  "model": {"provider": "openrouter", "name": "meta-llama/llama-3.1-70b-instruct"},
  "resources": {"memory": "2Gi", "cpu": "1000m"},
  "scaling": {"minReplicas": 1, "maxReplicas": 1},
  "environment": {"DISCORD_APPLICATION_ID": "2345678901", "DISCORD_API_TOKEN": "another-discord-token",
                  "TELEGRAM_BOT_TOKEN": "another-telegram-token", "TWITTER_API_KEY": "k",
                  "TWITTER_API_SECRET_KEY": "s", "TWITTER_ACCESS_TOKEN": "t", "TWITTER_ACCESS_TOKEN_SECRET": "ts",
                  "OPENROUTER_API_KEY": "sk-or-your-key"}
}
EOF2
for name in market-watcher helpdesk omni-presence; do
  show "curl -X POST $api/agents -d @$name.json"
  call POST /agents "build/api-demo/$name.json"
done
worker_once
show "curl -X GET $api/agents/market-watcher/status"
call GET /agents/market-watcher/status
printf '%s\n' '{"resources": {"memory": "2Gi", "cpu": "1000m"}, "scaling": {"minReplicas": 2, "maxReplicas": 10}}' \
  >build/api-demo/scale.json
show "curl -X PATCH $api/agents/market-watcher -d @scale.json   # the design's scale call"
call PATCH /agents/market-watcher build/api-demo/scale.json
show "curl -X GET $api/agents/market-watcher/logs"
call GET /agents/market-watcher/logs
show "curl -X GET $api/agents/market-watcher   # as another user"
call GET /agents/market-watcher "" "$OTHER"
for name in market-watcher helpdesk omni-presence; do
  show "curl -X DELETE $api/agents/$name"
  call DELETE "/agents/$name" | tail -n 1
done
worker_once
