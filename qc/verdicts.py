"""Whether readings pass their checklist items, and the verdict they add up to.

Pure functions over the item definitions: decimals compare exactly (a reading is the digits the
inspector wrote, never a float), limits are inclusive, and a unit, when written, must be the
item's. Any required item that fails or has no reading rejects the attempt.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, InvalidOperation

from qc.models import ChecklistItem, Inspection, ItemKind

PASS, FAIL = "pass", "fail"
# "12.5", "-0.25", "12.50 mm": ASCII digits with an optional sign, decimals and unit (\d would
# also take other scripts' digits, which Decimal reads as numbers).
NUMBER = re.compile(r"^\s*(?P<number>[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+))\s*(?P<unit>\S.*?)?\s*$")
# Nominal ± tolerance must be the exact bound: a rounded one would move the boundary.
EXACT = Context(prec=60, traps=[Inexact])


class InvalidReading(ValueError):
    """A value that cannot be a reading of its item (not a number, not one of the choices)."""


@dataclass(frozen=True)
class Failure:
    """A required item that rejects the attempt, and why."""

    item_key: str
    reason: str  # "failed" or "missing"


def judge(item: ChecklistItem, value: str, *, evidence: int = 0) -> bool | None:
    """Whether `value` passes `item`; None for written text, which cannot fail.

    A choice item without passing choices passes with any of its choices (it records, say, a
    colour); blank text fails, as if nothing were written.
    """
    if item.kind == ItemKind.PASS_FAIL:
        if value not in (PASS, FAIL):
            raise InvalidReading(f'{item.key} takes "pass" or "fail".')
        return value == PASS
    if item.kind == ItemKind.NUMERIC:
        return _within_limits(item, as_decimal(item, value))
    if item.kind == ItemKind.CHOICE:
        if value not in item.choices:
            raise InvalidReading(f"{item.key} takes one of: {', '.join(item.choices)}.")
        return value in (item.passing_choices or item.choices)
    if item.kind == ItemKind.EVIDENCE:
        return evidence > 0
    if not isinstance(value, str):
        raise InvalidReading(f"{item.key} takes text.")
    return None if value.strip() else False  # text: written is enough


def as_decimal(item: ChecklistItem, value: str) -> Decimal:
    """The number a numeric reading states, in the item's unit."""
    match = NUMBER.match(value) if isinstance(value, str) else None
    if match is None:
        unit = f" {item.unit}" if item.unit else ""
        raise InvalidReading(f'{item.key} takes a decimal number as text, such as "12.5{unit}".')
    unit = match["unit"]
    if unit is not None and unit != item.unit:
        raise InvalidReading(f"{item.key} is read in {item.unit or 'no unit'}, not {unit}.")
    try:
        return Decimal(match["number"])
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise InvalidReading(f"{item.key} takes a decimal number.") from None


def _within_limits(item: ChecklistItem, number: Decimal) -> bool:
    if item.nominal is not None:
        lowest = EXACT.subtract(item.nominal, item.tolerance)
        return lowest <= number <= EXACT.add(item.nominal, item.tolerance)
    above_minimum = item.minimum is None or number >= item.minimum
    return above_minimum and (item.maximum is None or number <= item.maximum)


def failures(items: Iterable[ChecklistItem], passed: Mapping[int, bool | None]) -> list[Failure]:
    """The required items that reject: failed, or with no reading (`passed` is by item id)."""
    found = []
    for item in items:
        if not item.required:
            continue
        if item.pk not in passed:
            found.append(Failure(item.key, "missing"))
        elif passed[item.pk] is False:
            found.append(Failure(item.key, "failed"))
    return found


def verdict(items: Iterable[ChecklistItem], passed: Mapping[int, bool | None]) -> str:
    """PASS when no required item failed or is missing, else FAIL."""
    return verdict_of(failures(items, passed))


def verdict_of(found: list[Failure]) -> str:
    return Inspection.Verdict.FAIL if found else Inspection.Verdict.PASS
