"""Story rows: the headline an untitled story gets."""

from newsdedup.assemble import MAX_HEADLINE, assemble_story, first_sentence
from newsdedup.canonical import CanonicalPolicy
from newsdedup.records import CopyGroup, Member


def _member(article_id, title, lead):
    return Member(article_id=article_id, source="", url=None, language="en", published_at=None, title=title,
                  text_length=len(lead), embed_text=lead)


def _story(member):
    return assemble_story([(CopyGroup(f"cg-{member.article_id}", member, ((member, 1.0),), None), 1.0)],
                          CanonicalPolicy())[0]


def test_first_sentence():
    assert first_sentence("U.S. officials said on Monday the talks would resume. Then more.") == \
        "U.S. officials said on Monday the talks would resume."  # "U.S." is too short to be a sentence
    chinese = "中国政府今天宣布新的经济刺激计划，以应对放缓的增长。"
    assert first_sentence(chinese + "第二句。") == chinese
    assert first_sentence("Is it   over?  Not\nyet, the court says; it rules tomorrow. More.") == \
        "Is it over? Not yet, the court says; it rules tomorrow."  # whitespace collapsed
    long = first_sentence("word " * 100)
    assert long.endswith("word…") and len(long) <= MAX_HEADLINE + 1
    assert first_sentence("") == ""


def test_untitled_story_is_headed_by_its_canonicals_first_sentence():
    lead = "Flooding closed the main road into Valencia on Tuesday. Officials expect it to reopen."
    assert _story(_member("a", "", lead))["headline"] == "Flooding closed the main road into Valencia on Tuesday."
    assert _story(_member("b", "  ", lead))["headline"] == "Flooding closed the main road into Valencia on Tuesday."
    assert _story(_member("c", "Road closed", f"Road closed. {lead}"))["headline"] == "Road closed"
