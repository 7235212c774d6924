"""Wire-reprint simulator: labelled republications and large corpora from real articles.

Outlets reprint agency copy with a handful of routine edits. ``reprint``
applies them to one article and labels the result with its origin, the edits,
their strength and the share of the original text kept, so copy detection can
be measured by edit kind and strength. ``generate_corpus`` streams corpora of
any size for benchmarks: the real articles, then synthetic distinct originals
(sentences of the base articles recombined, with a share of their words
replaced), each followed by its reprints. Everything is deterministic given
the seed; nothing here needs Beam or the network.

Input articles are dicts with ``id``, ``source``, ``language``,
``published_at``, ``title`` and ``body`` (paragraphs separated by newlines).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator, Optional, Sequence

import numpy as np

from newsdedup.normalize import normalize

EDIT_KINDS = ("headline", "lead_trim", "drop_paragraphs", "reorder", "credit_dateline", "related", "typos", "truncate",
              "cut", "paraphrase", "merge")
# What newspapers do to wire copy beyond the routine (COUNTER's wholly derived texts): keep the lead and cut the
# rest to 20-50%, reword one sentence in five, run paragraphs together.
HARSH_EDITS = ("cut", "paraphrase", "merge")

AGENCIES = ("EFE", "AP", "Reuters", "AFP", "ANSA", "dpa", "Xinhua", "Prensa Latina")
OUTLETS = (
    "El Universal", "La Jornada", "Milenio", "El Tiempo", "Clarín", "La Nación", "El Comercio", "Infobae",
    "The Guardian", "The Star", "Yahoo News", "Newsday", "Daily Herald", "Stars and Stripes", "The Independent",
    "Diario Sur", "El Periódico", "Semana", "Cooperativa", "Listín Diario", "teleSUR", "Swissinfo",
)
_CITIES = ("MADRID", "MEXICO CITY", "BOGOTA", "LIMA", "WASHINGTON", "GENEVA", "LONDON", "SANTIAGO", "QUITO",
           "BUENOS AIRES", "CARACAS", "PARIS", "NEW YORK", "BRASILIA")
_HEADLINE_TAGS = {"en": ("UPDATE: ", "BREAKING: ", "WATCH: ", "LIVE: "), "es": ("ÚLTIMA HORA: ", "URGENTE: ", "VIDEO: ")}
_RELATED = {"en": ("RELATED:", "READ MORE:", "SEE ALSO:"), "es": ("Lea también:", "RELACIONADO:", "Más información:")}
_CREDIT = {"en": ("Source: {a}", "(With information from {a})", "{a}"), "es": ("Fuente: {a}", "(Con información de {a})", "{a}")}
_MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def paragraphs(body: str) -> list[str]:
    """Paragraphs of a body; a body of one or two lines is cut into sentence pairs instead."""
    paras = [p.strip() for p in re.split(r"\n+", body) if p.strip()]
    if len(paras) >= 3:
        return paras
    sentences = [s for p in paras for s in _SENTENCE.split(p) if s]
    return [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]


def kept_share(original: str, reprint: str) -> float:
    """Share of the original's words (normalised, as a multiset) still present in the reprint."""
    before = Counter(normalize(original).split())
    if not before:
        return 1.0
    after = Counter(normalize(reprint).split())
    return sum((before & after).values()) / sum(before.values())


def _lang(article: dict) -> str:
    return "es" if str(article.get("language") or "").lower().startswith("es") else "en"


def _parse_time(value) -> Optional[datetime]:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # swap neighbours
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:  # drop a letter
        return word[:i] + word[i + 1:]
    if kind == 2:  # double a letter
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(_LETTERS) + word[i + 1:]  # wrong letter


def _cut(paras: list[str], strength: float) -> list[str]:
    """The lead, then the rest's first sentences up to ``0.5 - 0.375 * strength`` of its words (0.2 at 0.8)."""
    rest = [s for p in paras[1:] for s in _SENTENCE.split(p) if s]
    budget = (0.5 - 0.375 * strength) * sum(len(s.split()) for s in rest)
    kept, words = [], 0
    for sentence in rest:
        if words >= budget:
            break
        kept.append(sentence)
        words += len(sentence.split())
    return paras[:1] + ([" ".join(kept)] if kept else [])


