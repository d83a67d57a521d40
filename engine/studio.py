"""``Studio``: the engine's front door, used by the UI and the CLI alike.

It owns the run store, the runner and the inference cache, and takes the two seams tests use to
inject fakes: ``loader`` (where data comes from) and ``model_factory`` (how a model is built).
Every method takes or returns plain values and dataclasses; nothing here knows about widgets.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import RunConfig
from .data.inspection import DataView, inspect, store_upload
from .data.labels import column_values
from .data.prepare import Prepared, prepare, prepare_key
from .data.sources import Loader, RawData, loader_for, raw_key
from .errors import DataError, NoFinalModel, RunConflict, RunError
from .hub import Hub
from .memo import Memo
from .modeling.checkpoints import (
    ModelFactory,
    load_model,
    load_tokenizer,
    resolve,
    untrained_mlm_head,
)
from .modeling.inference import Inference, Target
from .policy import Policy
from .settings import Settings
from .tokens.padding import BatchDemo, PadStats, batch_demo, epoch_padding, make_collator
from .tokens.view import LengthStats, TokenRow, length_stats, tokenize_rows
from .training.estimate import Estimate, preflight
from .training.events import Event
from .training.guidance import guidance
from .training.runner import Runner
from .training.runs import RunHandle, RunStore

if TYPE_CHECKING:  # numpy and torch load when first used, not when the page is served
    from .modeling.analysis import ErrorAnalysis
    from .training.lr_finder import LRFinderResult


class Studio:
    """``settings`` (built once by the entry point) decide everything the environment would;
    ``root`` and ``policy`` are shorthands tests use to change one part of them."""

    def __init__(self, settings: Settings | None = None, *, root: Path | None = None,
                 loader: Loader | None = None, model_factory: ModelFactory = load_model,
                 policy: Policy | None = None,
                 disk_free: Callable[[Path], int] | None = None) -> None:
        settings = settings or Settings()
        if root is not None:
            settings = settings.with_root(root)
        if policy is not None:
            settings = replace(settings, policy=policy)
        self.settings = settings
        self.policy = settings.policy
        self.hub = Hub(settings)
        self.store = RunStore(settings.ensure_root())
        extra = {"disk_free": disk_free} if disk_free else {}
        self.runner = Runner(self.store, loader or loader_for(settings), model_factory,
                             settings, **extra)
        self.runner.raw_data, self.runner.prepared = self.raw_data, self.prepared
        self.inference = Inference()
        self.memo = Memo()  # raw data, prepared splits, token lengths: each computed once
        self._tokenizers: dict[str, Any] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str], **seams: Any) -> Studio:
        """A studio on the settings ``env`` describes (``os.environ``, passed by the caller)."""
        return cls(Settings.from_env(env), **seams)

    # --- data ----------------------------------------------------------------------------------
    def raw_data(self, cfg: RunConfig) -> RawData:
        if self.policy.public and cfg.data_source == "file":
            uploads = (self.store.root / "uploads").resolve()
            files = [p for p in cfg.dataset.split(os.pathsep) if p.strip()]
            if any(uploads not in Path(p).expanduser().resolve().parents for p in files):
                raise DataError("data.uploads_only")
        key = raw_key(cfg)
        raw: RawData = self.memo.get("raw", key, lambda: self.runner.loader(*key))
        return raw

    def prepared(self, cfg: RunConfig) -> Prepared:
        """Cached by exactly the settings ``prepare`` reads (``prepare_key``): changing the
        learning rate does not prepare again; changing a column does."""
        rows = self.policy.max_train_rows
        done: Prepared = self.memo.get("prepared", prepare_key(cfg, rows),
                                       lambda: prepare(self.raw_data(cfg), cfg, rows))
        return done

    def inspect(self, cfg: RunConfig) -> DataView:
        return inspect(self.raw_data(cfg), cfg, max_train_rows=self.policy.max_train_rows,
                       prepared=lambda: self.prepared(cfg))

    def store_upload(self, path: str) -> str:
        return str(store_upload(Path(path), self.store.root / "uploads",
                                self.settings.max_upload_mb))

    def estimate(self, cfg: RunConfig) -> Estimate:
        return preflight(self, cfg)

    def guidance(self, run_id: str) -> list[dict[str, Any]]:
        return guidance(self.events_since(run_id, 0))

    # --- tokens and padding ----------------------------------------------------------------
    def tokenizer(self, checkpoint: str) -> Any:
        if checkpoint not in self._tokenizers:
            self._tokenizers[checkpoint] = load_tokenizer(resolve(checkpoint, self.settings))
        return self._tokenizers[checkpoint]

    def languages(self, checkpoint: str) -> tuple[str, ...]:
        return resolve(checkpoint, self.settings).languages

    def token_view(self, cfg: RunConfig, texts: list[str],
                   pairs: list[str] | None = None) -> list[TokenRow]:
        if not texts or not all((t or "").strip() for t in texts):
            raise DataError("data.type_a_sentence")
        return tokenize_rows(self.tokenizer(cfg.checkpoint), texts, pairs, cfg.max_length)

    def length_stats(self, cfg: RunConfig, split: str = "train") -> LengthStats:
        """Tokenizes the whole split: cached per (prepared data, checkpoint, max length)."""
        def compute() -> LengthStats:
            data = self.prepared(cfg).splits[split]
            pairs = column_values(data, "text_pair") if "text_pair" in data.column_names \
                else None
            return length_stats(self.tokenizer(cfg.checkpoint), column_values(data, "text"),
                                pairs, cfg.max_length,
                                self.languages(cfg.checkpoint), seed=cfg.seed)
        key = (prepare_key(cfg, self.policy.max_train_rows), split, cfg.checkpoint,
               cfg.max_length)
        stats: LengthStats = self.memo.get("lengths", key, compute)
        return stats

    def batch_demo(self, cfg: RunConfig, rows: list[int] | None = None) -> BatchDemo:
        """A real batch of ``batch_size`` rows (or the given row numbers) through the collator."""
        data = self.prepared(cfg).splits["train"]
        rows = rows or list(range(min(cfg.batch_size, len(data), 16)))
        if any(not 0 <= r < len(data) for r in rows):
            raise DataError("data.bad_rows", last=len(data) - 1)
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

    def find_learning_rate(self, cfg: RunConfig, owner: str | None = None,
                           progress: Callable[[int, int], None] | None = None,
                           stop: threading.Event | None = None) -> LRFinderResult:
        """The learning-rate range test (``training/lr_finder.py``) on a fresh copy of the
        run's model: nothing is written, no run folder exists. Precision is chosen as a run
        would (the measurement is cached, so the run that follows reuses it). On a shared server
        it waits for no one: it is refused while a training runs."""
        from .training.lr_finder import find_learning_rate
        from .training.trainer import choose_precision, tokenize_splits

        if self.policy.public and self.runner.active_run_id():
            raise RunConflict("run.busy_for_lr_finder")
        prepared = self.prepared(cfg)
        ref = resolve(cfg.checkpoint, self.settings)
        tokenizer = self.tokenizer(cfg.checkpoint)
        model = self.runner.model_factory(cfg.task, ref, prepared.label_names)
        train = tokenize_splits(prepared, tokenizer, cfg)["train"]
        lengths = [len(x) for x in train["input_ids"]]
        precision = choose_precision(cfg, model, train, lengths, tokenizer,
                                     self.store.root / ".cache", self.settings.cpu_caps)
        return find_learning_rate(cfg, prepared, tokenizer, model,
                                  precision=precision.precision, progress=progress, stop=stop)

    # --- runs ----------------------------------------------------------------------------------
    def start(self, cfg: RunConfig, owner: str | None = None) -> str:
        """Unusable data (one class, no rows, missing column...) is refused here, before a run
        folder exists or a queue place is taken; the data is usually cached from the preview.
        The checkpoint is checked against this studio's policy here too (a ``local:`` folder
        on a public server is refused before anything starts)."""
        resolve(cfg.checkpoint, self.settings)
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

    def finished_runs(self, owner: str | None = None) -> list[str]:
        """Runs with a final model to try, publish or export (``RunHandle.finished``)."""
        return [h.run_id for h in self.runs(owner) if h.finished]

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
            raise RunError("run.delete_active")
        self.store.delete(run_id)

    # --- share --------------------------------------------------------------------------------
    def export(self, run_id: str, style: str = "trainer", owner: str | None = None) -> Path:
        """``<run>/export-<style>/``: train.py, run.json, requirements.txt, data/."""
        import shutil

        from .share.standalone import export_run

        handle = self.run(run_id, owner, check=True)
        out = handle.folder / f"export-{style}"
        shutil.rmtree(out, ignore_errors=True)
        export_run(handle, out, style, self.prepared(handle.config),
                   resolve(handle.config.checkpoint, self.settings))
        return out

    def push(self, run_id: str, repo: str, token: str, private: bool = True,
             owner: str | None = None, endpoint: str | None = None) -> dict[str, Any]:
        from .share.push import push_run

        return push_run(self.run(run_id, owner, check=True), self.hub, repo, token, private,
                        endpoint)

    def model_card(self, run_id: str, owner: str | None = None) -> str:
        from .share.push import model_card

        return str(model_card(self.run(run_id, owner, check=True)))

    # --- try it --------------------------------------------------------------------------------
    def target(self, run_id: str, base: bool = False) -> Target:
        """The run's final model, or (``base=True``) the checkpoint it started from."""
        handle = self.store.get(run_id)
        cfg = handle.config
        labels = tuple(handle.label_names())
        if base:
            ref = resolve(cfg.checkpoint, self.settings)
            return Target(ref.location, cfg.task, f"the base checkpoint ({ref.display})", labels,
                          head_trained=not untrained_mlm_head(ref.location))
        if not handle.finished:
            raise NoFinalModel("run.no_final_model_resume", run_id=run_id)
        return Target(str(handle.model_dir), cfg.task, f"run {run_id}", labels,
                      head_trained=cfg.task == "mlm")

    def classify(self, run_id: str, texts: list[str], pairs: list[str] | None = None,
                 base: bool = False, owner: str | None = None) -> list[list[tuple[str, float]]]:
        self.run(run_id, owner, check=True)
        return self.inference.classify(self.target(run_id, base), texts, pairs)

    # --- error analysis ------------------------------------------------------------------------
    def error_analysis(self, run_id: str, owner: str | None = None) -> ErrorAnalysis:
        """The scored split's per-label table, confusion matrix (one class per row) and row
        count, from the finished run's files (``modeling/analysis.py``)."""
        from .modeling.analysis import ErrorAnalysis, read_rows

        handle = self.run(run_id, owner, check=True)
        if not handle.finished:
            raise NoFinalModel("run.no_final_model", run_id=run_id)
        return ErrorAnalysis.of(handle.config.task, handle.metrics(),
                                read_rows(handle.predictions_file))

    def mistakes(self, run_id: str, gold: str | None = None, predicted: str | None = None,
                 owner: str | None = None) -> list[dict[str, Any]]:
        """The scored split's wrong rows (one confusion-matrix cell when ``gold``/``predicted``
        are given), most confident first."""
        from .modeling.analysis import mistakes, read_rows

        handle = self.run(run_id, owner, check=True)
        return mistakes(read_rows(handle.predictions_file), gold, predicted)

    def fill_mask(self, run_id: str, text: str, top_k: int = 5, base: bool = False,
                  owner: str | None = None) -> list[tuple[str, float]]:
        self.run(run_id, owner, check=True)
        return self.inference.fill_mask(self.target(run_id, base), text, top_k)

    def fill_mask_checkpoint(self, checkpoint: str, text: str,
                             top_k: int = 5) -> list[tuple[str, float]]:
        ref = resolve(checkpoint, self.settings)
        target = Target(ref.location, "mlm", ref.display,
                        head_trained=not untrained_mlm_head(ref.location))
        return self.inference.fill_mask(target, text, top_k)
