"""Another app adds actions to a catalog only before the API has built its forms from it."""

import pytest

from config.actions import ActionCatalog, ActionSpec
from config.api.actions import action_forms
from config.roles import Role

ADMINS = frozenset({Role.ADMIN})


def catalog() -> ActionCatalog:
    return ActionCatalog("widget", [ActionSpec("open", ADMINS, transition=None)])


def test_a_registered_action_is_in_the_forms_built_after_it():
    widgets = catalog()
    widgets.register(ActionSpec("close", ADMINS, transition=None))

    forms = action_forms(widgets, component="WidgetAction", payload_fields={})

    assert [name for name, _ in forms.choices] == ["open", "close"]


def test_an_action_registered_after_the_forms_were_built_is_refused_loudly():
    widgets = catalog()
    action_forms(widgets, component="LateWidgetAction", payload_fields={})

    with pytest.raises(RuntimeError, match="read before 'close' was registered"):
        widgets.register(ActionSpec("close", ADMINS, transition=None))
    assert list(widgets) == ["open"]


def test_an_action_name_is_registered_once():
    widgets = catalog()

    with pytest.raises(ValueError, match="exists already"):
        widgets.register(ActionSpec("open", ADMINS, transition=None))
