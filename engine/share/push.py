"""Push a finished run to the Hugging Face Hub, with a model card.

Only an allow-list of files leaves the machine: the weights (safetensors), the config (with
``id2label``/``label2id``), the tokenizer files and the card. Optimizer state, trainer state,
RNG pickles and ``training_args.bin`` never do, and neither does anything holding a token: the
token is passed to ``HfApi`` for this call only, never written, logged or put in an error.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import HubError, NoFinalModel
from ..messages import Phrase
from ..protocol import RunMetrics
from ..training.runs import RunHandle

if TYPE_CHECKING:
    from ..hub import Hub

ALLOWED = ["*.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
           "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt", "*.model",
           "README.md"]
BUILTIN_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"


WHAT = {  # (what the model is, what it is for), by task
    "classification": ("A text classifier", "sorting short texts into the labels above"),
    "multilabel": ("A multi-label text classifier",
                   "tagging short texts with every label above that applies"),
    "regression": ("A text regression model", "predicting a score for short texts"),
    "mlm": ("A masked language model adapted to a domain",
            "filling in masked words in text like its training corpus")}


def _breakdown(task: str, scores: dict[str, Any], labels: list[str],
               best_step: int | None) -> str:
    """The per-class table and the confusion matrix, as markdown (empty when not recorded)."""
    out = []
    if best_step is not None:
        out.append(f"\nThe final model is the checkpoint of step {best_step}, the best on the "
                   "validation split; training kept going (or stopped early) after it.\n")
    rows = scores.get("per_class") or []
    if rows:
        kind = "label" if task == "multilabel" else "class"
        out += [f"\n### Per {kind}\n", f"| {kind} | precision | recall | F1 | support |",
                "|---|---|---|---|---|"]
        out += [f"| {r['label']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
                f"{r['support']} |" for r in rows]
    matrix = scores.get("confusion_matrix")
    if matrix and labels:
        out += ["\n### Confusion matrix\n", "Rows: the correct answer; columns: the model's answer."
                "\n", "| answer \\ model | " + " | ".join(labels) + " |",
                "|---" * (len(labels) + 1) + "|"]
        out += [f"| **{name}** | " + " | ".join(str(n) for n in row) + " |"
                for name, row in zip(labels, matrix, strict=True)]
    return "\n".join(out) + ("\n" if out else "")


def model_card(handle: RunHandle) -> Any:
    """A ``huggingface_hub.ModelCard``: what it does, how it was made and scored, how to use it."""
    from huggingface_hub import ModelCard, ModelCardData

    cfg, metrics = handle.config, handle.metrics()
    labels = metrics.get("label_names") or handle.label_names()
    base = BUILTIN_HUB_ID if cfg.checkpoint.startswith("builtin:") else cfg.checkpoint
    task = "fill-mask" if cfg.task == "mlm" else "text-classification"
    read = RunMetrics(metrics)
    split, scores = read.split, read.numbers
    data = ModelCardData(
        base_model=base if "/" in base else None, pipeline_tag=task, library_name="transformers",
        datasets=[cfg.dataset] if cfg.data_source == "hub" else None,
        tags=["fine-tune-studio", task], language=["en"] if base == BUILTIN_HUB_ID else None)
    dataset = {"hub": f"[{cfg.dataset}](https://huggingface.co/datasets/{cfg.dataset})",
               "builtin": f"Fine-Tune Studio's built-in sample '{cfg.dataset}'",
               "file": "a file uploaded by the author"}[cfg.data_source]
    results = "\n".join(f"| {k} | {v:.4f} |" for k, v in scores.items())
    settings = "\n".join(f"| {k} | {v} |" for k, v in cfg.to_dict().items()
                         if k not in ("dataset", "output_name") and v is not None)
    usage = ('classifier = pipeline("text-classification", model="REPO_ID")\n'
             'print(classifier("Type a sentence here."' + (", top_k=None" if cfg.task ==
                                                            "multilabel" else "") + "))"
             if task == "text-classification"
             else 'fill = pipeline("fill-mask", model="REPO_ID")\n'
                  'print(fill("Water the plants at the [MASK] of the stems."))')
    what, use = WHAT[cfg.task]
    names = ", ".join(f"`{name}`" for name in labels) if labels else \
        "None (masked-LM adaptation)."
    body = f"""
# {handle.run_id}

{what} fine-tuned with Fine-Tune Studio from `{base}` on {dataset}.

## Labels

{names}

## Results ({split} split)

| metric | value |
|---|---|
{results}
{_breakdown(cfg.task, read.scores, labels, read.best_step)}
## Training configuration

| setting | value |
|---|---|
{settings}

## Intended use and limitations

Made for {use}. It was trained on a small dataset, inherits the biases of its base model and
data, and has not been evaluated outside the split reported above; check it on your own
examples before relying on it.

## How to use

```python
from transformers import pipeline

{usage}
```
"""
    return ModelCard(f"---\n{data.to_yaml()}\n---\n{body}")


def push_run(handle: RunHandle, hub: Hub, repo: str, token: str, private: bool = True,
             endpoint: str | None = None) -> dict[str, Any]:
    """Create (or reuse) the repo and upload the allow-listed files. Returns url and files."""
    from huggingface_hub import HfApi
    from huggingface_hub import errors as hf

    from ..hub import validate_repo_id

    if not handle.finished:
        raise NoFinalModel("run.no_final_model", run_id=handle.run_id)
    if not token or not token.strip():
        raise HubError("hub.publish_needs_token")
    hub.ensure_reachable()
    api = HfApi(token=token.strip(), endpoint=endpoint)
    try:
        who = api.whoami()
        role = who.get("auth", {}).get("accessToken", {}).get("role")
        if role == "read":
            raise HubError("hub.read_only_token")
        repo_id = validate_repo_id(repo if "/" in repo else f"{who['name']}/{repo}", "model",
                                   field="repo")
        url = api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        staging = _stage(handle, repo_id)
        api.upload_folder(repo_id=repo_id, folder_path=str(staging), allow_patterns=ALLOWED,
                          commit_message=f"Upload {handle.run_id} from Fine-Tune Studio")
    except hf.HfHubHTTPError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        reason = {401: Phrase("hub.publish_failed.invalid_token"),
                  403: Phrase("hub.publish_failed.forbidden")}.get(
            status or 0, Phrase("hub.publish_failed.status", status=status))
        raise HubError("hub.publish_failed", reason=reason) from None
    files = sorted(p.name for p in staging.iterdir())
    return {"repo_id": repo_id, "url": str(url), "files": files}


def _stage(handle: RunHandle, repo_id: str) -> Path:
    """The files to upload, and only those, in ``<run>/share`` (the card names the repo)."""
    import fnmatch

    staging = handle.folder / "share"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for path in handle.model_dir.iterdir():
        if path.is_file() and any(fnmatch.fnmatch(path.name, p) for p in ALLOWED):
            shutil.copyfile(path, staging / path.name)
    card = str(model_card(handle)).replace("REPO_ID", repo_id)
    (staging / "README.md").write_text(card, encoding="utf-8")
    return staging
