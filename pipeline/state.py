"""``newsdedup run --state STATE``: a batch matched against what earlier runs saw, the state committed atomically.

STATE is a complete output folder (articles, stories, copies, rejects, plus
``redirects``; README "Scheduled runs") with private matching state under
``_state/``: the articles still within the horizon (their records and the
ids they hold) and the id and content digest of every article ever seen.
A run is the normal job over the batch plus the retained articles, so copy
pairs and stories across the batch boundary are found as a one-shot run
finds them; ``newsdedup.incremental`` then keeps the ids already written.
The batch's tables go to ``--output``; the new state is built beside STATE
and swapped in (``run._commit``), so a run killed at any point leaves STATE
as it was.
"""

from __future__ import annotations

import io
import json
import os
from typing import Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from newsdedup.ids import founding_key
from newsdedup.incremental import OldId, merge_story_rows, one_hop, reconcile
from newsdedup.readers import read_records
from newsdedup.records import RecordError, record_digest, record_id
from newsdedup.schema import ARTICLES, COPIES, REJECTS, SORT_KEYS, STORIES, TABLES
from newsdedup.pipeline.config import Config
from newsdedup.pipeline.run import (MANIFEST, RunResult, UserError, _commit, _is_local, _prepare_output, _row_counts,
                                    _write_text, execute, expand_inputs)
from newsdedup.transforms.read_files import ReadArticleFiles
from newsdedup.transforms.scratch import remove_tree

PRIVATE = "_state"
ALREADY_SEEN = "already_seen"
REDIRECTS = pa.schema([pa.field("old_id", pa.string(), nullable=False), pa.field("new_id", pa.string(), nullable=False),
                       pa.field("kind", pa.string(), nullable=False)])
RETAINED = pa.schema([
    pa.field("article_id", pa.string()), pa.field("digest", pa.string()), pa.field("published_at", pa.int64()),
    pa.field("record", pa.string()),
    pa.field("copy_group_id", pa.string()), pa.field("group_founder", pa.string()), pa.field("group_founded_at", pa.int64()),
    pa.field("story_id", pa.string()), pa.field("story_founder", pa.string()), pa.field("story_founded_at", pa.int64()),
])
SEEN = pa.schema([pa.field("key", pa.string()), pa.field("digest", pa.string())])
# Keys that do not change what a run finds: a state made with other values is accepted.
_FREE = ("runner", "output", "stories.threads", "stories.batch_size")


def _flat(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name + "."))
        else:
            out[name] = value
    return out


def config_difference(old: dict, new: dict) -> Optional[str]:
    """The first config key whose value differs and changes what a run finds, as one phrase; None if none."""
    a, b = _flat(old), _flat(new)
    for key in sorted(set(a) | set(b)):
        if any(key == free or key.startswith(free + ".") for free in _FREE):
            continue
        if a.get(key) != b.get(key):
            return f"{key}={json.dumps(a.get(key))} (this run: {json.dumps(b.get(key))})"
    return None


def _read(path: str) -> pa.Table:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
        return pq.read_table(io.BytesIO(stream.read()))


def _write(path: str, table: pa.Table) -> None:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
        stream.write(sink.getvalue())


def _parquet_files(folder: str) -> list[str]:
    return sorted(m.path for m in FileSystems.match([FileSystems.join(folder, "*.parquet")])[0].metadata_list)


def _read_folder(folder: str, schema: Optional[pa.Schema] = None) -> pa.Table:
    tables = [_read(path) for path in _parquet_files(folder)]
    if not tables:
        return schema.empty_table() if schema is not None else pa.table({})
    return pa.concat_tables(tables, promote_options="default")


def _rows(folder: str, schema: pa.Schema) -> list[dict]:
    return _read_folder(folder, schema).to_pylist()


def _exists(path: str) -> bool:
    return FileSystems.exists(path)


def recover(state: str) -> None:
    """Finish or undo a commit that a kill interrupted: STATE as the last complete commit left it."""
    old, staged = state + ".old", state + ".partial"
    if _exists(FileSystems.join(state, MANIFEST)):
        return
    if _exists(FileSystems.join(staged, MANIFEST)):  # staged completely: the commit had begun
        _commit(staged, state)
    elif _exists(old) and _exists(FileSystems.join(old, MANIFEST)):  # between the two renames
        FileSystems.rename([old], [state])


