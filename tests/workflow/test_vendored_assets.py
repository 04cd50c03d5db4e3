"""The browser libraries in static/vendor are the versions package.json pins, and served locally."""

import json
import re

import pytest
from django.conf import settings

from tests.accounts.admin_sessions import signed_in_admin, staff_member
from tests.workflow.factories import deliverable_with_tasks

VENDOR = settings.BASE_DIR / "static" / "vendor"
PINNED = json.loads((settings.BASE_DIR / "package.json").read_text())["dependencies"]
LOCKED = json.loads((settings.BASE_DIR / "package-lock.json").read_text())["packages"]
# How a build states its own version, where it does (cytoscape-dagre's build does not).
VERSION_IN_BUILD = {"cytoscape": 'version="{}"', "dagre": 'module.exports="{}"'}


def build_of(package: str):
    """The one script vendored for `package`."""
    (script,) = (VENDOR / package).glob("*.js")
    return script


@pytest.mark.parametrize("package", sorted(PINNED))
def test_each_package_is_pinned_locked_and_vendored_at_that_version(package):
    pinned = PINNED[package]
    folder = VENDOR / package

    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"{package} is not pinned exactly: {pinned}"
    assert LOCKED[f"node_modules/{package}"]["version"] == pinned
    assert (folder / "VERSION").read_text().strip() == pinned
    assert "Permission is hereby granted" in (folder / "LICENSE").read_text()
    if package in VERSION_IN_BUILD:
        assert VERSION_IN_BUILD[package].format(pinned) in build_of(package).read_text()


def test_nothing_is_vendored_that_package_json_does_not_pin():
    assert sorted(folder.name for folder in VENDOR.iterdir()) == sorted(PINNED)


@pytest.mark.django_db
def test_the_deliverable_page_loads_scripts_and_styles_only_from_this_site(organization):
    deliverable = deliverable_with_tasks(organization)
    client = signed_in_admin(staff_member(organization))

    page = client.get(f"/admin/workflow/deliverable/{deliverable.pk}/change/").content.decode()

    scripts = re.findall(r"<script\b([^>]*)>", page)
    sources = [re.search(r'src="([^"]+)"', tag) for tag in scripts]
    styles = re.findall(r'<link\b[^>]*href="([^"]+)"', page)
    inline = [tag for tag, source in zip(scripts, sources, strict=True) if source is None]
    assert [tag.strip() for tag in inline] == [
        'id="deliverable-graph-data" type="application/json"'
    ]
    urls = [source[1] for source in sources if source] + styles
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    for package in PINNED:
        build = build_of(package)
        hashed = rf"/static/vendor/{package}/{re.escape(build.stem)}\.[0-9a-f]{{12}}\.js"
        assert any(re.fullmatch(hashed, url) for url in urls), f"{build.name} is not on the page"
