"""The dashboard's dev-only sign-in is refused on every stack but dev and local, mandatory under both policy
configs (staging runs with dev.json, where the rest of the pack is advisory)."""

from __future__ import annotations

from typing import Any

import pytest

from launchpad.contracts import DEV_SIGN_IN_ENV
from launchpad.controlplane.manifests import all_services
from launchpad.settings import ControlPlaneSettings
from policies.kubernetes import dev_sign_in
from policies.tests.harness import DEPLOYMENT, DEV_CONFIG, PROD_CONFIG, violations

POLICY = "control-plane-dev-sign-in"


def _api_deployment(dev: bool) -> dict[str, Any]:
    plane = ControlPlaneSettings(registry="registry.launchpad.internal:5000")
    (api,) = [m for m in all_services(plane, "registry.launchpad.internal:5000/cp:abc", True, dev) if m.kind == "api"]
    return api.deployment


def _config(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (config.get(POLICY) or {}).items() if k != "enforcementLevel"}


def _level(config: dict[str, Any]) -> str:
    return str((config.get(POLICY) or {}).get("enforcementLevel") or config["all"]["enforcementLevel"])


def test_the_setting_reaches_the_api_deployment_only() -> None:
    plane = ControlPlaneSettings(registry="registry.launchpad.internal:5000")
    services = {m.kind: m.deployment for m in all_services(plane, "img", True, dev_sign_in=True)}
    env = {k: [e["name"] for e in d["spec"]["template"]["spec"]["containers"][0]["env"]] for k, d in services.items()}
    assert DEV_SIGN_IN_ENV in env["api"] and DEV_SIGN_IN_ENV not in env["deployer"]
    off = _api_deployment(dev=False)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert DEV_SIGN_IN_ENV not in [e["name"] for e in off]


@pytest.mark.parametrize("stack", ["dev", "local"])
def test_dev_stacks_may(stack: str) -> None:
    assert violations(dev_sign_in.dev_sign_in_off, DEPLOYMENT, _api_deployment(True), _config(DEV_CONFIG), stack) == []


@pytest.mark.parametrize(("stack", "config"), [("staging", DEV_CONFIG), ("prod", PROD_CONFIG), ("dev", PROD_CONFIG)])
def test_staging_and_prod_are_refused_and_it_is_mandatory(stack: str, config: dict[str, Any]) -> None:
    found = violations(dev_sign_in.dev_sign_in_off, DEPLOYMENT, _api_deployment(True), _config(config), stack)
    assert len(found) == 1
    assert found[0].startswith(f"the dashboard's dev-only sign-in is on ({DEV_SIGN_IN_ENV}=true)")
    assert f"remove agent-launchpad:devSignIn from Pulumi.{stack}.yaml" in found[0]
    assert _level(config) == "mandatory"


def test_without_the_setting_nothing_is_reported_anywhere() -> None:
    for stack in ("dev", "staging", "prod"):
        assert violations(dev_sign_in.dev_sign_in_off, DEPLOYMENT, _api_deployment(False), {}, stack) == []


def test_false_or_another_kind_is_left_alone() -> None:
    deployment = _api_deployment(True)
    for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]:
        if e["name"] == DEV_SIGN_IN_ENV:
            e["value"] = "false"
    assert violations(dev_sign_in.dev_sign_in_off, DEPLOYMENT, deployment, {}, "prod") == []
    configmap = "kubernetes:core/v1:ConfigMap"
    assert violations(dev_sign_in.dev_sign_in_off, configmap, _api_deployment(True), {}, "prod") == []


def test_stack_of_reads_the_urn() -> None:
    assert dev_sign_in.stack_of("urn:pulumi:staging::agent-launchpad::kubernetes:apps/v1:Deployment::api") == "staging"
    assert dev_sign_in.stack_of("not-a-urn") == ""
