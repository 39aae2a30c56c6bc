from policies.kubernetes import images
from policies.tests.harness import DEPLOYMENT, container, deployment, violations

DIGEST = "registry.launchpad.internal:5000/agents/eliza-runtime@sha256:" + "a" * 64


def _with_image(image: str) -> dict:
    props = deployment()
    container(props)["image"] = image
    return props


def test_registry_allowlist() -> None:
    config = {"allowedRegistries": ["registry.launchpad.internal:5000"]}
    assert violations(images.allowed_registries, DEPLOYMENT, deployment(), config) == []
    assert violations(images.allowed_registries, DEPLOYMENT, _with_image("docker.io/evil/eliza:1.0"), config) == [
        "container 'eliza' image docker.io/evil/eliza:1.0 is not from an allowed registry "
        "(registry.launchpad.internal:5000)"
    ]


def test_registry_prefixes_and_docker_hub() -> None:
    config = {"allowedRegistries": ["ghcr.io/acme"]}
    assert violations(images.allowed_registries, DEPLOYMENT, _with_image("ghcr.io/acme/eliza:1"), config) == []
    assert violations(images.allowed_registries, DEPLOYMENT, _with_image("ghcr.io/other/eliza:1"), config) == [
        "container 'eliza' image ghcr.io/other/eliza:1 is not from an allowed registry (ghcr.io/acme)"
    ]
    # A prefix is a path prefix, not a string prefix: ghcr.io/acme-evil is another organisation.
    assert violations(images.allowed_registries, DEPLOYMENT, _with_image("ghcr.io/acme-evil/x:1"), config) == [
        "container 'eliza' image ghcr.io/acme-evil/x:1 is not from an allowed registry (ghcr.io/acme)"
    ]
    assert images.registry_of("node:23") == "docker.io"
    assert images.registry_of("localhost/x:1") == "localhost"


def test_no_allowlist_allows_all() -> None:
    assert violations(images.allowed_registries, DEPLOYMENT, _with_image("docker.io/x/y:1"), {}) == []


def test_latest_and_untagged_are_refused() -> None:
    assert violations(images.tag_pinned, DEPLOYMENT, deployment()) == []
    assert violations(images.tag_pinned, DEPLOYMENT, _with_image("ghcr.io/acme/eliza:latest")) == [
        "container 'eliza' image ghcr.io/acme/eliza:latest is :latest: pin a version tag or a digest"
    ]
    assert violations(images.tag_pinned, DEPLOYMENT, _with_image("registry:5000/eliza")) == [
        "container 'eliza' image registry:5000/eliza is untagged: pin a version tag or a digest"
    ]


def test_digest_pinning() -> None:
    assert violations(images.digest_pinned, DEPLOYMENT, _with_image(DIGEST)) == []
    assert violations(images.digest_pinned, DEPLOYMENT, _with_image("ghcr.io/acme/eliza:1.7.2")) == [
        "container 'eliza' image ghcr.io/acme/eliza:1.7.2 is not pinned by digest (@sha256:...)"
    ]
