"""The pack as a whole: every policy described and rated, the per-environment configs name only real
policies and options, and only __main__.py starts the analyzer."""

from __future__ import annotations

import re

import yaml

from policies.pack import ALL_POLICIES
from policies.tests.harness import DEV_CONFIG, PROD_CONFIG, ROOT

POLICIES = {p.name: p for p in ALL_POLICIES}


def test_every_policy_has_a_unique_name_a_description_and_a_severity() -> None:
    assert len(POLICIES) == len(ALL_POLICIES)
    for policy in ALL_POLICIES:
        assert policy.description and policy.severity is not None, policy.name


def test_the_issue_list_is_covered() -> None:
    assert {
        "pod-run-as-non-root", "pod-no-privileged", "pod-no-privilege-escalation", "pod-drop-all-capabilities",
        "pod-seccomp-runtime-default", "pod-read-only-root-filesystem", "pod-no-host-access",
        "container-requests-and-limits", "agent-memory-floor",
        "image-registry-allowed", "image-tag-pinned", "image-digest-pinned",
        "env-no-credential-literals", "env-secret-key-ref-only", "configmap-no-secret-data",
        "service-no-external-exposure", "hpa-replica-bounds", "single-identity-one-replica",
        "agent-namespace-isolation", "agent-observability", "agent-plugin-allowlist", "agent-image-scanned",
        "kubernetes-readiness-waits",
        "control-plane-dev-sign-in",  # issue 22: the dashboard's dev-only sign-in stays on dev stacks
        "log-shipper-confined",  # issue 21: the node log shipper's hostPath and uid 0, bounded
    } == set(POLICIES)  # fmt: skip


def test_dev_warns_and_prod_blocks() -> None:
    assert DEV_CONFIG["all"] == {"enforcementLevel": "advisory"}
    assert PROD_CONFIG["all"] == {"enforcementLevel": "mandatory"}
    # Nothing in prod is weakened below mandatory; dev only turns digest pinning off (it builds no image), and
    # keeps the dev sign-in mandatory (staging runs with dev.json: it must be refused there too).
    assert all("enforcementLevel" not in v for k, v in PROD_CONFIG.items() if k != "all")
    dev_levels = {k: v["enforcementLevel"] for k, v in DEV_CONFIG.items() if "enforcementLevel" in v and k != "all"}
    assert dev_levels == {"image-digest-pinned": "disabled", "agent-image-scanned": "advisory",
                          "control-plane-dev-sign-in": "mandatory"}


def test_configs_name_only_existing_policies_and_options() -> None:
    for config in (DEV_CONFIG, PROD_CONFIG):
        for name, options in config.items():
            if name == "all":
                continue
            assert name in POLICIES, name
            schema = POLICIES[name].config_schema
            known = set(schema.properties) if schema else set()
            assert set(options) - {"enforcementLevel"} <= known, name


def test_only_main_constructs_the_pack() -> None:
    # PolicyPack(...) starts the analyzer server and never returns: importing such a module would hang.
    constructs = re.compile(r"^\s*PolicyPack\(", re.MULTILINE)
    sources = [p for p in (ROOT / "policies").rglob("*.py") if constructs.search(p.read_text())]
    assert [p.relative_to(ROOT).as_posix() for p in sources] == ["policies/__main__.py"]


def test_the_pack_runs_on_python_from_the_project_venv() -> None:
    manifest = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"] == {"name": "python", "options": {"virtualenv": "../.venv"}}
