"""Typed errors the engine raises on purpose; the UI shows their message to the user.

Every message is written for someone who does not code: it says what went wrong and what to
change. An error is raised with a key of the catalog (``messages.MESSAGES``) and the parameters
that vary; ``str(error)`` is the English sentence, and the UI shows the same key in the page's
language. Anything that is *not* an ``EngineError`` is a bug (or a library failure the engine has
not learned to explain yet) and the UI shows a generic message instead of a traceback.

    EngineError
    ├── ConfigError          a run setting is missing, out of range or inconsistent
    │   └── BadRepoId        a Hub id that is not ``namespace/name`` (never sent to the Hub)
    ├── DataError            the data cannot be used as it is (no rows, one class, no column)
    │   └── DataParseError   a file could not be read (names the file and, when known, the line)
    ├── HubError             the Hugging Face Hub could not give us what we asked for
    │   ├── HubUnreachable   offline, no network, or the Hub did not answer in time
    │   ├── HubNotFound      no such dataset/model (or it is private)
    │   ├── HubGated         the repo needs an accepted licence or a token
    │   └── UnsafeRepo       we refuse it: custom code, pickle-only weights, too large
    ├── CheckpointError      a model checkpoint cannot be loaded or does not fit the task
    ├── RunError             about training runs
    │   ├── RunConflict      a run is already training (one at a time)
    │   ├── RunNotFound      no run with that id on disk
    │   ├── NotResumable     the run has no complete checkpoint or already finished
    │   ├── TrainingFailed   training ended with an explained failure (OOM, NaN loss, ...)
    │   ├── RunDamaged       a run file was changed outside the studio and cannot be read
    │   └── NoFinalModel     the run has not saved a final model (nothing to try or publish)
    └── InferenceError       a model cannot answer this request
        └── NoMlmHead        fill-mask asked of a model whose masked-LM head was never trained

``Stopped`` is not an ``EngineError``: it carries a requested stop between preparation phases.
"""

from __future__ import annotations

from typing import Any

from .messages import render


class EngineError(Exception):
    """Base class: ``key`` names the message in the catalog, ``params`` fill it, and
    ``str(e)`` (``message``) is the complete, plain-language English sentence."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        self.message = render(key, **params)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ConfigError(EngineError):
    """A run setting is invalid. ``field`` names the setting so the UI can point at the widget."""

    def __init__(self, field: str, key: str, **params: Any) -> None:
        super().__init__(key, **params)
        self.field = field


class BadRepoId(ConfigError):
    """A Hub id that cannot be one (a path, a web address, no namespace): a typing mistake, so a
    setting's error, not the Hub's."""


class DataError(EngineError):
    """The data cannot be used for this run as it is."""


class DataParseError(DataError):
    """A data file could not be parsed; ``path`` and ``line`` (1-based, when known) say where.
    A known ``line`` is also a parameter of the message (``{line}``)."""

    def __init__(self, key: str, path: str = "", line: int | None = None,
                 **params: Any) -> None:
        super().__init__(key, **({"line": line} if line is not None else {}), **params)
        self.path = path
        self.line = line


class HubError(EngineError):
    """The Hugging Face Hub could not give us what we asked for."""


class HubUnreachable(HubError):
    """The Hub cannot be reached (offline mode, no network, timeout)."""


class HubNotFound(HubError):
    """The dataset or model does not exist on the Hub, or it is private."""


class HubGated(HubError):
    """The repository is gated: the user must accept its terms or sign in with a token."""


class UnsafeRepo(HubError):
    """We refuse this repo: it needs custom code, has only pickle weights, or is too large."""


class CheckpointError(EngineError):
    """A model checkpoint cannot be loaded or used for the chosen task."""


class RunError(EngineError):
    """Something about a training run."""


class RunConflict(RunError):
    """A run is already training; only one runs at a time."""


class RunNotFound(RunError):
    """No run with this id exists in the runs folder."""


class NotResumable(RunError):
    """The run cannot be resumed (finished, or no complete checkpoint)."""


class TrainingFailed(RunError):
    """Training stopped because of an explained problem; ``kind`` is a short tag for code."""

    def __init__(self, key: str, kind: str = "error", **params: Any) -> None:
        super().__init__(key, **params)
        self.kind = kind


class RunDamaged(RunError):
    """A run's files were changed outside the studio and cannot be read as they are."""


class NoFinalModel(RunError):
    """The run has not (yet) saved a final model: nothing to try, publish or export."""


class InferenceError(EngineError):
    """A model cannot answer this request."""


class NoMlmHead(InferenceError):
    """Fill-mask was asked of a checkpoint whose masked-language-model head was never trained."""


class Stopped(Exception):  # noqa: N818 - control flow, not an error to show
    """Raised between preparation phases when the user pressed Stop; ``Runner`` catches it.
    Not an ``EngineError``: nothing went wrong, so no message is shown as a failure."""
