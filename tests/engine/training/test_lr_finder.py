"""The learning-rate finder with the tiny local model: the curve, the suggestion, the stops,
and that it leaves nothing behind but the model it was given."""

from __future__ import annotations

import copy
import math
import os
import threading
from pathlib import Path

import pytest
import torch

from engine.config import field_meta
from engine.errors import ConfigError, TrainingFailed
from engine.modeling.checkpoints import load_model, load_tokenizer, resolve
from engine.training.lr_finder import MIN_POINTS, LRFinderResult, find_learning_rate, suggest

LOW, HIGH = field_meta("learning_rate")["min"], field_meta("learning_rate")["max"]


@pytest.fixture
def setup(studio, tiny_cfg):
    """(cfg, prepared, tokenizer, a pristine model to deepcopy from) for the tiny model."""
    cfg = tiny_cfg()
    prepared = studio.prepared(cfg)
    ref = resolve(cfg.checkpoint, studio.settings)
    torch.manual_seed(0)
    return cfg, prepared, load_tokenizer(ref), load_model("classification", ref,
                                                          prepared.label_names)


def run(setup, **kwargs) -> LRFinderResult:
    cfg, prepared, tokenizer, model = setup
    return find_learning_rate(cfg, prepared, tokenizer, copy.deepcopy(model), **kwargs)


def test_the_rate_rises_exponentially_and_the_suggestion_is_in_range(setup):
    seen = []
    result = run(setup, steps=40, lr_max=0.05, progress=lambda i, n: seen.append((i, n)))
    assert result.stopped_reason == "completed" and result.steps_run == 40
    assert seen == [(i, 40) for i in range(1, 41)]
    assert result.lrs[0] == pytest.approx(1e-7) and result.lrs[-1] == pytest.approx(0.05)
    ratios = [b / a for a, b in zip(result.lrs, result.lrs[1:], strict=False)]
    assert ratios == pytest.approx([(0.05 / 1e-7) ** (1 / 39)] * 39)
    assert len(result.losses) == len(result.smoothed) == 40
    assert all(math.isfinite(x) for x in result.losses + result.smoothed)
    assert result.smoothed[0] == pytest.approx(result.losses[0])  # bias-corrected start
    assert LOW <= result.suggestion <= HIGH
    assert result.suggestion <= result.min_loss_lr
    after_noise = result.smoothed[4:]  # the first tenth is skipped
    assert result.min_loss_lr == result.lrs[4 + after_noise.index(min(after_noise))]
    assert result.second_opinion == pytest.approx(min(max(result.min_loss_lr / 10, LOW), HIGH))
    assert result.reason.endswith(f"It stopped falling at {result.min_loss_lr:.1e}.")


def test_a_huge_rate_diverges_and_stops_early(setup):
    result = run(setup, steps=100, lr_max=1e3)
    assert result.stopped_reason == "diverged" and MIN_POINTS <= result.steps_run < 100
    assert result.lrs[-1] < 1e3 and result.suggestion is not None


def test_a_stop_already_set_stops_at_once_without_failing(setup):
    stop = threading.Event()
    stop.set()
    result = run(setup, steps=40, stop=stop)
    assert result.stopped_reason == "stopped" and result.steps_run == 0
    assert result.suggestion is None and "too early" in result.reason


def test_a_stop_midway_keeps_the_curve_so_far(setup):
    stop = threading.Event()

    def progress(i, n):
        if i == 15:
            stop.set()

    result = run(setup, steps=40, lr_max=0.05, stop=stop, progress=progress)
    assert result.stopped_reason == "stopped" and result.steps_run == 15
    assert result.suggestion is not None and "incomplete" in result.reason


def test_the_same_seed_gives_the_same_curve(setup):
    first = run(setup, steps=20, lr_max=0.05)
    second = run(setup, steps=20, lr_max=0.05)
    assert first.losses == second.losses and first.suggestion == second.suggestion


