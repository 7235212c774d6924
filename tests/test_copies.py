"""Who copied whom: origins, edits, first carrier per language, and the GroupCopies stage that emits them."""

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsdedup import minhash
from newsdedup.assemble import copy_rows
from newsdedup.canonical import CanonicalPolicy
from newsdedup.copies import first_by_language, trace_copies
from newsdedup.normalize import FurnitureStripper, clean, content_profile, credit_pattern, normalize
from newsdedup.pipeline.config import NormalizeConfig
from newsdedup.records import Member
from newsdedup.shingle import shingles
from newsdedup.transforms.group_copies import GroupCopies

POLICY = CanonicalPolicy(("EFE", "AP"))
CONFIG = NormalizeConfig()
STRIPPER = FurnitureStripper.from_config(CONFIG.furniture_patterns, CONFIG.agencies)
CREDIT = credit_pattern(CONFIG.agencies)
HOUR = 3_600_000_000

LEAD = ("El Ministerio de Salud de Paraguay declaró este jueves la alerta epidemiológica en todo el territorio "
        "nacional por el aumento sostenido de casos de dengue, que en las últimas semanas se duplicaron.")
MORE = ("Según el último boletín, el país acumula en lo que va de año miles de notificaciones de casos sospechosos "
        "y catorce muertes atribuidas a la enfermedad, informaron las autoridades sanitarias.")
ORIGINAL = f"ASUNCIÓN, 10 abr (EFE).- {LEAD}\n\n{MORE}"


def _profile(body):
    return content_profile(clean(body, STRIPPER, 20_000), CREDIT)


def _member(article_id, body, source="Outlet", published_at=None, title="Alerta por dengue", language="es"):
    grams = shingles(normalize(STRIPPER.strip(body)), "word", 3)
    return Member(article_id, source, None, language, published_at, title, len(body), body[:100], (),
                  minhash.signature(grams, 128, 1), _profile(body), shingles=len(grams))


WIRE = " ".join(f"palabra{i}" for i in range(400))  # a long wire text: 398 distinct word 3-grams
CUT = " ".join(f"palabra{i}" for i in range(100))  # its lead, the rest dropped: no ellipsis


def test_split_returns_the_furniture_it_removed():
    text, removed = STRIPPER.split("Foto: EFE/Archivo\n\nTexto.\n\nFuente: EFE")
    assert text.strip() == "Texto."
    assert [r.strip() for r in removed] == ["Fuente: EFE", "Foto: EFE/Archivo"]


def test_credits_are_found_in_furniture_dateline_and_sign_off():
    assert _profile(ORIGINAL).credited  # dateline, stripped as furniture
    assert _profile(f"COPIAPÓ (Chile), 16 jul (EFE).- {LEAD}").credited  # dateline the pattern misses
    assert _profile(f"{LEAD}\n\n{MORE}\n\n— Reuters").credited  # sign-off
    assert not _profile(f"{LEAD}\n\n{MORE}").credited
    assert not _profile(f"{LEAD} Reuters y EFE no respondieron.\n\n{MORE}").credited  # named in the text only


def test_cut_text_ends_in_an_ellipsis_even_before_a_sign_off():
    assert _profile(f"{LEAD}\n\n{MORE[:80]}…").cut
    assert _profile(f"{LEAD}\n\n{MORE[:80]}...\n\n© Reuters 2025").cut
    assert not _profile(f"{LEAD}\n\n{MORE}").cut
    assert _profile(ORIGINAL).length == len(f"{LEAD} {MORE}")


def test_origin_is_the_earliest_and_edits_are_detected():
    origin = _member("z-efe", ORIGINAL, source="EFE", published_at=10 * HOUR)
    same = _member("a-same", ORIGINAL, source="Outlet", published_at=12 * HOUR)
    cut = _member("b-cut", f"{LEAD}\n\n{MORE[:60]}…", published_at=11 * HOUR, title="Paraguay, en alerta")
    undated = _member("c-undated", f"{LEAD}\n\n{MORE}", title="ALERTA por dengue!")
    copies = trace_copies("cg-x", [same, cut, origin, undated], POLICY, contained=0.35)
    assert [c.copy_article_id for c in copies] == ["a-same", "b-cut", "c-undated"]
    assert {c.origin_article_id for c in copies} == {"z-efe"}
    by_id = {c.copy_article_id: c for c in copies}
    assert by_id["a-same"].lag_seconds == 7200.0 and by_id["a-same"].similarity == 1.0
    assert (by_id["a-same"].truncated, by_id["a-same"].headline_changed, by_id["a-same"].credit_removed) == (
        False, False, False)
    assert by_id["b-cut"].lag_seconds == 3600.0 and 0.3 < by_id["b-cut"].similarity < 1.0
    assert (by_id["b-cut"].truncated, by_id["b-cut"].headline_changed, by_id["b-cut"].credit_removed) == (
        True, True, True)
    assert by_id["c-undated"].lag_seconds is None
    assert (by_id["c-undated"].truncated, by_id["c-undated"].headline_changed) == (False, False)


