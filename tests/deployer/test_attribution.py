"""Engine events are attributed to the agent they are about, or to none: never to the wrong one. URNs as the
program makes them (components/eliza_agent.py, components/fleet.py)."""

from __future__ import annotations

from services.deployer.attribution import Attribution, split_urn

STACK = "urn:pulumi:prod-shard-1::agent-launchpad::"
AGENT = "agent-launchpad:index:ElizaAgent"


def urn(types: str, name: str) -> str:
    return f"{STACK}{types}::{name}"


def component(name: str) -> str:
    return urn(AGENT, name)


def child(kind: str, name: str) -> str:
    return urn(f"{AGENT}${kind}", name)


def test_split_urn() -> None:
    assert split_urn(child("kubernetes:apps/v1:Deployment", "bot-deployment")) == (
        [AGENT, "kubernetes:apps/v1:Deployment"],
        "bot-deployment",
    )
    assert split_urn("not-a-urn") is None
    assert split_urn(urn("kubernetes:core/v1:ConfigMap", "a::b")) == (["kubernetes:core/v1:ConfigMap"], "a::b")


def test_children_through_their_parent() -> None:
    attribution = Attribution()
    assert attribution.observe(component("bot"), None) == "bot"
    deployment = child("kubernetes:apps/v1:Deployment", "bot-deployment")
    assert attribution.observe(deployment, component("bot")) == "bot"
    assert attribution.agent_of(deployment) == "bot"


def test_a_deleted_childs_parent_names_the_agent_before_the_component_is_seen() -> None:
    # Deletes run children first: the component's own step comes last.
    attribution = Attribution()
    secret = child("kubernetes:core/v1:Secret", "gone-env")
    assert attribution.observe(secret, component("gone")) == "gone"


def test_by_name_when_no_step_named_the_parent() -> None:
    # A policy refused these before any step was taken: attributed by `<agent>-<part>`.
    attribution = Attribution()
    assert attribution.agent_of(child("kubernetes:apps/v1:Deployment", "bot-2-deployment")) == "bot-2"
    assert attribution.agent_of(child("kubernetes:apps/v1:Deployment", "bot-deployment")) == "bot"
    assert attribution.agent_of(child("kubernetes:core/v1:ServiceAccount", "bot-sa")) == "bot"
    assert attribution.agent_of(child("kubernetes:apps/v1:Deployment", "x-sa-deployment")) == "x-sa"
    # Not a part the program makes: nobody's.
    assert attribution.agent_of(child("kubernetes:core/v1:ConfigMap", "bot-extra")) is None
    # Not a child of an agent at all: nobody's, whatever its name.
    assert attribution.agent_of(urn("kubernetes:apps/v1:Deployment", "bot-deployment")) is None


def test_own_namespace_quota_and_limits_belong_to_the_agent() -> None:
    attribution = Attribution()
    assert attribution.agent_of(urn("kubernetes:core/v1:ResourceQuota", "agent-solo-quota")) == "solo"
    assert attribution.agent_of(urn("kubernetes:core/v1:LimitRange", "agent-solo-limits")) == "solo"
    # A tenant's namespace is shared by its agents: nobody's alone.
    assert attribution.agent_of(urn("kubernetes:core/v1:ResourceQuota", "tenant-acme-quota")) is None
    assert attribution.agent_of(urn("kubernetes:core/v1:Namespace", "tenant-acme")) is None


def test_shared_objects_belong_to_nobody() -> None:
    attribution = Attribution()
    attribution.observe(component("bot"), None)
    for shared in (
        urn("pulumi:pulumi:Stack", "agent-launchpad-prod-shard-1"),
        urn("agent-launchpad:index:RegisteredAgents", "registry"),
        urn("kubernetes:scheduling.k8s.io/v1:PriorityClass", "bot-priority"),  # not a child of the agent
        urn("agent-launchpad:index:MonitoringStack$kubernetes:core/v1:ConfigMap", "bot-dashboard"),
    ):
        assert attribution.agent_of(shared) is None, shared
    assert attribution.agent_of(None) is None
