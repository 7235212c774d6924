"""`make bench`: corpora from the reprint simulator, every stage timed, BENCHMARKS.md written.

Usage: .venv/bin/python benchmarks/run_bench.py [--sizes 10000,100000] [--output BENCHMARKS.md]

Figures that have a baseline are ratios measured in the same run (this
machine is shared and noisy): the signing kernel against datasketch and the
hashing floor, the Beam copy path against a straightforward per-element job,
the configured embedding backend against plain fp32 SentenceTransformer.encode,
and the RunInference handler against a plain encode loop with that backend.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Beam's worker processes import the copy-path module too.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))

import bench_signatures  # noqa: E402
import read_formats  # noqa: E402

from newsdedup.embedding.model import load_model  # noqa: E402
from newsdedup.normalize import FurnitureStripper, clean, lead, matching_text  # noqa: E402
from newsdedup.pipeline.config import Config  # noqa: E402
from newsdedup.simulate import generate_corpus  # noqa: E402
from newsdedup.transforms.embed_groups import SentenceTransformerHandler  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "bench"
BASES = [ROOT / "seeds" / "articles.jsonl", ROOT.parent / "shared" / "data" / "ecbplus_dev.jsonl",
         ROOT.parent / "shared" / "data" / "meantime_en_es.jsonl"]
NOTES = HERE / "notes.md"  # commentary on the latest run, written by whoever ran it
CONFIG = Config()
STRIPPER = FurnitureStripper.from_config(CONFIG.normalize.furniture_patterns, CONFIG.normalize.agencies)


def corpus(size: int) -> tuple[Path, dict]:
    """The simulated corpus of ``size`` articles, and the base files it was made from (name: articles).

    The bases outside the repository (``../shared/data``) may be missing, as in a
    clone elsewhere: the corpus is then made from the seeds alone, fewer and
    more alike stories, and its figures are not comparable. So each corpus
    keeps a record of its bases beside it, and the page shows it.
    """
    path = WORK / f"corpus-{size}.jsonl"
    record = path.with_suffix(".bases.json")
    if not path.exists():
        found = {p.name: [json.loads(line) for line in p.read_text().splitlines() if line.strip()] for p in BASES if p.exists()}
        missing = [str(p) for p in BASES if not p.exists()]
        if missing:
            print(f"warning: {', '.join(missing)} not found; the corpus is simulated from the other bases alone "
                  "and its figures are not comparable with runs made from all of them", file=sys.stderr, flush=True)
        WORK.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            for article in generate_corpus([a for articles in found.values() for a in articles], size, seed=1):
                out.write(json.dumps(article, ensure_ascii=False) + "\n")
        record.write_text(json.dumps({name: len(articles) for name, articles in found.items()}))
        tmp.rename(path)
    return path, json.loads(record.read_text()) if record.exists() else {}


def _tree_rss(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_command(command: list[str]) -> dict:
    """Wall time, CPU seconds of the whole process tree, and its peak total RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]

    def sample():
        while job.poll() is None:
            peak[0] = max(peak[0], _tree_rss(job.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = job.communicate()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if job.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return {"wall_s": time.perf_counter() - started, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_rss_gb": peak[0] / 2**30, "output": output}


def copy_path_run(job: str, files: list[str], workers: int = 2) -> dict:
    """One copy-path job in its own process tree: docs/s from the pipeline's own time, peak RSS of the tree."""
    run = run_command([sys.executable, str(HERE / "copy_path.py"), job, *files, f"--workers={workers}"])
    seconds = float(next(line.split()[1] for line in run["output"].splitlines() if line.startswith("pipeline_seconds")))
    return {"pipeline_s": seconds, "wall_s": run["wall_s"], "cpu_s": run["cpu_s"], "peak_rss_gb": run["peak_rss_gb"]}


def embedding_ratio(texts: list[str]) -> dict:
    """The configured backend against plain fp32 ``SentenceTransformer.encode``, and the RunInference
    handler (content-defined chunks) against a plain encode loop with that same backend; same texts."""
    cfg = CONFIG.stories
    torch_model = load_model(cfg.model, cfg.max_seq_length)
    # One process on every core, as torch runs here (the pipeline gives each worker process
    # stories.threads ONNX Runtime threads instead, one per core by default).
    model = torch_model if cfg.backend == "torch" else load_model(cfg.model, cfg.max_seq_length, cfg.backend, threads=0)
    prefixed = [cfg.query_prefix + t for t in texts]
    for m in (torch_model, model):
        m.encode(prefixed[:8], batch_size=cfg.batch_size)  # warm up
    handler = SentenceTransformerHandler(cfg.model, cfg.max_seq_length, cfg.batch_size, cfg.query_prefix, cfg.backend, 0)
    keyed = sorted(enumerate(texts), key=lambda kv: (len(kv[1]), kv[0]))
    chunks = [tuple(keyed[i : i + cfg.batch_size]) for i in range(0, len(keyed), cfg.batch_size)]

    def plain(m):
        return m.encode(prefixed, batch_size=cfg.batch_size, normalize_embeddings=True, show_progress_bar=False)

    best = {"torch": float("inf"), "backend": float("inf"), "handler": float("inf")}
    runs = {"torch": lambda: plain(torch_model), "backend": lambda: plain(model),
            "handler": lambda: handler.run_inference(chunks, model)}
    if cfg.backend == "torch":
        del runs["backend"]  # the same loop as "torch"
    vectors = {}
    for _ in range(2):  # interleaved, best of two: the machine's load moves between runs
        for name, run in runs.items():
            started = time.perf_counter()
            vectors[name] = run()
            best[name] = min(best[name], time.perf_counter() - started)
    if cfg.backend == "torch":
        best["backend"], vectors["backend"] = best["torch"], vectors["torch"]
    cosine = (np.asarray(vectors["backend"]) * np.asarray(vectors["torch"])).sum(axis=1)
    n = len(texts)
    return {"texts": n, "model": cfg.model, "lead_chars": cfg.lead_chars, "backend": cfg.backend, "torch_fp32_texts_per_s": n / best["torch"],
            "plain_encode_texts_per_s": n / best["backend"], "handler_texts_per_s": n / best["handler"],
            "backend_over_torch_fp32": best["torch"] / best["backend"], "handler_over_plain": best["backend"] / best["handler"],
            "min_cosine_to_torch_fp32": float(cosine.min())}


def stage_rates(lines: list[str]) -> dict:
    """The copy path's per-article work, one stage at a time, single process: what each costs per document."""
    from newsdedup import language, signing
    from newsdedup.records import parse_article

    max_chars, copies = CONFIG.normalize.max_chars, CONFIG.copies
    out = {}
    started = time.process_time()
    records = [json.loads(line) for line in lines]
    articles = [parse_article(r) for r in records]
    out["read_docs_per_cpu_s"] = len(lines) / (time.process_time() - started)
    started = time.process_time()
    cleaned = [clean(a.body, STRIPPER, max_chars) for a in articles]
    out["strip_furniture_docs_per_cpu_s"] = len(lines) / (time.process_time() - started)
    def sign(titles, contents):
        return signing.sign_matching(titles, contents, copies.shingle_kind, copies.shingle_size, copies.num_perm,
                                     copies.seed, copies.hash, max_chars)

    sign(["warm-up"], ["compiles the kernel and builds its word table outside the timing"])
    started = time.process_time()
    sign([a.title for a in articles], [c.content for c in cleaned])
    out["fold_and_sign_docs_per_cpu_s"] = len(lines) / (time.process_time() - started)
    started = time.process_time()
    for a, c in zip(articles, cleaned):
        lead(a.title, c, CONFIG.stories.lead_chars)
    out["lead_docs_per_cpu_s"] = len(lines) / (time.process_time() - started)
    started = time.process_time()
    for a in articles[:2000]:
        language.detect(a.title + "\n" + a.body[:5000])
    out["language_detect_docs_per_cpu_s"] = min(2000, len(articles)) / (time.process_time() - started)
    # The kernel against its anchors, on the normalised texts datasketch is given.
    out["signing"] = bench_signatures.measure([matching_text(a.title, c, max_chars) for a, c in zip(articles, cleaned)])
    if all(p.exists() for p in bench_signatures.CORPORA):  # real news bodies, as long as the anchor texts
        out["signing_news_bodies"] = bench_signatures.measure(bench_signatures.texts(20_000))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=os.environ.get("SIZE", "10000,100000"))
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--copy-path-only", action="store_true",
                        help="measure only the Beam copy path for these sizes, keeping earlier results")
    parser.add_argument("--end-to-end-only", action="store_true",
                        help="run only `newsdedup run` for these sizes, keeping earlier results")
    parser.add_argument("--copy-path-jobs", default="ours,described,baseline",
                        help="which copy-path jobs to run (the straightforward baseline takes ~30 min at 1M)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override for the end-to-end run, recorded beside its figures "
                             "(e.g. stories.max_seq_length=16 to embed 1M articles in half an hour)")
    parser.add_argument("--render-only", action="store_true",
                        help="measure nothing: write the page again from the saved results")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    saved = WORK / "results.json"
    if args.render_only:
        write_page(json.loads(saved.read_text()), args.output)
        return
    keep = (args.copy_path_only or args.end_to_end_only) and saved.exists()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    earlier = json.loads(saved.read_text()) if keep else {"sizes": {}, "runs": []}
    # Every run that wrote into these results, with the code it measured: a page can combine several.
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
                     "runs": earlier.get("runs", []) + [{"commit": head, "args": sys.argv[1:]}],
                     "sizes": earlier["sizes"]}
    config_label = " ".join(args.set) or "default"
    newsdedup = str(Path(sys.executable).with_name("newsdedup"))
    for size in sizes:
        path, bases = corpus(size)
        # Only the first 20,000 articles are kept: the benchmark's own memory stays out of the way at 1M.
        with open(path, encoding="utf-8") as f:
            originals = sum(1 for line in f if not json.loads(line).get("copy_of"))
        with open(path, encoding="utf-8") as f:
            lines = [line for line, _ in zip(f, range(20_000))]
        records = [json.loads(line) for line in lines[:512]]
        # --copy-path-only replaces the copy path of an earlier run's entry and keeps the rest of it
        entry: dict = results["sizes"].get(str(size), {}) | {
            "articles": size, "originals": originals, "bases": bases}
        if size == sizes[0] and not (args.copy_path_only or args.end_to_end_only):
            print(f"[{size}] stages", flush=True)
            entry["stages"] = stage_rates(lines)
            entry["stages"]["formats"] = read_formats.format_rates([json.loads(line) for line in lines[:2000]])
            print(json.dumps(entry["stages"], indent=1), flush=True)
            leads = [lead(r["title"], clean(r["body"], STRIPPER, CONFIG.normalize.max_chars), CONFIG.stories.lead_chars)
                     for r in records]
            print(f"[{size}] embeddings", flush=True)
            entry["embeddings"] = embedding_ratio(leads)
            print(json.dumps(entry["embeddings"], indent=1), flush=True)
        if not args.end_to_end_only:
            print(f"[{size}] copy path", flush=True)
            runs = {job: copy_path_run(job, [str(path)]) for job in args.copy_path_jobs.split(",")}
            entry["copy_path"] = {job: run | {"docs_per_s": size / run["pipeline_s"]} for job, run in runs.items()}
            if "baseline" in runs and "ours" in runs:
                entry["copy_path"]["speedup"] = runs["baseline"]["pipeline_s"] / runs["ours"]["pipeline_s"]
            print(json.dumps(entry["copy_path"], indent=1), flush=True)
            results["sizes"][str(size)] = entry
        if args.copy_path_only:
            continue
        print(f"[{size}] end to end ({config_label})", flush=True)
        out = WORK / f"run-{size}"
        overrides = [arg for kv in args.set for arg in ("--set", kv)]
        e2e = run_command([newsdedup, "run", "--input", str(path), "--output", str(out), "--overwrite", *overrides])
        manifest = json.loads((out / "manifest.json").read_text())
        entry.setdefault("end_to_end", {})[config_label] = {k: v for k, v in e2e.items() if k != "output"} | {
            "counts": manifest["counts"], "stage_seconds": manifest.get("stage_seconds", {})}
        results["sizes"][str(size)] = entry
        print(json.dumps(entry, indent=1, default=str), flush=True)
    saved.write_text(json.dumps(results, indent=2))
    write_page(results, args.output)


