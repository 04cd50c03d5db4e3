"""docs/integrators.md stays true: its problem table, its verification snippets, its headers.

The guide is all an integrator reads besides the contract, so what it shows must be what the
server does: the table lists every registered problem type, the webhook snippets accept what the
server really sends and refuse what they must, and every header it names is in the contract.
"""

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
from importlib import import_module
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config.api.problem_types import PROBLEM_TYPES
from outbox import signing
from outbox.services.deliveries import deliver_due
from outbox.services.drain import drain_batch

GUIDE = Path(settings.BASE_DIR) / "docs" / "integrators.md"
CONTRACT = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
TABLE = re.compile(r"<!-- problem-types:start[^>]*-->\n(.*?)<!-- problem-types:end -->", re.S)
# Header names OpenAPI expresses otherwise than as header parameters: Authorization through the
# security schemes, the others through each operation's media types (OpenAPI 3.0, "in: header").
IMPLIED_BY_OPENAPI = {"accept", "content-type", "content-length"}
HEADER_LIKE = re.compile(
    r"^(?:(?:[A-Z][A-Za-z0-9]*-)+[A-Z][A-Za-z0-9]*|webhook-[a-z]+|ETag|Location|Authorization)$"
)
FENCED_BLOCK = re.compile(r"^ *```.*?^ *```$", re.S | re.M)
NODE_RUNNER = """
const { verifyWebhook } = require(process.argv[2]);
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const verdicts = cases.map(({ secret, headers, body }) => {
  try {
    return verifyWebhook(secret, headers, Buffer.from(body, "base64")).id;
  } catch (error) {
    if (error.constructor !== Error) throw error; // a bug in the snippet, not a refusal
    return null;
  }
});
process.stdout.write(JSON.stringify(verdicts));
"""


def guide() -> str:
    return GUIDE.read_text()


def problem_table() -> str:
    """The table of every registered problem type, as the guide must show it."""
    import_module(settings.ROOT_URLCONF)  # the apps register their types as their views load
    rows = ["| status | type | title |", "|---|---|---|"]
    for problem in sorted(PROBLEM_TYPES.values(), key=lambda p: (p.status, p.slug)):
        title = problem.title.replace("|", r"\|")
        rows.append(f"| {problem.status} | `{problem.slug}` | {title} |")
    return "\n".join(rows) + "\n"


def test_the_problem_table_lists_exactly_the_registered_problem_types():
    [table] = TABLE.findall(guide())

    expected = problem_table()
    assert table == expected, (
        "docs/integrators.md's problem table differs from PROBLEM_TYPES; replace it with:\n"
        + expected
    )


def snippet(language: str) -> str:
    """The code block that follows `<!-- webhook-verification: <language> -->` in the guide."""
    marker = re.escape(f"<!-- webhook-verification: {language} -->")
    [code] = re.findall(marker + rf"\n```{language}\n(.*?)\n```", guide(), re.S)
    return code


def python_verdicts(cases: list[dict]) -> list[str | None]:
    """Run the guide's Python snippet on each case: the event id it accepted, or None."""
    namespace: dict = {}
    exec(compile(snippet("python"), f"{GUIDE}:python", "exec"), namespace)  # noqa: S102
    verify, refusal = namespace["verify_webhook"], namespace["InvalidWebhook"]
    verdicts = []
    for case in cases:
        try:
            verdicts.append(verify(case["secret"], case["headers"], case["body"])["id"])
        except refusal:
            verdicts.append(None)
    return verdicts


