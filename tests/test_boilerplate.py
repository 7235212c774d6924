from newsdedup.boilerplate import only_boilerplate, recurring, segment_keys, segments, strip

WALL = "We suspect that someone has misused the IP address you are using.\nIf you want to connect, select \"I am not a robot\"."


def _pages():
    stories = ["Floods closed the main road to Lahore on Monday.", "The central bank cut its rate by half a point.",
               "A fire destroyed three warehouses in the port.", "The minister resigned after the vote."]
    return [f"{story} Subscribing to our services is a three step process.\nAdvertisement" for story in stories]


def test_segments_recurring_in_enough_documents_are_stripped_and_the_story_stays():
    pages = _pages()
    common = recurring((segment_keys(p) for p in pages), min_docs=4)
    assert strip(pages[0], common) == "Floods closed the main road to Lahore on Monday."
    assert recurring((segment_keys(p) for p in pages[:3]), min_docs=4) == frozenset()  # three pages: not enough


def test_a_page_of_nothing_but_boilerplate_is_flagged():
    pages = _pages() + [WALL] * 4
    common = recurring((segment_keys(p) for p in pages), min_docs=4)
    assert only_boilerplate(WALL, common) and only_boilerplate("Advertisement\n\n2.", common)
    assert not only_boilerplate(pages[0], common) and not only_boilerplate("", common)


def test_counted_per_site_where_the_site_is_known():
    pages = _pages()
    by_site = [segment_keys(p, site) for p, site in zip(pages, ["a.pl", "a.pl", "b.de", "b.de"])]
    assert recurring(by_site, min_docs=2) and not recurring(by_site, min_docs=3)
    common = recurring(by_site, min_docs=2)
    assert strip(pages[0], common, "a.pl") == "Floods closed the main road to Lahore on Monday."
    assert strip(pages[0], common, "c.com") == pages[0].replace("\n", " ")  # another site's furniture is not this one's


def test_segments_are_lines_and_sentences():
    assert segments("One. Two!\nThree 3.5 percent\n\n") == ["One.", "Two!", "Three 3.5 percent"]
