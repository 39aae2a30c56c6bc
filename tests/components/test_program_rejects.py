"""An invalid fleet, a missing secret or a bad stack setting stops the program before the first resource:
zero resources registered, and the message names the file, line and field."""

from __future__ import annotations

import pytest

from tests.pulumi_mocks import MOCKS, install, run_program, stack_config

install()

import pulumi  # noqa: E402

from components import program  # noqa: E402
from tests.fleet.fleet_files import BASE, write_fleet  # noqa: E402

SECRETS = {
    "tgToken": "test-secret-tg",
    "openaiKey": "test-secret-openai",
    "agentTokenKey": "test-secret-token-key-0123456789abcdef",
}


def _run(tmp_path, monkeypatch, files: dict[str, str], plain: dict | None = None, secrets: dict | None = None) -> str:
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, files)
    settings = {"renderDir": str(tmp_path / "render"), "imageBuild": "skip", **(plain or {})}
    with stack_config(settings, SECRETS if secrets is None else secrets), pytest.raises(pulumi.RunError) as caught:
        run_program(program.run)
    return str(caught.value)


def test_valid_fleet_registers_resources(tmp_path, monkeypatch) -> None:
    # The control case: the same harness registers resources when nothing is wrong.
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, {"bot.yaml": BASE})
    with stack_config({"renderDir": str(tmp_path / "render"), "imageBuild": "skip"}, SECRETS):
        run_program(program.run)
    # provider; 3 tier PriorityClasses; the stack's token nonces; agent component, namespace, its deny-all
    # policy, account, config, secret, deployment, service, netpol; monitoring component, rules, fleet
    # dashboard, agent dashboard (no `tenants:` in a fleet without defaults.yaml: no quota, no LimitRange)
    assert len(MOCKS.resources) == 18


def test_invalid_fleet_registers_nothing(tmp_path, monkeypatch) -> None:
    message = _run(
        tmp_path,
        monkeypatch,
        {
            "good.yaml": BASE.replace("name: bot", "name: good"),
            "bad.yaml": BASE.replace("  maxReplicas: 1", "  maxReplicas: 3\n  targetCPU: 70"),
        },
    )
    assert MOCKS.resources == []
    assert "the fleet is invalid; nothing was changed" in message
    assert "agents/bad.yaml:15: scaling.maxReplicas: telegram in polling mode allows one replica" in message


def test_missing_secret_registers_nothing(tmp_path, monkeypatch) -> None:
    message = _run(tmp_path, monkeypatch, {"bot.yaml": BASE}, secrets={"tgToken": "test-secret-tg"})
    assert MOCKS.resources == []
    assert (
        "agents/bot.yaml:18: secrets.OPENAI_API_KEY: config key agent-launchpad:openaiKey is not set: "
        "`pulumi config set --secret openaiKey <value> --stack dev`"
    ) in message


def test_plaintext_secret_in_config_is_refused_without_echoing_it(tmp_path, monkeypatch) -> None:
    message = _run(
        tmp_path,
        monkeypatch,
        {"bot.yaml": BASE},
        plain={"openaiKey": "sk-plaintext-oops-1234567890"},
        secrets={"tgToken": "test-secret-tg"},
    )
    assert MOCKS.resources == []
    assert "agent-launchpad:openaiKey is set in plaintext; set it again with --secret" in message
    assert "sk-plaintext-oops" not in message


def test_unknown_stack_setting_registers_nothing(tmp_path, monkeypatch) -> None:
    message = _run(tmp_path, monkeypatch, {"bot.yaml": BASE}, plain={"imageBiuld": "skip"})
    assert MOCKS.resources == []
    assert "Pulumi.dev.yaml: agent-launchpad:imageBiuld: unknown key" in message


def test_database_url_in_plaintext_is_refused(tmp_path, monkeypatch) -> None:
    message = _run(tmp_path, monkeypatch, {"bot.yaml": BASE}, plain={"databaseUrl": "postgresql://u:p@h/db"})
    assert MOCKS.resources == []
    assert "agent-launchpad:databaseUrl: must be a secret" in message
    assert "u:p@h" not in message


@pytest.mark.parametrize(
    ("key", "why"),
    [("", "it is 0"), ("short-key", "it is 9"), ("a" * 40, "it is 40, nearly all one character")],
    ids=["empty", "short", "one-character"],
)
def test_a_weak_token_key_is_refused_at_preview(tmp_path, monkeypatch, key: str, why: str) -> None:
    """Issue 18: an empty agentTokenKey made every agent's token HMAC('', name), which anyone who knows the name
    (its labels, its DNS name) can compute."""
    message = _run(tmp_path, monkeypatch, {"bot.yaml": BASE}, secrets={**SECRETS, "agentTokenKey": key})
    assert MOCKS.resources == []
    assert "secrets cannot be used; nothing was changed" in message
    assert f"agentTokenKey must be a random secret of at least 32 characters ({why})" in message
    assert 'pulumi config set --secret agentTokenKey "$(openssl rand -hex 32)" --stack dev' in message


def test_an_empty_provider_key_is_refused_at_preview(tmp_path, monkeypatch) -> None:
    message = _run(tmp_path, monkeypatch, {"bot.yaml": BASE}, secrets={**SECRETS, "openaiKey": "  "})
    assert MOCKS.resources == []
    assert (
        "agents/bot.yaml:18: secrets.OPENAI_API_KEY: config key agent-launchpad:openaiKey is set but empty: "
        "`pulumi config set --secret openaiKey <value> --stack dev`"
    ) in message
