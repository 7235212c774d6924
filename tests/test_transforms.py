"""Each Beam stage on its own, with TestPipeline and assert_that."""

import dataclasses
import json
import pickle

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from newsdedup import minhash
from newsdedup.lsh import lsh_params
from newsdedup.normalize import normalize
from newsdedup.shingle import shingles
from newsdedup.signing import sign_texts
from newsdedup.canonical import CanonicalPolicy
from newsdedup.pipeline.config import Config, CopiesConfig
from newsdedup.normalize import Cleaned
from newsdedup.records import Article, CopyGroup, EmbeddedGroups, Member, Reject, Signed
from newsdedup.schema import REJECTS
from newsdedup.transforms.assemble_stories import AssembleStories
from newsdedup.transforms.cluster_stories import ClusterStories
from newsdedup.transforms.embed_groups import load_vectors, save_vectors
from newsdedup.transforms.describe import Describe
from newsdedup.transforms.drop_duplicate_ids import read_unique_articles
from newsdedup.transforms.find_copies import FindCopyPairs
from newsdedup.transforms.fingerprint import Fingerprint
from newsdedup.transforms.group_copies import GroupCopies, build_group
from newsdedup.transforms.link_copies import LinkCopies
from newsdedup.transforms.read import ReadArticles, SplitFiles
from newsdedup.transforms.scratch import load_strings_and_arrays, save_strings_and_arrays
from newsdedup.transforms import write_tables
from newsdedup.transforms.write_tables import WriteTable

POLICY = CanonicalPolicy(("EFE", "AP"))
BODY = ("The Kremlin urged India and Pakistan on Wednesday to return to the negotiating table as soon as "
        "possible and resolve all their differences through peaceful and diplomatic means, officials said.")


def _article(article_id, body=BODY, source="EFE", published_at=None, language="en", title="T", origin=""):
    return Article(article_id, source, None, language, published_at, title, body, (), origin)


def _member(article_id, text, source="Outlet", published_at=None):
    sig = minhash.signature(shingles(text, "word", 3), 128, 1)
    return Member(article_id, source, None, "en", published_at, "T " + article_id, len(text), text, (), sig)


def test_read_articles_splits_articles_and_rejects(tmp_path):
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps({"id": 1, "title": "t", "body": "b"}) + "\n{oops\n" + json.dumps({"title": "x"}) + "\n")
    with TestPipeline() as p:
        read = p | SplitFiles([str(good)]) | ReadArticles()
        assert_that(read.articles | beam.Map(lambda b: [a.article_id for a in b]), equal_to([["1"]]), label="articles")
        assert_that(read.rejects | beam.Map(lambda r: (r.line, r.reason)),
                    equal_to([(2, "bad_json"), (3, "missing_id")]), label="rejects")


def test_drop_duplicate_ids_keeps_one_by_content(tmp_path):
    rows = [{"id": "x", "title": "T", "body": "one"}, {"id": "y", "title": "T", "body": BODY},
            {"id": "x", "title": "T", "body": "one"}, {"id": "x", "title": "T", "body": "two"}]  # "one" digests first
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"  # duplicates in two files and two ranges of one
    first.write_text("".join(json.dumps(r) + "\n" for r in rows[:3]))
    second.write_text(json.dumps(rows[3]) + "\n")
    with TestPipeline() as p:
        ranges = p | SplitFiles([str(first), str(second)], chunk_bytes=60)
        articles, rejects = read_unique_articles(ranges, batch_size=1)
        assert_that(articles | beam.FlatMap(lambda b: [(r.article_id, r.body) for r in b]),
                    equal_to([("x", "one"), ("y", BODY)]), label="kept")
        assert_that(rejects | beam.Flatten() | beam.Map(lambda r: (r.file.rsplit("/", 1)[1], r.line, r.reason)),
                    equal_to([("a.jsonl", 3, "duplicate_id"), ("b.jsonl", 1, "duplicate_id_conflict")]), label="rejected")


def test_fingerprint_strips_detects_and_signs():
    article = _article("a", body="MADRID, 7 may (EFE).- " + BODY, language=None)
    with TestPipeline() as p:
        signed = (p | beam.Create([[article]]) | Fingerprint(Config())).signed
        members = (signed | Describe(Config())).members | beam.FlatMap(lambda b: b)
        expected = sign_texts([normalize(BODY)], "word", 3, 128, 1)[0][0]
        assert_that(
            members | beam.Map(lambda m: (m.language, m.embed_text.startswith("T. The Kremlin"),
                                          bool((m.signature == expected).all()))),
            equal_to([("en", True, True)]))