def javascript_verdicts(cases: list[dict]) -> list[str | None]:
    """Run the guide's JavaScript snippet with node on each case: the event id or None."""
    node = shutil.which("node")
    assert node, "node is needed to run the guide's JavaScript snippet"
    encoded = [{**case, "body": base64.b64encode(case["body"]).decode()} for case in cases]
    with tempfile.TemporaryDirectory() as folder:
        module, runner = Path(folder) / "verify_webhook.js", Path(folder) / "runner.js"
        module.write_text(snippet("javascript"))
        runner.write_text(NODE_RUNNER)
        result = subprocess.run(
            [node, str(runner), str(module)],
            input=json.dumps(encoded),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


VERDICTS = {"python": python_verdicts, "javascript": javascript_verdicts}


@pytest.fixture
def delivery(admin_api, webhook_sink) -> tuple[str, dict]:
    """A real delivery of a ticket's opening, as received, and the secret it was signed with."""
    subscription = {"url": webhook_sink.url, "event_types": ["ticket.opened"]}
    registered = admin_api.post("/api/v1/webhooks", subscription, format="json")
    assert registered.status_code == 201, registered.content
    opened = admin_api.post(
        "/api/v1/tickets",
        {"subject": "Cannot sign in", "requester": {"email": "dana@customer.example"}},
        format="json",
    )
    assert opened.status_code == 201, opened.content
    drain_batch()
    deliver_due()
    [request] = webhook_sink.received
    return registered.json()["secret"], request


def signed_cases(secret: str, request: dict) -> dict[str, dict]:
    """The received delivery, and variants a receiver must accept or refuse."""
    headers, body = request["headers"], request["body"]
    event_id = headers["webhook-id"]
    stale = int(time.time()) - 10 * 60
    valid = headers["webhook-signature"]
    forged = signing.sign(signing.generate_secret(), event_id, int(time.time()), body)
    return {
        "as received": {"secret": secret, "headers": headers, "body": body},
        "among several signatures": {
            "secret": secret,
            "headers": {**headers, "webhook-signature": f"{forged} {valid}"},
            "body": body,
        },
        "tampered body": {
            "secret": secret,
            "headers": headers,
            "body": body.replace(b"Cannot sign in", b"Cannot sign on"),
        },
        "another secret": {"secret": signing.generate_secret(), "headers": headers, "body": body},
        "stale timestamp": {
            "secret": secret,
            "headers": {
                **headers,
                "webhook-timestamp": str(stale),
                "webhook-signature": signing.sign(secret, event_id, stale, body),
            },
            "body": body,
        },
        "no signature": {
            "secret": secret,
            "headers": {k: v for k, v in headers.items() if k != "webhook-signature"},
            "body": body,
        },
    }


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["python", "javascript"])
def test_the_verification_snippets_accept_a_real_delivery_and_refuse_forgeries(language, delivery):
    secret, request = delivery
    cases = signed_cases(secret, request)
    assert b"Cannot sign in" in request["body"]  # so that the tampered body differs

    verdicts = VERDICTS[language](list(cases.values()))

    event_id = request["headers"]["webhook-id"]
    assert dict(zip(cases, verdicts, strict=True)) == {
        "as received": event_id,
        "among several signatures": event_id,
        "tampered body": None,
        "another secret": None,
        "stale timestamp": None,
        "no signature": None,
    }


def contract_headers(node) -> set[str]:
    """Every header the document names: parameters, response headers, the bearer scheme."""
    found = set()
    if isinstance(node, dict):
        if node.get("in") == "header" and isinstance(node.get("name"), str):
            found.add(node["name"].lower())
        if isinstance(node.get("headers"), dict):
            found.update(name.lower() for name in node["headers"])
        if node.get("type") == "http" and node.get("scheme") == "bearer":
            found.add("authorization")
        for value in node.values():
            found |= contract_headers(value)
    elif isinstance(node, list):
        for value in node:
            found |= contract_headers(value)
    return found


def guide_headers() -> set[str]:
    """The header names the guide shows: in code spans (`If-Match: "3"`) and curl's -H."""
    text = guide()
    sent = re.findall(r"""-H ["']([A-Za-z0-9-]+):""", text)
    prose = FENCED_BLOCK.sub("", text)
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]
    names = {*sent, *(span.split(":")[0].strip() for span in spans)}
    return {name for name in names if HEADER_LIKE.match(name)}


def test_every_header_the_guide_names_is_in_the_contract():
    documented = contract_headers(yaml.load(CONTRACT.read_text(), Loader=yaml.CSafeLoader))

    named = guide_headers()

    assert {"Idempotency-Key", "If-Match", "RateLimit-Reset", "webhook-signature"} <= named
    missing = {name for name in named if name.lower() not in documented | IMPLIED_BY_OPENAPI}
    assert missing == set(), f"docs/integrators.md names headers the contract lacks: {missing}"
