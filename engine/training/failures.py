"""Turn the exception that ended a run into a sentence a non-coder can act on, and keep
Hugging Face tokens out of anything stored or shown."""

from __future__ import annotations

import re

from ..errors import EngineError, TrainingFailed

TOKEN_RE = re.compile(r"hf_[A-Za-z0-9]{8,}")


def scrub(text: str) -> str:
    """Remove anything that looks like a Hugging Face token before text is stored or shown."""
    return TOKEN_RE.sub("hf_***", text)


def explain_failure(exc: BaseException) -> tuple[str, str]:
    """(plain-language message, kind) for an exception that ended a run."""
    if isinstance(exc, TrainingFailed):
        return scrub(exc.message), exc.kind
    if isinstance(exc, EngineError):
        return scrub(exc.message), "error"
    text = str(exc).lower()
    if isinstance(exc, MemoryError) or "out of memory" in text or "can't allocate" in text \
            or type(exc).__name__ == "OutOfMemoryError":
        return ("Training ran out of memory. Lower the batch size or the max length (or both) "
                "and resume or start again."), "oom"
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return ("The disk is full, so the checkpoint could not be saved. Delete old runs in the "
                "Runs tab, then resume."), "disk_full"
    return (f"Training stopped because of an unexpected error ({type(exc).__name__}). The run "
            "folder's error.log has the details."), "error"