def test_find_copy_pairs_and_link_copies(tmp_path):
    edited = BODY.replace("on Wednesday", "on Wednesday morning") + " More at eleven."
    members = [_member("a", BODY.lower()), _member("b", edited.lower()), _member("c", "completely different words here " * 5)]
    with TestPipeline() as p:
        pair_lists = p | beam.Create([members[:1], members[1:]]) | FindCopyPairs(CopiesConfig(), str(tmp_path))  # a copy in another batch
        pairs = pair_lists | beam.FlatMap(lambda b: b)
        assert_that(pairs | beam.Map(lambda e: (e[0], e[1], e[2] > 0.5)), equal_to([("a", "b", True)]), label="pairs")
        roots = pair_lists | LinkCopies()
        assert_that(roots, equal_to([("a", "a"), ("b", "a")]), label="roots")
    # one signature block per batch, ids with it
    blocks = sorted((load_strings_and_arrays(str(f), 3) for f in tmp_path.iterdir()), key=lambda b: b[0])
    assert [ids for ids, _ in blocks] == [["a"], ["b", "c"]]
    assert all(np.array_equal(sigs, np.stack([m.signature for m in members if m.article_id in ids]))
               for ids, (sigs, _, _) in blocks)


def test_strings_and_arrays_round_trip_through_one_file(tmp_path):
    ids = ["efe-1", "", "Ñandú/ü\n\x1f", "x" * 1000]
    sigs = np.arange(4 * 128, dtype=np.uint64).reshape(4, 128)
    sizes = np.array([3, 0, 7, 9], dtype=np.int64)
    path = save_strings_and_arrays(str(tmp_path / "blocks" / "b.npy"), ids, [sigs, sizes])
    loaded_ids, (loaded, loaded_sizes) = load_strings_and_arrays(path, 2)
    assert loaded_ids == ids and np.array_equal(loaded, sigs) and loaded.dtype == np.uint64
    assert np.array_equal(loaded_sizes, sizes)


def test_group_copies_chooses_the_canonical():
    members = [_member("a", BODY, source="teleSUR"), _member("b", BODY, source="EFE"), _member("c", "other text")]
    with TestPipeline() as p:
        groups = {"members": p | "M" >> beam.Create(members), "roots": p | "R" >> beam.Create([("a", "a"), ("b", "a")])} \
            | GroupCopies(POLICY, contained=0.35)
        assert_that(groups | beam.Map(lambda g: (g.canonical.article_id, [m.article_id for m, _ in g.members])),
                    equal_to([("b", ["a", "b"]), ("c", ["c"])]))


def test_only_a_group_canonical_keeps_its_lead_and_names():
    """Groups wait for the stories in the runner: members carry only what the output rows need."""
    members = [dataclasses.replace(_member(i, BODY, source=s), entities=np.arange(3, dtype=np.uint64))
               for i, s in (("a", "teleSUR"), ("b", "EFE"))]
    group = build_group(members, POLICY, contained=0.35)
    assert group.canonical.embed_text == BODY and group.canonical.entities is not None
    assert group.canonical.signature is None
    assert [(m.article_id, m.title, m.embed_text, m.entities, m.signature) for m, _ in group.members] == \
        [("a", "T a", "", None, None), ("b", "T b", "", None, None)]


def test_cluster_and_assemble_stories(tmp_path):
    def group(gid, source, ts):
        m = Member(gid, source, None, "en", ts, f"title {gid}", 10, "x", ())
        return CopyGroup(f"cg-{gid}", m, ((m, 1.0),), ts)

    def chunk(part):
        keys = tuple(f"cg-{g.canonical.article_id}" for g in part)
        vectors = np.array([embedded[g.canonical.article_id] for g in part], np.float32)
        return EmbeddedGroups(keys, tuple(g.published_at for g in part), (None,) * len(part),
                              tuple(POLICY.key(g.canonical) for g in part), save_vectors(str(tmp_path), keys, vectors))

    embedded = {"a": [1, 0], "b": [0.995, 0.0999], "c": [0, 1]}
    groups = [group("a", "Outlet", 0), group("b", "EFE", 10), group("c", "AP", 0)]
    chunks = [chunk(groups[:2]), chunk(groups[2:])]
    with TestPipeline() as p:
        stories = p | "V" >> beam.Create(chunks) | ClusterStories(Config().stories)
        rows = {"groups": p | "G" >> beam.Create(groups), "stories": stories} | AssembleStories(POLICY)
        assert_that(rows.stories | beam.Map(lambda s: (s["canonical_article_id"], s["article_count"])),
                    equal_to([("b", 2), ("c", 1)]), label="stories")
        assert_that(rows.articles | beam.Map(lambda r: (r["article_id"], r["is_story_canonical"], r["similarity_to_canonical"] > 0.99)),
                    equal_to([("a", False, True), ("b", True, True), ("c", True, True)]), label="articles")


