#!/usr/bin/env python3
"""Build the `support-imbalanced` sample from the balanced `support` sample.

train.jsonl keeps, for each label, the FIRST N rows in file order
(billing 98, shipping 60, technical 30, account 16, returns 10), so the largest
class is 9.8 times the smallest. test.jsonl is copied unchanged (25 rows per
class) so that macro-F1 on the test split stays meaningful.

Standard library only and deterministic: the same input gives byte-identical output.

Usage: python3 tools/make_support_imbalanced.py [SOURCE_DIR] [DEST_DIR]
"""

import json
import os
import shutil
import sys

SAMPLES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "engine", "data", "samples"
)
DEFAULT_SRC = os.path.join(SAMPLES, "support")
DEFAULT_DST = os.path.join(SAMPLES, "support-imbalanced")
KEEP = {"billing": 98, "shipping": 60, "technical": 30, "account": 16, "returns": 10}


def main(argv):
    src = argv[1] if len(argv) > 1 else DEFAULT_SRC
    dst = argv[2] if len(argv) > 2 else DEFAULT_DST
    os.makedirs(dst, exist_ok=True)

    kept, seen = [], {label: 0 for label in KEEP}
    with open(os.path.join(src, "train.jsonl"), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            label = json.loads(line)["label"]
            if label not in KEEP:
                raise SystemExit(f"unexpected label {label!r} in {src}/train.jsonl")
            if seen[label] < KEEP[label]:
                seen[label] += 1
                kept.append(line if line.endswith("\n") else line + "\n")
    short = {k: (seen[k], n) for k, n in KEEP.items() if seen[k] < n}
    if short:
        raise SystemExit(f"source has too few rows for: {short}")

    with open(os.path.join(dst, "train.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(kept)
    shutil.copyfile(os.path.join(src, "test.jsonl"), os.path.join(dst, "test.jsonl"))
    print(f"wrote {len(kept)} train rows {seen} and copied test.jsonl to {dst}")


if __name__ == "__main__":
    main(sys.argv)
