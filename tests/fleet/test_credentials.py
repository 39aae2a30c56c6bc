import pytest

from launchpad.credentials import credential_kind, is_credential_name


@pytest.mark.parametrize(
    "name", ["OPENAI_API_KEY", "DISCORD_API_TOKEN", "DB_PASSWORD", "TWITTER_ACCESS_TOKEN_SECRET", "apikey", "AUTH"]
)
def test_credential_names(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize("name", ["LOG_LEVEL", "KEYWORDS", "MONKEY_MODE", "TOKENIZER", "SERVER_HOST"])
def test_plain_setting_names(name: str) -> None:
    assert not is_credential_name(name)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("sk-proj-abcdefghijklmnopqrstuvwx", "an OpenAI/Anthropic-style API key"),
        ("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq", "a Telegram bot token"),
        ("postgresql://app:s3cret@db.internal:5432/app", "a URL with a password"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub token"),
        ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
    ],
)
def test_credential_values(value: str, kind: str) -> None:
    assert credential_kind(value) == kind


@pytest.mark.parametrize(
    "value", ["info", "https://api.example.com/v1", "postgresql://db.internal:5432/app", "true", "AKIA-not-a-key"]
)
def test_plain_values(value: str) -> None:
    assert credential_kind(value) is None
