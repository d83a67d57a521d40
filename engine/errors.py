"""Typed errors the engine raises on purpose; the UI shows ``str(error)`` to the user as it is.

Every message is written for someone who does not code: it says what went wrong and what to
change. Anything that is *not* an ``EngineError`` is a bug (or a library failure the engine has
not learned to explain yet) and the UI shows a generic message instead of a traceback.

    EngineError
    ├── ConfigError          a run setting is missing, out of range or inconsistent
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
    │   └── TrainingFailed   training ended with an explained failure (OOM, NaN loss, ...)
    └── InferenceError       a model cannot answer this request
        └── NoMlmHead        fill-mask asked of a model whose masked-LM head was never trained
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class: ``str(e)`` is a complete, plain-language message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(EngineError):
    """A run setting is invalid. ``field`` names the setting so the UI can point at the widget."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DataError(EngineError):
    """The data cannot be used for this run as it is."""


class DataParseError(DataError):
    """A data file could not be parsed; ``path`` and ``line`` (1-based, when known) say where."""

    def __init__(self, message: str, path: str = "", line: int | None = None) -> None:
        super().__init__(message)
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

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


class InferenceError(EngineError):
    """A model cannot answer this request."""


class NoMlmHead(InferenceError):
    """Fill-mask was asked of a checkpoint whose masked-language-model head was never trained."""
