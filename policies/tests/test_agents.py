from policies.kubernetes import agents
from policies.tests.harness import DEPLOYMENT, deployment, violations


def test_plugin_allowlist() -> None:
    config = {"allowedPlugins": ["@elizaos/plugin-sql", "@elizaos/plugin-bootstrap", "@elizaos/plugin-openai"]}
    assert violations(agents.plugin_allowlist, DEPLOYMENT, deployment(), config) == [
        "plugin @elizaos/plugin-discord@1.3.8 is not in the allowed plugins of the policy config"
    ]
    config["allowedPlugins"].append("@elizaos/plugin-discord@1.3.8")
    assert violations(agents.plugin_allowlist, DEPLOYMENT, deployment(), config) == []


def test_plugins_are_split_on_commas_and_spaces() -> None:
    props = deployment()
    props["metadata"]["annotations"]["launchpad.dev/plugins"] = "@elizaos/plugin-sql, evil-plugin@0.0.1,"
    config = {"allowedPlugins": ["@elizaos/plugin-sql"]}
    assert violations(agents.plugin_allowlist, DEPLOYMENT, props, config) == [
        "plugin evil-plugin@0.0.1 is not in the allowed plugins of the policy config"
    ]


def test_an_empty_allowlist_allows_every_plugin() -> None:
    assert violations(agents.plugin_allowlist, DEPLOYMENT, deployment(), {"allowedPlugins": []}) == []
