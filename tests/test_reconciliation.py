"""Nothing lost, end to end: a record that makes a stage fail, and a run that loses one.

No input in the wild is known to make Fingerprint or Describe raise (both
guard a record's whole processing), so the failure is injected: in this
process (DirectRunner ``in_memory``) the stage's own helper raises for one
marked record. Everything else is the real ``newsdedup run``.
"""

import json

import pyarrow.parquet as pq
import pytest

from newsdedup import entities, normalize
from newsdedup.pipeline.cli import main
from newsdedup.transforms import describe

pytestmark = pytest.mark.slow

BODY = "El Gobierno anunció este lunes un plan de obras públicas para las provincias del norte del país. "
IN_PROCESS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


def _write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _records():
    return [
        {"id": "ok-1", "title": "Obras en el norte", "body": BODY},
        {"id": "ok-2", "title": "Lluvias en el sur", "body": "Fuertes lluvias dejaron calles inundadas en tres ciudades del sur."},
        {"id": "fp-bad", "title": "Rompe Fingerprint", "body": "POISON-FINGERPRINT " + BODY},
        {"id": "ds-bad", "title": "Rompe Describe", "body": "POISON-DESCRIBE y otro texto cualquiera sobre deportes."},
    ]


def _raising_on(marker, original):
    def wrapped(text, *args, **kwargs):
        if marker in text:
            raise RuntimeError(f"injected failure on {marker}")
        return original(text, *args, **kwargs)

    return wrapped


@pytest.fixture
def poisoned(monkeypatch):
    monkeypatch.setattr(normalize, "clean", _raising_on("POISON-FINGERPRINT", normalize.clean))
    monkeypatch.setattr(entities, "entity_hashes", _raising_on("POISON-DESCRIBE", entities.entity_hashes))


def test_a_record_that_makes_a_stage_fail_is_rejected_and_the_run_goes_on(tmp_path, poisoned, model_name, capsys):
    source = _write(tmp_path / "feed.jsonl", _records())
    out = tmp_path / "out"
    assert main(["run", "--input", str(source), "--output", str(out), "--set", f"stories.model={model_name}",
                 *IN_PROCESS]) == 0
    assert "all records accounted for" in capsys.readouterr().out
    rejects = pq.read_table(out / "rejects").to_pylist()
    assert [(r["line"], r["reason"], r["detail"].split(":")[0]) for r in rejects] == [
        (3, "processing_error", "fingerprinting failed"), (4, "processing_error", "describing failed")]
    assert all(r["file"].endswith("/feed.jsonl") and "injected failure" in r["detail"] for r in rejects)
    assert json.loads(rejects[0]["raw"])["id"] == "fp-bad"
    assert sorted(pq.read_table(out / "articles").column("article_id").to_pylist()) == ["ok-1", "ok-2"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] | {"read": 4, "accepted": 2, "rejected": 2} == manifest["counts"]
    assert manifest["reconciled"] is True


def test_a_run_that_loses_a_record_says_so_and_exits_1(tmp_path, monkeypatch, model_name, capsys):
    """A stage that drops a record without a reject (the bug reconciliation exists to catch)."""
    process = describe._Describe.process

    def losing(self, batch):
        yield from process(self, [s for s in batch if s.article.article_id != "ok-2"])

    monkeypatch.setattr(describe._Describe, "process", losing)
    source = _write(tmp_path / "feed.jsonl", _records()[:2])
    out = tmp_path / "out"
    code = main(["run", "--input", str(source), "--output", str(out), "--set", f"stories.model={model_name}", *IN_PROCESS])
    printed = capsys.readouterr().out
    assert code == 1
    assert "WARNING: read != accepted + rejected" in printed and "all records accounted for" not in printed
    manifest = json.loads((out / "manifest.json").read_text())  # the run is still written, and says so
    assert manifest["reconciled"] is False
    assert (manifest["counts"]["read"], manifest["counts"]["accepted"], manifest["counts"]["rejected"]) == (2, 1, 0)