def test_chunk_vectors_round_trip_through_a_file_named_by_their_keys(tmp_path):
    vectors = np.random.default_rng(0).random((3, 384), dtype=np.float32)
    path = save_vectors(str(tmp_path / "vectors"), ("cg-a", "cg-b", "cg-c"), vectors)
    assert np.array_equal(load_vectors(path), vectors) and load_vectors(path).dtype == np.float32
    assert save_vectors(str(tmp_path / "vectors"), ("cg-a", "cg-b", "cg-c"), vectors) == path  # a retry rewrites it
    assert save_vectors(str(tmp_path / "vectors"), ("cg-a", "cg-b"), vectors[:2]) != path


def test_write_table_is_sorted_and_writes_every_shard(tmp_path):
    rows = [{"file": "f", "line": n, "reason": "r", "detail": None, "raw": ""} for n in (5, 1, 3)]
    with TestPipeline() as p:
        _ = p | beam.Create(rows) | WriteTable(str(tmp_path), "rejects", lambda _: REJECTS, ("file", "line", "reason"), 3, {"k": 1})
    files = sorted((tmp_path / "rejects").glob("*.parquet"))
    assert [f.name for f in files] == [f"part-0000{i}-of-00003.parquet" for i in range(3)]
    tables = [pq.read_table(f) for f in files]
    assert sum(t.num_rows for t in tables) == 3
    for t in tables:
        lines = t.column("line").to_pylist()
        assert lines == sorted(lines)
        assert json.loads(t.schema.metadata[b"newsdedup"]) == {"k": 1}


def test_a_shard_crosses_the_shuffle_as_pickles_and_is_written_a_row_group_at_a_time(tmp_path, monkeypatch):
    """A decoded dict costs about three times its pickle, and a whole shard gathers on one worker."""
    rows = [{"file": "f", "line": n, "reason": "r", "detail": None, "raw": "x" * n} for n in range(7, 0, -1)]
    packed = [write_tables.pack(row, ("file", "line")) for row in rows]
    assert all(isinstance(blob, bytes) for _, blob in packed)
    monkeypatch.setattr(write_tables, "ROW_GROUP", 3)
    write_tables.write_shard(str(tmp_path / "part.parquet"), packed, REJECTS)
    written = pq.ParquetFile(tmp_path / "part.parquet")
    assert [written.metadata.row_group(i).num_rows for i in range(written.num_row_groups)] == [3, 3, 1]
    assert written.read().to_pylist() == sorted(rows, key=lambda row: row["line"])
    write_tables.write_shard(str(tmp_path / "empty.parquet"), [], REJECTS)
    assert pq.read_table(tmp_path / "empty.parquet").schema == REJECTS


def test_a_record_that_breaks_fingerprinting_goes_to_rejects():
    broken = Article("bad", "EFE", None, "en", None, "T", None, (), "feed.jsonl:9")  # a body that is not text
    with TestPipeline() as p:
        out = p | beam.Create([[broken, _article("ok")]]) | Fingerprint(Config())
        assert_that(out.signed | beam.FlatMap(lambda b: [s.article_id for s in b]), equal_to(["ok"]), label="signed")
        assert_that(out.rejects | beam.Map(lambda r: (r.file, r.line, r.reason, r.detail.split(":")[0])),
                    equal_to([("feed.jsonl", 9, "processing_error", "fingerprinting failed")]), label="rejects")


