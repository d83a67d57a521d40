"""Turn raw splits into clean ``train``/``validation``/``test`` splits with standard columns.

Output columns are always ``text`` (+ ``text_pair`` for pairs) and a ``label`` for the labelled
tasks: a ClassLabel for classification (its names become the model's ``id2label``), a
multi-hot row of floats for multi-label (names in ``label_names``), a float for regression.
Every row dropped is counted and every silent-looking decision is written to
``report.warnings`` in plain words, because a user who cannot read code can only trust what the
studio tells them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config import LABELLED_TASKS, RunConfig
from ..errors import DataError
from ..messages import Phrase
from .columns import guess_columns
from .labels import (
    LabelReader,
    check_learnable,
    class_counts,
    class_names,
    column_values,
    is_missing,
    label_reader,
    label_sets,
    short,
    warn_imbalance,
)
from .sources import SPLIT_ALIASES, RawData, raw_key

MAX_CHARS = 20_000  # longer cells are cut before tokenizing (a 1M-character cell would stall it)
MIN_TRAIN_ROWS = 8
MIN_ROWS_FOR_TEST = 100  # below this a held-out test split would be a handful of rows


@dataclass
class DataReport:
    source: str
    rows: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    label_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    validation_carved: bool = False
    test_carved: bool = False


@dataclass
class Prepared:
    splits: Any  # datasets.DatasetDict with train, validation and maybe test
    task: str
    text_column: str
    text_pair_column: str | None
    label_column: str | None
    label_names: list[str] | None  # classes (classification, multi-label); None otherwise
    report: DataReport
    label_separator: str | None = None  # multi-label: how a row's labels were joined

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names or []))


def _find_split(splits: Any, wanted: str | None, role: str) -> str | None:
    if wanted is not None:
        if wanted not in splits:
            raise DataError("data.no_such_split", split=wanted, splits=", ".join(splits))
        return wanted
    return next((name for name in splits if name.lower() in SPLIT_ALIASES[role]), None)


# The RunConfig fields prepare() reads, besides the data's own (``data.raw_key``): the key of the
# studio's cache of prepared data. A test records every field prepare() touches and checks
# that it is listed here, so a new setting cannot be forgotten in the key.
PREPARE_FIELDS = ("task", "train_split", "eval_split", "test_split", "text_column",
                  "text_pair_column", "label_column", "max_rows", "validation_fraction",
                  "test_fraction", "seed")


def prepare_key(cfg: RunConfig, max_train_rows: int | None = None) -> tuple[Any, ...]:
    return (raw_key(cfg), tuple(getattr(cfg, name) for name in PREPARE_FIELDS), max_train_rows)


def prepare(raw: RawData, cfg: RunConfig, max_train_rows: int | None = None) -> Prepared:
    """``max_train_rows``: the server's quota (public mode); applied like a row limit."""
    splits = raw.splits
    report = DataReport(source=raw.source, warnings=list(raw.warnings))
    train_name = _find_split(splits, cfg.train_split, "train")
    if train_name is None:
        raise DataError("data.no_train_split", splits=", ".join(splits))
    eval_name = _find_split(splits, cfg.eval_split, "validation")
    test_name = _find_split(splits, cfg.test_split, "test")
    if test_name == train_name or test_name == eval_name:
        test_name = None

    text, pair, label = _resolve_columns(raw, splits[train_name], cfg, report)
    used = [n for n in (train_name, eval_name, test_name) if n is not None]
    separator = None
    if cfg.task == "multilabel":
        separator, names = label_sets(splits, used, label, raw.meta, report)
    elif cfg.task == "classification":
        names = class_names(splits, used, label, raw.meta, report)
    else:
        names = None
    reader = label_reader(cfg.task, splits[train_name].features[label] if label else None,
                           names, separator) if label else None
    cleaned = {}
    for role, name in (("train", train_name), ("validation", eval_name), ("test", test_name)):
        if name is not None:
            cleaned[role] = _clean(splits[name], role, text, pair, label, reader, report)
    if cleaned["train"] is None or len(cleaned["train"]) == 0:
        raise DataError("data.no_usable_rows")
    if len(cleaned["train"]) < MIN_TRAIN_ROWS:
        raise _too_few(len(cleaned["train"]))
    check_learnable(cfg.task, cleaned["train"], names)
    limits = [n for n in (cfg.max_rows, max_train_rows) if n is not None]
    if limits and len(cleaned["train"]) > min(limits):
        cap = min(limits)
        cleaned["train"] = cleaned["train"].shuffle(seed=cfg.seed).select(range(cap))
        why = "row limit" if cap == cfg.max_rows else "this shared server's quota"
        report.warnings.append(f"Using {cap:,} of the training rows ({why}).")
    if cleaned.get("test") is not None and len(cleaned["test"]) == 0:
        report.warnings.append("The test split has no labelled rows (as in GLUE's test set), "
                               "so it is not used.")
        cleaned.pop("test")
    if cleaned.get("test") is None:
        if len(cleaned["train"]) >= MIN_ROWS_FOR_TEST and cfg.test_fraction > 0:
            cleaned["train"], cleaned["test"] = _carve(cleaned["train"], cfg, report, "test")
        else:
            report.warnings.append(f"No test split, and {len(cleaned['train'])} training rows "
                                   f"are too few to hold one out (it takes {MIN_ROWS_FOR_TEST})"
                                   ": the final score is on the validation split.")
    if cleaned.get("validation") is None or len(cleaned["validation"]) == 0:
        cleaned["train"], cleaned["validation"] = _carve(cleaned["train"], cfg, report,
                                                         "validation")
    if len(cleaned["train"]) < MIN_TRAIN_ROWS:
        raise _too_few(len(cleaned["train"]))
    from datasets import DatasetDict

    final = DatasetDict({k: v for k, v in cleaned.items() if v is not None})
    report.rows = {k: len(v) for k, v in final.items()}
    if names is not None:
        report.label_counts = {k: class_counts(v, names) for k, v in final.items()}
        unseen = [n for n in names if report.label_counts["train"][n] == 0 and any(
            counts[n] for split, counts in report.label_counts.items() if split != "train")]
        if unseen:
            report.warnings.append(f"Labels {short(unseen)} appear in the evaluation data "
                                   "but never in training: the model cannot learn them.")
        if cfg.task == "classification":
            warn_imbalance(report.label_counts["train"], report)
    return Prepared(final, cfg.task, text, pair, label, names, report, separator)


