"""Every output column of the seeds run, against values derived here from the input.

Jaccard estimates are recomputed with datasketch's MinHash (the reference
the signing kernel is tested against), dates parsed with ``datetime``, and
story columns gathered from the article rows and the input records.
"""

import json
from collections import defaultdict
from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest
from datasketch import MinHash

from newsdedup import schema
from newsdedup.lsh import lsh_params
from newsdedup.normalize import FurnitureStripper, clean, matching_text
from newsdedup.pipeline.config import Config
from newsdedup.shingle import shingles
from newsdedup.signing import hashfunc

pytestmark = pytest.mark.slow


def _utc(text):
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _minhash(record, config):
    norm, cfg = config.normalize, config.copies
    cleaned = clean(record.get("body") or "", FurnitureStripper.from_config(norm.furniture_patterns, norm.agencies),
                    norm.max_chars)
    grams = shingles(matching_text(record.get("title") or "", cleaned, norm.max_chars), cfg.shingle_kind, cfg.shingle_size)
    func = hashfunc(cfg.hash, cfg.shingle_kind)
    sketch = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, **({"hashfunc": func} if func else {}))
    sketch.update_batch(grams)
    return sketch


@pytest.fixture(scope="module")
def output(seeds_run, seed_records):
    tables = {t: pq.read_table(seeds_run / t) for t in ("articles", "stories", "copies", "rejects")}
    rows = {t: table.to_pylist() for t, table in tables.items()}
    return tables, {a["article_id"]: a for a in rows["articles"]}, rows, {r["id"]: r for r in seed_records}


def test_article_columns_are_the_input_fields(output):
    _, articles, _, records = output
    assert set(articles) == set(records)
    for article_id, a in articles.items():
        r = records[article_id]
        assert (a["source"], a["url"], a["title"]) == (r.get("source"), r.get("url"), r.get("title"))
        assert a["language"] == r["language"] if r.get("language") else a["language"]  # else detected
        assert a["published_at"] == _utc(r.get("published_at"))
        for name in ("section", "gold_cluster", "copy_of", "translation_of"):
            assert a[name] == r.get(name)


def test_jaccard_to_group_canonical_is_datasketchs_estimate(output):
    _, articles, _, records = output
    config, sketches = Config(), {}
    canonical = {a["copy_group_id"]: k for k, a in articles.items() if a["is_group_canonical"]}
    assert len(canonical) == len({a["copy_group_id"] for a in articles.values()})
    below_one = 0
    for article_id, a in articles.items():
        other = canonical[a["copy_group_id"]]
        for key in (article_id, other):
            sketches.setdefault(key, _minhash(records[key], config))
        expected = 1.0 if other == article_id else sketches[article_id].jaccard(sketches[other])
        assert a["jaccard_to_group_canonical"] == pytest.approx(expected, abs=1e-9), article_id
        below_one += expected < 1.0
    assert below_one >= 5  # edited reprints: the column is not a constant


def test_copies_columns(output):
    _, articles, rows, records = output
    config = Config()
    for c in rows["copies"]:
        origin, copy = records[c["origin_article_id"]], records[c["copy_article_id"]]
        assert articles[c["copy_article_id"]]["copy_group_id"] == articles[c["origin_article_id"]]["copy_group_id"] \
            == c["copy_group_id"]
        assert (c["origin_source"], c["copy_source"]) == (origin["source"], copy["source"])
        assert c["similarity"] == pytest.approx(_minhash(copy, config).jaccard(_minhash(origin, config)), abs=1e-9)
        dates = _utc(origin.get("published_at")), _utc(copy.get("published_at"))
        assert c["lag_seconds"] == (None if None in dates else (dates[1] - dates[0]).total_seconds())


