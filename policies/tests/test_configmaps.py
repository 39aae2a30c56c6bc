from policies.kubernetes import configmaps
from policies.tests.harness import example_manifests, violations

CM = configmaps.CONFIG_MAP


def test_character_config_map_passes() -> None:
    assert violations(configmaps.no_secret_data, CM, example_manifests("omni-agent")["ConfigMap"]) == []


def test_credential_keys_and_values_are_refused() -> None:
    props = {"data": {"api-token": "x", "settings.json": '{"key": "sk-abcdefghijklmnopqrstuvwxyz"}'}}
    assert violations(configmaps.no_secret_data, CM, props) == [
        "key 'api-token' is named like a credential: keep it in a Secret",
        "key 'settings.json' holds what looks like an OpenAI/Anthropic-style API key (value not shown): "
        "keep it in a Secret",
    ]


def test_binary_data_keys_named_like_credentials_are_refused() -> None:
    props = {"binaryData": {"logo.png": "iVBORw0KGgo=", "tls.key": "LS0tLS1CRUdJTg=="}}
    assert violations(configmaps.no_secret_data, CM, props) == [
        "binaryData key 'tls.key' is named like a credential: keep it in a Secret",
    ]
