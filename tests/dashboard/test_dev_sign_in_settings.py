"""The dev-only sign-in as a stack setting: the dev and local stacks set it; a stack that deploys the control
plane with it must give the API the owner's login for its users (refused before any resource otherwise); the
API Deployment then carries the switch the policy pack looks for (policies/tests/test_dev_sign_in.py)."""

from __future__ import annotations

import pytest

from launchpad.contracts import DEV_SIGN_IN_DATABASE_URL_ENV, DEV_SIGN_IN_ENV
from launchpad.controlplane.manifests import all_services, check
from launchpad.errors import UserError
from launchpad.settings import ControlPlaneSettings, parse_settings
from launchpad.stacks.stack_files import plain_config, stack_file
from tests.dashboard.build import ROOT


def _settings(stack: str):  # type: ignore[no-untyped-def]
    from launchpad.settings import StackSettings

    values = {k: v for k, v in plain_config(stack_file(ROOT, stack)).items() if k in StackSettings.model_fields}
    return parse_settings(values, stack)


@pytest.mark.parametrize("stack", ["dev", "local"])
def test_the_dev_stacks_allow_it_and_give_the_api_what_it_needs(stack: str) -> None:
    settings = _settings(stack)
    assert settings.devSignIn is True and settings.controlPlane is not None
    check(settings.controlPlane, stack, settings.devSignIn)
    (api,) = [m for m in all_services(settings.controlPlane, "img", False, True) if m.kind == "api"]
    env = {e["name"]: e for e in api.deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env[DEV_SIGN_IN_ENV]["value"] == "true"
    assert "secretKeyRef" in env[DEV_SIGN_IN_DATABASE_URL_ENV]["valueFrom"]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_do_not_set_it(stack: str) -> None:
    assert _settings(stack).devSignIn is False


def test_a_control_plane_without_the_owners_login_is_refused() -> None:
    plane = ControlPlaneSettings(registry="registry.launchpad.internal:5000/control")
    with pytest.raises(UserError) as refused:
        check(plane, "dev", dev_sign_in=True)
    assert str(refused.value) == (
        f"Pulumi.dev.yaml: agent-launchpad:controlPlane.api.secrets.{DEV_SIGN_IN_DATABASE_URL_ENV}: devSignIn is set: "
        "the API adds its dev users to auth.users through the database owner's login; give it (a config secret or a "
        "secretKeyRef), or remove devSignIn")
    check(plane, "dev", dev_sign_in=False)  # without it, nothing is asked
