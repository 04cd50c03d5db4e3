"""The HTTP face of an action catalog: the discriminated request body, parsing, preconditions.

A body names its `action`, carries the action's `payload`, and says which version it was based
on, as `expected_version` (alias `expected_row_version`; stale: 409) or as `If-Match` (stale: 412);
neither is 428. The OpenAPI document shows a `oneOf` with one example per action.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer
from rest_framework import serializers
from rest_framework.request import Request

from config.actions import ActionCatalog, ActionResult, ActionSpec
from config.api.conditional import (
    PreconditionRequired,
    StaleVersion,
    if_match_version,
    precondition_failed,
    stale_body_version,
)
from config.api.idempotency import REPLAYED_HEADER
from config.api.parsing import parse

VERSION_ALIAS = "expected_row_version"
PayloadFieldFactory = Callable[[str], serializers.Field]


class ActionIn(serializers.Serializer):
    """Fields every action shares; each action's serializer adds `action` and `payload`."""

    expected_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version you read (or send If-Match). Stale: 409 version-conflict.",
    )
    client_event_id = serializers.UUIDField(
        required=False, help_text="Your id for this action; resending it replays the result."
    )


def required_message(action: str, field: str, hint: str = "") -> dict:
    """The error text of a missing payload field, saying what to send."""
    return {"required": f"action '{action}' requires payload.{field}{hint}"}


@dataclass(frozen=True)
class ActionForms:
    """The request serializers of a catalog, one per action, and the `oneOf` that joins them."""

    catalog: ActionCatalog
    choices: list[tuple[str, str]]
    by_action: dict[str, type[serializers.Serializer]]
    discriminator: type[serializers.Serializer]
    request: PolymorphicProxySerializer
    examples: list[OpenApiExample]


def action_forms(
    catalog: ActionCatalog,
    *,
    component: str,
    payload_fields: dict[str, PayloadFieldFactory],
    payload_prefix: str = "",
    label: Callable[[ActionSpec], str] = lambda spec: spec.name,
) -> ActionForms:
    """Build the request shapes of every action of the catalog, named `<Action><component>`.

    The OpenAPI enum of an action is told apart from another catalog's action of the same name
    by its label, so give a second catalog labels of its own (`label=lambda spec: spec.summary`).
    """
    catalog.freeze()
    choices = [(spec.name, label(spec)) for spec in catalog.specs.values()]

    def form(spec: ActionSpec) -> type[serializers.Serializer]:
        title = spec.name.title().replace("_", "")
        attrs = {
            "__doc__": f"The `{spec.name}` action.",
            "action": serializers.ChoiceField(choices=[(spec.name, label(spec))]),
        }
        if spec.payload_fields:
            fields = {name: payload_fields[name](spec.name) for name in spec.payload_fields}
            # A missing payload is answered as its first missing field would be.
            missing = fields[spec.payload_fields[0]].error_messages["required"]
            payload = type(f"{title}{payload_prefix}Payload", (serializers.Serializer,), fields)
            attrs["payload"] = payload(error_messages={"required": missing})
        return type(f"{title}{component}", (ActionIn,), attrs)

    by_action = {spec.name: form(spec) for spec in catalog.specs.values()}
    discriminator = type(
        f"{component}DiscriminatorIn",
        (serializers.Serializer,),
        {"action": serializers.ChoiceField(choices=choices)},
    )
    request = PolymorphicProxySerializer(
        component_name=component, serializers=by_action, resource_type_field_name="action"
    )
    examples = [
        OpenApiExample(
            spec.name, value=spec.body_example(), request_only=True, summary=spec.summary
        )
        for spec in catalog.specs.values()
    ]
    return ActionForms(catalog, choices, by_action, discriminator, request, examples)


@dataclass(frozen=True)
class ActionCommand:
    """A parsed action request: what to do, on which version, and how staleness is answered."""

    action: str
    payload: dict
    expected_version: int
    client_event_id: UUID | None
    by_if_match: bool

    def stale(self, exc: StaleVersion, noun: str) -> Exception:
        """The problem for a stale version: 412 after If-Match, 409 after a body version."""
        if self.by_if_match:
            return precondition_failed(exc)
        return stale_body_version(exc, self.expected_version, noun)


def parse_action(request: Request, forms: ActionForms) -> ActionCommand:
    """Validate an action body and its precondition; 422 or 428 problems say what is wrong."""
    data = request.data if isinstance(request.data, dict) else {}
    if "expected_version" not in data and VERSION_ALIAS in data:
        data = {**data, "expected_version": data[VERSION_ALIAS]}
    name = parse(forms.discriminator, data)["action"]
    command = parse(forms.by_action[name], data)
    by_if_match = "expected_version" not in command
    if by_if_match and not request.headers.get("If-Match"):
        raise PreconditionRequired("Send expected_version in the body, or If-Match.")
    return ActionCommand(
        action=name,
        payload=dict(command.get("payload", {})),
        expected_version=if_match_version(request) if by_if_match else command["expected_version"],
        client_event_id=command.get("client_event_id"),
        by_if_match=by_if_match,
    )


def allowed_actions_out(
    name: str, forms: ActionForms, status_choices
) -> type[serializers.Serializer]:
    """The answer of `GET …/actions`: status, version and the actions allowed now."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "status": serializers.ChoiceField(choices=status_choices),
            "version": serializers.IntegerField(),
            "allowed_actions": serializers.ListField(
                child=serializers.ChoiceField(choices=forms.choices)
            ),
        },
    )


class ActionBodyTemplate(serializers.Serializer):
    """Prefills the browsable API's JSON box with a real body for an action allowed now.

    The view names its catalog as `action_catalog` and its aggregate through `get_object()`.
    """

    def get_initial(self) -> dict:
        view = self.context["view"]
        aggregate = view.get_object()
        catalog: ActionCatalog = view.action_catalog
        allowed = catalog.allowed(aggregate, view.request.auth) or list(catalog)
        body = catalog[allowed[0]].body_example()
        body.pop("client_event_id", None)
        return {**body, "expected_version": aggregate.version}


def act_on(
    request: Request, forms: ActionForms, apply: Callable[..., ActionResult]
) -> ActionResult:
    """Parse an action request and run `apply` (a use case bound to its aggregate's id).

    A stale version becomes 409 (body) or 412 (`If-Match`).
    """
    command = parse_action(request, forms)
    try:
        return apply(
            actor=request.auth,
            action=command.action,
            payload=command.payload,
            expected_version=command.expected_version,
            client_event_id=command.client_event_id,
        )
    except StaleVersion as exc:
        raise command.stale(exc, forms.catalog.noun) from None


def allowed_now(forms: ActionForms, aggregate, principal) -> dict:
    """The answer of `GET …/actions`."""
    return {
        "status": aggregate.status,
        "version": aggregate.version,
        "allowed_actions": forms.catalog.allowed(aggregate, principal),
    }


def replay_headers(result: ActionResult) -> dict[str, str]:
    return {REPLAYED_HEADER: "true"} if result.replayed else {}
