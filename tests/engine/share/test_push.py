"""Publishing to the Hub through the real huggingface_hub client against the loopback fake Hub:
the uploaded file list, the model card (parsed back with ModelCard.load) and token hygiene."""

from __future__ import annotations

from huggingface_hub import ModelCard

from engine.studio import Studio
from tests.fakehub import child
from tests.reliability.conftest import wait_for_state

TOKEN = "hf_WRITERtoken0123456789abcd"


def finished_run(tmp_path, tiny_cfg) -> str:
    studio = Studio(root=tmp_path / "runs")
    run_id = studio.start(tiny_cfg(max_steps=6))
    assert wait_for_state(studio, run_id, ("finished",)) == "finished"
    return run_id


def push(endpoint: str, tmp_path, run_id: str, repo: str, token: str) -> dict:
    return child(endpoint, tmp_path, f"""
        import json
        from engine.studio import Studio
        from engine.errors import EngineError
        try:
            studio = Studio.from_env(__import__("os").environ)
            out = studio.push({run_id!r}, {repo!r}, {token!r}, private=True)
        except EngineError as exc:
            out = {{"error": [type(exc).__name__, str(exc)]}}
        print(json.dumps(out))
    """)


def test_push_uploads_only_the_allow_list_and_a_card_that_parses(fake_hub, tmp_path, tiny_cfg):
    fake, endpoint = fake_hub
    run_id = finished_run(tmp_path, tiny_cfg)
    out = push(endpoint, tmp_path, run_id, "tiny-sentiment", TOKEN)
    assert out["repo_id"] == "user/tiny-sentiment"
    repo = fake.root / "models" / "user" / "tiny-sentiment"
    uploaded = sorted(p.name for p in repo.iterdir())
    assert uploaded == sorted(out["files"])
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= set(uploaded)
    forbidden = ("training_args.bin", "optimizer.pt", "scheduler.pt", "trainer_state.json",
                 "rng_state.pth")
    assert not set(uploaded) & set(forbidden)
    card = ModelCard.load(repo / "README.md")
    assert card.data.pipeline_tag == "text-classification"
    assert "fine-tune-studio" in card.data.tags
    for piece in ("`negative`, `positive`", "| accuracy |", "## Training configuration",
                  "| learning_rate | 0.001 |", "## Intended use and limitations",
                  'pipeline("text-classification", model="user/tiny-sentiment")'):
        assert piece in card.text, piece
    assert fake.private == {"user/tiny-sentiment"} or "user/tiny-sentiment" in fake.private
    for path in list(repo.rglob("*")) + list((tmp_path / "runs").rglob("*")):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path  # token in no file
    writes = [h.get("authorization") for m, p, h in fake.requests
              if m == "POST" and "tiny-sentiment" in p + str(h)]
    assert writes and all(a == f"Bearer {TOKEN}" for a in writes if a)


def test_read_only_and_invalid_tokens_are_explained(fake_hub, tmp_path, tiny_cfg):
    """Plan §6b case 25."""
    fake, endpoint = fake_hub
    run_id = finished_run(tmp_path, tiny_cfg)
    fake.read_only_tokens.add("hf_READONLYtoken0123456789")
    fake.invalid_tokens.add("hf_REVOKEDtoken01234567890")
    out = push(endpoint, tmp_path, run_id, "nope", "hf_READONLYtoken0123456789")
    assert out["error"][0] == "HubError" and "can only read" in out["error"][1]
    out = push(endpoint, tmp_path, run_id, "nope", "hf_REVOKEDtoken01234567890")
    assert out["error"][0] == "HubError" and "token is not valid" in out["error"][1]
    assert "REVOKED" not in out["error"][1]
    assert not (fake.root / "models" / "user" / "nope").exists()
