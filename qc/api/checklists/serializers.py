from rest_framework import serializers

from config.api.serializers import Representation
from config.api.text import NameField, TextField
from qc.models import ChecklistVersion, ItemKind
from qc.models.checklists import DECIMAL_DIGITS, DECIMAL_PLACES, ITEM_KEY_MAX_LENGTH

MAX_ITEMS = 500
MAX_CHOICES = 50
CHOICE_MAX_LENGTH = 100


class DecimalStringField(serializers.DecimalField):
    """A decimal written as a JSON string ("12.50"): a JSON number could arrive as a float."""

    default_error_messages = {
        "not_a_string": 'Write the number as a string, such as "12.50", so no digit is lost.',
        "invalid": 'A decimal number such as "12.50" is required (digits, no exponent).',
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(
            max_digits=DECIMAL_DIGITS,
            decimal_places=DECIMAL_PLACES,
            coerce_to_string=True,
            normalize_output=True,
            **kwargs,
        )

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        if "e" in data.lower():
            self.fail("invalid")
        return super().to_internal_value(data)


class ChecklistCreateIn(serializers.Serializer):
    key = serializers.SlugField(max_length=50, help_text="Stable name, such as `seam-check`.")
    name = NameField(max_length=200)


def _choices(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=NameField(max_length=CHOICE_MAX_LENGTH),
        max_length=MAX_CHOICES,
        required=False,
        default=list,
        help_text=help_text,
    )


def _limit(help_text: str) -> DecimalStringField:
    return DecimalStringField(required=False, allow_null=True, default=None, help_text=help_text)


class ChecklistItemIn(serializers.Serializer):
    key = serializers.SlugField(
        max_length=ITEM_KEY_MAX_LENGTH, help_text="Names the item; readings refer to it."
    )
    label = NameField(max_length=200)
    instructions = TextField(max_length=5_000, required=False, default="", allow_blank=True)
    kind = serializers.ChoiceField(
        choices=ItemKind.choices,
        help_text='pass_fail: "pass" or "fail"; numeric: a decimal within limits; text; '
        "choice: one of `choices`; evidence: an attached file.",
    )
    required = serializers.BooleanField(
        default=True, help_text="A required item that fails or has no reading rejects."
    )
    unit = NameField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text="Numeric items only: the unit readings are written in, such as `mm`.",
    )
    minimum = _limit("Numeric items: the lowest passing value, inclusive.")
    maximum = _limit("Numeric items: the highest passing value, inclusive.")
    nominal = _limit("Numeric items, instead of minimum and maximum: the target value.")
    tolerance = _limit("With `nominal`: how far a reading may lie from it, inclusive; ≥ 0.")
    choices = _choices("Choice items: what the inspector picks from.")
    passing_choices = _choices(
        "Choice items: the choices that pass (a subset of `choices`); empty: every choice passes."
    )


class ChecklistDraftIn(serializers.Serializer):
    """The whole content of a draft: its items in order."""

    items = ChecklistItemIn(many=True, max_length=MAX_ITEMS)


class ChecklistVersionSummaryOut(Representation):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ChecklistVersion.Status.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class ChecklistOut(Representation):
    id = serializers.IntegerField()
    key = serializers.SlugField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    versions = ChecklistVersionSummaryOut(many=True, help_text="Oldest first.")


class ChecklistItemOut(Representation):
    key = serializers.SlugField()
    label = serializers.CharField()
    instructions = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=ItemKind.choices,
        help_text='pass_fail: "pass" or "fail"; numeric: a decimal within limits; text; '
        "choice: one of `choices`; evidence: an attached file.",
    )
    required = serializers.BooleanField()
    unit = serializers.CharField(help_text="Empty for none.")
    minimum = DecimalStringField(allow_null=True)
    maximum = DecimalStringField(allow_null=True)
    nominal = DecimalStringField(allow_null=True)
    tolerance = DecimalStringField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())
    passing_choices = serializers.ListField(child=serializers.CharField())


class ChecklistVersionOut(Representation):
    id = serializers.IntegerField()
    checklist_id = serializers.IntegerField(source="template_id")
    checklist = serializers.SlugField(source="template.key", help_text="The checklist's key.")
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ChecklistVersion.Status.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = serializers.SerializerMethodField()
    items = ChecklistItemOut(many=True, source="items.all")

    def get_published_by(self, version: ChecklistVersion) -> str | None:
        return version.published_by_label if version.published_at else None
