"""Checking that a response is the RFC 9457 problem a client can act on."""

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "trace_id"}


def assert_problem(response, status: int, slug: str) -> dict:
    """Assert `response` is the `slug` problem with `status`, and return its body."""
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_MEMBERS
    assert body["status"] == status
    assert body["type"] == f"http://testserver/problems/{slug}"
    assert body["instance"] == response.wsgi_request.get_full_path()
    assert len(body["trace_id"]) == 32
    return body
