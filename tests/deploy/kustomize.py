"""Build a kustomization as `kustomize build` does, for the features deploy/k8s uses.

Those are resources (files and kustomization folders), namespace, labels (metadata only),
images, and patches by path merged into the object of the same kind and name, where lists of
named items (containers, env, volumes) merge by name and other lists are replaced, as in a
strategic merge. A kustomization that asks for anything else is refused rather than half-built.
"""

import copy
from pathlib import Path

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}


def load_all(path: Path) -> list[dict]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def kustomization_of(folder: Path) -> dict:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unsupported = kustomization.keys() - SUPPORTED
    if unsupported:
        raise ValueError(f"{folder}: tests/deploy/kustomize.py cannot build {sorted(unsupported)}")
    return kustomization


def build(folder: Path) -> list[dict]:
    kustomization = kustomization_of(folder)
    objects = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        objects += build(path) if path.is_dir() else copy.deepcopy(load_all(path))
    for patch_entry in kustomization.get("patches", []):
        if patch_entry.keys() != {"path"}:
            raise ValueError(f"{folder}: only patches given by path are supported")
        for patch in load_all(folder / patch_entry["path"]):
            merge(find(objects, patch["kind"], patch["metadata"]["name"]), patch)
    for label in kustomization.get("labels", []):
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    if "namespace" in kustomization:
        for obj in objects:
            obj["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for container in containers(objects):
            if container["image"].split(":")[0] == image["name"]:
                name, tag = image.get("newName", image["name"]), image.get("newTag")
                container["image"] = f"{name}:{tag}" if tag else name
    return objects


def find(objects: list[dict], kind: str, name: str) -> dict:
    [found] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def merge(target: dict, patch: dict) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        elif _named_list(value) and _named_list(target.get(key)):
            by_name = {item["name"]: item for item in target[key]}
            for item in value:
                if item["name"] in by_name:
                    merge(by_name[item["name"]], item)
                else:
                    target[key].append(item)
        else:
            target[key] = copy.deepcopy(value)


def _named_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "name" in i for i in value)


def pod_specs(objects: list[dict]) -> list[dict]:
    return [o["spec"]["template"]["spec"] for o in objects if o["kind"] in {"Deployment", "Job"}]


def containers(objects: list[dict]) -> list[dict]:
    return [
        container
        for spec in pod_specs(objects)
        for container in spec.get("initContainers", []) + spec["containers"]
    ]
