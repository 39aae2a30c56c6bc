"""A Deployment that is compliant but for two things, a privileged container and a plaintext token, rendered
to a directory: the policy pack must stop exactly those (tests/e2e/test_policy_gate.py)."""

import os

import pulumi
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
                        "resources": {"requests": {"cpu": "500m", "memory": "2Gi"},
                                      "limits": {"cpu": "1", "memory": "2Gi"}},
                        "securityContext": {
                            "privileged": True,
                            "runAsNonRoot": True,
                            "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "env": [{"name": "DISCORD_API_TOKEN", "value": "plaintext-token-in-the-manifest"}],
                    }
                ]
            },
        },
    },
    opts=pulumi.ResourceOptions(provider=provider),
)
