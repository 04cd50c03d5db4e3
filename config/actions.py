"""Actions on a versioned aggregate: each one a declaration, all run by one use-case skeleton.

An app declares its actions once (`ActionSpec`: name, payload fields, who may, the example body)
in an `ActionCatalog`; the API's request schema, the "what can I do now" answer, the admin's
buttons and the service all read that catalog. `AggregateActions.run` is the skeleton of every
`apply_*_action`: lock, replay by client_event_id, check the version, transition, save, audit, emit.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django_fsm import can_proceed

from config.aggregates import AggregateEvent, VersionedAggregate
from config.api import problem_types as types
from config.api.conditional import ensure_version
from config.api.problems import ApplicationError
from config.principal import Principal


class InvalidTransition(ApplicationError):
    problem_type = types.INVALID_TRANSITION


class ClientEventIdReused(ApplicationError):
    problem_type = types.CLIENT_EVENT_REUSED


@dataclass(frozen=True)
class ActionSpec:
    """One action: its payload, the model transition it runs (None: no status change), who may."""

    name: str
    roles: frozenset[str]
    payload_fields: tuple[str, ...] = ()
    transition: str | None = "__name__"
    # What else the aggregate's state must allow (for an action that is no transition, all of it).
    available: Callable[[Any], bool] | None = None
    # Whether this caller in particular may take it, beyond the role (four eyes, say).
    permitted: Callable[[Any, Principal], bool] | None = None
    summary: str = ""
    example: dict = field(default_factory=dict)

    @property
    def method(self) -> str | None:
        return self.name if self.transition == "__name__" else self.transition

    def possible(self, aggregate) -> bool:
        """Whether the aggregate's state allows the action, whoever asks."""
        if self.method is not None and not can_proceed(getattr(aggregate, self.method)):
            return False
        return self.available is None or self.available(aggregate)

    def body_example(self) -> dict:
        """A complete request body for the action, as the API documents it."""
        return {"action": self.name, **self.example}


class ActionCatalog:
    """The actions of one aggregate type, in the order they are documented."""

    def __init__(self, noun: str, specs: Iterable[ActionSpec]) -> None:
        self.noun = noun
        self.specs = {spec.name: spec for spec in specs}
        self.frozen = False

    def register(self, spec: ActionSpec) -> None:
        """Add an action another app provides; only before the API has read the catalog."""
        if self.frozen:
            raise RuntimeError(
                f"The {self.noun} actions were read before {spec.name!r} was registered: "
                "register from an AppConfig.ready() of an app listed before the admin."
            )
        if spec.name in self.specs:
            raise ValueError(f"A {self.noun} action named {spec.name!r} exists already.")
        self.specs[spec.name] = spec

    def freeze(self) -> None:
        """Refuse later registrations: the request forms were built from what is here now."""
        self.frozen = True

    def __getitem__(self, name: str) -> ActionSpec:
        return self.specs[name]

    def __iter__(self):
        return iter(self.specs)

    def __contains__(self, name: object) -> bool:
        return name in self.specs

    @property
    def roles(self) -> frozenset[str]:
        """Every role that may take at least one of the actions."""
        return frozenset().union(*(spec.roles for spec in self.specs.values()))

    def allowed(self, aggregate, principal: Principal) -> list[str]:
        """The actions the principal may take on the aggregate now."""
        return [
            name
            for name, spec in self.specs.items()
            if principal.role in spec.roles
            and spec.possible(aggregate)
            and (spec.permitted is None or spec.permitted(aggregate, principal))
        ]

    def check(self, aggregate, name: str, principal: Principal) -> None:
        """Raise InvalidTransition or PermissionDenied unless the principal may act now."""
        spec = self.specs[name]
        if not spec.possible(aggregate):
            allowed = self.allowed(aggregate, principal)
            raise InvalidTransition(
                f"Cannot {name} a {self.noun} that is {aggregate.status}; allowed now: "
                f"{', '.join(allowed) or 'none'}.",
                current_status=aggregate.status,
                allowed_actions=allowed,
            )
        principal.require(spec.roles, f"{name} {self.noun}s")


@dataclass(frozen=True)
class ActionResult:
    aggregate: Any
    event: AggregateEvent | None = None
    replayed: bool = False


@dataclass(frozen=True)
class ActionRequest:
    """What a caller asked for: the action, its payload, the version read, its own event id."""

    action: str
    payload: dict
    actor: Principal
    expected_version: int
    client_event_id: UUID | None = None


class AggregateActions:
    """The skeleton of an `apply_*_action` use case; an app fills in the steps that are its own.

    Call `run` inside the use case's transaction (`config.transactions.use_case`).
    """

    catalog: ActionCatalog
    history: type[AggregateEvent]
    saved_fields: tuple[str, ...]

    def lock(self, pk) -> VersionedAggregate:
        """Read the aggregate with a row lock (and what its actions need)."""
        raise NotImplementedError

    def refuse(self, aggregate, request: ActionRequest) -> None:
        """Raise a more telling problem than the catalog's before it checks the action."""

    def perform(self, aggregate, request: ActionRequest) -> dict:
        """Change the aggregate in memory; return what `emit` needs to know about the change."""
        raise NotImplementedError

    def emit(self, aggregate, event: AggregateEvent, request: ActionRequest, done: dict) -> None:
        """Record the consequences: outbox messages, follow-up changes of other rows."""
        raise NotImplementedError

    def recorded(self, aggregate, request: ActionRequest) -> dict:
        """The columns this aggregate's history keeps besides the shared ones."""
        return {}

    def record(self, aggregate, request: ActionRequest, from_status: str) -> AggregateEvent:
        return self.history.record(
            aggregate,
            action=request.action,
            actor=request.actor,
            from_status=from_status,
            payload=request.payload,
            client_event_id=request.client_event_id,
            **self.recorded(aggregate, request),
        )

    def run(self, pk, request: ActionRequest) -> ActionResult:
        aggregate = self.lock(pk)
        earlier = self.history.earlier(aggregate, request.client_event_id)
        if earlier is not None:
            if (earlier.action, earlier.payload) != (request.action, request.payload):
                detail = (
                    f"client_event_id {request.client_event_id} was already used for "
                    f"'{earlier.action}' on this {self.catalog.noun}."
                )
                error = {"pointer": "/client_event_id", "detail": detail, "code": "reused"}
                raise ClientEventIdReused(detail, errors=[error])
            return ActionResult(aggregate, earlier, replayed=True)
        ensure_version(aggregate.version, request.expected_version)
        self.refuse(aggregate, request)
        self.catalog.check(aggregate, request.action, request.actor)
        from_status = aggregate.status
        done = self.perform(aggregate, request)
        aggregate.version += 1
        aggregate.save(update_fields=self.saved_fields)
        event = self.record(aggregate, request, from_status)
        self.emit(aggregate, event, request, done)
        return ActionResult(aggregate, event)
