"""Train on Spark DataFrames (optional: needs ``pip install pyspark``, not a core requirement).

Two routes into the studio:

* a folder of Parquet part files written by Spark (``df.write.parquet(path)``) loads like any
  file (``data_source="file"``), no pyspark needed;
* a live DataFrame becomes a dataset through ``datasets.Dataset.from_spark``. As the Databricks
  guide recommends, the Arrow files it materializes go to a local cache directory
  (``cache_dir``; by default ``spark/`` in datasets' cache, which the entry points put under
  ``<runs>/.cache``), not to the
  driver's temporary folder.

    from engine.data.spark import spark_loader
    studio = Studio(loader=spark_loader(train_df, test_df))
    studio.start(RunConfig(data_source="file", dataset="spark"))  # any name: the loader decides
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DataError
from .sources import Loader, RawData


def _cache_dir(cache_dir: str | Path | None) -> str:
    if cache_dir:
        return str(cache_dir)
    from datasets import config  # under <runs>/.cache once an entry point configured caches

    return str(Path(config.HF_DATASETS_CACHE) / "spark")


def from_spark(train: Any, test: Any = None, cache_dir: str | Path | None = None) -> RawData:
    """Spark DataFrames (train, and optionally test) as the studio's raw splits."""
    try:
        from datasets import Dataset, DatasetDict
    except ImportError as exc:  # pragma: no cover - datasets is a core requirement
        raise DataError("data.datasets_missing") from exc
    if type(train).__module__.split(".")[0] != "pyspark":
        raise DataError("data.not_spark")
    folder = _cache_dir(cache_dir)
    splits = {"train": Dataset.from_spark(train, cache_dir=folder)}
    if test is not None:
        splits["test"] = Dataset.from_spark(test, cache_dir=folder)
    return RawData(DatasetDict(splits), source="Spark DataFrame")


def spark_loader(train: Any, test: Any = None, cache_dir: str | Path | None = None) -> Loader:
    """A loader seam for ``Studio(loader=...)`` that serves these DataFrames."""
    raw = from_spark(train, test, cache_dir)

    def load(source: str, dataset: str, config: str | None = None,
             reading: Any = None) -> RawData:
        return raw

    return load
