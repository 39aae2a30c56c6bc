"""Stack config for running the program over the example fleet under mocks."""

from __future__ import annotations

from pathlib import Path

from launchpad.fleet import load_fleet

ROOT = Path(__file__).resolve().parents[2]
TEST_SECRET_PREFIX = "test-secret-value-"
# The stack's token key: at least 32 characters (launchpad/workloads/auth_token.py).
TEST_TOKEN_KEY = f"{TEST_SECRET_PREFIX}agentTokenKey-0123456789"


def example_secrets(agents_dir: Path = ROOT / "agents") -> dict[str, str]:
    """A recognisable fake value for every config secret the fleet reads."""
    fleet = load_fleet([agents_dir])
    keys = {use.key for agent in fleet.agents for use in agent.config_secrets}
    values = {key: f"{TEST_SECRET_PREFIX}{key}" for key in sorted(keys)}
    return {**values, "agentTokenKey": TEST_TOKEN_KEY}  # every agent's API token is derived from it
