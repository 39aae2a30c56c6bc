"""A program whose `up` stays busy: a rendered ConfigMap (the Kubernetes provider runs) and a dynamic resource
whose create sleeps (the Python dynamic provider runs), so every engine process is alive when the engine dies."""
import time

import pulumi
import pulumi_kubernetes as k8s
from pulumi.dynamic import CreateResult, ResourceProvider


class Slow(ResourceProvider):
    def create(self, props):
        time.sleep(600)
        return CreateResult("slow", {})


render = k8s.Provider("render", render_yaml_to_directory="out")
k8s.core.v1.ConfigMap("c", data={"a": "b"}, opts=pulumi.ResourceOptions(provider=render))
class SlowResource(pulumi.dynamic.Resource, module="probe", name="Slow"):
    def __init__(self, name: str) -> None:
        super().__init__(Slow(), name, {})


SlowResource("slow")
