"""Autoscaled agents get an HPA and a PDB; agents that share a runtime and plugin set share one built image,
and their Deployments run it by digest."""

from __future__ import annotations

import os

import pytest

from tests.pulumi_mocks import MOCKS, fake_digest, install, run_program, stack_config

install()

from components import program  # noqa: E402
from tests.fleet.fleet_files import BASE, write_fleet  # noqa: E402

WEB = (
    BASE.replace("  telegram: {mode: polling}", "  web: {}")
    .replace("  TELEGRAM_BOT_TOKEN: {config: tgToken}\n", "  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n")
    .replace(
        "  minReplicas: 1\n  maxReplicas: 1", "  minReplicas: 2\n  maxReplicas: 6\n  targetCPU: 70\n  targetMemory: 85"
    )
    + "database: {host: pg.example.com}\n"
)
DEFAULTS = "registry: registry.example.com/agents\nimage:\n  build: {}\n"
SECRETS = {
    "tgToken": "test-secret-tg", "twinTgToken": "test-secret-tg-2", "otherTgToken": "test-secret-tg-3",
    "openaiKey": "test-secret-openai", "agentTokenKey": "test-secret-token-key-0123456789abcdef",
}  # fmt: skip


def _fleet(tmp_path, monkeypatch, files: dict[str, str], image_build: str, scan: bool = False, **settings) -> list:
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, files)
    plain = {"renderDir": str(tmp_path / "render"), "imageBuild": image_build, "scan": str(scan).lower(), **settings}
    with stack_config(plain, SECRETS):
        run_program(program.run)
    return list(MOCKS.resources)


def _fake_trivy_on_path(tmp_path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "trivy").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "trivy").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


