"""BENCHMARKS.md is rendered from results that several runs of run_bench.py combine: the page must say
which run measured what, and judge each target on the figures that fit it."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_bench():
    spec = importlib.util.spec_from_file_location("run_bench", ROOT / "benchmarks" / "run_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _e2e(minutes: float, peak: float) -> dict:
    return {"wall_s": minutes * 60, "cpu_s": minutes * 100, "peak_rss_gb": peak,
            "counts": {"copy_groups": 6, "stories": 5}, "stage_seconds": {"EmbedGroups": 9.0, "ClusterStories": 1.0}}


def _copy_path(peak: float) -> dict:
    return {"ours": {"docs_per_s": 8000.0, "peak_rss_gb": peak}}


@pytest.fixture
def results():
    signing = {"hash": "multilinear", "kernel_docs_per_s": 70000, "kernel_murmur3_docs_per_s": 50000,
               "floor_docs_per_s": 95000, "kernel_time_over_floor": 1.37, "kernel_murmur3_time_over_floor": 1.9,
               "update_batch_sha1_docs_per_s": 3800, "speedup_vs_update_batch_sha1": 18.3,
               "update_batch_same_hash_docs_per_s": 5200, "speedup_vs_update_batch_same_hash": 13.4}
    embeddings = {"texts": 512, "backend": "onnx-int8", "torch_fp32_texts_per_s": 20.0, "plain_encode_texts_per_s": 70.0,
                  "handler_texts_per_s": 72.0, "backend_over_torch_fp32": 3.5, "handler_over_plain": 1.03,
                  "min_cosine_to_torch_fp32": 0.99}
    short = "stories.max_seq_length=16"
    return {"machine": {"cpus": 2, "python": "3.11.7"},
            "runs": [{"commit": "aaaaaaa", "args": ["--sizes", "10000,100000"]},
                     {"commit": "bbbbbbb", "args": ["--sizes", "100000,1000000", "--end-to-end-only", "--set", short]}],
            "sizes": {"10000": {"articles": 10000, "originals": 6000, "stages": {"signing": signing}, "embeddings": embeddings,
                                "copy_path": _copy_path(1.0), "end_to_end": {"default": _e2e(2, 4.4)}},
                      "100000": {"articles": 100000, "originals": 60000, "copy_path": _copy_path(2.0),
                                 "end_to_end": {"default": _e2e(16, 5.3), short: _e2e(4, 4.2)}},
                      "1000000": {"articles": 1000000, "originals": 600000,
                                  "end_to_end": {short: _e2e(36, 7.0)}}}}


def _target(page: str, name: str) -> str:
    return next(line for line in page.splitlines() if line.startswith(f"| {name}"))


def test_page_names_every_run_and_its_commit(run_bench, results):
    page = run_bench.render(results, [10000, 100000, 1000000])
    assert "- `run_bench.py --sizes 10000,100000` at commit `aaaaaaa`" in page
    assert "- `run_bench.py --sizes 100000,1000000 --end-to-end-only --set stories.max_seq_length=16` at commit `bbbbbbb`" in page


def test_memory_is_judged_on_one_config_run_at_both_sizes(run_bench, results):
    page = run_bench.render(results, [10000, 100000, 1000000])
    row = _target(page, "peak RSS at 1M")
    assert "end to end, `stories.max_seq_length=16`" in row
    assert "7.00 GiB; 1.7× the 100k figure (4.20 GiB)" in row and row.endswith("| yes |")
    # the 30-minute target reads the default config's run, not the shortened one
    assert "| 16.0 min | yes |" in _target(page, "100k end to end")
    assert "| 1,000,000 | `stories.max_seq_length=16` | 600,000 | 6 | 5 | 36.0 min |" in page
    assert "Where the 1,000,000-article run (`stories.max_seq_length=16`) spent its time" in page


def test_memory_over_8_gb_is_not_met(run_bench, results):
    results["sizes"]["1000000"]["end_to_end"]["stories.max_seq_length=16"]["peak_rss_gb"] = 7.5
    row = _target(run_bench.render(results, [10000, 100000, 1000000]), "peak RSS at 1M")
    assert row.endswith("| **no** |")


def test_without_end_to_end_at_1m_memory_falls_back_to_the_copy_path(run_bench, results):
    results["sizes"]["1000000"] = {"articles": 1000000, "originals": 600000, "copy_path": _copy_path(5.1)}
    row = _target(run_bench.render(results, [10000, 100000, 1000000]), "peak RSS at 1M")
    assert "(copy path only)" in row and "5.10 GiB; 2.5× the 100k figure (2.00 GiB)" in row
    assert "end to end at 1M is not in this run" in row


def test_signatures_table_shows_both_kernel_hashes_against_the_floor(run_bench, results):
    page = run_bench.render(results, [10000, 100000, 1000000])
    assert "| compiled kernel (`newsdedup/signing.py`), `multilinear` hash (the default) | 70,000 | |" in page
    assert "| compiled kernel, `murmur3` hash | 50,000 | murmur3 time / floor time = 1.90× |" in page
    assert _target(page, "signatures ≥ 50×").endswith("| 18.3× | **no** |")


def test_a_copy_path_only_run_without_earlier_results_renders_what_it_measured(run_bench, results):
    """`--copy-path-only` into fresh results has no per-stage figures; the page says so instead of failing."""
    results["sizes"] = {"100000": {"articles": 100000, "originals": 60000, "copy_path": _copy_path(2.0)}}
    page = run_bench.render(results, [100000])
    assert "| copy path ≥ 15k docs/s (100,000) | 8,000 docs/s | **no** |" in page
    assert "| 100,000 | 8,000 | not run | not run | – | 2.00 / – / – GiB |" in page
    assert "No run in these results measured the signatures" in page
    assert "signatures ≥ 50×" not in page and "## Signatures" not in page


def test_embeddings_heading_names_the_model_and_lead_measured(run_bench, results):
    results["sizes"]["10000"]["embeddings"] |= {"model": "labse", "lead_chars": 300}
    assert "## Embeddings (labse, headline + 300-character lead)" in run_bench.render(results, [10000, 100000, 1000000])


def test_page_names_the_bases_each_corpus_was_simulated_from(run_bench, results):
    results["sizes"]["100000"]["bases"] = {"articles.jsonl": 70, "ecbplus_dev.jsonl": 1200}
    page = run_bench.render(results, [10000, 100000, 1000000])
    assert "- 100,000 articles: `articles.jsonl` (70), `ecbplus_dev.jsonl` (1,200)" in page
    assert "- 10,000 articles: not recorded" in page


def test_render_only_writes_the_page_from_saved_results_and_measures_nothing(run_bench, results, tmp_path, monkeypatch):
    (tmp_path / "results.json").write_text(json.dumps(results))
    monkeypatch.setattr(run_bench, "WORK", tmp_path)
    monkeypatch.setattr(run_bench, "corpus", lambda size: pytest.fail("--render-only generated a corpus"))
    page = tmp_path / "BENCHMARKS.md"
    monkeypatch.setattr(sys, "argv", ["run_bench.py", "--render-only", "--output", str(page)])
    run_bench.main()
    assert page.read_text() == run_bench.render(results, [10000, 100000, 1000000])
    assert json.loads((tmp_path / "results.json").read_text()) == results  # no run recorded
