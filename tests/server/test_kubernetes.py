"""The classroom on Kubernetes (``k8s/``), checked as far as a machine without a cluster can.

What is checked: ``k8s/values.yaml``, merged over the chart's own defaults as Helm merges them,
is valid for the schema of Zero to JupyterHub's chart (``k8s/schema/``, from the chart's
release), and that schema does reject a misspelled key and a wrong type; no container is
privileged (nor the chart's privileged init container for the cloud metadata server left on);
each user pod's engine sidecar and JupyterLab share the engine's socket folder, and DOCKER_HOST
points at the socket there; the hub's authenticator is a class of the course's that takes the
settings given; the grading Job cannot restart, ends by a deadline and has no service account
token, and its student's kernel runs in a container without the course folder (the kernel host
itself is tested in tests/grading/test_handoff*.py).

What is not: nothing here renders the chart's templates, runs KubeSpawner or talks to a
cluster, so whether a node runs a rootless engine in an unprivileged pod (user namespaces,
/dev/net/tun, an unmasked /proc) is not tested here; see k8s/README.md.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from jupyterhub.auth import Authenticator

K8S = Path(__file__).resolve().parents[2] / "k8s"


def load(name: str):
    return yaml.safe_load((K8S / name).read_text())


def helm_merge(defaults: dict, values: dict) -> dict:
    """Values over the chart's defaults, as Helm coalesces them: mappings merge key by key,
    anything else replaces, and null removes the default."""
    merged = dict(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.fixture(scope="module")
def values() -> dict:
    return load("values.yaml")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads((K8S / "schema" / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def problems(validator, values: dict) -> list[str]:
    merged = helm_merge(load("schema/chart-values.yaml"), values)
    return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(merged)]


def job_documents() -> list[dict]:
    return list(yaml.safe_load_all((K8S / "grading-job.yaml").read_text()))


def the_job() -> dict:
    (job,) = [doc for doc in job_documents() if doc["kind"] == "Job"]
    return job


def engine(values: dict) -> dict:
    (found,) = [c for c in values["singleuser"]["extraContainers"] if c["name"] == "engine"]
    return found


def privileged_anywhere(node) -> list:
    """Every ``privileged: true`` in a tree of mappings and lists."""
    if isinstance(node, dict):
        here = [node] if node.get("privileged") is True else []
        return here + [p for value in node.values() for p in privileged_anywhere(value)]
    if isinstance(node, list):
        return [p for item in node for p in privileged_anywhere(item)]
    return []


def test_values_are_valid_for_the_charts_schema(values, validator):
    assert problems(validator, values) == []


@pytest.mark.parametrize(
    "spoil",
    [
        lambda v: v.update(singleusr=v.pop("singleuser")),  # a misspelled top-level key
        lambda v: v["singleuser"]["cpu"].update(limit="1"),  # a number given as a string
        lambda v: v["hub"]["config"].update(roster_file="/srv/roster/roster.json"),  # not a class
    ],
    ids=["misspelled-key", "wrong-type", "config-not-a-class"],
)
def test_the_schema_rejects_spoiled_values(values, validator, spoil):
    spoiled = copy.deepcopy(values)
    spoil(spoiled)
    assert problems(validator, spoiled)


def test_no_container_is_privileged(values):
    merged = helm_merge(load("schema/chart-values.yaml"), values)
    assert privileged_anywhere(merged) == []
    assert privileged_anywhere(job_documents()) == []
    # The chart's default adds a privileged init container to every user pod for this.
    assert merged["singleuser"]["cloudMetadata"]["blockWithIptables"] is False
    assert merged["singleuser"]["networkPolicy"]["egressAllowRules"]["cloudMetadataServer"] is False
    for container in [engine(values), *the_job()["spec"]["template"]["spec"]["initContainers"]]:
        assert container["securityContext"]["privileged"] is False
        assert container["securityContext"]["runAsNonRoot"] is True


def test_user_pods_cannot_reach_each_other(values):
    policy = values["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    assert policy["egressAllowRules"]["privateIPs"] is False


def test_engine_and_jupyterlab_share_the_socket(values):
    docker_host = values["singleuser"]["extraEnv"]["DOCKER_HOST"]
    socket_dir = str(Path(docker_host.removeprefix("unix://")).parent)
    storage = values["singleuser"]["storage"]
    (volume,) = [v for v in storage["extraVolumes"] if v["name"] == "engine-socket"]
    assert "emptyDir" in volume
    lab_mounts = {m["name"]: m["mountPath"] for m in storage["extraVolumeMounts"]}
    engine_mounts = {m["mountPath"]: m["name"] for m in engine(values)["volumeMounts"]}
    assert lab_mounts["engine-socket"] == socket_dir
    assert engine_mounts[socket_dir] == "engine-socket"
    assert f"--host={docker_host}" in engine(values)["args"]


def test_the_grading_job_shares_the_socket_too():
    pod = the_job()["spec"]["template"]["spec"]
    (grader,) = pod["containers"]
    docker_host = {e["name"]: e["value"] for e in grader["env"]}["DOCKER_HOST"]
    socket_dir = str(Path(docker_host.removeprefix("unix://")).parent)
    for container in [grader, *pod["initContainers"]]:
        assert {"name": "engine-socket", "mountPath": socket_dir} in container["volumeMounts"]


def test_the_grading_jobs_kernel_runs_where_the_course_folder_is_not():
    pod = the_job()["spec"]["template"]["spec"]
    (grader,) = pod["containers"]
    kernel = next(c for c in pod["initContainers"] if c["name"] == "kernel")
    env = {e["name"]: e["value"] for e in grader["env"]}
    folder = env["GRADER_KERNEL_HANDOFF"]
    module = kernel["command"][kernel["command"].index("-m") + 1]
    assert importlib.import_module(module).__name__ == "grader.grading.handoff"
    assert kernel["command"][-2:] == ["serve", folder]
    assert grader["args"][0].startswith("grader grade ")
    mounts = {c["name"]: {m["name"]: m["mountPath"] for m in c["volumeMounts"]} for c in
              [grader, kernel]}  # fmt: skip
    assert mounts["grader"]["handoff"] == mounts["kernel"]["handoff"] == folder
    assert "course" in mounts["grader"] and "course" not in mounts["kernel"]
    assert all(m.get("mountPath") != "/course" for m in kernel["volumeMounts"])
    assert kernel["restartPolicy"] == "Always"  # a sidecar: it ends when the grader does
    assert pod.get("shareProcessNamespace") is False
    assert kernel["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_a_grading_pod_reaches_only_dns_and_the_image_mirror():
    (policy,) = [d for d in yaml.safe_load_all((K8S / "grading-job.yaml").read_text())
                 if d["kind"] == "NetworkPolicy"]  # fmt: skip
    labels = the_job()["spec"]["template"]["metadata"]["labels"]
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector.items() <= labels.items()  # it applies to the grading pods
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert policy["spec"]["ingress"] == []
    for rule in policy["spec"]["egress"]:  # never an allow-all, never an address range
        assert rule["to"] and rule["ports"]
        assert all("ipBlock" not in peer for peer in rule["to"])
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert ports == {53, 5000}
    engine = the_job()["spec"]["template"]["spec"]["initContainers"][0]
    assert any(
        a.startswith("--registry-mirror=http://registry-mirror:5000") for a in engine["args"]
    )


def test_the_hubs_authenticator_is_the_courses(values):
    config = values["hub"]["config"]
    module, _, name = config["JupyterHub"]["authenticator_class"].rpartition(".")
    assert module == "grader.server.spawner"
    authenticator = getattr(importlib.import_module(module), name)
    assert issubclass(authenticator, Authenticator)
    assert set(config[name]) <= set(authenticator.class_trait_names(config=True))
    mounted = {m["mountPath"] for m in values["hub"]["extraVolumeMounts"]}
    assert str(Path(config[name]["roster_file"]).parent) in mounted


def test_the_grading_job_runs_once_by_a_deadline_without_a_token():
    job = the_job()
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert job["spec"]["activeDeadlineSeconds"] > 0
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"] + pod["initContainers"]:
        assert container["resources"]["limits"]


def test_the_images_follow_the_charts_release():
    source = (K8S / "schema" / "SOURCE.md").read_text()
    for image in ("hub", "singleuser"):
        dockerfile = (K8S / "images" / image / "Dockerfile").read_text()
        (tag,) = re.findall(r"^FROM quay\.io/jupyterhub/[\w-]+:(\S+)", dockerfile, re.MULTILINE)
        assert f"at tag {tag} " in source


def test_room_for_a_class_arriving_at_once_is_held_by_placeholders(values):
    scheduling = values["scheduling"]
    assert (
        scheduling["userPlaceholder"]["enabled"] and scheduling["userPlaceholder"]["replicas"] > 0
    )
    assert scheduling["podPriority"]["enabled"]  # without it a student cannot preempt a placeholder
