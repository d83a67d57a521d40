"""The Share tab's model-card preview shows the metadata block as YAML, not as run-on text."""

from __future__ import annotations

from huggingface_hub import ModelCard, ModelCardData

from ui.share_tab import card_preview


def test_the_metadata_block_is_shown_as_yaml_and_the_text_follows():
    card = ModelCard.from_template(ModelCardData(language="en", base_model="org/base",
                                                 tags=["fine-tune-studio"]),
                                   template_str="---\n{{ card_data }}\n---\n\n# My model\n")
    preview = card_preview(str(card))
    head, body = preview.split("```\n", 1)
    assert head.startswith("```yaml\n") and "base_model: org/base" in head
    assert "---" not in head and body.strip() == "# My model"


def test_a_card_without_metadata_is_left_alone():
    assert card_preview("# Just text\n") == "# Just text\n"