class _State:
    """What a run loads from STATE: its manifest, the retained articles, the seen keys, redirects, story rows."""

    def __init__(self, path: str, config: Config, rebuild: bool):
        self.path = path
        self.manifest: dict = {}
        self.retained: list[dict] = []
        self.seen: dict[str, str] = {}
        self.redirects: list[dict] = []
        manifest = FileSystems.join(path, MANIFEST)
        if not _exists(manifest) or rebuild:
            return
        with FileSystems.open(manifest, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
            self.manifest = json.loads(stream.read().decode("utf-8"))
        if "state" not in self.manifest:
            raise UserError(f"{path} holds a run's output, not a state (its manifest.json has no 'state')")
        difference = config_difference(self.manifest["config"], config.to_dict())
        if difference:
            raise UserError(f"state {path} was made with {difference}; pass --rebuild-state to start it over")
        private = FileSystems.join(path, PRIVATE)
        self.retained = _read(FileSystems.join(private, "retained.parquet")).to_pylist()
        seen = _read(FileSystems.join(private, "seen.parquet"))
        self.seen = dict(zip(seen.column("key").to_pylist(), seen.column("digest").to_pylist()))
        self.redirects = _rows(FileSystems.join(path, "redirects"), REDIRECTS)

    @property
    def runs(self) -> int:
        return self.manifest.get("state", {}).get("runs", 0)


def _scan(files: Sequence[str], seen: dict) -> tuple[dict, list, set]:
    """Each batch record with an id: ``{id: (digest, record as JSON)}``, the lines already seen (to skip) and the
    ids seen before with other content (updates)."""
    batch, skip, updated = {}, [], set()
    for path in files:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
            for raw in read_records(stream, path):
                if raw.error is not None:
                    continue
                try:
                    article_id = record_id(raw.record)
                except RecordError:
                    continue
                content = record_digest(raw.raw)
                if seen.get(article_id) == content:
                    skip.append(((path, raw.line), (ALREADY_SEEN, f"article {article_id!r} is in the state already, "
                                                                  "with the same content")))
                    continue
                if article_id in seen:
                    updated.add(article_id)
                batch[article_id] = (content, json.dumps(raw.record, ensure_ascii=False, sort_keys=True, default=str))
    return batch, skip, updated


def _us(table: pa.Table, column: str) -> list:
    return table.column(column).cast(pa.int64()).to_pylist()


def _reject_key(row: dict) -> str:
    return "reject:" + record_digest("\x1f".join([row["file"], str(row["line"]), row["reason"], row["raw"] or ""]))


def _sorted(rows: list[dict], table: str) -> list[dict]:
    keys = SORT_KEYS[table]
    return sorted(rows, key=lambda r: tuple("" if r[k] is None else r[k] for k in keys))


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([{name: r.get(name) for name in schema.names} for r in rows], schema=schema)


def _link_or_copy(sources: list[str], targets: list[str]) -> None:
    """Earlier runs' files into the staged state: hard links on a local disk (no bytes copied), copies elsewhere."""
    if not sources:
        return
    if _is_local(sources[0]):
        for src, dst in zip(sources, targets):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.link(src, dst)
    else:
        FileSystems.copy(sources, targets)


def run_with_state(inputs: Sequence[str], output: str, state: str, config: Config, *, beam_args: Sequence[str] = (),
                   quiet_workers: bool = True, rebuild: bool = False) -> RunResult:
    """The batch ``inputs`` matched against ``state``: its tables under ``output``, the state updated and committed."""
    files, skipped_files = expand_inputs(inputs)
    state = state.rstrip("/") or state
    recover(state)
    loaded = _State(state, config, rebuild)
    batch, skip, updated = _scan(files, loaded.seen)
    horizon_us = int(config.state.horizon_days * 86400 * 1e6)
    retained = [r for r in loaded.retained if r["article_id"] not in updated] if batch else []
    inputs_dir, work = state + ".input", state + ".work"
    remove_tree(inputs_dir)
    sources = list(files)
    if retained:
        retained_file = FileSystems.join(inputs_dir, "retained.jsonl")
        _write_text(retained_file, "".join(r["record"] + "\n" for r in retained))
        sources.append(retained_file)
    result = execute(ReadArticleFiles(sources, skip=skip), files, work, config, beam_args=beam_args, overwrite=True,
                     quiet_workers=quiet_workers, skipped_files=skipped_files)
    tables = {name: _read_folder(FileSystems.join(work, name), TABLES[name]) for name in TABLES}
    remove_tree(work)
    remove_tree(inputs_dir)

    articles = tables["articles"]
    published = dict(zip(articles.column("article_id").to_pylist(), _us(articles, "published_at")))
    old_ids = {r["article_id"] for r in retained}
    batch_ids = {a for a in published if a not in old_ids}
    rows = articles.to_pylist()
    members: dict[str, dict[str, list]] = {"copy_group_id": {}, "story_id": {}}
    for row in rows:
        for column in members:
            members[column].setdefault(row[column], []).append(row["article_id"])
    olds = {
        "copy_group_id": {r["article_id"]: OldId(r["copy_group_id"], founding_key(r["group_founder"], r["group_founded_at"]))
                          for r in retained},
        "story_id": {r["article_id"]: OldId(r["story_id"], founding_key(r["story_founder"], r["story_founded_at"]))
                     for r in retained},
    }
    done = {column: reconcile(members[column], olds[column], batch_ids, published) for column in members}
    groups, stories = done["copy_group_id"], done["story_id"]

    run_story_rows = {r["story_id"]: r for r in tables["stories"].to_pylist()}
    batch_rows = []
    for row in rows:
        if row["article_id"] in batch_ids:
            batch_rows.append({**row, "copy_group_id": groups.final[row["copy_group_id"]],
                               "story_id": stories.final[row["story_id"]]})
    run_copies = [c for c in tables["copies"].to_pylist()
                  if c["copy_article_id"] in batch_ids or c["origin_article_id"] in batch_ids]
    batch_copies = [{**c, "copy_group_id": groups.final[c["copy_group_id"]]} for c in run_copies]

    old_stories = {r["story_id"]: r for r in _rows(FileSystems.join(state, "stories"), STORIES)} if loaded.manifest else {}
    known_groups = {o.id for o in olds["copy_group_id"].values()}
    merged_into: dict[str, list[str]] = {}
    for old, new in stories.redirects.items():
        merged_into.setdefault(new, []).append(old)
    story_rows = {}
    by_story: dict[str, list[dict]] = {}
    for row in batch_rows:
        by_story.setdefault(row["story_id"], []).append(row)
    run_of = {final: run_id for run_id, final in stories.final.items() if run_id in run_story_rows}
    for final, mine in by_story.items():
        earlier = [old_stories.get(final)] + [old_stories.get(o) for o in sorted(merged_into.get(final, []))]
        run_row = {**run_story_rows[run_of[final]], "story_id": final}
        new_groups = len({r["copy_group_id"] for r in mine} - known_groups)
        story_rows[final] = merge_story_rows(earlier, mine, new_groups=new_groups, run_row=run_row, batch_ids=batch_ids)

    batch_rejects = tables["rejects"].to_pylist()
    run_number = loaded.runs + 1
    batch_manifest = _write_batch(output, result.manifest, batch_rows, list(story_rows.values()), batch_copies, batch_rejects,
                 carried=[n for n in articles.schema.names if n not in ARTICLES.names], files=files,
                 read=result.manifest["counts"]["read"] - len(retained), skipped=len(skip),
                 updated=len(updated & batch_ids), state=state, run_number=run_number)

    new_rejects = [r for r in batch_rejects if r["reason"] != ALREADY_SEEN and _reject_key(r) not in loaded.seen]
    if not batch_rows and not new_rejects and loaded.manifest:
        return RunResult(output, {**batch_manifest, "state_changed": False})  # nothing new: STATE stays as it was

    redirects = one_hop({r["old_id"]: r["new_id"] for r in loaded.redirects}, {**groups.redirects, **stories.redirects})
    kinds = {r["old_id"]: r["kind"] for r in loaded.redirects}
    kinds.update({o: "copy_group" for o in groups.redirects})
    kinds.update({o: "story" for o in stories.redirects})
    stories_table = [r for sid, r in old_stories.items() if sid not in story_rows and sid not in redirects]
    stories_table += list(story_rows.values())

    # The articles kept for the next run: earlier ones with their ids resolved, then the batch's.
    founded = {**{o.id: o.founded for column in olds for o in olds[column].values()}, **groups.founded, **stories.founded}
    keep = []
    for r in retained:
        cg, st = redirects.get(r["copy_group_id"], r["copy_group_id"]), redirects.get(r["story_id"], r["story_id"])
        keep.append({**r, "copy_group_id": cg, "group_founder": founded[cg][2], "group_founded_at": founded[cg][1],
                     "story_id": st, "story_founder": founded[st][2], "story_founded_at": founded[st][1]})
    for r in batch_rows:
        cg, st = r["copy_group_id"], r["story_id"]
        content, record = batch[r["article_id"]]
        keep.append({"article_id": r["article_id"], "digest": content, "published_at": published[r["article_id"]],
                     "record": record, "copy_group_id": cg, "group_founder": founded[cg][2],
                     "group_founded_at": founded[cg][1], "story_id": st, "story_founder": founded[st][2],
                     "story_founded_at": founded[st][1]})
    newest = max([loaded.manifest.get("state", {}).get("newest_published_at") or 0]
                 + [p for p in published.values() if p is not None])
    keep = sorted((r for r in keep if r["published_at"] is not None and r["published_at"] >= newest - horizon_us),
                  key=lambda r: r["article_id"])
    seen = dict(loaded.seen)
    seen.update({a: batch[a][0] for a in batch_ids})
    seen.update({_reject_key(r): "" for r in new_rejects})

    staged = state + ".partial"
    remove_tree(staged)
    replaced = updated & batch_ids
    for table in ("articles", "copies", "rejects"):
        old_files = _parquet_files(FileSystems.join(state, table)) if loaded.manifest else []
        targets = [FileSystems.join(staged, table, os.path.basename(p)) for p in old_files]
        if table == "articles" and replaced:  # an update replaces the older version of its article
            for src, dst in zip(old_files, targets):
                old = _read(src)
                _write(dst, old.filter(pc.invert(pc.is_in(old.column("article_id"), pa.array(sorted(replaced))))))
        else:
            _link_or_copy(old_files, targets)
    name = f"run-{run_number:06d}.parquet"
    _write(FileSystems.join(staged, "articles", name), _table(_sorted(batch_rows, "articles"), ARTICLES))
    _write(FileSystems.join(staged, "copies", name), _table(_sorted(batch_copies, "copies"), COPIES))
    _write(FileSystems.join(staged, "rejects", name), _table(_sorted(new_rejects, "rejects"), REJECTS))
    _write(FileSystems.join(staged, "stories", "stories.parquet"), _table(_sorted(stories_table, "stories"), STORIES))
    _write(FileSystems.join(staged, "redirects", "redirects.parquet"),
           _table([{"old_id": o, "new_id": n, "kind": kinds[o]} for o, n in sorted(redirects.items())], REDIRECTS))
    private = FileSystems.join(staged, PRIVATE)
    _write(FileSystems.join(private, "retained.parquet"), _table(keep, RETAINED))
    _write(FileSystems.join(private, "seen.parquet"),
           _table([{"key": k, "digest": d} for k, d in sorted(seen.items())], SEEN))
    counts = _row_counts(staged)
    runs = loaded.manifest.get("runs", []) + [{
        "run": run_number, "inputs": list(files), "articles": len(batch_rows), "updated": sorted(replaced),
        "already_seen": len(skip), "rejected": len(new_rejects),
        "copy_group_redirects": len(groups.redirects), "story_redirects": len(stories.redirects),
        "elapsed_seconds": result.manifest["elapsed_seconds"]}]
    manifest = {
        **{k: result.manifest[k] for k in ("config", "model", "lsh", "versions")},
        "inputs": sorted({i for run in runs for i in run["inputs"]}),
        "counts": {"read": sum(r["articles"] + r["rejected"] for r in runs), "accepted": counts["articles"],
                   "rejected": counts["rejects"], "stories": counts["stories"], "copies": counts["copies"],
                   "copy_groups": None, "languages_detected": None},
        "state": {"runs": run_number, "newest_published_at": newest, "horizon_days": config.state.horizon_days,
                  "retained_articles": len(keep), "redirects": len(redirects)},
        "runs": runs,
        "elapsed_seconds": round(sum(r["elapsed_seconds"] for r in runs), 3),
    }
    _write_text(FileSystems.join(staged, MANIFEST), json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    _commit(staged, state)
    return RunResult(output, {**batch_manifest, "state_changed": True})


def _write_batch(output: str, run_manifest: dict, articles: list, stories: list, copies: list, rejects: list, *,
                 carried: list, files: Sequence[str], read: int, skipped: int, updated: int, state: str,
                 run_number: int) -> dict:
    """The batch's own tables under ``output``, committed like a one-shot run's (``output`` is replaced); its manifest."""
    staging = _prepare_output(output, overwrite=True)
    schema = ARTICLES
    for name in carried:
        schema = schema.append(pa.field(name, pa.string()))
    for table, rows, table_schema in (("articles", articles, schema), ("stories", stories, STORIES),
                                      ("copies", copies, COPIES), ("rejects", rejects, REJECTS)):
        _write(FileSystems.join(staging, table, "part-00000-of-00001.parquet"), _table(_sorted(rows, table), table_schema))
    counts = {**run_manifest["counts"], "read": read, "accepted": len(articles), "rejected": len(rejects),
              "already_seen": skipped, "updated": updated, "stories": len(stories), "copies": len(copies),
              "copy_groups": len({r["copy_group_id"] for r in articles})}
    manifest = {**run_manifest, "inputs": list(files), "counts": counts, "reconciled": read == len(articles) + len(rejects),
                "state": {"path": state, "run": run_number}}
    _write_text(FileSystems.join(staging, MANIFEST), json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    _commit(staging, output)
    return manifest