def test_story_columns_are_gathered_from_their_articles(output):
    _, articles, rows, records = output
    members = defaultdict(list)
    for a in articles.values():
        members[a["story_id"]].append(a)
    assert {s["story_id"] for s in rows["stories"]} == set(members)
    for story in rows["stories"]:
        mine = members[story["story_id"]]
        lead = articles[story["canonical_article_id"]]
        assert lead["story_id"] == story["story_id"] and lead["is_story_canonical"]
        assert story["headline"] == records[lead["article_id"]]["title"]
        assert story["languages"] == sorted({a["language"] for a in mine if a["language"]})
        assert story["sources"] == sorted({records[a["article_id"]].get("source") for a in mine} - {None, ""})
        assert story["article_count"] == len(mine)
        assert story["copy_group_count"] == len({a["copy_group_id"] for a in mine})
        dates = [_utc(records[a["article_id"]].get("published_at")) for a in mine]
        dates = [d for d in dates if d is not None]
        assert (story["first_published"], story["last_published"]) == (min(dates, default=None), max(dates, default=None))
        for first in story["first_by_language"]:
            same = [a for a in mine if a["language"] == first["language"] and a["published_at"] is not None]
            assert first["published_at"] == min((a["published_at"] for a in same), default=None)
            assert articles[first["article_id"]]["story_id"] == story["story_id"]
        for a in mine:
            assert (a["similarity_to_canonical"] == 1.0) if a["copy_group_id"] == lead["copy_group_id"] \
                else -1.0 <= a["similarity_to_canonical"] < 1.0


def test_parquet_schemas_and_metadata(output, seeds_run):
    tables, _, _, _ = output
    manifest = json.loads((seeds_run / "manifest.json").read_text())
    for name, table in tables.items():
        meta = json.loads(table.schema.metadata[b"newsdedup"])
        assert meta == {k: manifest[k] for k in ("config", "model", "lsh", "versions")}
        fields = schema.TABLES[name] if name != "articles" else schema.articles_schema(
            ["copy_of", "gold_cluster", "section", "translation_of"])
        assert table.schema.remove_metadata().equals(fields), name
    copies = Config().copies
    # Bands are tuned for the candidate search (copies.lsh_threshold), below the Jaccard and containment checks.
    assert manifest["lsh"] == dict(zip(("bands", "rows"), lsh_params(copies.lsh_threshold, copies.num_perm)))


@pytest.fixture(scope="module")
def chains(seed_records):
    """The seeds' reprint chains (and their originals): every record that has or is a copy."""
    linked = {r["copy_of"] for r in seed_records if r.get("copy_of")} | {r["id"] for r in seed_records if r.get("copy_of")}
    return [r for r in seed_records if r["id"] in linked]


@pytest.mark.parametrize("settings", [["copies.hash=murmur3"],
                                      ["copies.hash=sha1", "copies.shingle_kind=char", "copies.shingle_size=5"]])
def test_other_shingle_hashes_and_char_shingles_through_the_pipeline(settings, chains, model_name, tmp_path_factory):
    """Each run replaces the last in one output folder (``--overwrite``); its Jaccard columns are datasketch's
    estimates under the configured hash and shingles."""
    from newsdedup.pipeline.cli import main
    from newsdedup.pipeline.config import load_config

    folder = tmp_path_factory.getbasetemp() / "other-hashes"
    folder.mkdir(exist_ok=True)
    source, out = folder / "chains.jsonl", folder / "out"
    source.write_text("".join(json.dumps(r) + "\n" for r in chains))
    replacing = out.exists()
    argv = ["run", "--input", str(source), "--output", str(out), "--set", f"stories.model={model_name}",
            "--direct_running_mode=in_memory", "--direct_num_workers=1"]
    for setting in settings:
        argv += ["--set", setting]
    assert main(argv + (["--overwrite"] if replacing else [])) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["chains.jsonl", "out"]  # no .partial or .old left
    config = load_config(None, settings)
    assert json.loads((out / "manifest.json").read_text())["config"]["copies"] == config.to_dict()["copies"]
    records = {r["id"]: r for r in chains}
    articles = {a["article_id"]: a for a in pq.read_table(out / "articles").to_pylist()}
    assert set(articles) == set(records)
    canonical = {a["copy_group_id"]: k for k, a in articles.items() if a["is_group_canonical"]}
    for article_id, a in articles.items():
        other = canonical[a["copy_group_id"]]
        expected = 1.0 if other == article_id else _minhash(records[article_id], config).jaccard(
            _minhash(records[other], config))
        assert a["jaccard_to_group_canonical"] == pytest.approx(expected, abs=1e-9), article_id
    copies = pq.read_table(out / "copies").to_pylist()
    assert len(copies) >= len(chains) // 2  # the reprints are still found
    for c in copies:
        expected = _minhash(records[c["copy_article_id"]], config).jaccard(_minhash(records[c["origin_article_id"]], config))
        assert c["similarity"] == pytest.approx(expected, abs=1e-9)
