"""Plan §6b, input validation (cases 1-13, 15-17): bad ids, files, labels, settings and names
never crash anything and always get a message naming what to change. Case 14 (uploads through
the web server) is in test_surface.py."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from engine.config import RunConfig
from engine.errors import BadRepoId, ConfigError, DataError, HubGated, HubNotFound, UnsafeRepo
from engine.settings import Settings
from tests.fakehub import child
from tests.reliability.conftest import run_folders


def file_cfg(path, **changes) -> RunConfig:
    return RunConfig(data_source="file", dataset=str(path), **changes)


def test_case_01_unknown_dataset_id_is_explained_and_writes_no_run(fake_hub, tmp_path):
    _, endpoint = fake_hub
    out = child(endpoint, tmp_path, """
        import json
        from engine import RunConfig
        from engine.studio import Studio
        from engine.errors import EngineError
        studio = Studio.from_env(__import__("os").environ)
        try:
            studio.start(RunConfig(data_source="hub", dataset="nobody/nothing"))
            print(json.dumps({"error": None}))
        except EngineError as exc:
            print(json.dumps({"error": [type(exc).__name__, str(exc)],
                              "runs": [h.run_id for h in studio.runs()]}))
    """)
    assert out["error"][0] == "HubNotFound"
    assert "No dataset 'nobody/nothing' on the Hub (or it is private)" in out["error"][1]
    assert out["runs"] == []


@pytest.mark.parametrize("bad", ["csv", "json", "pandas", "sql", "data", ".", "/etc", "../x",
                                 "a/b/c", "ÿ/ü", "n" * 97, "nyu-mll/glue/../../etc"])
def test_case_02_ids_that_are_not_namespace_name_never_reach_a_loader(studio, bad):
    # Offline here: an id that got past validation would fail as HubUnreachable instead.
    with pytest.raises(BadRepoId) as refused:
        studio.inspect(RunConfig(data_source="hub", dataset=bad))
    assert refused.value.field == "dataset"  # the UI names the box to fix


@pytest.mark.parametrize("spec", ["/", "~", "~/models/x", "/etc/passwd", "./runs", "runs/some"])
def test_case_03_model_ids_that_are_local_paths_are_refused(studio, spec, tmp_path,
                                                            monkeypatch):
    from engine.modeling.checkpoints import resolve

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "some").mkdir(parents=True)  # a folder named like a Hub id
    with pytest.raises((ConfigError, HubNotFound)):
        resolve(spec, Settings(runs_root=tmp_path / "runs"))


def test_case_03b_public_mode_reads_only_uploaded_files(tmp_path, public_policy):
    from engine.studio import Studio

    studio = Studio(root=tmp_path / "runs", policy=public_policy)
    for path in ("/etc/passwd", str(tmp_path / "runs" / "uploads" / ".." / "secret.csv")):
        with pytest.raises(DataError, match="upload button only"):
            studio.inspect(RunConfig(data_source="file", dataset=path))
    local = tmp_path / "mine.csv"
    local.write_text("text,label\n" + "".join(f"t{i},{'ab'[i % 2]}\n" for i in range(20)))
    stored = studio.store_upload(str(local))  # what the upload button does
    assert studio.inspect(RunConfig(data_source="file", dataset=stored)).prepared is not None
    import os

    for smuggled in (f"{stored}{os.pathsep}/etc/passwd", f"{stored}{os.pathsep}{os.pathsep}"
                     f"{tmp_path / 'mine.csv'}"):  # a second or third file must be uploaded too
        with pytest.raises(DataError, match="upload button only"):
            studio.inspect(RunConfig(data_source="file", dataset=smuggled))


def test_case_04_to_07_unsafe_or_gated_model_repos_are_refused_before_download(fake_hub,
                                                                               tmp_path):
    """4: custom code; 5: pickle-only weights; 6: too large; 7: gated, no token."""
    fake, endpoint = fake_hub
    out = child(endpoint, tmp_path, """
        import json, os, sys
        from engine.modeling.checkpoints import resolve
        from engine.errors import EngineError
        from engine.settings import Settings
        out = {}
        for repo in ("acme/custom-code", "acme/pickle-only", "acme/gated-bert"):
            try:
                resolve(repo, Settings.from_env(os.environ)); out[repo] = "accepted"
            except EngineError as exc:
                out[repo] = [type(exc).__name__, str(exc)]
        import os
        os.environ["FTS_MAX_MODEL_GB"] = "0.00001"
        try:
            resolve("acme/tiny-bert", Settings.from_env(os.environ)); out["big"] = "accepted"
        except EngineError as exc:
            out["big"] = [type(exc).__name__, str(exc)]
        out["modules"] = [m for m in sys.modules if "evil" in m]
        print(json.dumps(out))
    """)
    assert out["acme/custom-code"] == [UnsafeRepo.__name__, out["acme/custom-code"][1]]
    assert "custom code" in out["acme/custom-code"][1] and out["modules"] == []
    assert "no safetensors weights" in out["acme/pickle-only"][1]
    assert out["acme/gated-bert"][0] == HubGated.__name__
    assert "accept the terms" in out["acme/gated-bert"][1]
    assert "the limit here is" in out["big"][1]
    downloads = [p for _, p, _ in fake.requests if "/resolve/" in p and any(
        r in p for r in ("custom-code", "pickle-only"))]
    assert downloads == []


def test_case_08_one_class_is_refused_before_a_run_exists(studio, tmp_path):
    data = tmp_path / "one.csv"
    pd.DataFrame({"text": [f"sentence {i}" for i in range(30)], "label": ["ok"] * 30}).to_csv(
        data, index=False)
    with pytest.raises(DataError, match="only one class \\('ok'\\)"):
        studio.start(file_cfg(data))
    assert run_folders(studio.store.root) == set()
    view = studio.inspect(file_cfg(data))  # the Data tab still shows the data and the problem
    assert view.problem and "only one class" in view.problem and len(view.preview) == 20


def test_case_09_labels_with_gaps_strings_case_and_nan(studio, tmp_path):
    data = tmp_path / "labels.csv"
    data.write_text("text,label\n" + "".join(
        f"row {i},{v}\n" for i, v in enumerate([0, 5, 7, 5, "", 0, 7] * 6)))
    prepared = studio.prepared(file_cfg(data))
    assert prepared.label_names == ["0", "5", "7"]
    assert prepared.report.dropped["train"]["missing label"] == 6
    assert any("renumbered" in w for w in prepared.report.warnings)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("text,label\n" + "".join(f"row {i},{v}\n" for i, v in enumerate(
        ["Pos", "pos", "neg"] * 10)))
    assert any("upper/lower case" in w for w in studio.prepared(file_cfg(mixed)).report.warnings)


def test_case_10_classes_missing_from_one_side_warn_but_do_not_crash(studio, tmp_path):
    folder = tmp_path / "splits"
    folder.mkdir()
    pd.DataFrame({"text": [f"t {i}" for i in range(20)], "label": ["a", "b"] * 10}).to_csv(
        folder / "train.csv", index=False)
    pd.DataFrame({"text": ["x", "y", "z"], "label": ["a", "c", "c"]}).to_csv(
        folder / "test.csv", index=False)
    prepared = studio.prepared(file_cfg(folder))
    assert prepared.label_names == ["a", "b", "c"]
    assert any("never in training" in w for w in prepared.report.warnings)


def test_case_11_numeric_none_empty_or_blank_text(studio, tmp_path):
    numbers = tmp_path / "numbers.csv"
    pd.DataFrame({"text": list(range(20)), "label": ["a", "b"] * 10}).to_csv(numbers, index=False)
    with pytest.raises(DataError, match="holds int64, not text"):
        studio.prepared(file_cfg(numbers, text_column="text"))
    blanks = tmp_path / "blanks.jsonl"
    rows = [{"text": t, "label": "ab"[i % 2]} for i, t in enumerate(
        [None, "", "   ", "\t"] + [f"fine {i}" for i in range(20)])]
    blanks.write_text("\n".join(json.dumps(r) for r in rows))
    prepared = studio.prepared(file_cfg(blanks))
    assert prepared.report.dropped["train"]["empty text"] == 4
    all_blank = tmp_path / "all_blank.jsonl"
    all_blank.write_text("\n".join(json.dumps({"text": " ", "label": "ab"[i % 2]})
                                   for i in range(10)))
    with pytest.raises(DataError, match="No usable training rows"):
        studio.prepared(file_cfg(all_blank))


@pytest.mark.parametrize("content,error", [
    ("", "is empty"), ("text,label\n", "column names but no rows"),
    ("text,label\nonly one row,a\n", "Only 1 usable training row;"),
])
def test_case_12_empty_header_only_and_one_row_files(studio, tmp_path, content, error):
    data = tmp_path / "data.csv"
    data.write_text(content)
    with pytest.raises(DataError, match=error):
        studio.prepared(file_cfg(data))


def test_case_12b_a_missing_split_lists_the_available_ones(studio):
    with pytest.raises(DataError, match="no split called 'dev'. Available splits: train, test"):
        studio.prepared(RunConfig(eval_split="dev"))


def test_case_13_a_million_character_cell_is_cut_before_tokenizing(studio, tmp_path):
    """How long this takes is measured in ``bench/error_latency.py``."""
    data = tmp_path / "huge.jsonl"
    rows = [{"text": "word " * 200_000, "label": "a"}] + [
        {"text": f"short {i}", "label": "ab"[i % 2]} for i in range(30)]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    cfg = file_cfg(data, checkpoint="builtin:minilm-l6")
    prepared = studio.prepared(cfg)
    stats = studio.length_stats(cfg)
    assert max(len(t) for split in ("train", "validation")
               for t in prepared.splits[split]["text"]) <= 20_000
    assert any("cut to 20,000 characters" in w for w in prepared.report.warnings)
    assert stats.truncated >= 1


@pytest.mark.parametrize("name,body,message", [
    ("quotes.csv", 'text,label\n"unclosed,a\nb,c\n', "quote that is never closed"),
    ("fields.csv", "text,label\nfine,a\nx,y,z,w\n", "line 3 of fields.csv"),
    ("semicolon.csv", "text;label\n" + "".join(f"r{i};{'ab'[i % 2]}\n" for i in range(20)),
     None),  # read with ';' and a note
    ("bom.csv", "\ufefftext,label\n" + "".join(f"r{i},{'ab'[i % 2]}\n" for i in range(20)), None),
    ("lines.json", '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n{bad', "Line 3"),
    ("array.json", '[{"text": "a", "label": "x"},\n {"text": "b" "label": "y"}]', "Line 2"),
])
def test_case_15_malformed_files_name_the_line_or_load(studio, tmp_path, name, body, message):
    data = tmp_path / name
    data.write_text(body, encoding="utf-8")
    if message:
        with pytest.raises(DataError, match=message):
            studio.prepared(file_cfg(data))
    else:  # the BOM is stripped; the semicolons are recognised
        prepared = studio.prepared(file_cfg(data))
        assert (prepared.text_column, prepared.label_column) == ("text", "label")
        assert name == "bom.csv" or "read as semicolon-separated" in prepared.report.source


def test_case_15b_latin1_and_nested_json(studio, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(("text,label\n" + "".join(f"été numéro {i},{'ab'[i % 2]}\n"
                                                for i in range(20))).encode("latin-1"))
    prepared = studio.prepared(file_cfg(latin))
    assert prepared.splits["train"][0]["text"].startswith("été")
    nested = tmp_path / "nested.jsonl"
    nested.write_text("\n".join(json.dumps({"text": f"t {i}", "meta": {"deep": {"x": [i]}},
                                            "label": "ab"[i % 2]}) for i in range(20)))
    assert studio.prepared(file_cfg(nested)).label_names == ["a", "b"]


@pytest.mark.parametrize("field,value", [
    ("learning_rate", 0), ("learning_rate", 1e9), ("epochs", -1), ("batch_size", 0),
    ("batch_size", 1e6), ("max_length", 1e9), ("learning_rate", float("nan")),
    ("epochs", float("inf")), ("warmup_ratio", -0.5), ("seed", -1)])
def test_case_16_out_of_range_settings_name_the_field(field, value):
    with pytest.raises(ConfigError) as info:
        RunConfig(**{field: value})
    assert info.value.field == field and "must be" in str(info.value)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs", "..", "con/..", "x" * 300,
                                  "emoji-🚀", "a;rm -rf /", "a/b"])
def test_case_17_unsafe_run_names_are_refused_and_writes_stay_inside(studio, name):
    with pytest.raises(ConfigError, match="letters, digits"):
        RunConfig(output_name=name)
    from engine.paths import inside

    with pytest.raises(ConfigError):
        inside(studio.store.root, "../../etc/passwd")
    assert inside(studio.store.root, "fine-name").parent == studio.store.root.resolve()