def _too_few(rows: int) -> DataError:
    return DataError("data.too_few_rows" if rows != 1 else "data.too_few_rows_one", rows=rows,
                     minimum=MIN_TRAIN_ROWS)


def _resolve_columns(raw: RawData, train: Any, cfg: RunConfig,
                     report: DataReport) -> tuple[str, str | None, str | None]:
    meta = raw.meta
    guess = guess_columns(train, cfg.task)
    text = cfg.text_column or meta.get("text_column") or guess.text
    pair = cfg.text_pair_column or (meta.get("text_pair_column") or guess.text_pair
                                    if cfg.text_column is None and cfg.task != "mlm" else None)
    label = (cfg.label_column or meta.get("label_column") or guess.label
             if cfg.task in LABELLED_TASKS else None)
    if not cfg.text_column and not meta:
        report.reasons.extend(r for r in guess.reasons if cfg.task in LABELLED_TASKS
                              or r.startswith("Text:"))
    columns = list(train.features)
    listed = ", ".join(columns)
    for role, column in (("word.text", text), ("word.second_text", pair), ("word.label", label)):
        if column is not None and column not in columns:
            raise DataError("data.column_missing", role=Phrase(role), column=column,
                            columns=listed)
    if text is None:
        raise DataError("data.no_text_column", columns=listed)
    for role, column in (("word.text", text), ("word.second_text", pair)):
        dtype = getattr(train.features[column], "dtype", None) if column is not None else None
        if column is not None and dtype is None:
            raise DataError("data.column_not_text_values", role=Phrase(role), column=column)
        if column is not None and dtype not in ("string", "large_string"):
            raise DataError("data.column_not_text", role=Phrase(role), column=column,
                            dtype=dtype)
    if cfg.task in LABELLED_TASKS and label is None:
        raise DataError("data.no_label_found")
    if label is not None and label in (text, pair):
        raise DataError("data.label_is_text", column=label)
    return text, pair, label


