"""Tokenization made visible: what the model actually receives, as data the UI can draw.

``tokenize_rows`` shows tokens, ids, ``token_type_ids`` (0 for the first sentence, 1 for the
second of a pair), the attention mask and which tokens are special. ``length_stats`` measures
lengths in *tokens* (not words, as some tools do), how many rows ``max_length`` would cut, and the
share of ``[UNK]`` tokens, which reveals a checkpoint that does not know the text's language.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

UNK_WARN_SHARE = 0.03
SCRIPT_NAMES = {"LATIN": "Latin", "HANGUL": "Korean (Hangul)", "CJK": "Chinese (Han)",
                "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "CYRILLIC": "Cyrillic",
                "ARABIC": "Arabic", "DEVANAGARI": "Devanagari", "GREEK": "Greek",
                "HEBREW": "Hebrew", "THAI": "Thai"}
SCRIPT_LANGS = {"Korean (Hangul)": ("ko",), "Chinese (Han)": ("zh", "ja"), "Japanese": ("ja",),
                "Cyrillic": ("ru", "uk", "bg", "sr"), "Arabic": ("ar", "fa", "ur"),
                "Devanagari": ("hi", "mr", "ne"), "Greek": ("el",), "Hebrew": ("he",),
                "Thai": ("th",)}


@dataclass
class TokenRow:
    tokens: list[str]
    input_ids: list[int]
    token_type_ids: list[int] | None
    attention_mask: list[int]
    special: list[bool]
    truncated: bool
    full_length: int


@dataclass
class LengthStats:
    rows: int
    sampled: bool
    lengths: list[int]
    mean: float
    median: float
    p95: int
    max: int
    max_length: int
    truncated: int
    unk_share: float
    script: str
    warnings: list[str] = field(default_factory=list)

    def histogram(self, bins: int = 30) -> tuple[list[float], list[int]]:
        """Bin edges and counts, so the UI does not need numpy to draw it."""
        hi = max(self.max, self.max_length, 1)
        width = max(1.0, hi / bins)
        counts = Counter(min(int(n // width), bins - 1) for n in self.lengths)
        return [i * width for i in range(bins + 1)], [counts.get(i, 0) for i in range(bins)]


def tokenize_rows(tokenizer: Any, texts: list[str], pairs: list[str] | None,
                  max_length: int) -> list[TokenRow]:
    args = (texts, pairs) if pairs is not None else (texts,)
    full = tokenizer(*args, truncation=False)["input_ids"]
    enc = tokenizer(*args, truncation=True, max_length=max_length,
                    return_special_tokens_mask=True)
    rows = []
    for i, ids in enumerate(enc["input_ids"]):
        rows.append(TokenRow(
            tokens=tokenizer.convert_ids_to_tokens(ids),
            input_ids=list(ids),
            token_type_ids=list(enc["token_type_ids"][i]) if "token_type_ids" in enc else None,
            attention_mask=list(enc["attention_mask"][i]),
            special=[bool(s) for s in enc["special_tokens_mask"][i]],
            truncated=len(full[i]) > max_length,
            full_length=len(full[i])))
    return rows


def detect_script(texts: list[str], limit: int = 200) -> str:
    """The dominant writing system of the texts ('Latin', 'Korean (Hangul)', ...)."""
    counts: Counter[str] = Counter()
    for text in texts[:limit]:
        for ch in text[:500]:
            if ch.isalpha():
                name = unicodedata.name(ch, "").split(" ")[0]
                counts[SCRIPT_NAMES.get(name, "Other")] += 1
    return counts.most_common(1)[0][0] if counts else "Latin"


def length_stats(tokenizer: Any, texts: list[str], pairs: list[str] | None, max_length: int,
                 languages: tuple[str, ...] = (), sample: int = 5000,
                 seed: int = 0) -> LengthStats:
    """Token-length statistics on all rows, or a seeded sample of ``sample`` rows."""
    index = list(range(len(texts)))
    sampled = len(index) > sample
    if sampled:
        index = sorted(random.Random(seed).sample(index, sample))
    first = [texts[i] for i in index]
    second = [pairs[i] for i in index] if pairs is not None else None
    enc = tokenizer(first, second, truncation=False) if second else tokenizer(first,
                                                                              truncation=False)
    ids = enc["input_ids"]
    lengths = sorted(len(x) for x in ids)
    unk = tokenizer.unk_token_id
    special = set(tokenizer.all_special_ids) - {unk}  # [UNK] counts as a (failed) word
    body = sum(1 for row in ids for t in row if t not in special)
    unks = sum(1 for row in ids for t in row if t == unk) if unk is not None else 0
    n = len(lengths) or 1
    stats = LengthStats(
        rows=len(texts), sampled=sampled, lengths=[len(x) for x in ids],
        mean=sum(lengths) / n, median=float(lengths[n // 2]) if lengths else 0.0,
        p95=lengths[min(n - 1, int(n * 0.95))] if lengths else 0,
        max=lengths[-1] if lengths else 0, max_length=max_length,
        truncated=sum(1 for x in lengths if x > max_length),
        unk_share=unks / body if body else 0.0, script=detect_script(first))
    stats.warnings = language_warnings(stats, languages)
    if stats.truncated:
        share = stats.truncated / n
        stats.warnings.append(f"{stats.truncated} of {n} rows ({share:.0%}) are longer than "
                              f"{max_length} tokens and will be cut. Raise max length if the "
                              "end of the text matters.")
    return stats


def language_warnings(stats: LengthStats, languages: tuple[str, ...]) -> list[str]:
    out = []
    if stats.unk_share >= UNK_WARN_SHARE:
        out.append(f"{stats.unk_share:.0%} of the tokens are [UNK] (unknown to this "
                   "checkpoint): it probably does not know this text's language. Choose a "
                   "checkpoint for that language.")
    wanted = SCRIPT_LANGS.get(stats.script)
    if wanted and languages and not set(wanted) & set(languages) and "multilingual" not in \
            languages:
        out.append(f"The text is mostly {stats.script} script, but this checkpoint was trained "
                   f"on {', '.join(languages)}. A {stats.script} or multilingual checkpoint "
                   "will learn much better.")
    return out


SUGGESTED_CHECKPOINTS = {
    "Latin": ["builtin:minilm-l6", "distilbert/distilbert-base-uncased",
              "google-bert/bert-base-uncased"],
    "Korean (Hangul)": ["klue/bert-base", "FacebookAI/xlm-roberta-base",
                        "google-bert/bert-base-multilingual-cased"],
    "Chinese (Han)": ["google-bert/bert-base-chinese", "hfl/chinese-roberta-wwm-ext",
                      "FacebookAI/xlm-roberta-base"],
    "Japanese": ["tohoku-nlp/bert-base-japanese-v3", "FacebookAI/xlm-roberta-base"],
}


def suggest_checkpoints(script: str) -> list[str]:
    """Checkpoints that fit the detected script; multilingual ones for anything else."""
    return SUGGESTED_CHECKPOINTS.get(script, ["FacebookAI/xlm-roberta-base",
                                              "google-bert/bert-base-multilingual-cased"])
