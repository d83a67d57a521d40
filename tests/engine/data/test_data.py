"""Loading files: every supported format, Spark part folders, and parse errors that say where."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from engine.data.sources import builtin_names, load_builtin, load_path, load_raw
from engine.errors import DataError, DataParseError

ROWS = [{"text": "great film", "label": "pos"}, {"text": "dull plot", "label": "neg"},
        {"text": "loved it, truly", "label": "pos"}]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".json", ".jsonl", ".parquet"])
def test_each_format_loads_the_same_rows(tmp_path, suffix):
    path = tmp_path / f"reviews{suffix}"
    df = pd.DataFrame(ROWS)
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, sep="\t", index=False)
    elif suffix == ".json":
        path.write_text(json.dumps(ROWS), encoding="utf-8")  # a JSON array
    elif suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    else:
        df.to_parquet(path)
    raw = load_path(str(path))
    assert list(raw.splits) == ["train"]
    assert raw.splits["train"].to_list() == ROWS


def test_spark_style_parquet_folder_reads_as_one_table(tmp_path):
    folder = tmp_path / "spark_out"
    folder.mkdir()
    for i in range(3):
        pd.DataFrame(ROWS).to_parquet(folder / f"part-0000{i}-4f1c.snappy.parquet")
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-00000-4f1c.snappy.parquet.crc").write_bytes(b"\x00crc")
    raw = load_path(str(folder))
    assert len(raw.splits["train"]) == 9


def test_folder_of_named_split_files(tmp_path):
    pd.DataFrame(ROWS).to_csv(tmp_path / "train.csv", index=False)
    pd.DataFrame(ROWS[:2]).to_csv(tmp_path / "test.csv", index=False)
    raw = load_path(str(tmp_path))
    assert {k: len(v) for k, v in raw.splits.items()} == {"train": 3, "test": 2}


def test_csv_with_a_bad_row_names_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nfine,pos\nthis, has, too many,neg\n", encoding="utf-8")
    with pytest.raises(DataParseError) as info:
        load_path(str(path))
    assert info.value.line == 3
    assert "line 3 of bad.csv" in str(info.value)


def test_csv_with_an_unclosed_quote(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('text,label\n"never closed,pos\nok,neg\n', encoding="utf-8")
    with pytest.raises(DataParseError, match="quote that is never closed"):
        load_path(str(path))


def test_jsonl_error_names_the_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 0}\n{"text": oops}\n')
    with pytest.raises(DataParseError) as info:
        load_path(str(path))
    assert info.value.line == 3 and "Line 3 of rows.jsonl" in str(info.value)


def test_json_array_error_names_the_line(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text('[\n {"text": "a", "label": 1},\n {"text": "b" "label": 0}\n]')
    with pytest.raises(DataParseError, match="Line 3 of rows.json"):
        load_path(str(path))


def test_json_object_wrapping_a_list_of_rows(tmp_path):
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"data": ROWS}))
    assert len(load_path(str(path)).splits["train"]) == 3


@pytest.mark.parametrize("content,message", [
    ("", "is empty"), ("   \n", "is empty"), ("text,label\n", "column names but no rows")])
def test_empty_and_header_only_files(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_path(str(path))


def test_latin1_file_is_read_with_a_warning(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ncafé crème très bon,pos\nmauvais,neg\n".encode("latin-1"))
    raw = load_path(str(path))
    assert raw.splits["train"][0]["text"] == "café crème très bon"
    assert any("not UTF-8" in w for w in raw.warnings)


def test_mixed_type_column_becomes_text_with_a_warning(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": "pos"}\n')
    raw = load_path(str(path))
    assert raw.splits["train"]["label"] == ["1", "pos"]
    assert any("mixes kinds of values" in w for w in raw.warnings)


def test_unsupported_and_missing_files(tmp_path):
    (tmp_path / "notes.docx").write_text("hello")
    with pytest.raises(DataError, match="unsupported file type"):
        load_path(str(tmp_path / "notes.docx"))
    with pytest.raises(DataError, match="was not found"):
        load_path(str(tmp_path / "nope.csv"))


def test_size_cap(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("text,label\n" + "some words here,pos\n" * 200)
    with pytest.raises(DataError, match="the limit is"):
        load_path(str(path), max_mb=0.001)
    assert len(load_path(str(path), max_mb=1).splits["train"]) == 200


def test_builtin_samples_are_big_enough_and_have_cards():
    assert set(builtin_names()) == {"sentiment", "paraphrase", "support", "corpus", "topics",
                                    "ratings", "support-imbalanced"}
    minimum = {"sentiment": 600, "paraphrase": 400, "support": 500, "corpus": 300,
               "topics": 500, "ratings": 600, "support-imbalanced": 330}
    for name, rows in minimum.items():
        raw = load_builtin(name)
        assert set(raw.splits) == {"train", "test"}
        assert sum(len(s) for s in raw.splits.values()) >= rows, name
        assert raw.meta["title"]
    support = load_builtin("support").splits["train"]
    assert len(set(support["label"])) >= 4


def test_the_sample_cards_match_their_files():
    """tools/check_samples.py checks the multi-label, regression and imbalanced samples against
    the rules they were made to (labels, score steps, no duplicates, the imbalanced subset is
    support's first rows) and that every number in their cards is the one counted from the
    files."""
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, str(root / "tools" / "check_samples.py")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "ALL CHECKS PASSED" in out.stdout


def test_unknown_builtin_and_source():
    with pytest.raises(DataError, match="no built-in sample called 'nope'"):
        load_raw("builtin", "nope")
    with pytest.raises(DataError, match="Unknown data source"):
        load_raw("ftp", "x")