def _clean(split: Any, role: str, text: str, pair: str | None, label: str | None,
           reader: LabelReader | None, report: DataReport) -> Any:
    from datasets import Dataset, Features, Value

    columns = {c: column_values(split, c) for c in (text, pair, label) if c}
    out: dict[str, list[Any]] = {"text": [], "text_pair": [], "label": []}
    empty = missing = cut = 0
    for i in range(len(split)):
        first = columns[text][i]
        second = columns[pair][i] if pair else ""
        if is_missing(first) or (pair and is_missing(second)):
            empty += 1
            continue
        if label and reader:
            value = reader.read(columns[label][i])
            if value is None:
                missing += 1
                continue
            out["label"].append(value)
        cut += len(first) > MAX_CHARS or (pair is not None and len(second) > MAX_CHARS)
        out["text"].append(first.strip()[:MAX_CHARS])
        out["text_pair"].append(second.strip()[:MAX_CHARS] if pair else None)
    report.dropped[role] = {"empty text": empty, "missing label": missing}
    if empty or missing:
        report.warnings.append(f"{role}: dropped {empty + missing} of {len(split)} rows "
                               f"({empty} with empty text, {missing} without a usable label).")
    if cut:
        report.warnings.append(f"{role}: {cut} very long texts were cut to {MAX_CHARS:,} "
                               "characters.")
    spec: dict[str, Any] = {"text": Value("string")}
    if pair:
        spec["text_pair"] = Value("string")
    else:
        out.pop("text_pair")
    if label and reader:
        spec["label"] = reader.feature
    else:
        out.pop("label")
    return Dataset.from_dict(out, features=Features(spec))


def _carve(train: Any, cfg: RunConfig, report: DataReport, role: str) -> tuple[Any, Any]:
    """A held-out split from the training rows: seeded, and stratified by label so a rare
    class is in both parts. A test split is carved first, so validation never overlaps it."""
    fraction = cfg.test_fraction if role == "test" else cfg.validation_fraction
    setattr(report, f"{role}_carved", True)
    size = max(1, round(len(train) * fraction))
    if len(train) - size < MIN_TRAIN_ROWS:
        raise DataError("data.too_few_to_set_aside", rows=len(train),
                        role=Phrase("word.test" if role == "test" else "word.validation"),
                        minimum=MIN_TRAIN_ROWS + 2)
    stratify = "label" if cfg.task == "classification" else None  # one class per row only
    try:
        parts = _split(train, size, cfg.seed, stratify)
    except ValueError:  # a class with a single row cannot be split in proportion
        parts = train.train_test_split(test_size=size, seed=cfg.seed)
        report.warnings.append(f"Some classes are too rare to split evenly; the {role} rows "
                               "were picked at random.")
    report.warnings.append(f"No {role} split: {size} training rows ({fraction:.0%}) were set "
                           f"aside for {role} (seed {cfg.seed}"
                           + (", keeping the label proportions)." if stratify else ")."))
    return parts["train"], parts["test"]


def _split(train: Any, size: int, seed: int, stratify: str | None) -> dict[str, Any]:
    """``Dataset.train_test_split`` with the same rows out, faster: datasets reads the stratify
    column with ``np.asarray`` over a lazy column (row by row, 14 s for 100,000 rows); here
    the labels are read in one conversion and handed to the same index generator and seed."""
    import numpy as np
    from datasets.utils.stratify import stratified_shuffle_split_generate_indices

    if stratify is None:
        return dict(train.train_test_split(test_size=size, seed=seed))
    labels = np.asarray(column_values(train, stratify))
    try:
        train_idx, test_idx = next(stratified_shuffle_split_generate_indices(
            labels, len(train) - size, size, rng=np.random.default_rng(seed)))
    except ValueError as exc:  # "Minimum class count error": a class with one row
        raise ValueError(str(exc)) from None
    return {"train": train.select(train_idx), "test": train.select(test_idx)}
