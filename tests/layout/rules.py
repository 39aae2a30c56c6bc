"""The layout's import rules (docs/architecture.md, "Layers and imports"), as one function over the graph.

- The core (`launchpad`) is plain Python: it imports neither the Pulumi program (`components`, `__main__`),
  nor the policy pack, nor a service, nor the Pulumi SDKs. One exception: the command line
  (`launchpad.cli`) is where `python -m launchpad api|collector|deployer ...` are wired, so it may import a
  service's own `cli` module, and nothing else of it.
- The Pulumi program imports the core, never a service or the policy pack.
- The policy pack imports the core, never the program or a service.
- A service imports the core only: never the program, the pack or another service (services talk through
  the database). Only the deployer may import Pulumi, and only its Automation API.
- No cycle, between modules or between packages (graph.package_of says what a package is).
"""

from __future__ import annotations

from tests.layout.import_graph import Graph, cycles, package_edges

PULUMI_SDKS = ("pulumi", "pulumi_kubernetes", "pulumi_policy", "pulumi_docker")
DEPLOYER = "services.deployer"


def _top(module: str) -> str:
    return module.split(".")[0]


def _service(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "services" and len(parts) > 1 else None


def _sdk(name: str) -> str | None:
    top = name.split(".")[0]
    return top if top in PULUMI_SDKS else None


def violations(graph: Graph) -> list[str]:
    found: list[str] = []
    for module, targets in sorted(graph.edges.items()):
        layer = _top(module)
        for target in sorted(targets):
            kind = _top(target)
            if layer == "launchpad":
                cli_wiring = module == "launchpad.cli" and _service(target) and target.endswith(".cli")
                if kind in ("components", "policies", "__main__") or (kind == "services" and not cli_wiring):
                    found.append(f"{module} imports {target}: the core imports no {kind}")
            elif layer == "components" and kind in ("services", "policies"):
                found.append(f"{module} imports {target}: the Pulumi program imports no {kind}")
            elif layer == "policies" and kind in ("components", "services", "__main__"):
                found.append(f"{module} imports {target}: the policy pack imports no {kind}")
            elif layer == "services":
                own, other = _service(module), _service(target)
                if kind in ("components", "policies", "__main__"):
                    found.append(f"{module} imports {target}: a service imports no {kind}")
                elif other is not None and other != own:
                    found.append(f"{module} imports {target}: services never import each other")
        for name in sorted(graph.external.get(module, ())):
            sdk = _sdk(name)
            if sdk is None:
                continue
            if layer == "launchpad":
                found.append(f"{module} imports {name}: the core imports no Pulumi SDK")
            elif layer == "services" and not (_service(module) == DEPLOYER and name.startswith("pulumi.automation")):
                found.append(f"{module} imports {name}: only {DEPLOYER} imports Pulumi, and only pulumi.automation")
    for cycle in cycles(graph.edges):
        found.append(f"import cycle between modules: {' <-> '.join(cycle)}")
    for cycle in cycles(package_edges(graph)):
        found.append(f"import cycle between packages: {' <-> '.join(cycle)}")
    return found