STATE_SECTION = ("<!-- state-bench -->", "<!-- /state-bench -->")  # written by state_bench.py, kept here


def write_page(results: dict, output: str) -> None:
    page = render(results, sorted(int(k) for k in results["sizes"]))
    old = Path(output).read_text() if Path(output).exists() else ""
    if STATE_SECTION[0] in old:
        begin, end = old.index(STATE_SECTION[0]), old.index(STATE_SECTION[1]) + len(STATE_SECTION[1])
        page = page.rstrip("\n") + "\n\n" + old[begin:end] + "\n"
    Path(output).write_text(page)
    print(f"wrote {output}")


STAGE_ROWS = [  # results of earlier runs may lack a row
    ("read_docs_per_cpu_s", "decode JSON and validate (`parse_article`)"),
    ("strip_furniture_docs_per_cpu_s", "strip furniture (once per article)"),
    ("fold_and_sign_docs_per_cpu_s", "fold and sign (`signing.sign_matching`: NFKC, case-fold, words, shingles, MinHash)"),
    ("lead_docs_per_cpu_s", "headline + lead"),
    ("language_detect_docs_per_cpu_s", "language detection (only for articles without a language)"),
]


def render(results: dict, sizes: list[int]) -> str:
    lines = ["# Benchmarks", "",
             f"Written by `benchmarks/run_bench.py` (`make bench`) on {results['machine']['cpus']} CPUs, Python "
             f"{results['machine']['python']}, in these runs, each keeping the results of the ones before:", "",
             *(f"- `run_bench.py {' '.join(run['args'])}` at commit `{run['commit']}`" for run in results["runs"]), "",
             "Ratios compare runs made in the same session; absolute rates move with the machine's load.", ""]
    # --copy-path-only and --end-to-end-only keep an earlier run's per-stage figures; without one there are none.
    first = next((results["sizes"][str(s)] for s in sizes if "stages" in results["sizes"][str(s)]), None)
    lines += _targets(results, sizes, first)
    lines += _stage_sections(first) if first else [
        "No run in these results measured the signatures, per-document stages or embeddings: "
        "`run_bench.py` without `--copy-path-only` or `--end-to-end-only` does.", ""]
    lines += ["## Corpora", "", "Simulated by `newsdedup.simulate.generate_corpus` (seed 1) from these base articles:", "",
              *(f"- {size:,} articles: {_bases(results['sizes'][str(size)].get('bases'))}" for size in sizes), ""]
    lines += ["## Copy path in Beam (read → normalise → sign → band → group → link), DirectRunner, 2 worker processes", "",
              "| articles | ours docs/s | + story features docs/s | straightforward job docs/s | speed-up | peak RSS ours / + features / straightforward |",
              "|---|---|---|---|---|---|"]
    for size in sizes:
        cp = results["sizes"][str(size)].get("copy_path")
        if not cp:
            continue
        rate = lambda job, cp=cp: f"{cp[job]['docs_per_s']:,.0f}" if job in cp else "not run"  # noqa: E731
        rss = " / ".join(f"{cp[job]['peak_rss_gb']:.2f}" if job in cp else "–" for job in ("ours", "described", "baseline"))
        speedup = f"{cp['speedup']:.1f}×" if "speedup" in cp else "–"
        lines.append(f"| {size:,} | {rate('ours')} | {rate('described')} | {rate('baseline')} | {speedup} | {rss} GiB |")
    lines += ["", "Rates use the pipeline's own time (from building the job to its end, worker start-up included); "
              "peak RSS is the whole process tree (launcher, runner, workers), sampled every 0.5 s. "
              "\"+ story features\" adds Describe (language, lead, names and numbers, copy profile), which the full pipeline "
              "computes in the same fused pass; the copy path proper stops at the signature.", "",
              "## End to end (`newsdedup run`, default config, embeddings included)", "",
              "| articles | config | originals | copy groups | stories | wall | CPU s | docs/s | peak RSS (process tree) |",
              "|---|---|---|---|---|---|---|---|---|"]
    runs = [(size, label, e2e) for size in sizes for label, e2e in results["sizes"][str(size)].get("end_to_end", {}).items()]
    for size, label, e2e in runs:
        originals = results["sizes"][str(size)]["originals"]
        lines.append(f"| {size:,} | {_config(label)} | {originals:,} | {e2e['counts']['copy_groups']:,} | {e2e['counts']['stories']:,} | "
                     f"{e2e['wall_s'] / 60:.1f} min | {e2e['cpu_s']:,.0f} | {size / e2e['wall_s']:,.0f} | {e2e['peak_rss_gb']:.2f} GiB |")
    for size, label, e2e in (run for run in runs if run[2].get("stage_seconds")):
        lines += ["", f"Where the {size:,}-article run ({_config(label)}) spent its time: seconds per stage in the workers, from the "
                  "DirectRunner's execution-time metrics (sampled; summed over both workers, so they can exceed the wall time).", "",
                  "| stage | seconds | share |", "|---|---|---|"]
        total = sum(e2e["stage_seconds"].values())
        for stage, seconds in sorted(e2e["stage_seconds"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {stage} | {seconds:,.1f} | {seconds / total:.0%} |")
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    lines += ["", "## Reproduce", "", "```sh", "make bench                 # 10k and 100k",
              ".venv/bin/python benchmarks/run_bench.py --sizes 1000000 --copy-path-only --copy-path-jobs ours  # + the 1M copy path",
              "# + memory end to end at 100k and 1M, with 16-token embeddings so that 1M takes ~40 min instead of hours",
              ".venv/bin/python benchmarks/run_bench.py --sizes 100000,1000000 --end-to-end-only --set stories.max_seq_length=16",
              "make bench SIZE=1000000     # everything at 1M (end to end: hours)",
              ".venv/bin/python benchmarks/bench_signatures.py --docs 20000", "```", ""]
    return "\n".join(lines)


def _stage_sections(first: dict) -> list[str]:
    """Signatures, per-document stages and embeddings: measured once, on the first size of a full run."""
    sig = first["stages"]["signing"]
    lines = ["## Signatures (word 5-grams, 128 permutations, one core)", "",
             "| | docs/s | ratio |", "|---|---|---|",
             f"| compiled kernel (`newsdedup/signing.py`), `{sig['hash']}` hash (the default) | {sig['kernel_docs_per_s']:,.0f} | |",
             f"| compiled kernel, `murmur3` hash | {sig['kernel_murmur3_docs_per_s']:,.0f} | murmur3 time / floor time = {sig['kernel_murmur3_time_over_floor']:.2f}× |",
             f"| hashing the shingles alone (floor) | {sig['floor_docs_per_s']:,.0f} | kernel time / floor time = **{sig['kernel_time_over_floor']:.2f}×** (target ≤ 1.5) |",
             f"| `datasketch.MinHash.update_batch`, default SHA-1 | {sig['update_batch_sha1_docs_per_s']:,.0f} | kernel is **{sig['speedup_vs_update_batch_sha1']:.0f}×** faster (target ≥ 50) |",
             f"| `update_batch` with the kernel's hash (`signing.hashfunc`, Python) | {sig['update_batch_same_hash_docs_per_s']:,.0f} | kernel is {sig['speedup_vs_update_batch_same_hash']:.0f}× faster |",
             "",
             "The floor hashes every shingle's bytes with MurmurHash3, as the `murmur3` hash must; the `multilinear` hash "
             "hashes each word once and combines a shingle's word hashes with a few multiplications, so it can run "
             f"faster than the floor. Both kernels sign batches of {bench_signatures.BATCH_SIZE} texts, as Fingerprint calls them.", ""]
    news = first["stages"].get("signing_news_bodies")
    if news:
        lines += [f"The table above uses the simulated corpus's matching texts. On {news['docs']:,} real news bodies "
                  "(ECB+ and seeds, `benchmarks/bench_signatures.py`): kernel "
                  f"{news['kernel_docs_per_s']:,.0f} docs/s (`murmur3` {news['kernel_murmur3_docs_per_s']:,.0f}), floor "
                  f"{news['floor_docs_per_s']:,.0f}, `update_batch` (SHA-1) {news['update_batch_sha1_docs_per_s']:,.0f}: "
                  f"**{news['speedup_vs_update_batch_sha1']:.0f}×** update_batch, **{news['kernel_time_over_floor']:.2f}×** "
                  f"the floor (`murmur3`: {news['kernel_murmur3_time_over_floor']:.2f}×).", ""]
    st = first["stages"]
    lines += ["## Per-document stages (one core, CPU time)", "", "| stage | docs per CPU second |", "|---|---|",
              *(f"| {label} | {st[key]:,.0f} |" for key, label in STAGE_ROWS if key in st), ""]
    lines += _format_section(st.get("formats"))
    emb = first["embeddings"]
    backend = emb.get("backend", "torch")
    # results written before the model and lead were recorded measured the defaults of their day
    model, lead_chars = emb.get("model", "multilingual-e5-small"), emb.get("lead_chars", 600)
    lines += [f"## Embeddings ({model}, headline + {lead_chars}-character lead)", ""]
    if backend != "torch":
        lines += [f"Configured backend `{backend}` (`stories.backend`): plain encode {emb['plain_encode_texts_per_s']:.1f} texts/s vs "
                  f"plain fp32 `SentenceTransformer.encode` {emb['torch_fp32_texts_per_s']:.1f} texts/s on the same {emb['texts']} texts: "
                  f"**{emb['backend_over_torch_fp32']:.2f}×**, lowest cosine to the fp32 embedding {emb['min_cosine_to_torch_fp32']:.4f}.", ""]
    lines += [f"RunInference handler {emb['handler_texts_per_s']:.1f} texts/s vs a plain encode loop with the same backend "
              f"({backend}) {emb['plain_encode_texts_per_s']:.1f} texts/s on the same {emb['texts']} texts: "
              f"**{emb['handler_over_plain']:.2f}×** (target ≥ 0.9).", ""]
    return lines


def _bases(bases: Optional[dict]) -> str:
    if not bases:
        return "not recorded (a corpus made before run_bench kept its bases)"
    return ", ".join(f"`{name}` ({count:,})" for name, count in bases.items())


def _config(label: str) -> str:
    return label if label == "default" else f"`{label}`"


def _format_section(rates: Optional[dict]) -> list[str]:
    """Reading each input format (``benchmarks/read_formats.py``); results of earlier runs may lack it."""
    if not rates:
        return []
    names = (("jsonl", "JSONL"), ("newsml", "NewsML-G2 `newsMessage`, NITF bodies"), ("newsml1", "NewsML 1.2"),
             ("ninjs", "ninjs 3.x"), ("rss", "RSS 2.0, `content:encoded`"),
             ("warc", "WARC (.warc.gz) of HTML pages, trafilatura"))
    lines = [f"## Reading input formats (one core, CPU time; {rates['records']:,} articles, WARC on {rates['pages']})", "",
             "| format | records per CPU second |", "|---|---|",
             *(f"| {label} | {rates[f'{key}_records_per_cpu_s']:,.0f} |" for key, label in names), ""]
    extractors = [f"trafilatura alone {rates['trafilatura_alone_pages_per_cpu_s']:,.0f} pages/CPU s"]
    if "resiliparse_alone_pages_per_cpu_s" in rates:
        extractors.append(f"resiliparse alone (text and `<title>`, no date) "
                          f"{rates['resiliparse_alone_pages_per_cpu_s']:,.0f}")
    return lines + [f"The same WARC pages through the extractors alone: {'; '.join(extractors)}.", ""]


def _targets(results: dict, sizes: list[int], first: Optional[dict]) -> list[str]:
    """The issue's targets against this run's figures."""
    yes = lambda ok: "yes" if ok else "**no**"  # noqa: E731
    rows = []
    if first:
        sig, emb = first["stages"]["signing"], first["embeddings"]
        rows += [("signatures ≥ 50× `update_batch`", f"{sig['speedup_vs_update_batch_sha1']:.1f}×", yes(sig["speedup_vs_update_batch_sha1"] >= 50)),
                 ("signatures within 1.5× of the floor", f"{sig['kernel_time_over_floor']:.2f}×", yes(sig["kernel_time_over_floor"] <= 1.5)),
                 ("embedding handler ≥ 0.9× plain encode", f"{emb['handler_over_plain']:.2f}×", yes(emb["handler_over_plain"] >= 0.9))]
    for size in sizes:
        ours = results["sizes"][str(size)].get("copy_path", {}).get("ours")
        if ours and size >= 100_000:
            rows.append((f"copy path ≥ 15k docs/s ({size:,})", f"{ours['docs_per_s']:,.0f} docs/s", yes(ours["docs_per_s"] >= 15_000)))
    e2e = results["sizes"].get("100000", {}).get("end_to_end", {}).get("default")
    if e2e:
        rows.append(("100k end to end ≤ 30 min", f"{e2e['wall_s'] / 60:.1f} min", yes(e2e["wall_s"] <= 1800)))
    big, small = results["sizes"].get("1000000", {}), results["sizes"].get("100000", {})
    # Memory is judged end to end with one config run at both sizes (the default first), else on the copy path.
    both = [label for label in big.get("end_to_end", {}) if label in small.get("end_to_end", {})]
    label = "default" if "default" in both else next(iter(both), None)
    at_1m, at_100k = ((big["end_to_end"][label], small["end_to_end"][label]) if label
                      else (big.get("copy_path", {}).get("ours"), small.get("copy_path", {}).get("ours")))
    if at_1m and at_100k:
        what = f"end to end, {_config(label)}" if label else "copy path only"
        growth = at_1m["peak_rss_gb"] / at_100k["peak_rss_gb"]
        verdict = yes(at_1m["peak_rss_gb"] <= 8e9 / 2**30 and growth < 10) + ("" if label else " for the copy path; end to end at 1M is not in this run (see the notes)")
        rows.append((f"peak RSS at 1M ≤ 8 GB, sublinear ({what})",
                     f"{at_1m['peak_rss_gb']:.2f} GiB; {growth:.1f}× the 100k figure ({at_100k['peak_rss_gb']:.2f} GiB) for 10× the articles",
                     verdict))
    return ["## Targets", "", "| target | this run | met? |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows] + [""]


if __name__ == "__main__":
    main()
