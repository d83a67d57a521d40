"""One change of sample prepares the data once: the Data tab's summary, the Model tab's padding
views, the estimate, Start and the training thread all read the same prepared splits."""

from __future__ import annotations

from dataclasses import replace

from engine.data.prepare import PREPARE_FIELDS, prepare
from engine.data.sources import load_raw, raw_key
from engine.studio import Studio


def test_what_the_tabs_ask_after_a_change_of_sample_is_computed_once(tmp_path, tiny_cfg):
    loads = []

    def counting_loader(*args, **kwargs):
        loads.append(args)
        return load_raw(*args, **kwargs)

    studio = Studio(root=tmp_path / "runs", loader=counting_loader)
    cfg = tiny_cfg()
    # what the Data tab's change handler and the Model tab's refresh ask, in their order
    studio.inspect(cfg)
    studio.length_stats(cfg)
    studio.batch_demo(cfg)
    studio.length_stats(cfg)
    studio.epoch_padding(cfg)
    studio.inspect(cfg)
    studio.prepared(replace(cfg, learning_rate=1e-4, batch_size=16))  # not a data setting
    assert studio.memo.misses == {"raw": 1, "prepared": 1, "lengths": 1}
    run_id = studio.start(cfg)
    assert studio.runner.wait(run_id) == "finished"
    assert len(loads) == 1 and studio.memo.misses["prepared"] == 1  # the thread reused them
    studio.inspect(replace(cfg, validation_fraction=0.2))  # a data setting: prepared again
    assert studio.memo.misses["prepared"] == 2 and len(loads) == 1


class Recording:
    """A RunConfig stand-in that notes every field read."""

    def __init__(self, cfg):
        self._cfg, self.read = cfg, set()

    def __getattr__(self, name):
        self.read.add(name)
        return getattr(self._cfg, name)


def test_the_cache_key_holds_every_setting_prepare_reads(tmp_path, tiny_cfg):
    one_file = tmp_path / "reviews.csv"
    one_file.write_text("text,label\n" + "".join(f"review number {i},{'ab'[i % 2]}\n"
                                                 for i in range(400)), encoding="utf-8")
    configs = [tiny_cfg(), tiny_cfg(dataset="paraphrase"), tiny_cfg(task="mlm", dataset="corpus"),
               tiny_cfg(data_source="file", dataset=str(one_file))]
    for cfg in configs:
        recorder = Recording(cfg)
        prepare(load_raw(*raw_key(cfg)), recorder, None)
        assert recorder.read - set(PREPARE_FIELDS) == set(), cfg.dataset
    assert "test_fraction" in recorder.read  # the one-file case carves a test split
