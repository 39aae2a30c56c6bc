"""The pack over whole fleets: the example agents, as the program declares them, yield no violation; a
seeded-bad fleet, each agent breaking different rules, yields exactly the expected set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from policies.pack import ALL_POLICIES
from policies.tests.harness import ROOT, container, deployment, example_manifests, stack_violations, urn, violations
from tests.pulumi_mocks import MOCKS, install, run_program, stack_config

install()

from components import program  # noqa: E402
from tests.components.example_config import example_secrets  # noqa: E402

DEV_CONFIG = json.loads((ROOT / "policies" / "config" / "dev.json").read_text())
PROD_CONFIG = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())


def _enabled(config: dict) -> list:
    return [p for p in ALL_POLICIES if (config.get(p.name) or {}).get("enforcementLevel") != "disabled"]


def evaluate(resources: list[tuple[str, str, dict]], config: dict) -> set[tuple[str, str, str]]:
    """(policy, resource name, message) for every violation, as `pulumi preview --policy-pack` reports."""
    found: set[tuple[str, str, str]] = set()
    by_urn = {urn(t, n): n for t, n, _ in resources}
    for policy in _enabled(config):
        policy_config = config.get(policy.name) or {}
        if isinstance(policy, ResourceValidationPolicy):
            for typ, name, props in resources:
                found |= {(policy.name, name, m) for m in violations(policy, typ, props, policy_config)}
        elif isinstance(policy, StackValidationPolicy):
            found |= {(policy.name, by_urn[u], m) for u, m in stack_violations(policy, resources, policy_config)}
    return found


@pytest.fixture(scope="module")
def example_resources(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, dict]]:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with stack_config({"renderDir": str(tmp_path_factory.mktemp("r")), "imageBuild": "skip"}, example_secrets()):
            run_program(program.run)
    finally:
        os.chdir(cwd)
    return [(r.typ, r.name, r.inputs) for r in MOCKS.resources if r.typ.startswith("kubernetes:")]


def test_the_example_fleet_passes_the_dev_gates(example_resources) -> None:
    assert len(example_resources) > 20
    assert evaluate(example_resources, DEV_CONFIG) == set()


def test_the_example_fleet_passes_prod_except_digest_pinning(example_resources) -> None:
    # Prod pins images by digest; the dev program references tags (it does not build), which is exactly
    # what the gate is for.
    found = evaluate(example_resources, PROD_CONFIG)
    assert {(policy, name) for policy, name, _ in found} == {
        ("image-digest-pinned", f"{a}-deployment") for a in ("crypto-trading-bot", "support-assistant", "omni-agent")
    }


def _seeded_bad_fleet() -> list[tuple[str, str, dict]]:
    root_agent = deployment("crypto-trading-bot")  # runs as root and privileged
    container(root_agent)["securityContext"].update({"runAsNonRoot": False, "privileged": True})
    root_agent["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False
    leaky = deployment("support-assistant")  # a literal token, a :latest image, too little memory
    container(leaky)["env"].append({"name": "TELEGRAM_BOT_TOKEN", "value": "123"})
    container(leaky)["image"] = "registry.launchpad.internal:5000/agents/eliza:latest"
    container(leaky)["resources"]["limits"]["memory"] = "1Gi"
    omni = example_manifests("omni-agent")  # exposed, scaled, and unobserved, in a namespace it declares
    omni["Service"]["spec"]["type"] = "LoadBalancer"
    omni["Deployment"]["spec"]["replicas"] = 3
    character = example_manifests("omni-agent")["ConfigMap"]
    character["data"]["token.txt"] = "sk-abcdefghijklmnopqrstuvwxyz012345"
    return [
        ("kubernetes:apps/v1:Deployment", "root-agent", root_agent),
        ("kubernetes:apps/v1:Deployment", "leaky-agent", leaky),
        ("kubernetes:core/v1:Namespace", "omni-ns", omni["Namespace"]),
        ("kubernetes:apps/v1:Deployment", "omni-agent", omni["Deployment"]),
        ("kubernetes:core/v1:Service", "omni-svc", omni["Service"]),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "omni-netpol", omni["NetworkPolicy"]),
        ("kubernetes:core/v1:ConfigMap", "omni-character", character),
    ]


def test_a_seeded_bad_fleet_yields_exactly_the_expected_violations() -> None:
    found = {(policy, name) for policy, name, _ in evaluate(_seeded_bad_fleet(), PROD_CONFIG)}
    no_home = {(p, a) for a in ("root-agent", "leaky-agent") for p in ("agent-namespace-isolation",)}
    unobserved = {("agent-observability", a) for a in ("root-agent", "leaky-agent", "omni-agent")}
    unpinned = {("image-digest-pinned", a) for a in ("root-agent", "leaky-agent", "omni-agent")}
    assert found == {
        ("pod-run-as-non-root", "root-agent"),
        ("pod-no-privileged", "root-agent"),
        ("env-no-credential-literals", "leaky-agent"),
        ("image-tag-pinned", "leaky-agent"),
        ("agent-memory-floor", "leaky-agent"),
        ("service-no-external-exposure", "omni-svc"),
        ("single-identity-one-replica", "omni-agent"),
        ("configmap-no-secret-data", "omni-character"),
        *no_home,
        *unobserved,
        *unpinned,
    }


def test_every_policy_has_a_description_and_a_severity() -> None:
    for policy in ALL_POLICIES:
        assert policy.description and policy.severity is not None, policy.name
    assert len({p.name for p in ALL_POLICIES}) == len(ALL_POLICIES)


def test_policy_configs_name_only_existing_policies() -> None:
    names = {p.name for p in ALL_POLICIES} | {"all"}
    for config in (DEV_CONFIG, PROD_CONFIG):
        assert set(config) <= names
    assert Path(ROOT / "policies" / "PulumiPolicy.yaml").read_text().count("runtime:") == 1
