"""Benchmark data: MRPC sentence pairs as JSONL folders both the engine and the seed recipe read.

Uses the raw MRPC files in ``../shared/data/mrpc`` (or ``$FTS_MRPC_DIR``) when they exist (the
train file split 90/10 into train/validation, stratified and seeded; the test file as test), and
the built-in paraphrase pairs otherwise, so it also runs on a machine without ``../shared``.
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = Path(os.environ.get("FTS_MRPC_DIR") or ROOT.parent / "shared" / "data" / "mrpc")


def _read_raw(path: Path) -> list[dict[str, object]]:
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)  # Quality, #1 ID, #2 ID, #1 String, #2 String
        for quality, _, _, first, second in reader:
            rows.append({"sentence1": first, "sentence2": second, "label": int(quality)})
    return rows


def _builtin() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    names = {"not_equivalent": 0, "equivalent": 1}
    splits = []
    for split in ("train", "test"):
        lines = (ROOT / "engine" / "data" / "samples" / "paraphrase" / f"{split}.jsonl").read_text()
        splits.append([{**row, "label": names[row["label"]]}
                       for row in map(json.loads, lines.splitlines())])
    return splits[0], splits[1]


def _write(folder: Path, splits: dict[str, list[dict[str, object]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        (folder / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def prepare(out: Path, seed: int = 42) -> dict[str, object]:
    """Write ``out/full`` (train/validation/test), ``out/throughput`` (train + a small
    validation split, so the engine's end-of-run scoring stays short) and ``out/mlm`` (the
    training sentences as a text corpus, for masked-LM). Returns a description."""
    if (RAW / "msr_paraphrase_train.txt").is_file():
        train = _read_raw(RAW / "msr_paraphrase_train.txt")
        test = _read_raw(RAW / "msr_paraphrase_test.txt")
        source = "MRPC (../shared/data/mrpc)"
    else:
        train, test = _builtin()
        source = "built-in paraphrase pairs (../shared/data/mrpc not found)"
    rng = random.Random(seed)
    by_label: dict[object, list[dict[str, object]]] = {}
    for row in train:
        by_label.setdefault(row["label"], []).append(row)
    validation: list[dict[str, object]] = []
    for rows in by_label.values():
        rng.shuffle(rows)
        validation += rows[: len(rows) // 10]
    held = {id(r) for r in validation}
    train_rows = [r for r in train if id(r) not in held]
    _write(out / "full", {"train": train_rows, "validation": validation, "test": test})
    _write(out / "throughput", {"train": train_rows, "validation": validation[:64]})
    sentences = [{"text": str(r[key])} for r in train_rows for key in ("sentence1", "sentence2")]
    held = [{"text": str(r[key])} for r in validation[:32] for key in ("sentence1", "sentence2")]
    _write(out / "mlm", {"train": sentences, "validation": held})
    return {"source": source, "train": len(train_rows), "validation": len(validation),
            "test": len(test), "full": str(out / "full"),
            "throughput": str(out / "throughput"), "mlm": str(out / "mlm")}
