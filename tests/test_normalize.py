import json
import re
from pathlib import Path

from newsdedup.normalize import FurnitureStripper, clean, lead, matching_text, normalize
from newsdedup.pipeline.config import NormalizeConfig

STRIPPER = FurnitureStripper.from_config(NormalizeConfig().furniture_patterns, NormalizeConfig().agencies)

WIRE = """Russia Calls for Talks

X/ @B7frankH


May 7, 2025 Hour: 8:22 am

MOSCOW, 7 may (EFE).- The Kremlin urged both sides to negotiate.

RELATED:

India-Pakistan Clashes Leave 9 Dead

"We call on both parties to exercise restraint," he said.

Photo: EFE/Archivo

teleSUR/ JF

Source: EFE"""


def test_normalize_folds_case_width_and_punctuation():
    assert normalize("Ｈｅｌｌｏ,  WORLD — “¡Año!”") == "hello world año"
    assert normalize("Straße") == "strasse"


def test_normalize_is_idempotent():
    for text in ["ﬁ Ⅻ ½ Σίσυφος", "MADRID, 7 may (EFE).-", "  a\tb\nc  "]:
        assert normalize(normalize(text)) == normalize(text)


def test_furniture_is_stripped():
    text = STRIPPER.strip(WIRE)
    for furniture in ["@B7frankH", "Hour:", "(EFE)", "RELATED", "India-Pakistan Clashes", "Photo:", "teleSUR/", "Source:"]:
        assert furniture not in text
    assert "The Kremlin urged both sides to negotiate." in text
    assert '"We call on both parties to exercise restraint," he said.' in text


def test_datelines_of_several_agencies():
    for dateline, rest in [
        ("MADRID, 7 may (EFE).- ", "El Gobierno anunció"),
        ("WASHINGTON (AP) — ", "The president said"),
        ("GENEVA (Reuters) - ", "Talks resumed"),
        ("LA HABANA, 3 jun (Prensa Latina) -- ", "Cuba denunció"),
    ]:
        assert STRIPPER.strip(dateline + rest) == rest


def test_a_dateline_place_is_two_to_sixty_characters():
    for place, stripped in [("X", False), ("NY", True), ("A" * 60, True), ("A" * 61, False)]:
        text = f"{place}(EFE).- Texto"
        assert STRIPPER.strip(text) == ("Texto" if stripped else text), place


def test_bare_date_lines_are_furniture():
    for line in ["March 01, 2008", "Wednesday, May 7, 2025", "7 de mayo de 2025", "miércoles, 7 de mayo de 2025"]:
        assert STRIPPER.strip(f"{line}\nThe story.") == "\nThe story."


def test_patterns_are_config_not_code():
    only_efe = FurnitureStripper.from_config([r"^\w+ \({agency}\)\.- "], ["EFE"])
    assert only_efe.strip("LIMA (EFE).- Texto") == "Texto"
    assert only_efe.strip("LIMA (AP).- Text") == "LIMA (AP).- Text"


def test_matching_text_uses_body_and_falls_back_to_title():
    assert matching_text("Headline", clean("MADRID, 7 may (EFE).- Body text.", STRIPPER, 1000), 1000) == "body text"
    assert matching_text("Only A Headline", clean("", STRIPPER, 1000), 1000) == "only a headline"
    assert len(matching_text("", clean("word " * 10_000, STRIPPER, 100), 100)) <= 100
    assert matching_text("", clean("ab cd", STRIPPER, 100), 3) == "ab"  # no trailing space where the cut falls


def test_lead_is_headline_plus_start_of_body():
    text = lead("Quake hits Peru", clean("LIMA, 3 mar (EFE).- A strong quake shook the coast. " + "More. " * 200, STRIPPER, 1000), 80)
    assert text.startswith("Quake hits Peru. A strong quake shook the coast.")
    assert len(text) <= 80 and not text.endswith(" ")


def _reference_split(patterns, text):
    """The furniture patterns applied as written, one after another."""
    removed = []
    for pattern in patterns:
        text = re.compile(pattern, re.MULTILINE).sub(lambda m: removed.append(m.group(0)) or "", text)
    return text, removed


def test_line_start_patterns_jump_between_newlines_without_changing_what_they_remove():
    cfg = NormalizeConfig()
    stripper = FurnitureStripper.from_config(cfg.furniture_patterns, cfg.agencies)
    assert all(fast for _, fast in stripper.patterns)  # every default pattern takes the fast form
    alternation = "(?:" + "|".join(re.escape(a) for a in sorted(set(cfg.agencies), key=lambda a: (-len(a), a))) + ")"
    expanded = [p.replace("{agency}", alternation) for p in cfg.furniture_patterns]
    seed = (Path(__file__).parent.parent / "seeds" / "articles.jsonl").read_text(encoding="utf-8")
    texts = [json.loads(line)["body"] for line in seed.splitlines() if line.strip()]
    texts += ["Source: EFE", "\n\nSource: EFE\n", "EFE\n\nEFE\nx", "RELATED:\n\nHeadline\nBody", "  Foto: EFE\nText"]
    words = lambda text: text.split()  # noqa: E731 - a match starting on an empty line may keep its newline
    for text in texts:
        (ours, our_furniture), (theirs, their_furniture) = stripper.split(text), _reference_split(expanded, text)
        assert words(ours) == words(theirs) and [f.strip() for f in our_furniture] == [f.strip() for f in their_furniture]


