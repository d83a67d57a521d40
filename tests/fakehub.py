"""A populated fake Hub for tests, and a way to run code against it in a child Python.

The Hugging Face libraries read ``HF_ENDPOINT`` and ``HF_HUB_OFFLINE`` when first imported, and
the test process runs offline, so code that must reach the (fake) Hub runs in a child process
with those variables set: the real libraries, nothing patched.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.hubserver import FakeHub

ROOT = Path(__file__).resolve().parents[1]
README = """---
license: cc0-1.0
pretty_name: Acme Reviews
task_categories:
- text-classification
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-00000-of-00001.parquet
  - split: test
    path: data/test-00000-of-00001.parquet
dataset_info:
- config_name: default
  features:
  - name: review
    dtype: string
  - name: stars
    dtype: string
  splits:
  - name: train
    num_bytes: 51000
    num_examples: {train}
  - name: test
    num_bytes: 13000
    num_examples: {test}
  download_size: 40960
  dataset_size: 64000
---
# Acme reviews
"""


def parquet(rows: list[dict]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    return buffer.getvalue()


def build_fake_hub(work: Path, tiny_dir: Path) -> FakeHub:
    """Repos every Hub test uses: a parquet dataset with README metadata, a CSV dataset with two
    configurations, a gated dataset, the tiny BERT, and two unsafe model repos."""
    from engine.data.sources import load_builtin

    fake = FakeHub(work / "hub")
    splits = load_builtin("sentiment").splits
    rows = {k: [{"review": r["text"], "stars": "5" if r["label"] == "positive" else "1"}
                for r in v] for k, v in splits.items()}
    fake.add_dataset("acme/reviews", {
        "README.md": README.format(train=len(rows["train"]), test=len(rows["test"])).encode(),
        "data/train-00000-of-00001.parquet": parquet(rows["train"]),
        "data/test-00000-of-00001.parquet": parquet(rows["test"])})
    fake.add_dataset("acme/glue", {"mrpc/train.csv": b"sentence1,sentence2,label\na,b,1\n",
                                   "sst2/train.csv": b"sentence,label\nfine,1\n"})
    fake.add_dataset("acme/secret-data", {"train.csv": b"text,label\na,1\n"})
    fake.add_model("acme/tiny-bert", tiny_dir)
    custom = work / "custom"
    shutil.copytree(tiny_dir, custom)
    config = json.loads((custom / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_evil.EvilModel"}
    (custom / "config.json").write_text(json.dumps(config))
    (custom / "modeling_evil.py").write_text("import os\nos.system('echo pwned')\n")
    fake.add_model("acme/custom-code", custom)
    pickled = work / "pickled"
    shutil.copytree(tiny_dir, pickled)
    (pickled / "model.safetensors").unlink()
    (pickled / "pytorch_model.bin").write_bytes(b"\x80\x04pickle")
    fake.add_model("acme/pickle-only", pickled)
    fake.gated.add("acme/secret-data")
    fake.add_model("acme/gated-bert", tiny_dir)
    fake.gated.add("acme/gated-bert")
    fake.add_model("acme/flaky-bert", tiny_dir)
    fake.cut_downloads.add("acme/flaky-bert")
    return fake


def child(endpoint: str, tmp: Path, code: str, **env: str) -> dict:
    """Run ``code`` in a fresh Python aimed at the fake Hub; it must print JSON last."""
    full = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "0",
            "HF_DATASETS_OFFLINE": "0", "HF_HOME": str(tmp / "hf"),
            "FTS_RUNS_DIR": str(tmp / "runs"), **env}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=full,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


