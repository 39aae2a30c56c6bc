"""What every agent of a fleet shares, built from the whole fleet as plain data: tenant namespaces, images
and their scan gate, the control-plane schema with the registry's membership, and the monitoring stack.
In a sharded fleet this is the platform stack; its one output `platform` is what the shard stacks read
through their StackReference, so it stays small and free of secrets (a StackReference copies every output
of the stack it reads into the reading stack's state)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from components import sources, stack_config
from components.fleet import FleetArgs, Shared, deploy_shared
from components.monitoring_stack import MonitoringStack, MonitoringStackArgs
from components.providers.registry import RegistryMembers
from components.supabase_schema import SupabaseSchema, SupabaseSchemaArgs
from launchpad.contracts import FINGERPRINT_OUTPUT, PLATFORM_OUTPUT, POLICY_FACTS
from launchpad.stacks import fingerprints
from launchpad.stacks.needs import StackNeeds
from launchpad.stacks.platform_facts import collect_platform_facts
from launchpad.workloads.agent_objects import tenant_namespace_manifests


def deploy_database(loaded: StackNeeds, opts: pulumi.ResourceOptions) -> tuple[list[pulumi.Resource], Any]:
    """The schema and the registry's membership (it deletes the rows of agents that left the fleet)."""
    if not loaded.settings.database:
        return [], None
    url = stack_config.secret("databaseUrl")
    assert url is not None  # load() refused a stack with `database: true` and no databaseUrl secret
    schema = SupabaseSchema("control-plane", SupabaseSchemaArgs(database_url=url), opts)
    # Git agents only: an API agent's row is removed by the deployer, after its objects (never by an `up`).
    members = {a.name: str(a.spec.owner) for a in loaded.fleet.agents if a.source == "git"}
    RegistryMembers("registry-members", url, members, pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(depends_on=[schema])))
    # defaults.yaml and the lockfiles, for the deploy workers (each agent's own files: its stack's record).
    sources.record(loaded, "shared", pulumi.ResourceOptions(depends_on=[schema]), schema.applied_versions)
    return [schema], schema.applied_versions


def deploy_monitoring(loaded: StackNeeds, opts: pulumi.ResourceOptions) -> MonitoringStack:
    """Rules, dashboards and health scraping that select agents by label: the same objects whatever the fleet."""
    receiver_urls = {sev: stack_config.secret(key) for sev, key in loaded.monitoring.secret_keys().items()}
    return MonitoringStack(
        "monitoring",
        MonitoringStackArgs(
            fleet=pulumi.get_stack(),
            settings=loaded.monitoring,
            receiver_urls={sev: url for sev, url in receiver_urls.items() if url is not None},
        ),
        opts,
    )


def _scanned(shared: Shared) -> dict[str, pulumi.Output[str]]:
    """Each built image's reference, resolved only once its scan passed: a shard reads no image the gate
    refused (its Deployments cannot wait on the platform's ImageScan the way the fleet role's do)."""
    scanned: dict[str, pulumi.Output[str]] = {}
    for ref, image in shared.images.items():
        scans = [g.id for g in shared.gates.get(ref, ()) if isinstance(g, pulumi.CustomResource)]
        scanned[ref] = pulumi.Output.all(image, *scans).apply(lambda values: str(values[0]))
    return scanned


def run(loaded: StackNeeds, args: FleetArgs, opts: pulumi.ResourceOptions) -> None:
    """The platform stack of a sharded fleet."""
    shared = deploy_shared(args, opts)
    _, applied = deploy_database(loaded, opts)
    monitoring = deploy_monitoring(loaded, opts)
    # What the shards' policy packs need to know of the objects held here for their agents (policies/platform.py).
    facts = collect_platform_facts(tenant_namespace_manifests(loaded.fleet.namespaces()), monitoring.manifests)
    pulumi.export(PLATFORM_OUTPUT, {
        "fleet": pulumi.get_stack(), "schema": applied, "images": _scanned(shared), POLICY_FACTS: facts,
    })
    pulumi.export(FINGERPRINT_OUTPUT, fingerprints.platform_fingerprint(Path.cwd(), pulumi.get_stack(), loaded.fleet))
