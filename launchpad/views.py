"""What the other layers see of an agent: monitoring gets a MonitoredAgent, the registry an AgentRecord.
Derived here, from the resolved agent, so monitoring and the database never read the spec models."""

from __future__ import annotations

from launchpad import naming
from launchpad.db.record import AgentRecord, SecretLocation
from launchpad.monitoring.model import MonitoredAgent
from launchpad.spec.fleet import Agent
from launchpad.spec.quantity import parse_quantity
from launchpad.workloads.agent_objects import autoscaled


def monitored_agent(agent: Agent) -> MonitoredAgent:
    limits = agent.spec.resources.limits
    # Validated agents always have both limits (spec/rules.py requires them after merging defaults).
    if limits.memory is None or limits.cpu is None:
        raise ValueError(f"{agent.file}: agent {agent.name} has no resource limits")
    scaling = agent.spec.scaling
    return MonitoredAgent(
        name=agent.name,
        tenant=naming.tenant_value(agent.spec.tenant),
        namespace=agent.namespace,
        deployment=agent.name,
        container=naming.CONTAINER_NAME,
        service=agent.name,
        port=naming.HTTP_PORT,
        memory_limit_bytes=int(parse_quantity(limits.memory)),
        cpu_limit_cores=float(parse_quantity(limits.cpu)),
        min_replicas=scaling.min_replicas,
        max_replicas=scaling.max_replicas,
        autoscaled=autoscaled(agent),
    )


def agent_record(agent: Agent) -> AgentRecord:
    resources = agent.spec.resources
    secrets = []
    for env, source in sorted(agent.spec.secrets.items()):
        if source.config is not None:
            secrets.append(SecretLocation(env, "pulumi-config", source.config))
        elif source.secret_key_ref is not None:
            ref = source.secret_key_ref
            secrets.append(SecretLocation(env, "kubernetes-secret", f"{ref.name}/{ref.key}"))
    return AgentRecord(
        user_id=str(agent.spec.owner),
        name=agent.name,
        tenant=agent.spec.tenant,
        namespace=agent.namespace,
        status="deployed",
        replicas=agent.spec.scaling.min_replicas,
        character=agent.character,
        plugins=list(agent.plugins),
        platforms={platform: {"mode": mode} for platform, mode in agent.platforms.items()},
        resources={
            "requests": resources.requests.model_dump(exclude_none=True),
            "limits": resources.limits.model_dump(exclude_none=True),
            "scaling": agent.spec.scaling.model_dump(by_alias=True, exclude_none=True),
        },
        image=agent.image_ref,
        secrets=secrets,
    )
