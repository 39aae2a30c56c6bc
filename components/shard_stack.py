"""One shard of a sharded fleet: the ElizaAgents of the agents assigned to this shard (launchpad/stacks/assignment.py)
and their registry rows. What they share comes from the platform stack through a StackReference: the
schema the rows are written against, the built images, and the tenant namespaces (which the platform's
`up` creates before any shard runs: `python -m launchpad shards up` orders them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from components import sources, stack_config
from components.eliza_agent import ElizaAgent
from components.fleet import FleetArgs, Shared, deploy_agents
from components.providers.registry import RegisteredAgents
from launchpad.contracts import AGENTS_OUTPUT, FINGERPRINT_OUTPUT, PLATFORM_OUTPUT, POLICY_FACTS, SHARD_EXPORT
from launchpad.db.repository.agent_record import agent_record
from launchpad.fleet.tiers import TIERS, priority_class_name
from launchpad.stacks import fingerprints
from launchpad.stacks.needs import StackNeeds

_REQUIRED = object()


def _platform_value(
    platform: pulumi.StackReference, name: str, key: str, in_preview: Any = _REQUIRED
) -> pulumi.Output[Any]:
    """A value of the platform's `platform` output; an error naming the stack when it has not run yet, or
    `in_preview` in a preview when one is given."""

    def pick(value: Any) -> Any:
        if isinstance(value, dict) and key in value:
            return value[key]
        if in_preview is not _REQUIRED and pulumi.runtime.is_dry_run():
            return in_preview
        raise pulumi.RunError(
            f"platform stack {name} has no output {PLATFORM_OUTPUT}.{key}: run its `up` first "
            f"(python -m launchpad shards up --stack {name} runs the platform before the shards)"
        )

    return platform.get_output(PLATFORM_OUTPUT).apply(pick)


def _image(images: pulumi.Output[Any], ref: str, platform: str) -> pulumi.Output[str]:
    def pick(built: dict[str, str]) -> str:
        if ref in built:
            return built[ref]
        if pulumi.runtime.is_dry_run():
            return ref  # a preview before the platform built it: the image the platform will build
        raise pulumi.RunError(f"image {ref} is not built by platform stack {platform} yet: run its `up` first")

    return images.apply(pick)


def _policy_facts(platform: pulumi.StackReference, name: str) -> pulumi.Output[Any]:
    """The platform's facts for this stack's policy pack (launchpad/stacks/platform_facts.py), with its name. A preview
    before the platform's `up` has written them gets the name alone: the pack then says what it cannot see."""
    facts = _platform_value(platform, name, POLICY_FACTS, in_preview={})
    return facts.apply(lambda found: {"stack": name, **found})


def deploy(
    loaded: StackNeeds,
    args: FleetArgs,
    shared: Shared,
    opts: pulumi.ResourceOptions,
    registration: pulumi.ResourceOptions,
    schema: pulumi.Input[Any] = None,
) -> dict[str, ElizaAgent]:
    """This stack's agents, their `agents` rows (components/registry.py) and the `agents` export."""
    agents = deploy_agents(args, shared, loaded.agents, opts)
    # Rows of agents from git only: an API agent's row is the control plane's, which the program only reads.
    from_git = [a for a in loaded.agents if a.source == "git"]
    if loaded.settings.database and from_git:
        url = stack_config.secret("databaseUrl")
        assert url is not None  # load() refused a stack with `database: true` and no databaseUrl secret
        records = [agent_record(a, loaded.fleet.pack_of(a.name)) for a in from_git]
        RegisteredAgents("registry-agents", url, records, registration,
                         schema=schema, create_owner=loaded.settings.databaseCreateOwners)
    # Its git agents' files for the deploy workers: this stack's record alone changes with one of them.
    sources.record(loaded, "agents", registration, schema)
    fields = {"namespace": "namespace", "deployment": "deployment_name", "serviceDns": "service_dns", "image": "image"}
    exported = {name: {k: getattr(a, attr) for k, attr in fields.items()} for name, a in agents.items()}
    pulumi.export(AGENTS_OUTPUT, exported)
    return agents


def run(loaded: StackNeeds, args: FleetArgs, opts: pulumi.ResourceOptions) -> None:
    settings = loaded.settings
    assert settings.platform is not None and settings.shard is not None  # the role says so
    name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{settings.platform}"
    platform = pulumi.StackReference("platform", name)
    # The tenant namespaces and the PriorityClasses are the platform's: its `up` runs first.
    shared = Shared(tenant_namespaces_elsewhere=True, classes={priority_class_name(tier): platform for tier in TIERS})
    if settings.imageBuild == "docker":
        images = _platform_value(platform, settings.platform, "images")
        shared.images = {ref: _image(images, ref, settings.platform) for ref in {a.image_ref for a in loaded.agents}}
    schema = _platform_value(platform, settings.platform, "schema") if settings.database else None
    deploy(loaded, args, shared, opts, pulumi.ResourceOptions(depends_on=[platform]), schema)
    pulumi.export(SHARD_EXPORT, _policy_facts(platform, settings.platform))
    fingerprint = fingerprints.shard_fingerprint(
        Path.cwd(), settings.platform, settings.shard, loaded.fleet, loaded.agents
    )
    pulumi.export(FINGERPRINT_OUTPUT, fingerprint)
