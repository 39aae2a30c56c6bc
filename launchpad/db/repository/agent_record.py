"""What the other layers see of an agent: the registry gets an AgentRecord. Derived here, from the resolved
agent, so the database never reads the spec models. (Monitoring needs nothing per agent: it selects agents by
their labels, launchpad.monitoring.selectors.)"""

from __future__ import annotations

from launchpad.db.repository.record import STORED_LOCATION, AgentRecord, SecretLocation
from launchpad.fleet.resolved import Agent


def agent_record(agent: Agent) -> AgentRecord:
    resources = agent.spec.resources
    secrets = []
    for env, source in sorted(agent.spec.secrets.items()):
        if source.config is not None:
            secrets.append(SecretLocation(env, "pulumi-config", source.config))
        elif source.secret_key_ref is not None:
            ref = source.secret_key_ref
            secrets.append(SecretLocation(env, "kubernetes-secret", f"{ref.name}/{ref.key}"))
        elif source.stored:
            secrets.append(SecretLocation(env, "api", STORED_LOCATION))
    return AgentRecord(
        user_id=str(agent.spec.owner),
        name=agent.name,
        tenant=agent.spec.tenant,
        namespace=agent.namespace,
        status="running",
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
        source_file=agent.file if agent.source == "git" else None,
    )
