"""Models: which checkpoint, how it is loaded, how it is run and scored.

``checkpoints`` resolves a checkpoint name (built-in, Hub id, local folder, an earlier run) and
loads it safely; ``inference`` runs classification and fill-mask for Try it; ``precision``
chooses fp32/bf16 and threads by measuring this machine; ``sparse_mlm`` is the masked-LM loss
that projects only masked positions; ``metrics/`` holds the local ``evaluate`` modules.
"""
