"""Entry point of the policy pack. The only place a PolicyPack is constructed: its constructor starts the
analyzer server and never returns, so the policies live in importable modules (see pack.py)."""

import sys
from pathlib import Path

# The pack runs from this directory; the shared rules (memory floor, credential patterns) are in launchpad/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.pack import ALL_POLICIES

PolicyPack(name="agent-launchpad", enforcement_level=EnforcementLevel.ADVISORY, policies=ALL_POLICIES)
