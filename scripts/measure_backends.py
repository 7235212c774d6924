"""Measurements behind ``stories.backend`` (README, "Performance"; issue 4, embeddings).

Usage: .venv/bin/python scripts/measure_backends.py DATA_DIR [--speed-texts 512] [--repeats 3]

Every backend embeds the same headline + lead texts ("query: " + headline +
600-character lead, as the pipeline builds them) of ECB+ and MEANTIME. Speed:
texts/s on ``--speed-texts`` of them, backends interleaved, best of
``--repeats`` (the machine is shared: compare the ratios, not the rates).
Quality: cosine to the torch fp32 embedding of each text, and pairwise story F1
of ``cluster_stories`` with the default story settings on ECB+ (all topics)
and MEANTIME. Besides the shipped backends (torch, onnx, onnx-int8) it builds,
in a temporary folder, the variants that were measured and not shipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_stories import CONFIG, STRIPPER, load  # noqa: E402

from newsdedup.cluster import cluster_stories  # noqa: E402
from newsdedup.embedding import onnx_backend  # noqa: E402
from newsdedup.embedding.model import load_model, resolve_model  # noqa: E402
from newsdedup.entities import entity_hashes  # noqa: E402
from newsdedup.evaluate import pairwise_scores  # noqa: E402
from newsdedup.normalize import clean, lead  # noqa: E402
from newsdedup.records import parse_datetime  # noqa: E402


def corpus(records: list[dict]) -> dict:
    cfg = CONFIG.stories
    return {
        "texts": [cfg.query_prefix + lead(r.get("title") or "", clean(r.get("body") or "", STRIPPER, 20_000), cfg.lead_chars)
                  for r in records],
        "keys": [str(r["id"]) for r in records],
        "times": [None if (t := parse_datetime(r.get("published_at"))) is None else t / 1e6 for r in records],
        "entities": [entity_hashes(f"{r.get('title') or ''}\n{STRIPPER.strip(r.get('body') or '')}") for r in records],
        "gold": {str(r["id"]): r["gold_cluster"] for r in records},
    }


def story_f1(c: dict, vectors: np.ndarray) -> float:
    s = CONFIG.stories
    stories = cluster_stories(c["keys"], c["times"], vectors, s.threshold, s.lifetime(), c["entities"],
                              s.entity_weight, s.min_cosine)
    return pairwise_scores(stories, c["gold"])["f1"]


class TorchInt8:
    """torch dynamic int8 quantisation of every Linear (measured in session 1; not shipped)."""

    def __init__(self, max_seq_length: int):
        import torch

        self.model = load_model(CONFIG.stories.model, max_seq_length)
        self.model = torch.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)

    def encode(self, texts, **kw):
        return self.model.encode(texts, **kw)


def variants(workdir: Path, max_seq_length: int) -> dict:
    """ONNX graphs measured and not shipped: int8 without ORT's BERT fusions, the avx2 quantisation
    setting (7-bit weights, ``reduce_range``), and fp32 with the fusions."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    model_dir = resolve_model(CONFIG.stories.model)
    fp32 = onnx_backend.onnx_file(model_dir, "onnx")
    fused = workdir / "fused.onnx"
    bert = json.loads((Path(model_dir) / "config.json").read_text())
    optimize_model(str(fp32), model_type="bert", num_heads=bert["num_attention_heads"], hidden_size=bert["hidden_size"], opt_level=1,
                   use_gpu=False).save_model_to_file(str(fused))
    out = {}
    for name, src, ops, reduce_range in [("onnx-int8 unfused (MatMul only)", fp32, ["MatMul"], False),
                                         ("onnx-int8 avx2 (reduce_range)", fused, ["MatMul", "Attention"], True),
                                         ("onnx fp32 fused", None, None, None)]:
        path = fused if src is None else workdir / f"{len(out)}.onnx"
        if src is not None:
            quantize_dynamic(src, path, op_types_to_quantize=ops, per_channel=True, reduce_range=reduce_range,
                             weight_type=QuantType.QInt8, extra_options={"DefaultTensorType": 1})
        out[name] = onnx_backend.OnnxEncoder(model_dir, "onnx", max_seq_length, path=path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--speed-texts", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-variants", action="store_true", help="only the shipped backends")
    parser.add_argument("--speed-only", action="store_true", help="skip the quality figures")
    args = parser.parse_args()
    data = Path(args.data)
    cfg = CONFIG.stories
    corpora = {"ECB+": corpus(load(data / "ecbplus_dev.jsonl")), "MEANTIME": corpus(load(data / "meantime_en_es.jsonl"))}
    every = [t for c in corpora.values() for t in c["texts"]]
    speed_texts = every[:: max(1, len(every) // args.speed_texts)][: args.speed_texts]

    import torch

    cores = os.cpu_count() or 1
    backends = {f"torch fp32 ({torch.get_num_threads()} threads)": load_model(cfg.model, cfg.max_seq_length)}
    backends["torch int8 dynamic"] = TorchInt8(cfg.max_seq_length)
    for name in ("onnx", "onnx-int8"):
        backends[f"{name} (1 thread)"] = load_model(cfg.model, cfg.max_seq_length, backend=name)
    backends[f"onnx-int8 ({cores} threads)"] = load_model(cfg.model, cfg.max_seq_length, backend="onnx-int8", threads=cores)
    tmp = tempfile.TemporaryDirectory()
    if not args.no_variants:
        backends |= variants(Path(tmp.name), cfg.max_seq_length)

    def encode(model, texts):
        return np.asarray(model.encode(texts, batch_size=cfg.batch_size, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)

    base = next(iter(backends))
    rows = {name: {"min_cos": float("nan"), "mean_cos": float("nan"), **dict.fromkeys(corpora, float("nan"))}
            for name in backends}
    reference = {} if args.speed_only else {name: encode(backends[base], c["texts"]) for name, c in corpora.items()}
    for name, model in backends.items() if not args.speed_only else ():
        vectors = reference if name == base else {n: encode(model, c["texts"]) for n, c in corpora.items()}
        cos = np.concatenate([(vectors[n] * reference[n]).sum(axis=1) for n in corpora])
        rows[name] = {"min_cos": float(cos.min()), "mean_cos": float(cos.mean()),
                      **{n: story_f1(c, vectors[n]) for n, c in corpora.items()}}
        print(f"quality {name}: {rows[name]}", flush=True)
    best = dict.fromkeys(backends, float("inf"))
    for model in backends.values():
        encode(model, speed_texts[:8])  # warm up
    for _ in range(args.repeats):  # interleaved, best of N: the machine's load moves between runs
        for name, model in backends.items():
            started = time.perf_counter()
            encode(model, speed_texts)
            best[name] = min(best[name], time.perf_counter() - started)
    print(f"\n{len(speed_texts)} texts for speed, best of {args.repeats} interleaved; "
          f"{len(corpora['ECB+']['texts'])} ECB+ and {len(corpora['MEANTIME']['texts'])} MEANTIME texts for quality\n")
    print("| backend | texts/s | × torch fp32 | min cosine | mean cosine | ECB+ F1 | MEANTIME F1 |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {len(speed_texts) / best[name]:.1f} | {best[base] / best[name]:.2f} | {r['min_cos']:.4f} | "
              f"{r['mean_cos']:.4f} | {r['ECB+']:.4f} | {r['MEANTIME']:.4f} |")


if __name__ == "__main__":
    main()