def test_a_pattern_with_top_level_alternation_keeps_its_form():
    stripper = FurnitureStripper.from_config([r"^Photo:.*$|^Foto:.*$"], [])
    assert [fast for _, fast in stripper.patterns] == [False]
    assert stripper.split("Photo: x\nbody\nFoto: y") == ("\nbody\n", ["Photo: x", "Foto: y"])


def test_agency_alternation_is_longest_first_and_empty_matches_nothing():
    from newsdedup.normalize import _alternation

    assert _alternation(["AP", "", "APF", "EFE", "AP"]) == "(?:APF|EFE|AP)"
    assert _alternation(["", ""]) == "(?!)"
    assert re.search(_alternation(["AP", "APF"]), "xAPFx").group(0) == "APF"


def test_credit_pattern_finds_an_agency_as_a_word():
    from newsdedup.normalize import credit_pattern

    credit = credit_pattern(["EFE", "AP"])
    assert credit.search("— AP") and credit.search("(EFE)") and not credit.search("APA") and not credit.search("EFEs")
    assert not credit_pattern([]).search("anything at all")


def test_top_level_alternation_is_found_outside_groups_classes_and_escapes():
    from newsdedup.normalize import _has_top_level_branch

    cases = {"a|b": True, "|a": True, "(a|b)": False, "(a)|b": True, "[|]": False, "[|]|x": True, "\\|": False,
             "\\||": True, "\\\\|b": True, "[]|]": False, "[]|]|x": True, "[^]|]": False, "[^]|]|x": True,
             "[^|a]|b": True, "[^a|]": False, "[\\]|]": False, "[\\]|]|x": True, "x[^": False,
             "[^[]|": True, "[]]|": True, "[\\[]|": True, "((a))|b": True}
    assert {p: _has_top_level_branch(p) for p in cases} == cases


def test_lead_cuts_at_the_last_space_before_the_limit():
    from newsdedup.normalize import Cleaned

    def body(text):
        return Cleaned(text, text, ())

    assert lead("", body("abc def"), 7) == "abc def"  # exactly the limit: whole
    assert lead("", body("abc def"), 6) == "abc"
    assert lead("", body("abcdefgh"), 4) == "abcd"  # no space: a hard cut
    assert lead("", body("a bcdef"), 4) == "a"
    assert lead("T", body("x"), 20) == "T. x" and lead("  ", body("x"), 20) == "x"
    assert lead("T", body(" " * 20 + "word"), 10) == "T. "  # the body is read to twice the limit only


def test_line_patterns_keep_their_multiline_anchors_and_bad_ones_are_named():
    stripper = FurnitureStripper.from_config(["^Foto:.*$"], [])
    assert stripper.strip("a\nFoto: x\nb") == "a\n\nb"
    try:
        FurnitureStripper.from_config(["(unclosed"], [])
    except ValueError as err:
        assert str(err).startswith("invalid furniture pattern '(unclosed': missing )")
    else:
        raise AssertionError("a bad pattern was accepted")


def test_clean_reads_twice_the_limit():
    assert clean("x" * 100, STRIPPER, 10).body == "x" * 20


def test_credits_and_cuts_are_looked_for_in_a_short_last_paragraph_only():
    from newsdedup.normalize import content_profile, credit_pattern

    credit = credit_pattern(["Reuters", "AP"])
    lead_text = "The council approved the plan on Monday after a long debate about costs and the schedule of works. " * 2
    more = "Work will start in spring and last two years, officials said, adding that residents were consulted. " * 2

    def profile(body, stripper=FurnitureStripper.from_config([], [])):  # noqa: B008 - built once, never changed
        return content_profile(clean(body, stripper, 20_000), credit)

    assert profile(f"{lead_text}\n\n— Reuters").credited  # two paragraphs, the last a sign-off
    assert profile(f"{lead_text}\n\n{'— Reuters ' + 'x' * 110}").credited  # a sign-off of exactly 120 characters
    assert not profile(f"{lead_text}\n\n{'— Reuters ' + 'x' * 111}").credited
    assert not profile(f"{lead_text}\n\n{more} Reuters did not answer.").credited  # a long last paragraph is text
    junk = FurnitureStripper.from_config(["^JUNK.*$"], [])  # furniture naming no agency, longer than the edge
    assert not profile("JUNK" + "x" * 130 + "\nThe mayor spoke to AP.", junk).credited  # one paragraph: no sign-off
    assert not profile(f"{lead_text}…\n\n{more}").cut  # only the last paragraph, when it is long
    assert not profile(f"{lead_text}\n\n{more}…\n\n{more}").cut
    assert not profile(f"{lead_text}…\n\n{more}\n\n— Reuters").cut  # the one before a sign-off, not earlier
    assert profile(f"{lead_text}\n\n{more}…\n\n— Reuters").cut
