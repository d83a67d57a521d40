#!/usr/bin/env python3
"""Validate the staged sample datasets and print the statistics used in their data cards.

Checks `topics` (multi-label), `ratings` (regression) and `support-imbalanced`
(classification) against the rules they were built to, and prints markdown
tables. If a folder's README.md exists, every printed table row must appear in
it verbatim, so the cards cannot drift from the files.

Standard library only. Exit status 0 when every check passes, 1 otherwise.

Usage: python3 tools/check_samples.py [SAMPLES_DIR] [SUPPORT_DIR]
"""

import itertools
import json
import os
import re
import statistics
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "engine", "data", "samples")
ROOT = sys.argv[1] if len(sys.argv) > 1 else SAMPLES
SUPPORT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SAMPLES, "support")
TOPICS = ["account", "billing", "returns", "shipping", "technical"]
SCORES = [1.0 + 0.5 * i for i in range(9)]
KEEP = {"billing": 98, "shipping": 60, "technical": 30, "account": 16, "returns": 10}
SPLITS = ("train", "test")

errors = []
card_lines = {}  # dataset -> table rows that must appear in its README


def fail(msg):
    errors.append(msg)
    print("  FAIL:", msg)


def ok(cond, msg):
    if not cond:
        fail(msg)
    return cond


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                fail(f"{path}:{n} blank line")
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                fail(f"{path}:{n} bad JSON: {e}")
    return rows


def words(t):
    return len(t.split())


def norm(t):
    """Lowercase, drop punctuation, collapse whitespace: catches near-exact copies."""
    return " ".join(re.sub(r"[^\w\s]", " ", t.lower()).split())


def emit(name, line):
    print(line)
    card_lines.setdefault(name, []).append(line)


def fmt(x):
    return f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def length_table(name, data):
    emit(name, "| split | min | median | mean | max |")
    emit(name, "|-------|----:|-------:|-----:|----:|")
    for s in SPLITS:
        w = [words(r["text"]) for r in data[s]]
        emit(
            name,
            f"| {s} | {min(w)} | {fmt(float(statistics.median(w)))} | {statistics.mean(w):.1f} | {max(w)} |",
        )
    w = [words(r["text"]) for s in SPLITS for r in data[s]]
    buckets = [(1, 5), (6, 15), (16, 35), (36, 60), (61, 90)]
    parts = [f"{lo}-{hi} words: {sum(lo <= x <= hi for x in w)}" for lo, hi in buckets]
    print("  length buckets (both splits): " + ", ".join(parts))


def check_texts(name, data, min_w, max_w, support_texts):
    for s in SPLITS:
        texts = [r["text"] for r in data[s]]
        for t in texts:
            ok(
                isinstance(t, str) and t == t.strip() and t,
                f"{name}/{s}: empty or padded text {t!r}",
            )
            ok(
                min_w <= words(t) <= max_w,
                f"{name}/{s}: {words(t)} words (allowed {min_w}-{max_w}): {t[:60]!r}",
            )
        dup = [t for t, c in Counter(norm(t) for t in texts).items() if c > 1]
        ok(not dup, f"{name}/{s}: duplicate texts within split: {dup[:3]}")
    cross = {norm(r["text"]) for r in data["train"]} & {norm(r["text"]) for r in data["test"]}
    ok(not cross, f"{name}: texts in both train and test: {sorted(cross)[:3]}")
    if support_texts is not None:
        both = {norm(r["text"]) for s in SPLITS for r in data[s]} & support_texts
        ok(not both, f"{name}: texts copied from the support sample: {sorted(both)[:3]}")
    # near duplicates: same word set overlap >= 0.8 (reported, counted as failure)
    allrows = [(s, r["text"]) for s in SPLITS for r in data[s]]
    sets = [(s, t, set(norm(t).split())) for s, t in allrows]
    near = []
    for (_s1, t1, a), (_s2, t2, b) in itertools.combinations(sets, 2):
        if len(a) >= 4 and len(b) >= 4 and len(a & b) / len(a | b) >= 0.8:
            near.append((t1, t2))
    ok(not near, f"{name}: {len(near)} near-duplicate pairs, e.g. {near[:2]}")
    print(
        "  no duplicates within or across splits (exact, normalised, or >=80% word overlap)"
        + (", none shared with the support sample" if support_texts is not None else "")
    )