def test_only_the_model_given_changes_and_no_file_is_written(setup, studio, tmp_path,
                                                             monkeypatch):
    cfg, prepared, tokenizer, pristine = setup
    monkeypatch.chdir(tmp_path)
    hf_home = Path(os.environ["HF_HOME"])  # the datasets and hub caches live here
    hf_home.mkdir(parents=True, exist_ok=True)
    watched = [studio.store.root, tmp_path, hf_home]

    def listing():
        return {str(p) for root in watched for p in root.rglob("*")}

    before = listing()
    model = copy.deepcopy(pristine)
    find_learning_rate(cfg, prepared, tokenizer, model, steps=20, lr_max=0.05)
    assert listing() == before
    assert studio.runner.active_run_id() is None and studio.runs() == []
    changed = [n for n, p in model.named_parameters()
               if not torch.equal(p, dict(pristine.named_parameters())[n])]
    assert changed and "classifier.weight" in changed
    embeddings = model.get_input_embeddings().weight
    assert torch.equal(embeddings, pristine.get_input_embeddings().weight)  # frozen, as a run


def test_masked_lm_is_refused_with_a_typed_error(setup, tiny_cfg):
    _, prepared, tokenizer, model = setup
    with pytest.raises(ConfigError, match="masked-LM") as error:
        find_learning_rate(tiny_cfg(task="mlm"), prepared, tokenizer, model)
    assert error.value.field == "task"


def test_too_few_steps_is_a_typed_error(setup):
    with pytest.raises(TrainingFailed, match="at least 10 steps"):
        run(setup, steps=5)


# --- the suggestion, on made-up curves ----------------------------------------------------

def curve(shape, points=100):
    """lrs from 1e-7 to 1 (as the finder makes them) and ``shape(log10 lr)``."""
    lrs = [10 ** (-7 + 7 * i / (points - 1)) for i in range(points)]
    return lrs, [shape(math.log10(lr)) for lr in lrs]


def test_the_suggestion_is_the_steepest_fall_before_the_minimum():
    # Falls fastest at 1e-4 (tanh's centre), lowest near 1e-2, then climbs: a classic U.
    # Two decoys: a sharp drop in the first tenth (noise) and a sharper one after the minimum.
    def shape(x):
        value = 2 - math.tanh(3 * (x + 4)) + 2 * max(0.0, x + 2) ** 2
        value += 5 * (x < -6.5)  # a cliff down inside the skipped first tenth
        return value - 3 * (x > -0.5)  # a cliff down after the minimum

    lrs, smoothed = curve(shape)
    suggestion, lowest = suggest(lrs, smoothed)
    assert suggestion == pytest.approx(1e-4, rel=0.1)  # one grid step is 18% apart
    assert lowest == lrs[smoothed.index(min(smoothed[10:]))] and 1e-3 < lowest < 1e-1


def test_the_suggestion_is_clamped_into_the_allowed_range():
    lrs, smoothed = curve(lambda x: 2 - math.tanh(3 * (x + 1)) + 2 * max(0.0, x + 0.3) ** 2)
    suggestion, lowest = suggest(lrs, smoothed)
    assert suggestion == HIGH and lowest > HIGH  # steepest at 1e-1, above what a run allows
    result = LRFinderResult(lrs, smoothed, smoothed, suggestion, lowest, len(lrs), "completed",
                            1.0)
    assert "beyond the highest learning rate a run allows" in result.reason


def test_a_loss_that_never_falls_suggests_a_tenth_of_its_lowest_point():
    lrs, smoothed = curve(lambda x: 1 + (x + 7) ** 2)  # only rises
    suggestion, lowest = suggest(lrs, smoothed)
    assert lowest == lrs[10]  # the first point after the skipped noise
    assert suggestion == pytest.approx(max(lrs[10] / 10, LOW))


def test_too_short_a_curve_is_a_typed_error():
    lrs, smoothed = curve(lambda x: -x, points=MIN_POINTS - 1)
    with pytest.raises(TrainingFailed, match="recorded only 9 steps"):
        suggest(lrs, smoothed)


def test_the_finder_runs_for_regression_and_weighted_classes(studio, tiny_cfg):
    """The same loss as the run: a regression head started at the mean score, the balanced
    class weights in the cross-entropy (Studio.find_learning_rate loads the model itself)."""
    for cfg in (tiny_cfg(dataset="ratings", task="regression", max_rows=None),
                tiny_cfg(dataset="support-imbalanced", class_weighting="balanced",
                         max_rows=None)):
        result = studio.find_learning_rate(cfg)
        assert result.suggestion is not None and LOW <= result.suggestion <= HIGH
        assert result.losses[0] < 10  # regression starts near the scores, not at 0
