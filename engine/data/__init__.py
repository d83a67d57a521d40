"""Data: where rows come from and how they become clean splits.

``sources`` loads a built-in sample, an uploaded file or folder, or a Hub dataset (``tables``
reads delimited text in any separator and encoding, and spreadsheets); ``columns`` guesses the
text, pair and label columns; ``prepare`` turns raw splits into train/validation/test with
standard columns and a label vocabulary; ``inspection`` is what the Data tab shows before
training; ``spark`` trains from Spark DataFrames (optional). ``samples/`` holds the built-in
datasets, each with a data card.
"""
