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
import os
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from .errors import DataError, HubError, HubGated, HubNotFound, HubUnreachable, UnsafeRepo
from .policy import Policy

_ID_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?/"
                    r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
_REACH_TTL = {True: 60.0, False: 10.0}
_reach_cache: dict[str, tuple[bool, float]] = {}


def validate_repo_id(repo_id: str, kind: str = "dataset") -> str:
    """Accept only ``namespace/name``; explain what is wrong with anything else."""
    value = (repo_id or "").strip()
    example = "nyu-mll/glue" if kind == "dataset" else "google-bert/bert-base-uncased"
    if not value:
        raise HubNotFound(f"Type a {kind} id such as '{example}'.")
    if "://" in value or value.lower().startswith(("www.", "hf.co", "huggingface.co")):
        raise HubNotFound(f"Type the {kind} id ('{example}'), not a web address.")
    if value.startswith(("/", ".", "~", "\\")) or "\\" in value or ".." in value:
        raise HubNotFound(f"'{value[:60]}' looks like a path on this computer. Hub {kind}s are "
                          f"named 'namespace/name', like '{example}'.")
    if "/" not in value:
        raise HubNotFound(f"'{value[:60]}' has no namespace. Hub {kind} ids look like "
                          f"'namespace/name' (for GLUE: 'nyu-mll/glue'); search the Hub to "
                          "find the full id.")
    if not _ID_RE.match(value) or "--" in value:
        raise HubNotFound(f"'{value[:60]}' is not a valid Hub id: use 'namespace/name' with "
                          "letters, digits, '-', '_' and '.' (at most 96 characters each).")
    return value


def visitor_token() -> bool | None:
    """``False`` (no token at all) in public mode, so a token set on the server is never used
    on a visitor's behalf; ``None`` locally, where the saved token is the user's own."""
    return False if Policy.from_env().public else None


def is_offline() -> bool:
    from huggingface_hub import constants

    flag = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    return flag or bool(constants.HF_HUB_OFFLINE)


def endpoint() -> str:
    from huggingface_hub import constants

    return str(constants.ENDPOINT).rstrip("/")


def ensure_reachable(timeout: float = 1.5) -> None:
    """Raise ``HubUnreachable`` within ~``timeout`` s if the Hub can't be reached; cached."""
    if is_offline():
        raise HubUnreachable("The Hugging Face Hub is switched off here (offline mode). Use a "
                             "built-in sample and the built-in checkpoint, or upload a file.")
    url = endpoint()
    cached = _reach_cache.get(url)
    if cached and time.monotonic() - cached[1] < _REACH_TTL[cached[0]]:
        ok = cached[0]
    else:
        result: list[bool] = []

        def probe() -> None:  # in a thread: DNS lookups ignore socket timeouts
            try:
                urllib.request.urlopen(urllib.request.Request(url + "/api/whoami-v2",
                                                              method="HEAD"), timeout=timeout)
                result.append(True)
            except urllib.error.HTTPError:
                result.append(True)  # any HTTP answer means the Hub is there
            except Exception:  # noqa: BLE001 - every network failure means "unreachable"
                result.append(False)

        worker = threading.Thread(target=probe, daemon=True)
        worker.start()
        worker.join(timeout + 0.3)
        ok = bool(result and result[0])
        _reach_cache[url] = (ok, time.monotonic())
    if not ok:
        raise HubUnreachable("The Hugging Face Hub can't be reached from this computer (no "
                             "network, or it is blocked). Built-in samples, uploaded files and "
                             "the built-in checkpoint still work.")


def explain(exc: BaseException, repo_id: str, kind: str) -> HubError | DataError:
    """Map a library exception to one of our typed errors."""
    from huggingface_hub import errors as hf

    name = type(exc).__name__
    text = str(exc)
    gated_dataset = name == "DatasetNotFoundError" and "is a gated dataset" in text
    if isinstance(exc, hf.GatedRepoError) or gated_dataset:
        return HubGated(f"'{repo_id}' is gated: open its page on huggingface.co, accept the "
                        "terms, then sign in (or give a token) here.")
    if isinstance(exc, hf.RepositoryNotFoundError) or name == "DatasetNotFoundError":
        return HubNotFound(f"No {kind} '{repo_id}' on the Hub (or it is private). Check the "
                           "spelling, or search for it.")
    if isinstance(exc, ConnectionError | TimeoutError | hf.OfflineModeIsEnabled) or \
            "connect" in name.lower():
        return HubUnreachable(f"Could not download '{repo_id}': the Hub stopped answering. "
                              "Try again later.")
    if "BuilderConfig" in text or "Config name is missing" in text:
        configs = re.findall(r"'([^']+)'", text.split("Available", 1)[-1])
        return DataError(f"'{repo_id}' has several configurations; choose one of: "
                         f"{', '.join(configs[:30]) or 'see its page'}.")
    if "scripts are no longer supported" in text:
        return UnsafeRepo(f"'{repo_id}' needs a loading script (custom code), which is not "
                          "supported. Look for a Parquet version of this dataset.")
    return HubError(f"The Hub could not provide '{repo_id}' ({name}).")


