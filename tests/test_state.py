"""Incremental runs (``--state``): ids kept across batches, redirects, split invariance, atomic commit."""

import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import SHARED_DATA, read_tables, run_pipeline
from newsdedup.ids import founding_key
from newsdedup.incremental import OldId, merge_story_rows, one_hop, reconcile
from newsdedup.pipeline.cli import main
from newsdedup.pipeline.state import config_difference, recover

HORIZON = "state.horizon_days=365"  # the seeds span nine months: keep every article matchable


def _old(id_, founder, at):
    return OldId(id_, founding_key(founder, at))


def test_a_new_article_joining_an_old_group_takes_its_id():
    old = {"a": _old("cg-a", "a", 10)}
    done = reconcile({"run-1": ["a", "n"], "run-2": ["m"]}, old, ["n", "m"], {"a": 10, "n": 20, "m": 30})
    assert done.final == {"run-1": "cg-a", "run-2": "run-2"}
    assert done.redirects == {}
    assert done.founded["run-2"] == founding_key("m", 30)


def test_a_bridge_keeps_the_earliest_founded_id_and_redirects_the_other():
    old = {"a": _old("cg-late", "a", 50), "b": _old("cg-early", "b", 10)}
    done = reconcile({"run": ["a", "b", "n"]}, old, ["n"], {"a": 50, "b": 10, "n": 60})
    assert done.final == {"run": "cg-early"}
    assert done.redirects == {"cg-late": "cg-early"}


def test_old_ids_merge_only_through_a_batch_article():
    old = {"a": _old("cg-a", "a", 1), "b": _old("cg-b", "b", 2)}
    done = reconcile({"run": ["a", "b"]}, old, [], {"a": 1, "b": 2})
    assert done.final == {} and done.redirects == {}


def test_redirects_stay_one_hop():
    assert one_hop({"x": "y"}, {"y": "z"}) == {"x": "z", "y": "z"}


def test_a_story_row_adds_the_batch_to_the_earlier_rows():
    t = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    earlier = {"story_id": "st-1", "canonical_article_id": "a", "headline": "A", "languages": ["es"],
               "sources": ["EFE"], "article_count": 2, "copy_group_count": 1, "first_published": t,
               "last_published": t, "first_by_language": [{"language": "es", "article_id": "a", "source": "EFE",
                                                           "published_at": t}]}
    later = t + datetime.timedelta(days=1)
    batch = [{"article_id": "n", "copy_group_id": "cg-n", "language": "en", "source": "AP", "published_at": later}]
    row = merge_story_rows([earlier], batch, new_groups=1, run_row={"canonical_article_id": "a", "headline": "A"},
                           batch_ids={"n"})
    assert (row["article_count"], row["copy_group_count"], row["languages"]) == (3, 2, ["en", "es"])
    assert (row["first_published"], row["last_published"]) == (t, later)
    assert [e["article_id"] for e in row["first_by_language"]] == ["n", "a"]


def test_config_difference_names_the_key_and_ignores_what_changes_nothing():
    old = {"copies": {"threshold": 0.3}, "stories": {"threads": 1}, "runner": {"name": "DirectRunner"}}
    assert config_difference(old, {**old, "stories": {"threads": 4}, "runner": {"name": "PortableRunner"}}) is None
    assert config_difference(old, {**old, "copies": {"threshold": 0.4}}) == "copies.threshold=0.3 (this run: 0.4)"


def test_recover_undoes_a_commit_killed_between_its_renames(tmp_path):
    state = tmp_path / "state"
    (tmp_path / "state.old").mkdir()
    (tmp_path / "state.old" / "manifest.json").write_text("{}")
    recover(str(state))
    assert (state / "manifest.json").read_text() == "{}" and not (tmp_path / "state.old").exists()


def test_recover_finishes_a_commit_on_a_store_without_folders():
    import objectstore  # noqa: F401 - registers the objstore:// scheme
    from apache_beam.io.filesystems import FileSystems

    for path, text in (("objstore://r/state.partial/manifest.json", "{}"), ("objstore://r/state.partial/a/x.parquet", "x"),
                       ("objstore://r/state/a/old.parquet", "old")):  # the old manifest is already gone
        with FileSystems.create(path) as stream:
            stream.write(text.encode())
    recover("objstore://r/state")
    assert FileSystems.exists("objstore://r/state/manifest.json") and FileSystems.exists("objstore://r/state/a/x.parquet")
    assert not FileSystems.exists("objstore://r/state/a/old.parquet")


# --- whole runs: the seeds as three dated batches ----------------------------------------------------------------

def _day(record):
    return datetime.datetime.fromisoformat(record["published_at"]).astimezone(datetime.timezone.utc).date().isoformat()


