"""Publication time decides stories, through the whole pipeline, on dated input.

One kind of event reported in bursts: each burst is ten reports an hour
apart (worded differently, so each is a copy group of its own), bursts are
forty days apart, past the story lifetime (``stories.lifetime_days``, 30),
and worded alike. Reports hours apart must share a story; reports a
lifetime apart must not, though their texts say the same. 27 bursts make 270
dated copy groups: more than one block of story clustering, with a burst
across the first block's end. A story lives while reports keep coming:
bursts ten days apart are one story followed up. Written against what a
reader of the output sees, not the model's internals.
"""

import itertools
import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest

from conftest import run_pipeline

pytestmark = pytest.mark.slow

BURSTS, PER_BURST = 27, 10
START = datetime(2025, 3, 1, 6, tzinfo=timezone.utc)
TEMPLATE = ("The city council {} a new plan on monday to {} the old {} near the river, officials said, adding that "
            "the work would {} over the coming months and that residents had been asked to {}.")
SLOTS = (("approved", "announced", "presented", "unveiled", "backed"),
         ("repair", "rebuild", "restore", "renovate", "upgrade"),
         ("bridge", "footbridge", "crossing", "viaduct", "overpass"),
         ("begin soon", "start in spring", "continue", "run late", "proceed in stages"),
         ("avoid the area", "use other routes", "be patient", "plan ahead", "expect delays"))


def _reports(bursts=BURSTS, days_apart=40):
    wordings = random.Random(7).sample(list(itertools.product(*SLOTS)), bursts * PER_BURST)
    return [{"id": f"b{burst:02d}-{k}", "title": "", "body": TEMPLATE.format(*wordings[burst * PER_BURST + k]),
             "published_at": (START + timedelta(days=days_apart * burst, hours=k)).isoformat(), "burst": burst}
            for burst in range(bursts) for k in range(PER_BURST)]


def _run(folder, reports, model_name):
    import json

    source = folder / "bursts.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in reports))
    # Copies need near-identical text here (by Jaccard and by containment): every report stays a copy group of its own.
    out = run_pipeline([source], folder / "out", model_name, "--set", "copies.threshold=0.95", "--set",
                       "copies.containment=0.99")
    return reports, {a["article_id"]: a for a in pq.read_table(out / "articles").to_pylist()}, \
        pq.read_table(out / "stories").to_pylist()


@pytest.fixture(scope="module")
def bursts_run(tmp_path_factory, model_name):
    return _run(tmp_path_factory.mktemp("bursts"), _reports(), model_name)


def test_follow_ups_within_the_lifetime_keep_one_story_alive(tmp_path, model_name):
    reports, articles, stories = _run(tmp_path, _reports(bursts=4, days_apart=10), model_name)
    assert len({a["story_id"] for a in articles.values()}) == len(stories) == 1
    assert stories[0]["last_published"] - stories[0]["first_published"] == timedelta(days=30, hours=PER_BURST - 1)


def test_every_report_is_its_own_copy_group(bursts_run):
    reports, articles, _ = bursts_run
    assert len({a["copy_group_id"] for a in articles.values()}) == len(reports) == 270  # > 256: more than one block


def test_reports_hours_apart_share_a_story_and_days_apart_do_not(bursts_run):
    reports, articles, stories = bursts_run
    by_burst = defaultdict(set)
    for r in reports:
        by_burst[r["burst"]].add(articles[r["id"]]["story_id"])
    assert all(len(ids) == 1 for ids in by_burst.values()), {b: len(ids) for b, ids in by_burst.items() if len(ids) > 1}
    assert len({next(iter(ids)) for ids in by_burst.values()}) == BURSTS
    assert len(stories) == BURSTS


def test_story_dates_span_its_reports(bursts_run):
    reports, articles, stories = bursts_run
    times = defaultdict(list)
    for r in reports:
        times[articles[r["id"]]["story_id"]].append(datetime.fromisoformat(r["published_at"]))
    for story in stories:
        assert story["first_published"] == min(times[story["story_id"]])
        assert story["last_published"] == max(times[story["story_id"]])
        assert story["last_published"] - story["first_published"] == timedelta(hours=PER_BURST - 1)
