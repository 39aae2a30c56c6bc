"""The pack over the example fleet as the program declares it (under Pulumi mocks): no violation with the
dev config, and none with the prod config once images are built and pinned by digest."""

from __future__ import annotations

import os

import pytest

from policies.tests.harness import DEV_CONFIG, PROD_CONFIG, ROOT, evaluate
from tests.pulumi_mocks import MOCKS, install, run_program, stack_config

install()

from components import program  # noqa: E402
from tests.components.example_config import example_secrets  # noqa: E402

AGENTS = ("crypto-trading-bot", "support-assistant", "omni-agent")


def _declared(tmp: str, **settings: str) -> list[tuple[str, str, dict]]:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with stack_config({"renderDir": tmp, **settings}, example_secrets()):
            run_program(program.run)
    finally:
        os.chdir(cwd)
    return [(r.typ, r.name, r.inputs) for r in MOCKS.resources if r.typ.startswith("kubernetes:")]


@pytest.fixture(scope="module")
def dev_fleet(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, dict]]:
    # As Pulumi.dev.yaml: no image build, no scan.
    return _declared(str(tmp_path_factory.mktemp("dev")), imageBuild="skip", scan="false")


@pytest.fixture(scope="module")
def prod_fleet(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, dict]]:
    # Images built and pushed (the mocks return a registry digest), scan gate on. The program checks that
    # trivy exists before it declares scans (they run only in `up`): a stand-in on PATH satisfies that.
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "trivy").write_text("#!/bin/sh\nexit 1\n")
    (bin_dir / "trivy").chmod(0o755)
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{bin_dir}:{path}"
    try:
        return _declared(str(tmp_path_factory.mktemp("prod")), imageBuild="docker")
    finally:
        os.environ["PATH"] = path


def test_the_example_fleet_passes_the_dev_gates_but_for_the_scan_advisory(dev_fleet) -> None:
    assert len(dev_fleet) > 20
    assert evaluate(dev_fleet, DEV_CONFIG) == {
        (
            "agent-image-scanned",
            f"{agent}-deployment",
            f"agent {agent} runs an image that was not vulnerability-scanned (stack setting scan: false)",
        )
        for agent in AGENTS
    }
    assert DEV_CONFIG["agent-image-scanned"] == {"enforcementLevel": "advisory"}


def test_the_example_fleet_passes_the_prod_gates(prod_fleet) -> None:
    assert evaluate(prod_fleet, PROD_CONFIG) == set()


def test_tag_referenced_images_fail_prod_digest_pinning(dev_fleet) -> None:
    # The dev program references tags (it builds nothing): exactly what prod's digest gate is for.
    found = {(p, n) for p, n, _ in evaluate(dev_fleet, PROD_CONFIG)}
    assert ("image-digest-pinned", "crypto-trading-bot-deployment") in found