def _write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _batches(folder, seed_records):
    """The seeds split by publication day; undated ones come last, when every dated one is known."""
    dated = [r for r in seed_records if r.get("published_at")]
    undated = [r for r in seed_records if not r.get("published_at")]
    cuts = ("2025-05-20", "2025-07-15")
    parts = [[r for r in dated if _day(r) < cuts[0]], [r for r in dated if cuts[0] <= _day(r) < cuts[1]],
             [r for r in dated if _day(r) >= cuts[1]] + undated]
    return [_write(folder / f"batch-{i}.jsonl", part) for i, part in enumerate(parts)]


def _run(batch, out, state, model, *extra):
    return main(["run", "--input", str(batch), "--output", str(out), "--state", str(state),
                 "--set", f"stories.model={model}", "--set", HORIZON, *extra])


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def batched(tmp_path_factory, seed_records, model_name):
    root = tmp_path_factory.mktemp("state")
    batches = _batches(root, seed_records)
    state = root / "state"
    for i, batch in enumerate(batches):
        assert _run(batch, root / f"out-{i}", state, model_name) == 0
        if i == 1:
            shutil.copytree(state, root / "after-1")
    return root, batches, state


def _partition(table, column):
    groups = {}
    for article, key in zip(table.column("article_id").to_pylist(), table.column(column).to_pylist()):
        groups.setdefault(key, set()).add(article)
    return {key: frozenset(v) for key, v in groups.items()}


def _pairs(partition):
    return {pair for members in partition.values() for pair in combinations(sorted(members), 2)}


def _f1(once, batched_articles):
    want, found = _pairs(_partition(once, "story_id")), _pairs(_partition(batched_articles, "story_id"))
    return 2 * len(want & found) / (len(want) + len(found)) if want or found else 1.0


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATA / "gvc.jsonl").exists(), reason="the labelled corpora are not here")
def test_gvc_in_two_batches_by_date_gives_the_copy_groups_of_one_run(tmp_path, model_name):
    records = [json.loads(line) for line in (SHARED_DATA / "gvc.jsonl").read_text().splitlines() if line.strip()]
    records = [{k: v for k, v in r.items() if k in ("id", "source", "language", "published_at", "title", "body")}
               for r in records]
    days = sorted(r["published_at"] for r in records)
    cut = days[len(days) // 2]
    halves = [[r for r in records if r["published_at"] < cut], [r for r in records if r["published_at"] >= cut]]
    once = read_tables(run_pipeline([_write(tmp_path / "all.jsonl", records)], tmp_path / "once", model_name))["articles"]
    for i, half in enumerate(halves):
        assert _run(_write(tmp_path / f"half-{i}.jsonl", half), tmp_path / f"out-{i}", tmp_path / "state",
                    model_name, "--set", "state.horizon_days=3650") == 0
    got = read_tables(tmp_path / "state")["articles"]
    assert _partition(got, "copy_group_id") == _partition(once, "copy_group_id")
    assert _f1(once, got) >= 0.98


@pytest.mark.slow
def test_the_state_is_a_complete_output_with_every_article(batched, seed_records):
    _, _, state = batched
    tables = read_tables(state)
    assert sorted(tables["articles"].column("article_id").to_pylist()) == sorted(r["id"] for r in seed_records)
    manifest = json.loads((state / "manifest.json").read_text())
    assert manifest["state"]["runs"] == 3 and manifest["counts"]["accepted"] == len(seed_records)
    stories = tables["stories"]
    assert sum(stories.column("article_count").to_pylist()) == len(seed_records)
    assert set(stories.column("story_id").to_pylist()) == set(tables["articles"].column("story_id").to_pylist())
    assert main(["report", str(state), "--html", str(state.parent / "report.html")]) == 0


@pytest.mark.slow
def test_three_batches_give_the_copy_groups_and_ids_of_one_run(batched, seeds_run):
    _, _, state = batched
    once, batched_articles = read_tables(seeds_run)["articles"], read_tables(state)["articles"]
    assert _partition(batched_articles, "copy_group_id") == _partition(once, "copy_group_id")
    once_stories, got = _partition(once, "story_id"), _partition(batched_articles, "story_id")
    assert _f1(once, batched_articles) >= 0.98
    same = [key for key, members in got.items() if once_stories.get(key) == members]
    assert len(same) >= 0.95 * len(once_stories)  # same partition -> same id


@pytest.mark.slow
def test_copies_and_stories_found_across_the_batch_boundary_keep_the_earlier_ids(batched):
    root, batches, state = batched
    second = {json.loads(line)["id"] for line in batches[1].read_text().splitlines()}
    third = {json.loads(line)["id"] for line in batches[2].read_text().splitlines()}
    articles = read_tables(state)["articles"].to_pylist()
    spans = {}
    for row in articles:
        spans.setdefault(row["copy_group_id"], set()).add(row["article_id"] in second)
    assert any(s == {True, False} for s in spans.values() if s), "no copy group spans the second and third batches"
    # The second batch's output named the ids that the third batch's articles took.
    earlier = pq.read_table(root / "out-1" / "articles")
    earlier_ids = dict(zip(earlier.column("article_id").to_pylist(), earlier.column("story_id").to_pylist()))
    later = [r for r in articles if r["article_id"] in third]
    assert any(r["story_id"] in set(earlier_ids.values()) for r in later), "no later article joined an earlier story"
    assert any(r["copy_group_id"] in set(earlier.column("copy_group_id").to_pylist()) for r in later)
    for row in articles:
        if row["article_id"] in earlier_ids:
            assert row["story_id"] == earlier_ids[row["article_id"]]


@pytest.mark.slow
def test_rerunning_a_committed_batch_changes_nothing(batched, model_name, tmp_path):
    _, batches, state = batched
    before = _snapshot(state)
    assert _run(batches[2], tmp_path / "again", state, model_name) == 0
    assert _snapshot(state) == before
    again = read_tables(tmp_path / "again")
    assert again["articles"].num_rows == 0
    assert set(again["rejects"].column("reason").to_pylist()) == {"already_seen"}
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text())
    assert manifest["counts"]["already_seen"] == again["rejects"].num_rows == len(batches[2].read_text().splitlines())


