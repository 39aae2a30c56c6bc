"""What an elizaOS agent's (or a pack's) Deployment may run: plugins from the allowlist in the policy config (the
Deployment's `launchpad.dev/plugins` annotation, comma separated). Whether its image was scanned is a
stack-wide setting, checked in policies/stack.py."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.kubernetes.workloads import DEPLOYMENT, PLUGINS_ANNOTATION, annotations_of, workload_name


def _plugin_allowlist(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = set(args.get_config().get("allowedPlugins") or [])
    if args.resource_type != DEPLOYMENT or workload_name(args.props) is None or not allowed:
        return
    plugins = [p.strip() for p in (annotations_of(args.props).get(PLUGINS_ANNOTATION) or "").split(",") if p.strip()]
    for plugin in plugins:
        package = plugin.rpartition("@")[0] or plugin  # "@scope/name@1.2.3" -> "@scope/name"
        if plugin not in allowed and package not in allowed:
            report(f"plugin {plugin} is not in the allowed plugins of the policy config", None)


plugin_allowlist = ResourceValidationPolicy(
    name="agent-plugin-allowlist",
    description="Agents load only plugins the policy config allows.",
    severity=Severity.HIGH,
    validate=_plugin_allowlist,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedPlugins": {
                "type": "array",
                "items": {"type": "string"},
                "description": "npm package names (any version) or name@version; empty allows all",
            }
        }
    ),
)
POLICIES = [plugin_allowlist]