def check_sizes(name, data, bounds):
    for split, (low, high) in bounds.items():
        ok(low <= len(data[split]) <= high,
           f"{name}: {split} has {len(data[split])} rows (want {low} to {high})")


def check_meta(name, expect):
    path = os.path.join(ROOT, name, "meta.json")
    if not ok(os.path.exists(path), f"{name}: meta.json missing"):
        return
    meta = json.load(open(path, encoding="utf-8"))
    for k, v in expect.items():
        ok(meta.get(k) == v, f"{name}/meta.json: {k} = {meta.get(k)!r}, expected {v!r}")
    ok(
        isinstance(meta.get("description"), str) and len(meta["description"]) > 20,
        f"{name}/meta.json: description missing or too short",
    )
    extra = set(meta) - set(expect) - {"description"}
    ok(not extra, f"{name}/meta.json: unexpected keys {sorted(extra)}")


def check_card(name):
    path = os.path.join(ROOT, name, "README.md")
    if not os.path.exists(path):
        print(f"  (no {name}/README.md yet; card check skipped)")
        return
    card = open(path, encoding="utf-8").read()
    missing = [lab for lab in card_lines.get(name, []) if lab not in card]
    ok(
        not missing,
        f"{name}/README.md lacks {len(missing)} computed table rows, e.g. {missing[:2]}",
    )
    for word in ("CC0-1.0", "Personal data", "Intended use", "Limitations", "## Size"):
        ok(word in card, f"{name}/README.md has no {word!r}")
    if not missing:
        print(f"  README.md contains all {len(card_lines.get(name, []))} computed table rows")


def support_texts():
    out = set()
    for s in SPLITS:
        p = os.path.join(SUPPORT, f"{s}.jsonl")
        if ok(os.path.exists(p), f"support sample not found at {p}"):
            out |= {norm(r["text"]) for r in load(p)}
    return out


def sample_splits(name):
    """Announce a sample's check and read its splits."""
    print(f"\n=== {name} ===")
    return {s: load(os.path.join(ROOT, name, f"{s}.jsonl")) for s in SPLITS}


