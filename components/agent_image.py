"""`agent-launchpad:index:AgentImage`: one shared runtime image (elizaOS + a plugin set), built from the
generated Dockerfile with pulumi-docker and pushed to the stack's registry. Agents with the same runtime
and plugins reference the same AgentImage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_docker as docker

from launchpad.contracts import AGENT_IMAGE
from launchpad.images.build import ImageBuild


@dataclass
class AgentImageArgs:
    build: ImageBuild
    context_root: Path  # where build contexts are written (git-ignored)
    registry_username: str | None = None
    registry_password: pulumi.Input[str] | None = None


class AgentImage(pulumi.ComponentResource):
    ref: pulumi.Output[str]

    def __init__(self, name: str, args: AgentImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AGENT_IMAGE, name, None, opts)
        build = args.build
        context = args.context_root / build.tag
        context.mkdir(parents=True, exist_ok=True)
        # docker build needs the context on disk; the files are a pure function of the tag, so writing
        # them again is idempotent.
        for file_name, content in build.context_files().items():
            (context / file_name).write_text(content)
        registry = None
        if args.registry_username is not None and args.registry_password is not None:
            registry = docker.RegistryArgs(
                server=build.registry.split("/", 1)[0],
                username=args.registry_username,
                password=pulumi.Output.secret(args.registry_password),
            )
        image = docker.Image(
            f"{name}-image",
            image_name=build.ref,
            build=docker.DockerBuildArgs(
                context=str(context), dockerfile=str(context / "Dockerfile"), platform="linux/amd64"
            ),
            registry=registry,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Deploy by digest: a tag can be pushed over, a digest cannot.
        self.ref = image.repo_digest.apply(lambda digest: digest or build.ref)
        self.register_outputs({"ref": self.ref})