@dataclass
class DatasetOverview:
    repo_id: str
    configs: list[str]
    config: str | None
    splits: dict[str, int | None] = field(default_factory=dict)
    download_bytes: int | None = None
    dataset_bytes: int | None = None
    features: dict[str, str] = field(default_factory=dict)


def dataset_overview(repo_id: str, config: str | None = None) -> DatasetOverview:
    """Configurations, splits with row counts and sizes, without downloading the data."""

    repo_id = validate_repo_id(repo_id)
    ensure_reachable()  # first: the imports below take a second when cold
    import datasets

    try:
        configs = datasets.get_dataset_config_names(repo_id, token=visitor_token())
        if config is None and len(configs) > 1 and "default" not in configs:
            return DatasetOverview(repo_id, configs, None)
        info = datasets.load_dataset_builder(repo_id, config, token=visitor_token()).info
    except Exception as exc:  # noqa: BLE001 - re-raised as a typed, explained error
        raise explain(exc, repo_id, "dataset") from exc
    splits = {name: s.num_examples for name, s in (info.splits or {}).items()}
    features = {name: str(f) for name, f in (info.features or {}).items()}
    return DatasetOverview(repo_id, configs, config or (configs[0] if configs else None), splits,
                           info.download_size, info.dataset_size, features)


def preview_rows(repo_id: str, config: str | None, split: str, n: int = 10) -> list[dict[str, Any]]:
    """The first ``n`` rows by streaming: reads a little of one file, not the whole dataset."""
    repo_id = validate_repo_id(repo_id)
    ensure_reachable()  # first: the imports below take a second when cold
    import datasets

    try:
        stream = datasets.load_dataset(repo_id, config, split=split, streaming=True,
                                       token=visitor_token())
        return [dict(row) for row in itertools.islice(stream, n)]
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, repo_id, "dataset") from exc


def load_dataset_splits(repo_id: str, config: str | None = None) -> Any:
    """Download and load all splits (the loader seam for ``data_source='hub'``)."""
    repo_id = validate_repo_id(repo_id)
    ensure_reachable()  # first: the imports below take a second when cold
    import datasets

    from .data import RawData

    try:
        splits = datasets.load_dataset(repo_id, config, token=visitor_token())
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, repo_id, "dataset") from exc
    return RawData(splits, source=f"Hub dataset '{repo_id}'" + (f" ({config})" if config else ""))


def check_model_repo(repo_id: str, token: str | None = None) -> dict[str, Any]:
    """Refuse custom-code, pickle-only or oversized model repos before any download."""
    repo_id = validate_repo_id(repo_id, "model")
    ensure_reachable()  # first: the imports below take a second when cold
    from huggingface_hub import HfApi

    try:
        api = HfApi(token=token or visitor_token())
        info = api.model_info(repo_id, files_metadata=True)
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, repo_id, "model") from exc
    from huggingface_hub import get_token

    usable = token or (get_token() if visitor_token() is None else None)
    if getattr(info, "gated", False) and not usable:  # no token could open it: say so now
        raise HubGated(f"'{repo_id}' is gated: open its page on huggingface.co, accept the "
                       "terms, then sign in (or give a token) here.")
    siblings = info.siblings or []
    names = [s.rfilename for s in siblings]
    config = info.config or {}
    if config.get("auto_map") or any(n.endswith(".py") for n in names):
        raise UnsafeRepo(f"'{repo_id}' needs custom code to run. Models with custom code are "
                         "not supported here, for your safety.")
    weights = [s for s in siblings if s.rfilename.endswith(".safetensors")]
    if not weights:
        raise UnsafeRepo(f"'{repo_id}' has no safetensors weights (only pickle files, which "
                         "can run code when loaded). Choose a model with .safetensors files.")
    size_gb = sum(s.size or 0 for s in weights) / 1e9
    limit = Policy.from_env().max_model_gb
    if size_gb > limit:
        raise UnsafeRepo(f"'{repo_id}' is {size_gb:.1f} GB; the limit here is "
                         f"{limit:g} GB. Choose a smaller model.")
    return {"repo_id": repo_id, "size_gb": size_gb, "pipeline_tag": info.pipeline_tag,
            "model_type": config.get("model_type"), "sha": info.sha}


def search(kind: str, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Hub search for the pickers; text-classification / fill-mask results come first."""
    ensure_reachable()  # first: the imports below take a second when cold
    from huggingface_hub import HfApi

    api = HfApi(token=visitor_token())
    try:
        if kind == "dataset":
            first = api.list_datasets(search=query or None, sort="downloads", limit=limit,
                                      filter="task_categories:text-classification")
            rest = api.list_datasets(search=query or None, sort="downloads", limit=limit)
        else:
            first = api.list_models(search=query or None, sort="downloads", limit=limit,
                                    pipeline_tag="fill-mask")
            rest = api.list_models(search=query or None, sort="downloads", limit=limit)
        seen: dict[str, dict[str, Any]] = {}
        for item in itertools.chain(first, rest):
            seen.setdefault(item.id, {"id": item.id, "downloads": item.downloads or 0})
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, query, kind) from exc
    return list(seen.values())[:limit]
