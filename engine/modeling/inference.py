"""Try a model: classification (every label with its score) and fill-mask (top-k words).

Models are loaded once and kept in a small cache, so comparing a run with its base checkpoint
costs one load each. Fill-mask refuses, with an explanation, a checkpoint whose masked-LM head was
never trained (the built-in MiniLM is a sentence-embedding model: asked to fill a blank it would
print confident garbage).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..errors import InferenceError, NoMlmHead


@dataclass(frozen=True)
class Target:
    """What to load: a folder or Hub id, the task, and labels for a fresh classifier head."""

    location: str
    task: str
    display: str
    label_names: tuple[str, ...] = ()
    head_trained: bool = True


class Inference:
    def __init__(self, max_models: int = 3) -> None:
        self._cache: OrderedDict[Target, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_models = max_models

    def _load(self, target: Target) -> tuple[Any, Any]:
        with self._lock:
            if target in self._cache:
                self._cache.move_to_end(target)
                return self._cache[target]
        from .checkpoints import CheckpointRef, load_model, load_tokenizer

        ref = CheckpointRef(target.location, target.location, "folder", target.display)
        tokenizer = load_tokenizer(ref)
        model = load_model(target.task, ref, list(target.label_names) or None)
        model.eval()
        with self._lock:
            self._cache[target] = (tokenizer, model)
            while len(self._cache) > self.max_models:
                self._cache.popitem(last=False)
        return tokenizer, model

    def classify(self, target: Target, texts: list[str],
                 pairs: list[str] | None = None) -> list[list[tuple[str, float]]]:
        """For each text (or pair): every label with its probability, best first. The model's
        ``problem_type`` says how to read its outputs: one class (softmax: the probabilities sum
        to 1), several labels (each label's own probability, a sigmoid), or a score (one pair
        ``("score", value)``)."""
        import torch

        if not texts or any(not (t or "").strip() for t in texts):
            raise InferenceError("inference.type_a_sentence")
        if pairs is not None and any(not (p or "").strip() for p in pairs):
            raise InferenceError("inference.fill_both")
        tokenizer, model = self._load(target)
        enc = tokenizer(texts, pairs, truncation=True, padding=True, return_tensors="pt",
                        max_length=min(512, tokenizer.model_max_length))
        with torch.inference_mode():
            logits = model(**enc).logits.float()
        kind = model.config.problem_type
        if kind == "regression":
            return [[("score", float(row[0]))] for row in logits.tolist()]
        probs = (logits.sigmoid() if kind == "multi_label_classification"
                 else logits.softmax(-1)).tolist()
        names = model.config.id2label
        return [sorted(((names[i], p) for i, p in enumerate(row)), key=lambda x: -x[1])
                for row in probs]

    def fill_mask(self, target: Target, text: str, top_k: int = 5) -> list[tuple[str, float]]:
        """The ``top_k`` words for the (first) mask token, with probabilities."""
        import torch

        if not target.head_trained:
            raise NoMlmHead("inference.no_mlm_head", model=target.display)
        tokenizer, model = self._load(target)
        mask = tokenizer.mask_token
        if mask is None:
            raise InferenceError("inference.no_mask_token", model=target.display)
        text = (text or "").replace("[MASK]", mask).replace("<mask>", mask)
        if mask not in text:
            raise InferenceError("inference.put_mask", mask=mask)
        enc = tokenizer(text, truncation=True, return_tensors="pt",
                        max_length=min(512, tokenizer.model_max_length))
        where = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero()
        if len(where) == 0:
            raise InferenceError("inference.mask_cut_off")
        with torch.inference_mode():
            logits = model(**enc).logits[0, where[0, 0]]
        probs = logits.float().softmax(-1)
        top = probs.topk(top_k)
        return [(tokenizer.decode([int(i)]).strip(), float(p))
                for p, i in zip(top.values, top.indices, strict=True)]
