"""Spark data: a live DataFrame through ``Dataset.from_spark`` (cache directory set as the
Databricks guide recommends) and a folder of Parquet part files written by Spark. pyspark is an
optional extra (requirements-dev.txt); under CI its absence fails the test."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from engine.config import RunConfig
from engine.data.sources import load_builtin
from engine.studio import Studio
from tests.reliability.conftest import wait_for_state


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("pyspark is not installed; CI installs it from requirements-dev.txt")
        pytest.skip("pyspark not installed")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers: this interpreter, not PATH's
    session = (SparkSession.builder.master("local[1]").appName("fts-test")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
               .getOrCreate())
    yield session
    stop_spark(session)


def stop_spark(session) -> None:
    """Stop the session *and* its JVM: ``session.stop()`` alone leaves the gateway's Java
    process running (measured: ~18% CPU through the rest of the suite)."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    proc = getattr(gateway, "proc", None)
    session.stop()
    if gateway is not None:
        gateway.shutdown()
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a JVM that ignores SIGTERM is killed
            proc.kill()
            proc.wait(timeout=30)
        assert proc.poll() is not None, "the Spark JVM is still running"
    SparkContext._gateway = None
    SparkContext._jvm = None


def frames(spark):
    splits = load_builtin("sentiment").splits
    return (spark.createDataFrame(splits["train"].to_pandas()),
            spark.createDataFrame(splits["test"].to_pandas()))


def test_a_spark_dataframe_trains_through_from_spark(spark, tmp_path, tiny_checkpoint):
    from engine.data.spark import spark_loader

    train, test = frames(spark)
    cache = tmp_path / "spark-cache"
    studio = Studio(root=tmp_path / "runs", loader=spark_loader(train, test, cache_dir=cache))
    cfg = RunConfig(data_source="file", dataset="spark", checkpoint=tiny_checkpoint,
                    max_steps=4, batch_size=8, max_length=32)
    prepared = studio.prepared(cfg)
    assert prepared.report.rows["test"] == test.count()
    assert prepared.label_names == ["negative", "positive"]
    assert any(cache.rglob("*.arrow"))  # materialized where the cache was asked to be
    run_id = studio.start(cfg)
    assert wait_for_state(studio, run_id, ("finished",)) == "finished"


def test_parquet_part_files_written_by_spark_load_as_a_file_source(spark, tmp_path):
    train, _ = frames(spark)
    folder = tmp_path / "spark-parquet"
    train.repartition(3).write.parquet(str(folder))
    assert (folder / "_SUCCESS").exists() and len(list(folder.glob("part-*.parquet"))) == 3
    studio = Studio(root=tmp_path / "runs")
    prepared = studio.prepared(RunConfig(data_source="file", dataset=str(folder)))
    assert sum(prepared.report.rows.values()) == train.count()
