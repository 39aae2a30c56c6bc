"""Every policy of the pack, importable without starting the analyzer (tests, docs)."""

from policies import stack
from policies.kubernetes import (
    agents,
    autoscalers,
    awaits,
    configmaps,
    container_resources,
    dev_sign_in,
    env_secrets,
    images,
    log_shipper,
    pod_security,
    services,
)

ALL_POLICIES = [
    *pod_security.POLICIES,
    *container_resources.POLICIES,
    *images.POLICIES,
    *log_shipper.POLICIES,
    *env_secrets.POLICIES,
    *configmaps.POLICIES,
    *services.POLICIES,
    *autoscalers.POLICIES,
    *awaits.POLICIES,
    *dev_sign_in.POLICIES,
    *agents.POLICIES,
    *stack.POLICIES,
]