def test_oversized_buckets_still_connect_every_copy(tmp_path):
    members = [_member(f"r{i:02d}", BODY.lower()) for i in range(12)]
    with TestPipeline() as p:
        roots = p | beam.Create([members[:5], members[5:]]) | FindCopyPairs(CopiesConfig(max_bucket_size=3), str(tmp_path)) \
            | LinkCopies()
        assert_that(roots, equal_to([(f"r{i:02d}", "r00") for i in range(12)]))


def test_a_record_that_breaks_describing_goes_to_rejects():
    ok = _article("ok", origin="feed.jsonl:1")
    stripper_free = Cleaned(ok.body, ok.body, ())
    broken = Signed(_article("bad", origin="feed.jsonl:2"), None, None)  # nothing stripped to describe
    with TestPipeline() as p:
        out = p | beam.Create([[Signed(ok, stripper_free, None), broken]]) | Describe(Config())
        assert_that(out.members | beam.FlatMap(lambda b: [m.article_id for m in b]), equal_to(["ok"]), label="members")
        assert_that(out.rejects | beam.Map(lambda r: (r.file, r.line, r.reason, r.detail.split(":")[0])),
                    equal_to([("feed.jsonl", 2, "processing_error", "describing failed")]), label="rejects")


def test_which_duplicate_is_kept_depends_on_content_only():
    from itertools import permutations

    from newsdedup.versions import entry, decisions as duplicates

    entries = [entry(*claim) for claim in (("x", {}, "d2", "a.jsonl", 1), ("x", {}, "d1", "b.jsonl", 7),
                                           ("x", {}, "d2", "c.jsonl", 2), ("y", {}, "d9", "a.jsonl", 2))]
    decisions = {tuple(sorted(duplicates(order))) for order in permutations(entries)}
    assert len(decisions) == 1
    assert [(origin, reason) for origin, (reason, _) in decisions.pop()] == [
        (("a.jsonl", 1), "duplicate_id_conflict"), (("c.jsonl", 2), "duplicate_id_conflict")]


def test_batches_are_coded_by_record_coder_which_sizes_without_pickling_every_record(monkeypatch):
    from apache_beam.runners import pipeline_context
    from newsdedup.transforms.record_coder import RecordCoder, batch_of

    p = beam.Pipeline()
    articles, _ = read_unique_articles(p | SplitFiles(["in.jsonl"]))
    signed = articles | Fingerprint(Config())
    signed.signed | Describe(Config())
    proto = p.to_runner_api()
    context = pipeline_context.PipelineContext(proto.components)
    batches = tuple(f"ParDo({dofn}).None" for dofn in ("_ReadRange", "_DropRepeated", "_Fingerprint", "_Describe"))
    coders = {pc.unique_name.split("/")[-1]: str(context.coders.get_by_id(pc.coder_id))
              for pc in proto.components.pcollections.values() if pc.unique_name.endswith(batches)}
    assert coders == dict.fromkeys(batches, "ListCoder[RecordCoder]")

    batch = [_article(str(i), body=BODY * (i + 1)) for i in range(50)]
    coder = beam.coders.registry.get_coder(batch_of(Article))
    assert coder.decode(coder.encode(batch)) == batch
    encoded = []
    monkeypatch.setattr(RecordCoder, "encode", lambda self, value: encoded.append(value) or pickle.dumps(value))
    impl = coder.get_impl()
    sizes = [impl.estimate_size(batch), impl.estimate_size(batch)]
    assert encoded == [batch[0]]  # one record pickled per type and process, not 100
    assert sizes[0] == sizes[1] > 50 * len(pickle.dumps(batch[0]))
    with pytest.raises(TypeError, match="no RecordCoder for Reject"):
        batch_of(Reject)


def test_every_band_is_hashed_copies_sharing_only_the_last_one_are_found(tmp_path):
    """At threshold 0.3, 128 values make 37 bands of 3: two signatures that differ in one value of each band
    but the last agree on 92 values (Jaccard 0.72), and only the last band can bring them together."""
    bands, rows = lsh_params(0.3, 128)
    first = _member("a", BODY.lower())
    other = first.signature.copy()
    other[np.arange(bands - 1) * rows] ^= 1
    second = dataclasses.replace(_member("b", "unrelated words here"), signature=other)
    with TestPipeline() as p:
        pairs = p | beam.Create([[first, second]]) | FindCopyPairs(CopiesConfig(threshold=0.3), str(tmp_path))
        assert_that(pairs, equal_to([[("a", "b", (128 - bands + 1) / 128)]]))
