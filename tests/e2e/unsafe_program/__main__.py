"""A privileged container with a plaintext token, rendered to a directory: what the policy pack must stop."""

import os

import pulumi_kubernetes as k8s

provider = k8s.Provider("render", render_yaml_to_directory=os.environ["UNSAFE_RENDER_DIR"])
k8s.apps.v1.Deployment(
    "unsafe",
    metadata={"name": "unsafe", "namespace": "default"},
    spec={
        "selector": {"matchLabels": {"app": "unsafe"}},
        "template": {
            "metadata": {"labels": {"app": "unsafe"}},
            "spec": {
                "containers": [
                    {
                        "name": "bot",
                        "image": "registry.launchpad.internal:5000/agents/eliza-runtime:1.7.2",
                        "securityContext": {"privileged": True},
                        "env": [{"name": "DISCORD_API_TOKEN", "value": "plaintext-token-in-the-manifest"}],
                    }
                ]
            },
        },
    },
    opts=__import__("pulumi").ResourceOptions(provider=provider),
)