def test_an_earlier_outlet_is_the_origin_but_priority_decides_when_undated():
    wire = _member("efe-1", ORIGINAL, source="EFE", published_at=5 * HOUR)
    early = _member("out-1", ORIGINAL, source="Outlet", published_at=4 * HOUR)
    assert trace_copies("cg", [wire, early], POLICY, contained=0.35)[0].origin_article_id == "out-1"
    undated = [_member("out-1", ORIGINAL), _member("efe-1", ORIGINAL, source="EFE")]
    assert trace_copies("cg", undated, POLICY, contained=0.35)[0].origin_article_id == "efe-1"
    assert trace_copies("cg", [wire], POLICY, contained=0.35) == ()


def test_a_cut_copy_is_contained_and_truncated_without_an_ellipsis():
    wire, cut = _member("w", WIRE, source="EFE", published_at=HOUR), _member("c", CUT, published_at=2 * HOUR)
    (row,) = trace_copies("cg", [wire, cut], POLICY, contained=0.35)
    assert row.origin_article_id == "w" and row.similarity < 0.3  # Jaccard alone would not link them
    assert row.containment > 0.8 and row.truncated
    whole = _member("o", WIRE, published_at=2 * HOUR)
    (row,) = trace_copies("cg", [wire, whole], POLICY, contained=0.35)
    assert row.containment == 1.0 and not row.truncated


def test_where_dates_cannot_tell_the_containing_text_is_the_origin():
    """Same day or undated: the cut text is the copy, even when its source ranks first."""
    for when in (None, HOUR):
        wire, cut = _member("z-wire", WIRE, published_at=when), _member("a-efe", CUT, source="EFE", published_at=when)
        (row,) = trace_copies("cg", [cut, wire], POLICY, contained=0.35)
        assert (row.origin_article_id, row.copy_article_id) == ("z-wire", "a-efe")
    # a date still comes first: the earlier text is the origin, whatever its length
    wire, cut = _member("z-wire", WIRE, published_at=2 * HOUR), _member("a-efe", CUT, source="EFE", published_at=HOUR)
    assert trace_copies("cg", [cut, wire], POLICY, contained=0.35)[0].origin_article_id == "a-efe"


def test_first_by_language():
    members = [
        _member("es-late", ORIGINAL, published_at=9 * HOUR),
        _member("es-early", ORIGINAL, published_at=8 * HOUR),
        _member("en-undated", ORIGINAL, language="en"),
        _member("en-ap", ORIGINAL, source="AP", language="en"),
    ]
    firsts = first_by_language(members, POLICY)
    assert [(f["language"], f["article_id"]) for f in firsts] == [("en", "en-ap"), ("es", "es-early")]
    assert firsts[1]["published_at"] == 8 * HOUR


def test_group_copies_emits_copy_rows():
    members = [_member("efe-1", ORIGINAL, source="EFE", published_at=HOUR),
               _member("out-1", f"{LEAD}\n\n{MORE}", published_at=3 * HOUR),
               _member("lone", "otro texto que no se parece a nada " * 4)]
    with TestPipeline() as p:
        groups = {"members": p | "M" >> beam.Create(members),
                  "roots": p | "R" >> beam.Create([("efe-1", "efe-1"), ("out-1", "efe-1")])} | GroupCopies(POLICY, contained=0.35)
        rows = groups | beam.FlatMap(copy_rows)
        assert_that(rows | beam.Map(lambda r: (r["copy_group_id"].startswith("cg-"), r["origin_article_id"],
                                               r["copy_article_id"], r["lag_seconds"], r["credit_removed"])),
                    equal_to([(True, "efe-1", "out-1", 7200.0, True)]))


def test_edge_cases_of_each_edit_and_of_similarity():
    import dataclasses

    from newsdedup.copies import credit_removed, similarity, truncated
    from newsdedup.normalize import ContentProfile

    origin = _member("o", ORIGINAL, source="EFE")
    assert similarity(origin, origin) == 1.0
    unsigned = dataclasses.replace(origin, signature=None)
    assert similarity(origin, unsigned) == similarity(unsigned, origin) == 0.0
    assert similarity(origin, _member("c", ORIGINAL)) == 1.0  # equal signatures of another member
    no_profile = dataclasses.replace(origin, profile=None)
    cut_uncredited = dataclasses.replace(origin, profile=ContentProfile(length=10, credited=False, cut=True))
    for a, b in ((no_profile, cut_uncredited), (cut_uncredited, no_profile)):
        assert not truncated(a, b, 0.35) and not credit_removed(a, b)

    def profiled(length, cut):
        return dataclasses.replace(origin, profile=ContentProfile(length=length, credited=True, cut=cut))

    assert truncated(profiled(100, False), profiled(99, True), 0.35)
    assert not truncated(profiled(100, False), profiled(100, True), 0.35)  # cut, but not shorter
    assert not truncated(profiled(100, False), profiled(50, False), 0.35)  # shorter, but not cut: paragraphs dropped


def test_copy_rows_name_both_sources_and_firsts_name_theirs():
    origin = _member("o", ORIGINAL, source="EFE", published_at=1 * HOUR)
    copy = _member("c", ORIGINAL, source="Outlet", published_at=2 * HOUR)
    (row,) = trace_copies("g", [copy, origin], POLICY, contained=0.35)
    assert (row.origin_source, row.copy_source) == ("EFE", "Outlet")
    assert first_by_language([copy, origin], POLICY) == [
        {"language": "es", "article_id": "o", "source": "EFE", "published_at": 1 * HOUR}]