def check_topics(sup):
    name = "topics"
    data = sample_splits(name)
    for s in SPLITS:
        for r in data[s]:
            ok(set(r) == {"text", "labels"}, f"{name}/{s}: keys {sorted(r)}")
            labs = r.get("labels")
            ok(
                isinstance(labs, list)
                and 1 <= len(labs) <= 3
                and len(set(labs)) == len(labs)
                and all(lab in TOPICS for lab in labs)
                and labs == sorted(labs),
                f"{name}/{s}: bad labels {labs!r}",
            )
    check_sizes(name, data, {"train": (380, 420), "test": (90, 110)})
    check_texts(name, data, 3, 80, sup)

    print("rows per number of labels:")
    emit(name, "| split | 1 label | 2 labels | 3 labels | total |")
    emit(name, "|-------|--------:|---------:|---------:|------:|")
    for s in SPLITS + ("all",):
        rows = data["train"] + data["test"] if s == "all" else data[s]
        c = Counter(len(r["labels"]) for r in rows)
        n = len(rows)
        emit(
            name,
            f"| {s} | {c[1]} ({100 * c[1] / n:.0f}%) | {c[2]} ({100 * c[2] / n:.0f}%) | {c[3]} ({100 * c[3] / n:.0f}%) | {n} |",
        )
        if s != "all":
            for k, target in ((1, 45), (2, 40), (3, 15)):
                ok(
                    abs(100 * c[k] / n - target) <= 5,
                    f"{name}/{s}: {k}-label share {100 * c[k] / n:.1f}% (target {target}%)",
                )
    print("rows carrying each label (a row can carry several):")
    emit(name, "| split | " + " | ".join(TOPICS) + " | labels per row |")
    emit(name, "|-------|" + "--------:|" * len(TOPICS) + "---------------:|")
    for s in SPLITS + ("all",):
        rows = data["train"] + data["test"] if s == "all" else data[s]
        n = len(rows)
        c = Counter(lab for r in rows for lab in r["labels"])
        cells = [f"{c[t]} ({100 * c[t] / n:.0f}%)" for t in TOPICS]
        emit(name, f"| {s} | " + " | ".join(cells) + f" | {sum(c.values()) / n:.2f} |")
        if s != "all":
            for t in TOPICS:
                ok(
                    c[t] / n >= 0.20,
                    f"{name}/{s}: {t} in only {100 * c[t] / n:.1f}% of rows (need >= 20%)",
                )
    combos = Counter(" + ".join(r["labels"]) for s in SPLITS for r in data[s])
    print(
        "  label combinations (both splits): "
        + ", ".join(
            f"{k}: {v}" for k, v in sorted(combos.items(), key=lambda kv: (kv[0].count("+"), kv[0]))
        )
    )
    print("text length in words:")
    length_table(name, data)
    check_meta(
        name,
        {
            "title": "Customer-support topics, several per message (multi-label)",
            "task": "multilabel",
            "text_column": "text",
            "label_column": "labels",
            "labels": TOPICS,
            "language": "en",
        },
    )
    check_card(name)


def check_ratings(sup):
    name = "ratings"
    data = sample_splits(name)
    for s in SPLITS:
        for r in data[s]:
            ok(set(r) == {"text", "score"}, f"{name}/{s}: keys {sorted(r)}")
            sc = r.get("score")
            ok(
                isinstance(sc, float) and 1.0 <= sc <= 5.0 and (sc * 2).is_integer(),
                f"{name}/{s}: bad score {sc!r}",
            )
    check_sizes(name, data, {"train": (450, 510), "test": (110, 130)})
    check_texts(name, data, 4, 60, sup)

    print("rows per score:")
    emit(name, "| split | " + " | ".join(f"{v:.1f}" for v in SCORES) + " | total | mean | median |")
    emit(name, "|-------|" + "----:|" * len(SCORES) + "------:|-----:|-------:|")
    for s in SPLITS + ("all",):
        rows = data["train"] + data["test"] if s == "all" else data[s]
        sc = [r["score"] for r in rows]
        c = Counter(sc)
        emit(
            name,
            f"| {s} | "
            + " | ".join(str(c[v]) for v in SCORES)
            + f" | {len(rows)} | {statistics.mean(sc):.2f} | {statistics.median(sc):.1f} |",
        )
        if s != "all":
            need = 25 if s == "train" else 6
            for v in SCORES:
                ok(c[v] >= need, f"{name}/{s}: score {v} appears {c[v]} times (need >= {need})")
            ok(
                max(c.values()) <= 1.5 * min(c[v] for v in SCORES),
                f"{name}/{s}: score distribution not roughly flat",
            )
    print("text length in words:")
    length_table(name, data)
    check_meta(
        name,
        {
            "title": "Review ratings, 1 to 5 (regression)",
            "task": "regression",
            "text_column": "text",
            "label_column": "score",
            "language": "en",
        },
    )
    check_card(name)


