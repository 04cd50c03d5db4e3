"""The OpenAPI contract is fit for generated clients."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tests.contract.examples import validate_example

OPERATIONS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(document)
    return document


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in OPERATIONS:
            if method in item:
                yield path, method, item[method]


UPLOADS = {
    ("/api/v1/tickets/{key}/attachments", "post"),
    ("/api/v1/inspections/{id}/evidence", "post"),
}


def test_request_bodies_are_json_only_except_file_uploads(schema):
    for path, method, operation in operations(schema):
        if "requestBody" not in operation:
            continue
        expected = {"multipart/form-data"} if (path, method) in UPLOADS else {"application/json"}
        assert set(operation["requestBody"]["content"]) == expected, (path, method)


def test_request_and_response_components_are_split(schema):
    components = schema["components"]["schemas"]
    assert "ApiKeyCreateInRequest" in components
    assert "ApiKeyCreatedOut" in components


def test_operation_ids_are_readable_and_unique(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    assert "me_retrieve" in ids
    assert all(not op_id.startswith("api_v1") for op_id in ids)


def test_every_operation_documents_its_problems(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        for status in ("401", "403", "406", "429", "500"):
            assert "application/problem+json" in responses[status]["content"], (
                path,
                method,
                status,
            )
        if "{" in path:
            assert "404" in responses, (path, method)
        if "requestBody" in operation:
            body = responses["422"]["content"]["application/problem+json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ValidationProblem"}


def test_every_error_response_is_a_problem(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], (
                    path,
                    method,
                    status,
                )


def test_query_parameters_and_bodies_document_how_they_are_refused(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        if any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
            assert {"400", "422"} <= set(responses), (path, method)
        if method in ("post", "put", "patch"):
            assert {"411", "413"} <= set(responses), (path, method)


def test_paged_actions_document_their_cursor(schema):
    parameters = schema["paths"]["/api/v1/tickets/{key}/comments"]["get"]["parameters"]

    assert {"cursor", "limit"} <= {parameter["name"] for parameter in parameters}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("TicketCreateInRequest", "subject"),
        ("TicketCreateInRequest", "description"),
        ("PatchedTicketUpdateInRequest", "description"),
        ("RequesterInRequest", "name"),
        ("RequesterInRequest", "email"),
        ("ResolvePayloadRequest", "resolution"),
        ("PendPayloadRequest", "reason"),
        ("CommentInRequest", "body"),
        ("ApiKeyCreateInRequest", "name"),
        ("WebhookCreateInRequest", "description"),
    ],
)
def test_every_text_field_documents_its_maximum_length(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["maxLength"] > 0


def test_tags_document_their_maximum_length(schema):
    tags = schema["components"]["schemas"]["TicketCreateInRequest"]["properties"]["tags"]

    assert tags["items"]["maxLength"] == 50
    assert tags["maxItems"] == 20


def test_every_operation_has_a_summary_and_tags(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), (path, method)
        assert operation.get("tags"), (path, method)


def test_request_examples_validate_against_their_schemas(schema):
    checked = 0
    for _, _, operation in operations(schema):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            for example in media.get("examples", {}).values():
                validate_example(example["value"], schema, media)
                checked += 1
    assert checked >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_api_reference_pages_load_their_assets_from_this_server(client, page):
    html = client.get(page).content.decode()

    assert "cdn.jsdelivr.net" not in html
    assert "/static/drf_spectacular_sidecar/" in html
    asset = html.split("/static/drf_spectacular_sidecar/", 1)[1].split('"', 1)[0]
    assert client.get(f"/static/drf_spectacular_sidecar/{asset}").status_code == 200


def test_response_examples_validate_against_their_schemas(schema):
    checked = 0
    for _, _, operation in operations(schema):
        for response in operation["responses"].values():
            for media in response.get("content", {}).values():
                for example in media.get("examples", {}).values():
                    validate_example(example["value"], schema, media)
                    checked += 1
    assert checked >= 1


def test_every_operation_is_described(schema):
    undescribed = [
        (path, method)
        for path, method, operation in operations(schema)
        if not operation.get("description")
    ]
    assert undescribed == []


def test_every_action_of_every_oneof_has_its_own_example(schema):
    components = schema["components"]["schemas"]
    checked = 0
    for path, method, operation in operations(schema):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            reference = media["schema"].get("$ref", "")
            body = components.get(reference.rsplit("/", 1)[-1], media["schema"])
            if "oneOf" not in body:
                continue
            field = body["discriminator"]["propertyName"]
            exemplified = {example["value"][field] for example in media["examples"].values()}
            assert exemplified == set(body["discriminator"]["mapping"]), (path, method)
            checked += 1
    assert checked >= 3  # ticket actions, task actions, bulk task actions


def test_every_response_documents_the_request_id_and_the_rate_limit(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            assert {
                "X-Request-ID",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            } <= set(response.get("headers", {})), (path, method, status)
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert "X-Request-ID" in names, (path, method)


def test_retryable_refusals_say_when_to_retry(schema):
    for path, method, operation in operations(schema):
        for status in ("429", "503"):
            if status in operation["responses"]:
                assert "Retry-After" in operation["responses"][status]["headers"], (path, method)
        if method != "get":
            assert "503" in operation["responses"], (path, method)


def test_operation_ids_say_what_the_operation_does(schema):
    for path, method, operation in operations(schema):
        operation_id = operation["operationId"]
        success = next(status for status in operation["responses"] if status.startswith("2"))
        body = operation["responses"][success].get("content", {}).get("application/json", {})
        reference = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
        answers_a_list = "results" in schema["components"]["schemas"].get(reference, {}).get(
            "properties", {}
        )
        if answers_a_list:
            assert not operation_id.endswith("_retrieve"), (path, method, operation_id)
        if operation_id.endswith("_create"):
            assert success == "201", (path, method, operation_id)  # it creates something
