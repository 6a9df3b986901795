"""The schema's fast path must load exactly what marshmallow loads, or defer to it."""
import datetime
from decimal import Decimal

import marshmallow
import pytest

from core import schema

SAMPLES = [None, "", "abc", "x" * 25, "2026-03-01", "2026-03-01T10:00:00", "12", "1.5", "red", "green",
           0, 1, -7, 2 ** 40, True, False, 1.0, 2.5, float("nan"), Decimal("1.25"), Decimal("NaN"),
           Decimal("Infinity"), datetime.date(2026, 3, 1), datetime.datetime(2026, 3, 1, 10, 0), [], [1], (1,),
           {"a": 1}, object(), 2 ** 31, -2 ** 31 - 1, 10 ** 400, 1e13, -1e300, Decimal("1e20"), "a\x00b", "\ud800",
           datetime.date(1, 1, 1), datetime.date(9999, 12, 31)]


def test_fast_path_agrees_with_marshmallow(example_db):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        checked = 0
        for name, field in Gadget._fields.items():
            check = field.fast_check()
            if check is None:
                continue
            for value in SAMPLES:
                if value is None:
                    continue
                fast = check(value)
                try:
                    slow = Gadget._schema.load({name: value})[name]
                except marshmallow.ValidationError:
                    assert fast is schema.SLOW, (name, value, fast)
                    continue
                if fast is not schema.SLOW:
                    assert fast == slow and type(fast) is type(slow), (name, value, fast, slow)
                    checked += 1
        assert checked > 20


def test_loader_falls_back_for_conversions_and_errors(example_db):
    with example_db.transaction() as env:
        loader = env["example.gadget"]._loader
        assert loader.load({"name": "a", "day": "2026-03-01"}) == {"name": "a", "day": datetime.date(2026, 3, 1)}
        with pytest.raises(marshmallow.ValidationError) as info:
            loader.load({"name": "a", "colour": "green"})
        assert "colour" in info.value.messages
        with pytest.raises(marshmallow.ValidationError):
            loader.load({"name": "a", "nope": 1})
