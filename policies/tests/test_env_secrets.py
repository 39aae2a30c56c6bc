from policies.kubernetes import env_secrets
from policies.tests.harness import DEPLOYMENT, container, deployment, violations

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"


def _with_env(*env: dict) -> dict:
    props = deployment()
    container(props)["env"] = list(env)
    return props


def test_agent_deployment_passes() -> None:
    assert violations(env_secrets.no_credential_literals, DEPLOYMENT, deployment()) == []
    assert violations(env_secrets.secrets_from_secret_refs, DEPLOYMENT, deployment()) == []


def test_literal_credential_by_name() -> None:
    found = violations(
        env_secrets.no_credential_literals, DEPLOYMENT, _with_env({"name": "DISCORD_API_TOKEN", "value": "abc"})
    )
    assert found == [
        "container 'eliza' env DISCORD_API_TOKEN holds a literal credential (value not shown): "
        "use valueFrom.secretKeyRef"
    ]


def test_literal_credential_by_value_is_not_echoed() -> None:
    found = violations(env_secrets.no_credential_literals, DEPLOYMENT, _with_env({"name": "BOT", "value": TOKEN}))
    assert found == [
        "container 'eliza' env BOT holds what looks like a Telegram bot token (value not shown): "
        "use valueFrom.secretKeyRef"
    ]
    assert TOKEN not in found[0]


def test_credentials_only_from_secrets() -> None:
    env = {"name": "OPENAI_API_KEY", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}
    assert violations(env_secrets.secrets_from_secret_refs, DEPLOYMENT, _with_env(env)) == [
        "container 'eliza' env OPENAI_API_KEY comes from configMapKeyRef, not a Secret: use secretKeyRef"
    ]
    ok = {"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
    assert violations(env_secrets.secrets_from_secret_refs, DEPLOYMENT, _with_env(ok)) == []
