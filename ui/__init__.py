"""Fine-Tune Studio's Gradio UI: one module per tab, thin handlers over the engine."""