def test_autoscaled_web_agent_gets_hpa_pdb_and_rolling_updates(tmp_path, monkeypatch) -> None:
    resources = _fleet(tmp_path, monkeypatch, {"web.yaml": WEB}, "skip")
    (hpa,) = [r for r in resources if r.typ == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]
    assert hpa.inputs["spec"]["minReplicas"] == 2
    assert hpa.inputs["spec"]["maxReplicas"] == 6
    assert [m["resource"]["name"] for m in hpa.inputs["spec"]["metrics"]] == ["cpu", "memory"]
    assert hpa.inputs["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    (pdb,) = [r for r in resources if r.typ == "kubernetes:policy/v1:PodDisruptionBudget"]
    assert pdb.inputs["spec"]["maxUnavailable"] == 1
    (deployment,) = [r for r in resources if r.typ == "kubernetes:apps/v1:Deployment"]
    assert deployment.inputs["spec"]["strategy"]["type"] == "RollingUpdate"
    assert "replicas" not in deployment.inputs["spec"], "the HPA owns the replica count"
    assert deployment.inputs["metadata"]["annotations"]["launchpad.dev/single-identity"] == "false"


def test_agents_with_the_same_plugins_share_one_image_and_run_it_by_digest(tmp_path, monkeypatch) -> None:
    files = {
        "defaults.yaml": DEFAULTS,
        "a.yaml": BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2\n", "").replace("image:\n", ""),
        "b.yaml": BASE.replace("name: bot", "name: twin")
        .replace("{config: tgToken}", "{config: twinTgToken}")  # a bot of its own
        .replace("  ref: ghcr.io/acme/eliza:1.7.2\n", "")
        .replace("image:\n", ""),
        "c.yaml": BASE.replace("name: bot", "name: other")
        .replace("{config: tgToken}", "{config: otherTgToken}")
        .replace("  ref: ghcr.io/acme/eliza:1.7.2\n", "")
        .replace("image:\n", "")
        + 'plugins:\n  - "@acme/plugin-extra@2.0.0"\n',
    }
    resources = _fleet(tmp_path, monkeypatch, files, "docker")
    images = [r for r in resources if r.typ == "docker:index/image:Image"]
    assert len(images) == 2, "bot and twin share one image; other has one more plugin"
    names = {i.inputs["imageName"] for i in images}
    assert all(n.startswith("registry.example.com/agents/eliza-runtime:") for n in names)
    assert all(i.inputs["build"]["dockerfile"].endswith("Dockerfile") for i in images)
    deployments = {r.name: r for r in resources if r.typ == "kubernetes:apps/v1:Deployment"}
    image_of = {n: d.inputs["spec"]["template"]["spec"]["containers"][0]["image"] for n, d in deployments.items()}
    assert image_of["bot-deployment"] == image_of["twin-deployment"] != image_of["other-deployment"]
    tag_of = {i.inputs["imageName"].rsplit(":", 1)[0] + "@" + fake_digest(i.inputs["imageName"]) for i in images}
    assert set(image_of.values()) == tag_of


@pytest.mark.parametrize("build", ["skip"])
def test_skipped_build_references_the_computed_tag(tmp_path, monkeypatch, build: str) -> None:
    files = {
        "defaults.yaml": DEFAULTS,
        "a.yaml": BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2\n", "").replace("image:\n", ""),
    }
    resources = _fleet(tmp_path, monkeypatch, files, build)
    assert not [r for r in resources if r.typ.startswith("docker:")]
    (deployment,) = [r for r in resources if r.typ == "kubernetes:apps/v1:Deployment"]
    image = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image.startswith("registry.example.com/agents/eliza-runtime:") and len(image.rsplit(":", 1)[1]) == 16


BUILT = {
    "defaults.yaml": DEFAULTS,
    "a.yaml": BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2\n", "").replace("image:\n", ""),
}


def test_built_images_are_scanned_before_their_deployments(tmp_path, monkeypatch) -> None:
    _fake_trivy_on_path(tmp_path, monkeypatch)
    captured: dict = {}
    from components import fleet

    real = fleet.ElizaAgent

    def spy(name, args, opts=None):  # type: ignore[no-untyped-def]
        captured[name] = args
        return real(name, args, opts)

    monkeypatch.setattr(fleet, "ElizaAgent", spy)
    import pulumi_kubernetes as k8s

    real_deployment = k8s.apps.v1.Deployment

    def deployment_spy(name, *args, opts=None, **kwargs):  # type: ignore[no-untyped-def]
        captured[name] = opts
        return real_deployment(name, *args, opts=opts, **kwargs)

    monkeypatch.setattr(k8s.apps.v1, "Deployment", deployment_spy)
    resources = _fleet(tmp_path, monkeypatch, BUILT, "docker", scan=True)
    (scan,) = [r for r in resources if r.typ == "pulumi-python:dynamic/launchpad:ImageScan"]
    (image,) = [r for r in resources if r.typ == "docker:index/image:Image"]
    assert scan.inputs["image"] == image.inputs["imageName"].rsplit(":", 1)[0] + "@" + fake_digest(
        image.inputs["imageName"]
    )
    assert scan.inputs["threshold"] == "HIGH" and scan.inputs["report_path"].endswith(".json")
    gates = captured["bot"].depends_on
    assert {type(g).__name__ for g in gates} == {"AgentImage", "ImageScan", "PriorityClass"}
    # and the Deployment itself waits for them (the pods must not start an image that failed its scan)
    waits_for = {type(d).__name__ for d in captured["bot-deployment"].depends_on}
    assert {"AgentImage", "ImageScan", "PriorityClass"} <= waits_for


def test_a_stack_that_must_scan_without_trivy_registers_nothing(tmp_path, monkeypatch) -> None:
    import pulumi

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("LAUNCHPAD_CACHE", str(tmp_path / "no-cache"))  # nor one tools/trivy built
    with pytest.raises(pulumi.RunError) as caught:
        _fleet(tmp_path, monkeypatch, BUILT, "docker", scan=True)
    assert MOCKS.resources == []
    assert "agent-launchpad:scan: cannot scan image registry.example.com/agents/eliza-runtime:" in str(caught.value)
    assert "trivy is not installed" in str(caught.value)


def test_a_mirrored_trivy_db_is_checked_at_preview_and_passed_to_the_scan(tmp_path, monkeypatch) -> None:
    import pulumi

    _fake_trivy_on_path(tmp_path, monkeypatch)
    mirror = tmp_path / "trivy-mirror"
    with pytest.raises(pulumi.RunError) as caught:
        _fleet(tmp_path, monkeypatch, BUILT, "docker", scan=True, scanCacheDir=str(mirror))
    assert MOCKS.resources == []
    assert (
        f"Pulumi.dev.yaml: agent-launchpad:scanCacheDir: no Trivy vulnerability database in {mirror}: "
        f"{mirror}/db/trivy.db, {mirror}/db/metadata.json missing."
    ) in str(caught.value)
    (mirror / "db").mkdir(parents=True)
    (mirror / "db" / "trivy.db").write_bytes(b"")
    (mirror / "db" / "metadata.json").write_text("{}")
    resources = _fleet(tmp_path, monkeypatch, BUILT, "docker", scan=True, scanCacheDir=str(mirror))
    (scan,) = [r for r in resources if r.typ == "pulumi-python:dynamic/launchpad:ImageScan"]
    assert scan.inputs["cache_dir"] == str(mirror)


def test_scan_false_registers_no_scan_and_marks_the_agents(tmp_path, monkeypatch) -> None:
    resources = _fleet(tmp_path, monkeypatch, BUILT, "docker", scan=False)
    assert not [r for r in resources if r.typ.endswith(":ImageScan")]
    (deployment,) = [r for r in resources if r.typ == "kubernetes:apps/v1:Deployment"]
    assert deployment.inputs["metadata"]["annotations"]["launchpad.dev/scan"] == "false"
