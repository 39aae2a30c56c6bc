"""Every limit the API applies, in one place: request size, JSON shape, rates, and the default per-user quotas
(an administrator raises a user's through `app_metadata.launchpad.quota`, which only the service role writes).

The character and the request are held to these before anything is validated, so no request can make the
loader or the database do work out of proportion to what a serious agent needs: the whole example fleet's
largest character is 1.3 KB, and a Kubernetes ConfigMap (where the character goes) holds 1 MiB at most."""

from __future__ import annotations

# Request bodies (POST, PATCH): bytes read before parsing, then the JSON's shape.
MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 12  # the deepest valid body: character.messageExamples[i][j].content.* is 6
MAX_STRING_CHARS = 8 * 1024  # any one string (a system prompt, a bio line)
MAX_ARRAY_ITEMS = 256
MAX_OBJECT_KEYS = 256
MAX_ENVIRONMENT = 64  # secret values one agent may be given

# Headers and tokens.
MAX_TOKEN_BYTES = 8 * 1024  # a Supabase access token is ~1 KB
MAX_IDEMPOTENCY_KEY_CHARS = 255
MAX_REQUEST_ID_CHARS = 64

# Listing.
DEFAULT_PAGE = 20
MAX_PAGE = 100
# The agents list: a fleet's worth in one page (the dashboard reads a user's 1,000 agents in one request; each
# summary is ~400 bytes of JSON, compressed on the wire).
MAX_AGENTS_PAGE = 1000

# Rates per user (a moving window): changes (every POST, PATCH, DELETE) and reads; and requests with a
# token we refuse, per client address (what a brute force looks like).
CHANGES_PER_MINUTE = 30
READS_PER_MINUTE = 600
AUTH_FAILURES_PER_MINUTE = 20

# Default quotas per user, over their agents created through the API (git agents are the platform team's).
# Replicas: the sum of scaling.maxReplicas; memory: the sum of limits.memory x maxReplicas. A paused agent
# counts as an agent, not as replicas or memory.
QUOTA_AGENTS = 10
QUOTA_REPLICAS = 20
QUOTA_MEMORY = "32Gi"
