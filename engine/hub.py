"""Everything that talks to the Hugging Face Hub, behind plain-language errors.

Two rules shape this module:

* **Fail fast.** Offline, or with no network, the Hub libraries retry with back-off for ~25 s per
  call. ``ensure_reachable()`` answers within ~2 s (instantly with ``HF_HUB_OFFLINE=1``) and every
  public function calls it first, so a user learns "the Hub can't be reached" before any wait.
* **Treat Hub content as untrusted.** Ids must be ``namespace/name`` (no bare names, paths or
  URLs reach a loader); model repos needing custom code, holding only pickle weights or too large
  are refused before anything is downloaded; ``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import (
    BadRepoId,
    DataError,
    HubError,
    HubGated,
    HubNotFound,
    HubUnreachable,
    UnsafeRepo,
)
from .messages import Phrase
from .settings import Settings

_ID_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?/"
                    r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
_REACH_TTL = {True: 60.0, False: 10.0}
_reach_cache: dict[str, tuple[bool, float]] = {}
_KINDS = {"dataset": "word.dataset", "model": "word.model"}


def _kind(kind: str) -> str:
    """The kind (dataset, model) as a word of the message; another kind is shown as it is."""
    return Phrase(_KINDS[kind]) if kind in _KINDS else kind


def validate_repo_id(repo_id: str, kind: str = "dataset", field: str | None = None) -> str:
    """Accept only ``namespace/name``; explain what is wrong with anything else. ``field`` is
    the setting the id was typed into (default: ``dataset`` or ``checkpoint``)."""
    where = field or ("dataset" if kind == "dataset" else "checkpoint")
    value = (repo_id or "").strip()
    example = "nyu-mll/glue" if kind == "dataset" else "google-bert/bert-base-uncased"
    if not value:
        raise BadRepoId(where, "hub.id_missing", kind=_kind(kind), example=example)
    if "://" in value or value.lower().startswith(("www.", "hf.co", "huggingface.co")):
        raise BadRepoId(where, "hub.id_is_web_address", kind=_kind(kind), example=example)
    if value.startswith(("/", ".", "~", "\\")) or "\\" in value or ".." in value:
        raise BadRepoId(where, "hub.id_is_path", value=value[:60], kind=_kind(kind),
                        example=example)
    if "/" not in value:
        raise BadRepoId(where, "hub.id_no_namespace", value=value[:60], kind=_kind(kind))
    if not _ID_RE.match(value) or "--" in value:
        raise BadRepoId(where, "hub.id_invalid", value=value[:60])
    return value


def explain(exc: BaseException, repo_id: str, kind: str) -> HubError | DataError:
    """Map a library exception to one of our typed errors."""
    from huggingface_hub import errors as hf

    name = type(exc).__name__
    text = str(exc)
    gated_dataset = name == "DatasetNotFoundError" and "is a gated dataset" in text
    if isinstance(exc, hf.GatedRepoError) or gated_dataset:
        return HubGated("hub.gated", repo_id=repo_id)
    if isinstance(exc, hf.RepositoryNotFoundError) or name == "DatasetNotFoundError":
        return HubNotFound("hub.not_found", kind=_kind(kind), repo_id=repo_id)
    if isinstance(exc, ConnectionError | TimeoutError | hf.OfflineModeIsEnabled) or \
            "connect" in name.lower():
        return HubUnreachable("hub.stopped_answering", repo_id=repo_id)
    if "BuilderConfig" in text or "Config name is missing" in text:
        configs = re.findall(r"'([^']+)'", text.split("Available", 1)[-1])
        if not configs:
            return DataError("hub.choose_config_unlisted", repo_id=repo_id)
        return DataError("hub.choose_config", repo_id=repo_id, configs=", ".join(configs[:30]))
    if "scripts are no longer supported" in text:
        return UnsafeRepo("hub.loading_script", repo_id=repo_id)
    return HubError("hub.failed", repo_id=repo_id, error=name)


@dataclass
class DatasetOverview:
    repo_id: str
    configs: list[str]
    config: str | None
    splits: dict[str, int | None] = field(default_factory=dict)
    download_bytes: int | None = None
    dataset_bytes: int | None = None
    features: dict[str, str] = field(default_factory=dict)


def _probe(url: str, timeout: float) -> bool:
    """One HEAD request in a thread (DNS lookups ignore socket timeouts); any HTTP answer
    means the Hub is there."""
    result: list[bool] = []

    def probe() -> None:
        try:
            urllib.request.urlopen(urllib.request.Request(url + "/api/whoami-v2",
                                                          method="HEAD"), timeout=timeout)
            result.append(True)
        except urllib.error.HTTPError:
            result.append(True)
        except Exception:  # noqa: BLE001 - every network failure means "unreachable"
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout + 0.3)
    return bool(result and result[0])


class Hub:
    """The Hub as this studio may use it: the settings decide offline mode, the model-size cap
    and whether a token saved on this computer may be used (never on a public host)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def visitor_token(self) -> bool | None:
        """``False`` (no token at all) in public mode, so a token set on the server is never
        used on a visitor's behalf; ``None`` locally, where the saved token is the user's own."""
        return False if self.settings.policy.public else None

    def is_offline(self) -> bool:
        from huggingface_hub import constants

        return self.settings.hub_offline or bool(constants.HF_HUB_OFFLINE)

    def ensure_reachable(self, timeout: float = 1.5) -> None:
        """Raise ``HubUnreachable`` within ~``timeout`` s if the Hub can't be reached; cached."""
        if self.is_offline():
            raise HubUnreachable("hub.offline")
        from huggingface_hub import constants

        url = str(constants.ENDPOINT).rstrip("/")
        cached = _reach_cache.get(url)
        if cached and time.monotonic() - cached[1] < _REACH_TTL[cached[0]]:
            ok = cached[0]
        else:
            ok = _probe(url, timeout)
            _reach_cache[url] = (ok, time.monotonic())
        if not ok:
            raise HubUnreachable("hub.unreachable")

    def dataset_overview(self, repo_id: str, config: str | None = None) -> DatasetOverview:
        """Configurations, splits with row counts and sizes, without downloading the data."""

        repo_id = validate_repo_id(repo_id)
        self.ensure_reachable()  # first: the imports below take a second when cold
        import datasets

        try:
            configs = datasets.get_dataset_config_names(repo_id, token=self.visitor_token())
            if config is None and len(configs) > 1 and "default" not in configs:
                return DatasetOverview(repo_id, configs, None)
            info = datasets.load_dataset_builder(repo_id, config, token=self.visitor_token()).info
        except Exception as exc:  # noqa: BLE001 - re-raised as a typed, explained error
            raise explain(exc, repo_id, "dataset") from exc
        splits = {name: s.num_examples for name, s in (info.splits or {}).items()}
        features = {name: str(f) for name, f in (info.features or {}).items()}
        chosen = config or (configs[0] if configs else None)
        return DatasetOverview(repo_id, configs, chosen, splits, info.download_size,
                               info.dataset_size, features)

    def preview_rows(self, repo_id: str, config: str | None, split: str,
                     n: int = 10) -> list[dict[str, Any]]:
        """The first ``n`` rows by streaming: reads a little of one file, not the whole dataset."""
        repo_id = validate_repo_id(repo_id)
        self.ensure_reachable()  # first: the imports below take a second when cold
        import datasets

        try:
            stream = datasets.load_dataset(repo_id, config, split=split, streaming=True,
                                           token=self.visitor_token())
            return [dict(row) for row in itertools.islice(stream, n)]
        except Exception as exc:  # noqa: BLE001
            raise explain(exc, repo_id, "dataset") from exc

    def load_dataset_splits(self, repo_id: str, config: str | None = None) -> Any:
        """Download and load all splits (a ``datasets.DatasetDict``; ``data.load_raw`` wraps it)."""
        repo_id = validate_repo_id(repo_id)
        self.ensure_reachable()  # first: the imports below take a second when cold
        import datasets

        try:
            splits = datasets.load_dataset(repo_id, config, token=self.visitor_token())
        except Exception as exc:  # noqa: BLE001
            raise explain(exc, repo_id, "dataset") from exc
        return splits

    def check_model_repo(self, repo_id: str, token: str | None = None) -> dict[str, Any]:
        """Refuse custom-code, pickle-only or oversized model repos before any download."""
        repo_id = validate_repo_id(repo_id, "model")
        self.ensure_reachable()  # first: the imports below take a second when cold
        from huggingface_hub import HfApi

        try:
            api = HfApi(token=token or self.visitor_token())
            info = api.model_info(repo_id, files_metadata=True)
        except Exception as exc:  # noqa: BLE001
            raise explain(exc, repo_id, "model") from exc
        from huggingface_hub import get_token

        usable = token or (get_token() if self.visitor_token() is None else None)
        if getattr(info, "gated", False) and not usable:  # no token could open it: say so now
            raise HubGated("hub.gated", repo_id=repo_id)
        siblings = info.siblings or []
        names = [s.rfilename for s in siblings]
        config = info.config or {}
        if config.get("auto_map") or any(n.endswith(".py") for n in names):
            raise UnsafeRepo("hub.custom_code", repo_id=repo_id)
        weights = [s for s in siblings if s.rfilename.endswith(".safetensors")]
        if not weights:
            raise UnsafeRepo("hub.no_safetensors", repo_id=repo_id)
        size_gb = sum(s.size or 0 for s in weights) / 1e9
        limit = self.settings.policy.max_model_gb
        if size_gb > limit:
            raise UnsafeRepo("hub.too_large", repo_id=repo_id, size_gb=size_gb, limit=limit)
        return {"repo_id": repo_id, "size_gb": size_gb, "pipeline_tag": info.pipeline_tag,
                "model_type": config.get("model_type"), "sha": info.sha}

    def search(self, kind: str, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Hub search for the pickers; text-classification / fill-mask results come first."""
        self.ensure_reachable()  # first: the imports below take a second when cold
        from huggingface_hub import HfApi

        api = HfApi(token=self.visitor_token())
        try:
            first: Iterable[Any]
            rest: Iterable[Any]
            if kind == "dataset":
                first = api.list_datasets(search=query or None, sort="downloads", limit=limit,
                                          filter="task_categories:text-classification")
                rest = api.list_datasets(search=query or None, sort="downloads", limit=limit)
            else:
                first = api.list_models(search=query or None, sort="downloads", limit=limit,
                                        pipeline_tag="fill-mask")
                rest = api.list_models(search=query or None, sort="downloads", limit=limit)
            seen: dict[str, dict[str, Any]] = {}
            found: list[Any] = [*first, *rest]
            for item in found:
                seen.setdefault(item.id, {"id": item.id, "downloads": item.downloads or 0})
        except Exception as exc:  # noqa: BLE001
            raise explain(exc, query, kind) from exc
        return list(seen.values())[:limit]
