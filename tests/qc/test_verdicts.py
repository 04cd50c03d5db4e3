"""The verdict of readings for every item kind: exact decimals, inclusive bounds, units, and the
rule that only a required item that failed or has no reading rejects."""

from decimal import Context, Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qc.models import ChecklistItem, ItemKind
from qc.verdicts import InvalidReading, as_decimal, failures, judge, verdict

BOUNDED = settings(max_examples=200, deadline=None)
# The smallest step a stored limit can take (DecimalField with six places).
STEP = Decimal("0.000001")
# Limits as the model stores them: up to 14 digits before the point and 6 after.
LIMIT = st.decimals(
    min_value=Decimal("-99999999999999"),
    max_value=Decimal("99999999999999"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
TOLERANCE = st.decimals(min_value=Decimal(0), max_value=Decimal("9999999"), places=6)
# How far past a bound a reading lies: one stored step, or far finer than any stored digit.
BEYOND = st.one_of(st.just(STEP), st.integers(7, 40).map(lambda places: Decimal(1).scaleb(-places)))


# The test's own arithmetic: precise enough that a bound plus 1e-40 is not rounded back to it.
WIDE = Context(prec=100)
plus, minus = WIDE.add, WIDE.subtract


def item(kind: str = ItemKind.NUMERIC, pk: int = 1, **fields) -> ChecklistItem:
    return ChecklistItem(pk=pk, key=fields.pop("key", f"item-{pk}"), kind=kind, **fields)


def written(number: Decimal, unit: str = "") -> str:
    """A reading as an inspector types it: plain digits, never an exponent."""
    return f"{number:f} {unit}".strip()


@BOUNDED
@given(LIMIT, LIMIT, BEYOND)
@example(Decimal("12.5"), Decimal("12.5"), STEP)
def test_a_range_takes_both_bounds_and_refuses_anything_past_them(low, high, beyond):
    low, high = sorted((low, high))
    gauge = item(minimum=low, maximum=high)

    assert judge(gauge, written(low)) is True
    assert judge(gauge, written(high)) is True
    assert judge(gauge, written(minus(low, beyond))) is False
    assert judge(gauge, written(plus(high, beyond))) is False


@BOUNDED
@given(LIMIT, LIMIT, st.floats(0, 1))
def test_every_reading_inside_a_range_passes(low, high, fraction):
    low, high = sorted((low, high))
    inside = (low + (high - low) * Decimal(fraction)).quantize(STEP)
    inside = min(max(inside, low), high)

    assert judge(item(minimum=low, maximum=high), written(inside)) is True


@BOUNDED
@given(LIMIT, BEYOND)
def test_a_lone_minimum_or_maximum_bounds_one_side_only(bound, beyond):
    at_least, at_most = item(minimum=bound), item(maximum=bound)

    assert judge(at_least, written(bound)) is judge(at_most, written(bound)) is True
    assert judge(at_least, written(bound + 10**20)) is True
    assert judge(at_least, written(minus(bound, beyond))) is False
    assert judge(at_most, written(bound - 10**20)) is True
    assert judge(at_most, written(plus(bound, beyond))) is False


@BOUNDED
@given(LIMIT, TOLERANCE, BEYOND)
@example(Decimal("52"), Decimal("0.5"), STEP)
@example(Decimal("52"), Decimal("0"), STEP)
def test_nominal_plus_or_minus_tolerance_is_inclusive_exactly_at_the_boundary(
    nominal, tolerance, beyond
):
    gauge = item(nominal=nominal, tolerance=tolerance, unit="cm")
    lowest, highest = minus(nominal, tolerance), plus(nominal, tolerance)

    assert judge(gauge, written(nominal, "cm")) is True
    assert judge(gauge, written(lowest, "cm")) is judge(gauge, written(highest, "cm")) is True
    assert judge(gauge, written(minus(lowest, beyond), "cm")) is False
    assert judge(gauge, written(plus(highest, beyond), "cm")) is False


@pytest.mark.parametrize(
    ("reading", "passes"),
    [
        ("10", True),
        ("10.000000000000000000000000000000", True),
        ("10.000000000000000000000000000001", False),
        ("9.999999999999999999999999999999", True),
        ("8", True),
        ("7.999999999999999999999999999999", False),
        ("+9", True),
        (".5", False),
        ("  9.5  ", True),
    ],
)
def test_a_reading_is_compared_as_the_digits_written_never_as_a_float(reading, passes):
    # 9 ± 1: a float would round 10.000…01 to 10 and pass it.
    assert judge(item(nominal=Decimal(9), tolerance=Decimal(1)), reading) is passes


@pytest.mark.parametrize("reading", ["12.5", "12.5 mm", "12.5mm", " 12.50  mm "])
def test_a_reading_in_the_items_unit_or_with_no_unit_is_read(reading):
    assert as_decimal(item(unit="mm"), reading) == Decimal("12.5")


@pytest.mark.parametrize(
    ("unit", "reading"),
    [("mm", "12.5 cm"), ("mm", "12.5 MM"), ("mm", "12.5 mm mm"), ("", "12.5 mm")],
)
def test_a_reading_in_another_unit_is_refused(unit, reading):
    with pytest.raises(InvalidReading, match="is read in"):
        judge(item(unit=unit, minimum=Decimal(0)), reading)


@pytest.mark.parametrize(
    "reading", ["", "twelve", "mm", "1e3", "NaN", "Infinity", "1,5", "١٢", "--1", 12.5, None]
)
def test_what_is_not_a_decimal_written_in_ascii_digits_is_refused(reading):
    with pytest.raises(InvalidReading):
        judge(item(minimum=Decimal(0)), reading)


def test_pass_fail_takes_exactly_pass_or_fail():
    check = item(ItemKind.PASS_FAIL)

    assert (judge(check, "pass"), judge(check, "fail")) == (True, False)
    for other in ("PASS", "yes", "", True, None):
        with pytest.raises(InvalidReading, match='"pass" or "fail"'):
            judge(check, other)


def test_a_choice_passes_when_it_is_one_of_the_passing_choices():
    colour = item(
        ItemKind.CHOICE, choices=["match", "shade", "mismatch"], passing_choices=["match", "shade"]
    )

    assert [judge(colour, c) for c in ("match", "shade", "mismatch")] == [True, True, False]
    with pytest.raises(InvalidReading, match="one of: match, shade, mismatch"):
        judge(colour, "purple")


def test_a_choice_without_passing_choices_passes_with_any_of_its_choices():
    colour = item(ItemKind.CHOICE, choices=["red", "blue"], passing_choices=[])

    assert (judge(colour, "red"), judge(colour, "blue")) == (True, True)
    with pytest.raises(InvalidReading):
        judge(colour, "green")


def test_text_cannot_fail_once_written_and_blank_text_fails():
    remarks = item(ItemKind.TEXT)

    assert judge(remarks, "Label sewn slightly off-centre.") is None
    assert judge(remarks, "   ") is False
    with pytest.raises(InvalidReading, match="takes text"):
        judge(remarks, 42)


def test_evidence_passes_once_a_file_is_attached():
    photo = item(ItemKind.EVIDENCE)

    assert [judge(photo, "", evidence=count) for count in (0, 1, 3)] == [False, True, True]


# Each item's outcome: its reading passed, failed, cannot fail (text), or there is none.
OUTCOMES = {"passed": True, "failed": False, "cannot_fail": None}
CHECKLISTS = st.lists(
    st.tuples(st.booleans(), st.sampled_from([*OUTCOMES, "missing"])), min_size=1, max_size=12
)


@BOUNDED
@given(CHECKLISTS)
def test_the_verdict_fails_exactly_when_a_required_item_failed_or_is_missing(checklist):
    items = [item(ItemKind.TEXT, pk=pk, required=req) for pk, (req, _) in enumerate(checklist, 1)]
    passed = {
        pk: OUTCOMES[outcome]
        for pk, (_, outcome) in enumerate(checklist, 1)
        if outcome != "missing"
    }
    rejecting = [
        (f"item-{pk}", outcome)
        for pk, (required, outcome) in enumerate(checklist, 1)
        if required and outcome in ("failed", "missing")
    ]

    assert verdict(items, passed) == ("fail" if rejecting else "pass")
    assert [(f.item_key, f.reason) for f in failures(items, passed)] == rejecting


@BOUNDED
@given(st.lists(st.sampled_from([*OUTCOMES, "missing"]), min_size=1, max_size=12))
def test_optional_items_never_reject(outcomes):
    items = [item(ItemKind.TEXT, pk=pk, required=False) for pk in range(1, len(outcomes) + 1)]
    passed = {pk: OUTCOMES[o] for pk, o in enumerate(outcomes, 1) if o != "missing"}

    assert verdict(items, passed) == "pass"
    assert failures(items, passed) == []