def check_imbalanced():
    name = "support-imbalanced"
    data = sample_splits(name)
    src = {s: load(os.path.join(SUPPORT, f"{s}.jsonl")) for s in SPLITS}
    # train must be exactly the first N rows per label of the source, in source order
    expect, seen = [], Counter()
    for r in src["train"]:
        if seen[r["label"]] < KEEP[r["label"]]:
            seen[r["label"]] += 1
            expect.append(r)
    ok(
        data["train"] == expect,
        f"{name}: train.jsonl is not the first-N-per-label subset of the support train split",
    )
    ok(data["test"] == src["test"], f"{name}: test.jsonl differs from the support test split")
    for s in SPLITS:
        for r in data[s]:
            ok(set(r) == {"text", "label"} and r["label"] in TOPICS, f"{name}/{s}: bad row {r}")
    check_texts(name, data, 1, 200, None)
    c = Counter(r["label"] for r in data["train"])
    ok(dict(c) == KEEP, f"{name}: train counts {dict(c)} != {KEEP}")
    ok(max(c.values()) >= 3 * min(c.values()), f"{name}: largest class is not >= 3x the smallest")
    ct = Counter(r["label"] for r in data["test"])
    ok(len(set(ct.values())) == 1, f"{name}: test is not balanced: {dict(ct)}")
    order = ["billing", "shipping", "technical", "account", "returns"]
    print("rows per label:")
    emit(name, "| split | " + " | ".join(order) + " | total |")
    emit(name, "|-------|" + "--------:|" * len(order) + "------:|")
    for s in SPLITS + ("all",):
        rows = data["train"] + data["test"] if s == "all" else data[s]
        cc = Counter(r["label"] for r in rows)
        emit(name, f"| {s} | " + " | ".join(str(cc[lab]) for lab in order) + f" | {len(rows)} |")
    print(
        f"  train imbalance: largest/smallest = {max(c.values())}/{min(c.values())} = {max(c.values()) / min(c.values()):.1f}x"
    )
    n = len(data["train"])
    w = {lab: n / (len(order) * c[lab]) for lab in order}
    print("  'balanced' class weights n/(k*count): " + ", ".join(f"{lab} {w[lab]:.2f}" for lab in order))
    print("text length in words:")
    length_table(name, data)
    check_meta(
        name,
        {
            "title": "Customer-support topics, imbalanced (5 classes)",
            "task": "classification",
            "text_column": "text",
            "label_column": "label",
            "labels": TOPICS,
            "language": "en",
        },
    )
    check_card(name)


def check_cross_datasets():
    print("\n=== across datasets ===")
    seen = {}
    for name in ("topics", "ratings"):
        for s in SPLITS:
            for r in load(os.path.join(ROOT, name, f"{s}.jsonl")):
                k = norm(r["text"])
                ok(
                    k not in seen,
                    f"text appears in both {seen.get(k)} and {name}/{s}: {r['text'][:60]!r}",
                )
                seen[k] = f"{name}/{s}"
    print(f"  {len(seen)} texts in topics + ratings, no text shared between them")
    # and none copied from any other built-in sample next to the support sample (sentiment, ...)
    others = os.path.dirname(os.path.abspath(SUPPORT))
    n_other = 0
    for d in sorted(os.listdir(others)):
        if d in ("topics", "ratings", "support-imbalanced"):
            continue  # the samples checked here (support-imbalanced is support's subset)
        for s in SPLITS:
            p = os.path.join(others, d, f"{s}.jsonl")
            if not os.path.exists(p):
                continue
            for r in load(p):
                for field in ("text", "sentence1", "sentence2"):
                    if isinstance(r.get(field), str):
                        n_other += 1
                        k = norm(r[field])
                        ok(
                            k not in seen,
                            f"{seen.get(k)} text also in built-in sample {d}/{s}: {r[field][:60]!r}",
                        )
    print(
        f"  none of them appears among the {n_other} texts of the existing built-in samples in {others}"
    )


if __name__ == "__main__":
    sup = support_texts()
    check_topics(sup)
    check_ratings(sup)
    check_imbalanced()
    check_cross_datasets()
    print(f"\n{'ALL CHECKS PASSED' if not errors else f'{len(errors)} CHECK(S) FAILED'}")
    sys.exit(1 if errors else 0)
