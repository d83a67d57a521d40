"""``precision: auto`` on a CPU is chosen by timing the real model, cached per machine and
model, and leaves the run untouched (same random numbers, no gradients left behind)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from engine.errors import ConfigError
from engine.modeling import precision

ROOT = Path(__file__).resolve().parents[3]


def _model_and_batch(tiny_dir):
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_dir, num_labels=2)
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    batch = dict(tokenizer(["water the roots early", "prune roses after they flower"] * 4,
                           padding=True, return_tensors="pt"))
    batch["labels"] = torch.tensor([0, 1] * 4)
    return model, batch


def test_explicit_choices_are_kept_and_fp16_without_a_gpu_is_refused(tiny_dir):
    model, batch = _model_and_batch(tiny_dir)
    for choice in ("fp32", "bf16"):
        assert precision.choose(choice, model, batch, None) == \
            precision.Choice(choice, "chosen in the settings")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="fp16 needs a GPU"):
            precision.choose("fp16", model, batch, None)


def test_auto_measures_says_what_it_measured_and_caches_the_answer(tiny_dir, tmp_path):
    model, batch = _model_and_batch(tiny_dir)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    rng = torch.get_rng_state()

    first = precision.choose("auto", model, batch, tmp_path)

    assert first.precision in ("fp32", "bf16")
    assert "fp32_s" in first.measured and "gemm_fp32_gflops" in first.measured
    assert "on this CPU" in first.reason
    if first.precision == "bf16":  # chosen only when the model pass was timed faster
        assert first.measured["bf16_s"] < first.measured["fp32_s"]
    assert torch.equal(torch.get_rng_state(), rng)  # the run's dropout masks are unchanged
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[n], p) for n, p in model.named_parameters())

    cache = json.loads((tmp_path / precision.CACHE_FILE).read_text())
    assert len(cache) == 1
    second = precision.choose("auto", model, batch, tmp_path)
    assert second.precision == first.precision
    assert second.reason.endswith("(measured earlier)")

    longer = {k: torch.cat([v, v], dim=-1) if v.dim() == 2 else v for k, v in batch.items()}
    longer["input_ids"] = longer["input_ids"][:, :40]
    longer["attention_mask"] = longer["attention_mask"][:, :40]
    longer.pop("token_type_ids", None)
    precision.choose("auto", model, longer, tmp_path)  # another shape: measured anew
    assert len(json.loads((tmp_path / precision.CACHE_FILE).read_text())) == 2


def test_a_damaged_cache_costs_only_a_new_measurement(tiny_dir, tmp_path):
    model, batch = _model_and_batch(tiny_dir)
    (tmp_path / precision.CACHE_FILE).write_text("{not json")
    choice = precision.choose("auto", model, batch, tmp_path)
    assert not choice.reason.endswith("(measured earlier)")
    assert json.loads((tmp_path / precision.CACHE_FILE).read_text())


def test_without_a_model_auto_is_fp32_and_says_it_was_not_measured():
    choice = precision.choose("auto", None, None, None)
    assert choice.precision == "fp32" and "not measured" in choice.reason


def test_cpu_facts_name_the_instructions_and_the_caps_in_force():
    facts = precision.cpu_facts((("ONEDNN_MAX_CPU_ISA", "AVX2"),))
    assert facts["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    assert {"model", "amx", "avx512_bf16", "avx2", "torch_threads"} <= facts.keys()
    assert facts["torch_threads"] >= 1


PICK_UNDER_AVX2 = """
import sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from engine.modeling import precision
model = AutoModelForSequenceClassification.from_pretrained(sys.argv[1], num_labels=2)
tok = AutoTokenizer.from_pretrained(sys.argv[1])
batch = dict(tok(["a longer sentence about watering the garden"] * 16, padding="max_length",
                 max_length=64, return_tensors="pt"))
batch["labels"] = torch.zeros(16, dtype=torch.long)
choice = precision.choose("auto", model, batch, None)
print(choice.precision, "|", choice.reason)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.uname().machine != "x86_64",
                    reason="oneDNN's ISA cap is an x86 setting")
def test_under_an_avx2_cap_auto_picks_fp32(tiny_dir):
    """The flags still say AVX512-BF16, but with oneDNN capped to AVX2 bf16 is emulated and far
    slower: the measurement must see that."""
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    out = subprocess.run([sys.executable, "-c", PICK_UNDER_AVX2, str(tiny_dir)], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=True)
    chosen, reason = out.stdout.strip().splitlines()[-1].split(" | ")
    assert chosen == "fp32", reason
    assert "on this CPU" in reason


def test_a_run_on_auto_records_what_was_measured(studio, tiny_cfg):
    run_id = studio.start(tiny_cfg(precision="auto", max_steps=2))
    assert studio.runner.wait(run_id, 300) == "finished"
    notes = [e for e in studio.events_since(run_id, 0)
             if e.kind == "note" and "facts" in e.data]
    facts = notes[0].data["facts"]
    assert facts["precision"] in ("fp32", "bf16")
    assert "fp32_s" in facts["precision_measured"]
    assert (studio.store.root / ".cache" / precision.CACHE_FILE).is_file()