def _paraphrase(sentence: str, strength: float, rng: random.Random) -> str:
    """The sentence reworded as far as word shingles can tell: neighbouring words swapped throughout
    (every word 3-gram changes) and a share of words (``0.1 + 0.2 * strength``) dropped."""
    words = sentence.split()
    if len(words) < 4:
        return sentence
    for i in range(0, len(words) - 1, 3):
        words[i], words[i + 1] = words[i + 1], words[i]
    drop = 0.1 + 0.2 * strength
    return " ".join(w for w in words if rng.random() >= drop)


def _rewrite_headline(title: str, lead: str, lang: str, strength: float, rng: random.Random) -> str:
    """What copy desks do: tag it, shorten it, or lift the lead's opening words."""
    words = title.split()
    choice = rng.random()
    if choice < 0.3 or not words:
        opening = lead.split()[: max(6, int(14 * (1 - strength / 2)))]
        return " ".join(opening).rstrip(",;:") if opening else title
    if choice < 0.6:
        keep = max(3, round(len(words) * (1 - strength / 2)))
        return rng.choice(_HEADLINE_TAGS[lang]) + " ".join(words[:keep])
    cut = max(1, len(words) // 2)
    return " ".join(words[cut:] + ["—"] + words[:cut])


def _dateline(lang: str, agency: str, when: Optional[datetime], rng: random.Random) -> str:
    city = rng.choice(_CITIES)
    if lang == "es":
        day = f"{when.day} {_MONTHS_ES[when.month - 1]}" if when else ""
        return f"{city}, {day} ({agency}).- " if day else f"{city} ({agency}).- "
    return f"{city} ({agency}) — "


def reprint(
    article: dict,
    rng: random.Random,
    new_id: str,
    strength: float,
    edits: Sequence[str],
    related_titles: Sequence[str] = (),
    source: Optional[str] = None,
) -> dict:
    """One republication of ``article`` with ``edits`` (names from EDIT_KINDS) at ``strength`` in [0, 1].

    Returns an article dict plus labels: ``copy_of`` (the origin's id),
    ``edits`` (applied, in EDIT_KINDS order), ``strength`` and ``kept`` (see
    ``kept_share``; typo'd words count as lost).
    """
    unknown = set(edits) - set(EDIT_KINDS)
    if unknown:
        raise ValueError(f"unknown edit kinds: {sorted(unknown)}")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    lang = _lang(article)
    title, body = article.get("title") or "", article.get("body") or ""
    paras = paragraphs(body)
    applied = [k for k in EDIT_KINDS if k in edits]
    if "lead_trim" in applied and paras:
        sentences = _SENTENCE.split(paras[0])
        if len(sentences) > 1:
            paras[0] = " ".join(sentences[: max(1, round(len(sentences) * (1 - strength)))])
        else:
            words = paras[0].split()
            paras[0] = " ".join(words[: max(3, round(len(words) * (1 - strength / 2)))])
    if "drop_paragraphs" in applied and len(paras) > 2:
        n_drop = max(1, round((len(paras) - 1) * strength * 0.6))
        dropped = set(rng.sample(range(1, len(paras)), min(n_drop, len(paras) - 2)))
        paras = [p for i, p in enumerate(paras) if i not in dropped]
    if "cut" in applied and len(paras) > 1:
        paras = _cut(paras, strength)
    if "reorder" in applied and len(paras) > 2:
        rest = paras[1:]
        n_moves = max(1, round(len(rest) * strength))
        for _ in range(n_moves):
            i, j = rng.randrange(len(rest)), rng.randrange(len(rest))
            rest[i], rest[j] = rest[j], rest[i]
        paras = paras[:1] + rest
    if "truncate" in applied and paras:
        text = "\n".join(paras)
        cut = text.rfind(" ", 0, max(1, int(len(text) * (1 - 0.7 * strength))))
        paras = (text[:cut] if cut > 0 else text).rstrip(" ,;:").split("\n")
        paras[-1] += "…"
    if "paraphrase" in applied:  # one sentence in five, the lead's first among them
        sentences = [_SENTENCE.split(p) for p in paras]
        flat = [(i, j) for i, parts in enumerate(sentences) for j in range(len(parts))]
        for i, j in flat[::5]:
            sentences[i][j] = _paraphrase(sentences[i][j], strength, rng)
        paras = [" ".join(parts) for parts in sentences]
    if "merge" in applied and len(paras) > 1:  # runs of 2 paragraphs (3 from strength 0.5) become one
        run = 2 if strength < 0.5 else 3
        paras = [" ".join(paras[i:i + run]) for i in range(0, len(paras), run)]
    if "typos" in applied:
        rate = 0.01 + 0.07 * strength
        paras = [" ".join(_typo(w, rng) if rng.random() < rate else w for w in p.split(" ")) for p in paras]
    if "related" in applied and related_titles and paras:
        block = f"{rng.choice(_RELATED[lang])}\n{rng.choice(list(related_titles))}"
        paras.insert(rng.randrange(1, len(paras) + 1), block)
    when = _parse_time(article.get("published_at"))
    if "credit_dateline" in applied and paras:
        agency = rng.choice(AGENCIES)
        paras[0] = _dateline(lang, agency, when, rng) + paras[0]
        paras.append(rng.choice(_CREDIT[lang]).format(a=agency))
    new_body = "\n".join(paras)
    if "headline" in applied:
        title = _rewrite_headline(title, paras[0] if paras else "", lang, strength, rng)
    later = None if when is None else (when + timedelta(minutes=rng.randint(5, 12 * 60))).isoformat()
    return {
        "id": new_id,
        "source": source or rng.choice(OUTLETS),
        "language": article.get("language"),
        "published_at": later,
        "title": title,
        "body": new_body,
        "copy_of": article["id"],
        "edits": applied,
        "strength": round(strength, 3),
        "kept": round(kept_share(body, new_body), 4),
    }


def random_edits(rng: random.Random, harsh: bool = False) -> list[str]:
    """A plausible edit set: most reprints change the headline and furniture, fewer cut or damage text.

    ``harsh`` adds the newspaper edits (``HARSH_EDITS``), each with odds 0.25; without it the draws,
    and the benchmark corpora made from them, are what they were before those edits existed.
    """
    odds = {"headline": 0.8, "lead_trim": 0.25, "drop_paragraphs": 0.45, "reorder": 0.3, "credit_dateline": 0.7,
            "related": 0.3, "typos": 0.3, "truncate": 0.3}
    if harsh:
        odds |= dict.fromkeys(HARSH_EDITS, 0.25)
    return [k for k in EDIT_KINDS if k in odds and rng.random() < odds[k]]


def simulate_reprints(
    articles: Sequence[dict],
    seed: int,
    per_article: int = 3,
    strengths: Sequence[float] = (0.2, 0.5, 0.8),
    single_edit_share: float = 0.5,
) -> list[dict]:
    """Reprints of every article: about half with one edit kind (to measure each kind), half with a mix
    (``random_edits`` with the harsh newspaper edits).

    Strength is drawn from ``strengths``; reprint ids are ``<origin id>~r<k>``.
    """
    rng = random.Random(seed)
    titles = [a.get("title") or "" for a in articles if a.get("title")]
    out = []
    for article in articles:
        for k in range(per_article):
            edits = [rng.choice(EDIT_KINDS)] if rng.random() < single_edit_share else random_edits(rng, harsh=True)
            strength = rng.choice(list(strengths))
            out.append(reprint(article, rng, f"{article['id']}~r{k + 1}", strength, edits,
                               [t for t in rng.sample(titles, min(3, len(titles))) if t != article.get("title")]))
    return out


class _SentencePool:
    """Sentences of the base articles per language, as token-id arrays, for fast synthesis."""

    def __init__(self, articles: Iterable[dict]):
        index: dict[str, int] = {}
        self.sentences: dict[str, list[np.ndarray]] = {}
        self.tokens: dict[str, np.ndarray] = {}
        self.shapes: dict[str, list[list[int]]] = {}  # sentences per paragraph, per base article
        for article in articles:
            lang = _lang(article)
            shape = []
            for para in paragraphs(article.get("body") or ""):
                parts = [s for s in _SENTENCE.split(para) if s.strip()]
                shape.append(len(parts))
                for sentence in parts:
                    ids = [index.setdefault(w, len(index)) for w in sentence.split()]
                    self.sentences.setdefault(lang, []).append(np.array(ids, dtype=np.int32))
            if shape:
                self.shapes.setdefault(lang, []).append(shape)
        self.vocab = np.array(list(index), dtype=object)
        for lang, sents in self.sentences.items():
            self.tokens[lang] = np.concatenate(sents)
        self.languages = sorted(self.shapes)


def _synthesize(pool: _SentencePool, lang: str, rng: np.random.Generator, mutation: float) -> tuple[str, str]:
    """(title, body): a base article's paragraph shape filled with other sentences, words mutated."""
    shapes = pool.shapes[lang]
    shape = shapes[int(rng.integers(len(shapes)))]
    sentences, tokens = pool.sentences[lang], pool.tokens[lang]
    picks = rng.integers(len(sentences), size=sum(shape) + 1)
    parts = [sentences[i] for i in picks.tolist()]
    parts[-1] = parts[-1][:14]  # the title
    ids = np.concatenate(parts)
    mask = rng.random(len(ids)) < mutation
    ids[mask] = tokens[rng.integers(len(tokens), size=int(np.count_nonzero(mask)))]
    words = pool.vocab[ids].tolist()
    lengths = [len(p) for p in parts]
    paras, at, sentence = [], 0, 0
    for n in shape:
        span = sum(lengths[sentence:sentence + n])
        paras.append(" ".join(words[at:at + span]))
        at, sentence = at + span, sentence + n
    return " ".join(words[at:]).rstrip(".,;:"), "\n".join(paras)


def generate_corpus(
    base_articles: Sequence[dict],
    n_articles: int,
    seed: int,
    reprint_share: float = 0.4,
    mutation: float = 0.3,
    start: str = "2025-01-01T00:00:00+00:00",
    stories_per_hour: float = 200.0,
) -> Iterator[dict]:
    """Stream ``n_articles`` labelled records: originals, each followed by its reprints.

    Originals are the base articles (re-dated), then synthetic ones; about
    ``reprint_share`` of all records are reprints (per original a geometric
    number of them, so a few stories are syndicated widely). Each record has
    the article fields plus ``gold_cluster`` (the original's id), ``copy_of``
    (None for originals), ``edits``, ``strength`` and ``kept``. Originals are
    spaced ``stories_per_hour`` apart from ``start``; reprints follow within
    12 hours. Synthetic text is not readable prose, but has the base
    articles' vocabulary, sentence and paragraph lengths, so shingling,
    hashing and embedding cost what they cost on news.
    """
    if not base_articles:
        raise ValueError("generate_corpus needs at least one base article")
    if not 0.0 <= reprint_share < 1.0:
        raise ValueError(f"reprint_share must be in [0, 1), got {reprint_share}")
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    pool = _SentencePool(base_articles)
    titles = [a.get("title") or "" for a in base_articles if a.get("title")]
    mean_reprints = reprint_share / (1.0 - reprint_share)
    p_stop = 1.0 / (1.0 + mean_reprints)
    t0 = _parse_time(start)
    emitted = 0
    n_original = 0
    while emitted < n_articles:
        when = t0 + timedelta(hours=n_original / stories_per_hour)
        if n_original < len(base_articles):
            base = base_articles[n_original]
            lang, title, body = _lang(base), base.get("title") or "", base.get("body") or ""
            lang_tag = base.get("language") or lang
        else:
            lang = pool.languages[int(nrng.integers(len(pool.languages)))]
            title, body = _synthesize(pool, lang, nrng, mutation)
            lang_tag = lang
        original = {
            "id": f"s{seed}-{n_original:07d}", "source": rng.choice(AGENCIES), "language": lang_tag,
            "published_at": when.isoformat(), "title": title, "body": body,
        }
        n_original += 1
        yield {**original, "gold_cluster": original["id"], "copy_of": None, "edits": [], "strength": 0.0, "kept": 1.0}
        emitted += 1
        k = 0
        while emitted < n_articles and rng.random() >= p_stop:
            k += 1
            copy = reprint(original, rng, f"{original['id']}~r{k}", rng.choice((0.2, 0.5, 0.8)), random_edits(rng),
                           rng.sample(titles, min(2, len(titles))))
            yield {**copy, "gold_cluster": original["id"]}
            emitted += 1