@pytest.mark.slow
def test_a_state_of_another_config_is_refused(batched, model_name, tmp_path, capsys):
    _, batches, state = batched
    assert _run(batches[2], tmp_path / "o", state, model_name, "--set", "copies.threshold=0.4") == 2
    assert "was made with copies.threshold=0.3 (this run: 0.4); pass --rebuild-state" in capsys.readouterr().err


@pytest.mark.slow
def test_a_run_killed_midway_leaves_the_state_and_a_rerun_completes_it(batched, model_name, tmp_path):
    root, batches, state = batched
    copy = tmp_path / "state"
    shutil.copytree(root / "after-1", copy)
    before = _snapshot(copy)
    argv = [sys.executable, "-m", "newsdedup.pipeline.cli", "run", "--input", str(batches[2]), "--output",
            str(tmp_path / "killed"), "--state", str(copy), "--set", f"stories.model={model_name}", "--set", HORIZON]
    process = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not list(tmp_path.glob("state.work.partial/_scratch/vectors/*")) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # the launcher and the workers it started
    process.wait()
    assert _snapshot(copy) == before
    assert _run(batches[2], tmp_path / "rerun", copy, model_name) == 0
    for table in ("articles", "stories", "copies", "rejects", "redirects"):
        assert pq.read_table(copy / table).equals(pq.read_table(state / table)), table


# --- a bridge, through PortableRunner with workers in other processes -------------------------------------------

def _bridge_batches(folder, seed_records):
    """Two unrelated articles on day 1; on day 2 one that carries both texts whole."""
    a = seed_records[0]
    b = next(r for r in seed_records if r["language"] != a["language"]
             and 0.8 < len(r["body"]) / len(a["body"]) < 1.25)  # each half of the bridge: Jaccard ~0.5
    first = [{**a, "id": "bridge-a", "published_at": "2025-01-01T08:00:00Z"},
             {**b, "id": "bridge-b", "published_at": "2025-01-01T09:00:00Z"}]
    both = {"id": "bridge-c", "source": "Outlet", "published_at": "2025-01-02T08:00:00Z", "language": a["language"],
            "title": a["title"], "body": a["body"] + "\n\n" + b["body"]}
    return _write(folder / "day-1.jsonl", first), _write(folder / "day-2.jsonl", [both])


@pytest.mark.slow
def test_a_bridge_merges_two_groups_with_a_redirect_on_portable_runner(seed_records, model_name, worker_pool, tmp_path):
    address, _ = worker_pool
    day1, day2 = _bridge_batches(tmp_path, seed_records)
    state = tmp_path / "state"
    portable = ["--set", "runner.name=PortableRunner", "--job_endpoint=embed", "--environment_type=EXTERNAL",
                f"--environment_config={address}"]
    assert _run(day1, tmp_path / "o1", state, model_name, *portable) == 0
    first = {r["article_id"]: r for r in read_tables(tmp_path / "o1")["articles"].to_pylist()}
    assert first["bridge-a"]["copy_group_id"] != first["bridge-b"]["copy_group_id"]
    assert _run(day2, tmp_path / "o2", state, model_name, *portable) == 0
    (c,) = read_tables(tmp_path / "o2")["articles"].to_pylist()
    assert c["copy_group_id"] == first["bridge-a"]["copy_group_id"]  # founded first: it survives
    redirects = pq.read_table(state / "redirects").to_pylist()
    assert {"old_id": first["bridge-b"]["copy_group_id"], "new_id": c["copy_group_id"], "kind": "copy_group"} in redirects
    assert c["story_id"] == first["bridge-a"]["story_id"]
    if first["bridge-b"]["story_id"] != first["bridge-a"]["story_id"]:
        assert {"old_id": first["bridge-b"]["story_id"], "new_id": c["story_id"], "kind": "story"} in redirects
    stories = pq.read_table(state / "stories").to_pylist()
    assert [s["article_count"] for s in stories] == [3]  # the merged story folded into the survivor's row
