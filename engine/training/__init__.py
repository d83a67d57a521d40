"""Training: one run from Start to a saved model, observable through its event log.

``runner`` owns the background thread and the queue; ``run_body`` is what that thread does,
phase by phase; ``trainer`` builds the ``Trainer`` (tokenized splits, collator, precision,
sampler) from ``recipe`` (the ``TrainingArguments`` keywords the export reuses); ``callbacks``
publish events and honour Stop; ``events`` is the append-only log; ``runs`` the run folders;
``guidance`` reads advice off the events; ``estimate`` measures a few steps before a run;
``failures`` turns an exception into a sentence.
"""
