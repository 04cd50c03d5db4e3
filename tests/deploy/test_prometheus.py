"""deploy/prometheus: promtool accepts the configuration and the rules, which pass their tests."""

import subprocess

import yaml

from tests.deploy.app_environment import BASE_DIR
from tests.deploy.tools import tool

PROMETHEUS = BASE_DIR / "deploy" / "prometheus"
RULES = PROMETHEUS / "alerts.yml"
RULE_TESTS = PROMETHEUS / "alerts.test.yml"


def promtool(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("promtool"), *arguments], capture_output=True, text=True, timeout=60, check=False
    )


def alerts() -> list[dict]:
    return [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]


def test_promtool_accepts_the_alert_rules():
    checked = promtool("check", "rules", str(RULES))

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_alert_rules_pass_their_unit_tests():
    tested = promtool("test", "rules", str(RULE_TESTS))

    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_promtool_accepts_the_configuration_and_finds_its_rule_files():
    checked = promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_is_shown_firing_in_the_unit_tests():
    cases = [
        case
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]
    fired = {case["alertname"] for case in cases if case["exp_alerts"]}

    assert {alert["alert"] for alert in alerts()} == fired


def test_every_alert_says_how_urgent_it_is_and_what_happened():
    for alert in alerts():
        assert alert["labels"]["severity"] in {"warning", "critical"}, alert["alert"]
        assert alert["annotations"]["summary"], alert["alert"]
        assert alert["annotations"]["description"], alert["alert"]
