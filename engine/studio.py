"""``Studio``: the engine's front door, used by the UI and the CLI alike.

It owns the run store, the runner and the inference cache, and takes the two seams tests use to
inject fakes: ``loader`` (where data comes from) and ``model_factory`` (how a model is built).
Every method takes or returns plain values and dataclasses; nothing here knows about widgets.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import RunConfig
from .data import Loader, RawData, load_raw, raw_key
from .errors import DataError, InferenceError, RunError
from .estimate import Estimate, preflight
from .events import Event
from .guidance import guidance
from .inference import Inference, Target
from .inspection import DataView, inspect, store_upload
from .models import ModelFactory, load_model, load_tokenizer, resolve, untrained_mlm_head
from .padding import BatchDemo, PadStats, batch_demo, epoch_padding, make_collator
from .paths import runs_root
from .policy import Policy
from .prepare import Prepared, prepare
from .runner import Runner
from .runs import RunHandle, RunStore
from .tokens import LengthStats, TokenRow, length_stats, tokenize_rows


class Studio:
    def __init__(self, root: Path | None = None, loader: Loader = load_raw,
                 model_factory: ModelFactory = load_model, policy: Policy | None = None,
                 disk_free: Callable[[Path], int] | None = None) -> None:
        self.store = RunStore(root or runs_root())
        self.policy = policy or Policy.from_env()
        extra = {"disk_free": disk_free} if disk_free else {}
        self.runner = Runner(self.store, loader, model_factory, self.policy, **extra)
        self.inference = Inference()
        self._loader = loader
        self._raw: OrderedDict[tuple[Any, ...], RawData] = OrderedDict()
        self._tokenizers: dict[str, Any] = {}
        self._lock = threading.Lock()

    # --- data ----------------------------------------------------------------------------------
    def raw_data(self, cfg: RunConfig) -> RawData:
        if self.policy.public and cfg.data_source == "file":
            uploads = (self.store.root / "uploads").resolve()
            files = [p for p in cfg.dataset.split(os.pathsep) if p.strip()]
            if any(uploads not in Path(p).expanduser().resolve().parents for p in files):
                raise DataError("On this shared server, data files come from the upload "
                                "button only.")
        key = raw_key(cfg)
        with self._lock:
            if key in self._raw:
                self._raw.move_to_end(key)
                return self._raw[key]
        raw = self._loader(*key)
        with self._lock:
            self._raw[key] = raw
            while len(self._raw) > 4:
                self._raw.popitem(last=False)
        return raw

    def prepared(self, cfg: RunConfig) -> Prepared:
        return prepare(self.raw_data(cfg), cfg, self.policy.max_train_rows)

    def inspect(self, cfg: RunConfig) -> DataView:
        return inspect(self.raw_data(cfg), cfg, max_train_rows=self.policy.max_train_rows)

    def store_upload(self, path: str) -> str:
        return str(store_upload(Path(path), self.store.root / "uploads"))

    def estimate(self, cfg: RunConfig) -> Estimate:
        return preflight(self, cfg)

    def guidance(self, run_id: str) -> list[dict[str, Any]]:
        return guidance(self.events_since(run_id, 0))

    # --- tokens and padding ----------------------------------------------------------------
    def tokenizer(self, checkpoint: str) -> Any:
        if checkpoint not in self._tokenizers:
            self._tokenizers[checkpoint] = load_tokenizer(resolve(checkpoint, self.store.root))
        return self._tokenizers[checkpoint]

    def languages(self, checkpoint: str) -> tuple[str, ...]:
        return resolve(checkpoint, self.store.root).languages

    def token_view(self, cfg: RunConfig, texts: list[str],
                   pairs: list[str] | None = None) -> list[TokenRow]:
        if not texts or not all((t or "").strip() for t in texts):
            raise DataError("Type a sentence to see its tokens.")
        return tokenize_rows(self.tokenizer(cfg.checkpoint), texts, pairs, cfg.max_length)

    def length_stats(self, cfg: RunConfig, split: str = "train") -> LengthStats:
        data = self.prepared(cfg).splits[split]
        pairs = data["text_pair"] if "text_pair" in data.column_names else None
        return length_stats(self.tokenizer(cfg.checkpoint), list(data["text"]),
                            list(pairs) if pairs is not None else None, cfg.max_length,
                            self.languages(cfg.checkpoint), seed=cfg.seed)

    def batch_demo(self, cfg: RunConfig, rows: list[int] | None = None) -> BatchDemo:
        """A real batch of ``batch_size`` rows (or the given row numbers) through the collator."""
        data = self.prepared(cfg).splits["train"]
        rows = rows or list(range(min(cfg.batch_size, len(data), 16)))
        if any(not 0 <= r < len(data) for r in rows):
            raise DataError(f"Row numbers must be between 0 and {len(data) - 1}.")
        tokenizer = self.tokenizer(cfg.checkpoint)
        picked = data.select(rows)
        args = (list(picked["text"]), list(picked["text_pair"])) \
            if "text_pair" in picked.column_names else (list(picked["text"]),)
        enc = tokenizer(*args, truncation=True, max_length=cfg.max_length)
        features = [{k: enc[k][i] for k in enc} for i in range(len(rows))]
        collator = make_collator(tokenizer, "classification", cfg.padding, cfg.max_length)
        return batch_demo(tokenizer, features, collator)

    def epoch_padding(self, cfg: RunConfig) -> dict[str, PadStats]:
        stats = self.length_stats(cfg)
        return epoch_padding(stats.lengths, cfg.batch_size, cfg.max_length, cfg.seed)

    # --- runs ----------------------------------------------------------------------------------
    def start(self, cfg: RunConfig, owner: str | None = None) -> str:
        """Unusable data (one class, no rows, missing column...) is refused here, before a run
        folder exists or a queue place is taken; the data is usually cached from the preview."""
        self.prepared(cfg)
        return self.runner.start(cfg, owner)

    def resume(self, run_id: str, owner: str | None = None) -> str:
        return self.runner.resume(run_id, owner)

    def stop(self, run_id: str | None = None, owner: str | None = None) -> bool:
        return self.runner.stop(run_id, owner)

    def events_since(self, run_id: str, seq: int = 0) -> list[Event]:
        return self.runner.events_since(run_id, seq)

    def runs(self, owner: str | None = None) -> list[RunHandle]:
        """Every run; in public mode only ``owner``'s (visitors do not see each other's)."""
        handles = self.store.list()
        if self.policy.public:
            handles = [h for h in handles if h.status().get("owner") == owner]
        return handles

    def run(self, run_id: str, owner: str | None = None, check: bool = False) -> RunHandle:
        """A run's folder; with ``check`` the public-mode owner rule applies (read access)."""
        handle = self.store.get(run_id)
        if check:
            self.runner.authorize(handle, owner, "open")
        return handle

    def delete(self, run_id: str, owner: str | None = None) -> None:
        handle = self.store.get(run_id)
        self.runner.authorize(handle, owner, "delete")
        if self.runner.active_run_id() == run_id or self.runner.queue_position(run_id):
            raise RunError("This run is training or waiting; stop it before deleting it.")
        self.store.delete(run_id)

    # --- share --------------------------------------------------------------------------------
    def export(self, run_id: str, style: str = "trainer", owner: str | None = None) -> Path:
        """``<run>/export-<style>/``: train.py, run.json, requirements.txt, data/."""
        import shutil

        from .export import export_run

        handle = self.run(run_id, owner, check=True)
        out = handle.folder / f"export-{style}"
        shutil.rmtree(out, ignore_errors=True)
        export_run(handle, out, style)
        return out

    def push(self, run_id: str, repo: str, token: str, private: bool = True,
             owner: str | None = None, endpoint: str | None = None) -> dict[str, Any]:
        from .share import push_run

        return push_run(self.run(run_id, owner, check=True), repo, token, private, endpoint)

    def model_card(self, run_id: str, owner: str | None = None) -> str:
        from .share import model_card

        return str(model_card(self.run(run_id, owner, check=True)))

    # --- try it --------------------------------------------------------------------------------
    def target(self, run_id: str, base: bool = False) -> Target:
        """The run's final model, or (``base=True``) the checkpoint it started from."""
        handle = self.store.get(run_id)
        cfg = handle.config
        labels = tuple(handle.label_names())
        if base:
            ref = resolve(cfg.checkpoint, self.store.root)
            return Target(ref.location, cfg.task if cfg.task == "mlm" else "classification",
                          f"the base checkpoint ({ref.display})", labels,
                          head_trained=not untrained_mlm_head(ref.location))
        if not (handle.model_dir / "config.json").is_file():
            raise InferenceError(f"Run '{run_id}' has no final model yet: let it finish (or "
                                 "resume it) first.")
        return Target(str(handle.model_dir), cfg.task, f"run {run_id}", labels,
                      head_trained=cfg.task == "mlm")

    def classify(self, run_id: str, texts: list[str], pairs: list[str] | None = None,
                 base: bool = False, owner: str | None = None) -> list[list[tuple[str, float]]]:
        self.run(run_id, owner, check=True)
        return self.inference.classify(self.target(run_id, base), texts, pairs)

    def fill_mask(self, run_id: str, text: str, top_k: int = 5, base: bool = False,
                  owner: str | None = None) -> list[tuple[str, float]]:
        self.run(run_id, owner, check=True)
        return self.inference.fill_mask(self.target(run_id, base), text, top_k)

    def fill_mask_checkpoint(self, checkpoint: str, text: str,
                             top_k: int = 5) -> list[tuple[str, float]]:
        ref = resolve(checkpoint, self.store.root)
        target = Target(ref.location, "mlm", ref.display,
                        head_trained=not untrained_mlm_head(ref.location))
        return self.inference.fill_mask(target, text, top_k)
