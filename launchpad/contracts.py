"""Names that other programs read: Pulumi type tokens, stack outputs, and the shape of a Kubernetes object.

Each is written once here and imported where it is used, because a typo on one side (the program exports
`fingerprint`, `shards plan` reads `fingerprints`) fails silently: the reader just finds nothing. Labels and
annotations on the objects are in launchpad/naming.py and the workload modules."""

from __future__ import annotations

from typing import Any

# A Kubernetes object as the generators build it (apiVersion, kind, metadata, ...).
Manifest = dict[str, Any]

# Pulumi type tokens: the program's components, and the engine's root resource (whose outputs are the
# stack's exports, as a policy pack and `pulumi stack export` see them).
PROJECT = "agent-launchpad"
ELIZA_AGENT = f"{PROJECT}:index:ElizaAgent"
AGENT_PACK = f"{PROJECT}:index:AgentPack"  # several agents in one elizaOS server (launchpad/fleet/packing.py)
AGENT_IMAGE = f"{PROJECT}:index:AgentImage"
MONITORING_STACK = f"{PROJECT}:index:MonitoringStack"
SUPABASE_SCHEMA = f"{PROJECT}:index:SupabaseSchema"
CONTROL_PLANE_SERVICE = f"{PROJECT}:index:ControlPlaneService"
ROOT_STACK = "pulumi:pulumi:Stack"
# The children of an ElizaAgent are named `<agent>-<part>` (components/eliza_agent.py): the deployer tells
# whose an engine event is by them (services/deployer/attribution.py). tests/components checks the program.
# `default-deny`: the deny-all NetworkPolicy of an agent's own namespace (launchpad/workloads/network.py).
ELIZA_AGENT_PARTS = (
    "namespace", "sa", "character", "env", "deployment", "service", "hpa", "pdb", "netpol", "default-deny",
)

# Stack outputs.
SUMMARY_OUTPUT = "summary"  # every stack: the fleet's one-line summary
FINGERPRINT_OUTPUT = "fingerprint"  # every stack: digest of its inputs (launchpad/stacks/fingerprints.py)
AGENTS_OUTPUT = "agents"  # stacks that run agents: name -> namespace, deployment, serviceDns, image
PLATFORM_OUTPUT = "platform"  # a platform stack's one output, read by its shards through a StackReference
POLICY_FACTS = "policy"  # the key of the policy facts inside it (launchpad/stacks/platform_facts.py)
SHARD_EXPORT = "platformPolicy"  # a shard's re-export of those facts, where its policy pack reads them

# The deployer's dry run (services/deployer): the `preview` of a dry-run operation runs with this variable set
# to the operation's id, and the program replaces that operation's agent by its candidate (operations.candidate)
# for the preview; an `up` refuses it (components/program.py).
PREVIEW_OPERATION_ENV = "LAUNCHPAD_PREVIEW_OPERATION"

# The dashboard's dev-only sign-in (stack setting devSignIn): the control plane's API Deployment carries this
# variable set to "true" when the stack allows it; the API offers the sign-in only when both say so, and the
# policy pack (policies/kubernetes/dev_sign_in.py) refuses the variable on every stack but the dev ones.
DEV_SIGN_IN_ENV = "LAUNCHPAD_DEV_SIGN_IN"
# ... and the database owner's login it adds dev users to auth.users with (the API's own role reaches no auth table).
DEV_SIGN_IN_DATABASE_URL_ENV = "LAUNCHPAD_DEV_SIGN_IN_DATABASE_URL"
