from policies.kubernetes import agents
from policies.tests.harness import DEPLOYMENT, deployment, violations


def test_plugin_allowlist() -> None:
    config = {"allowedPlugins": ["@elizaos/plugin-sql", "@elizaos/plugin-bootstrap", "@elizaos/plugin-openai"]}
    assert violations(agents.plugin_allowlist, DEPLOYMENT, deployment(), config) == [
        "plugin @elizaos/plugin-discord@1.3.8 is not in the allowed plugins of the policy config"
    ]
    config["allowedPlugins"].append("@elizaos/plugin-discord@1.3.8")
    assert violations(agents.plugin_allowlist, DEPLOYMENT, deployment(), config) == []


def test_unscanned_image_is_reported() -> None:
    props = deployment()
    assert violations(agents.image_scanned, DEPLOYMENT, props) == []
    props["metadata"]["annotations"]["launchpad.dev/scan"] = "false"
    assert violations(agents.image_scanned, DEPLOYMENT, props) == [
        "agent crypto-trading-bot runs an image that was not vulnerability-scanned (stack setting scan: false)"
    ]
