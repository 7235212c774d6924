import itertools
from dataclasses import dataclass
from typing import Optional

from newsdedup.canonical import CanonicalPolicy


@dataclass(frozen=True)
class C:
    article_id: str
    source: str
    published_at: Optional[int]
    text_length: int


POLICY = CanonicalPolicy(("EFE", "AP"))


def test_source_priority_first():
    outlet = C("a", "teleSUR", 1, 9999)
    wire = C("b", "efe", 5, 10)
    assert POLICY.choose([outlet, wire]) is wire


def test_then_earliest_then_longest_then_id():
    early = C("z", "Outlet", 100, 10)
    late = C("a", "Outlet", 200, 10)
    undated = C("0", "Outlet", None, 10_000)
    assert POLICY.choose([late, undated, early]) is early
    longer = C("y", "Outlet", 100, 20)
    assert POLICY.choose([early, longer]) is longer
    twin = C("b", "Outlet", 100, 20)
    assert POLICY.choose([longer, twin]) is twin


def test_choice_does_not_depend_on_order():
    candidates = [C("a", "X", 1, 5), C("b", "AP", 3, 5), C("c", "AP", 3, 5), C("d", None, None, 1)]
    chosen = {POLICY.choose(p).article_id for p in itertools.permutations(candidates)}
    assert chosen == {"b"}


def test_earliest_is_by_date_then_source_priority_then_longest_then_id():
    outlet, wire = C("a", "Outlet", 100, 50), C("b", "EFE", 100, 10)
    assert POLICY.earliest([outlet, wire]) is wire  # a tie on the date: the wire
    assert POLICY.earliest([C("c", "EFE", 99, 1), wire]).article_id == "c"  # earlier beats the priority
    longer = C("d", "EFE", 100, 20)
    assert POLICY.earliest([wire, longer]) is longer
    assert POLICY.earliest([C("z", "EFE", None, 99), C("y", "AP", None, 99), C("x", "Outlet", 500, 1)]).article_id == "x"
    assert POLICY.earliest([C("z", "EFE", None, 99), C("y", "AP", None, 99)]).article_id == "z"
