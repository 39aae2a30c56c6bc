"""Imports go one way (tests/layout/rules.py): checked on the tree, and shown to catch what they forbid on
small trees seeded with a cycle or a forbidden import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layout.import_graph import build
from tests.layout.rules import violations

ROOT = Path(__file__).resolve().parents[2]


def test_the_tree_follows_the_layout() -> None:
    graph = build(ROOT)
    assert len(graph.modules) > 100  # the walk found the tree
    assert violations(graph) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_cycle_between_modules_fails(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "launchpad/__init__.py": "",
        "launchpad/fleet/__init__.py": "",
        "launchpad/fleet/loader.py": "from launchpad.fleet import rules\n",
        # hidden in a function body: still a cycle
        "launchpad/fleet/rules.py": "def check():\n    from launchpad.fleet.loader import load\n",
    })
    assert violations(build(root)) == [
        "import cycle between modules: launchpad.fleet.loader <-> launchpad.fleet.rules",
    ]


def test_a_cycle_between_packages_fails(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "launchpad/__init__.py": "",
        "launchpad/fleet/__init__.py": "",
        "launchpad/fleet/loader.py": "from launchpad.runtime.lockfiles import read\n",
        "launchpad/runtime/__init__.py": "",
        "launchpad/runtime/lockfiles.py": "",
        "launchpad/runtime/boot.py": "from launchpad.fleet.loader import load\n",
    })
    assert violations(build(root)) == [
        "import cycle between packages: launchpad.fleet <-> launchpad.runtime",
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"launchpad/x.py": "import components.program\n", "components/program.py": ""},
         "launchpad.x imports components.program: the core imports no components"),
        ({"launchpad/x.py": "import pulumi\n"}, "launchpad.x imports pulumi: the core imports no Pulumi SDK"),
        ({"launchpad/x.py": "from services.api import app\n", "services/api/app.py": ""},
         "launchpad.x imports services.api.app: the core imports no services"),
        ({"services/api/app.py": "from services.collector import status\n", "services/collector/status.py": ""},
         "services.api.app imports services.collector.status: services never import each other"),
        ({"services/api/app.py": "from components.fleet import deploy\n", "components/fleet.py": ""},
         "services.api.app imports components.fleet: a service imports no components"),
        ({"services/api/app.py": "from pulumi import automation\n"},
         "services.api.app imports pulumi.automation: only services.deployer imports Pulumi, and only pulumi.automation"),
        ({"components/x.py": "import policies.pack\n", "policies/pack.py": ""},
         "components.x imports policies.pack: the Pulumi program imports no policies"),
        ({"policies/x.py": "import components.fleet\n", "components/fleet.py": ""},
         "policies.x imports components.fleet: the policy pack imports no components"),
    ],
)
def test_a_forbidden_import_fails(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    assert expected in violations(build(_tree(tmp_path, files)))


def test_what_the_layout_allows(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "launchpad/cli.py": "from services.api.cli import register\n",
        "services/api/cli.py": "from launchpad.fleet import load\n",
        "launchpad/fleet.py": "",
        "services/deployer/worker.py": "from pulumi import automation\nimport pulumi.automation as auto\n",
        "components/program.py": "import pulumi\nfrom launchpad.fleet import load\n",
    })
    assert violations(build(root)) == []
