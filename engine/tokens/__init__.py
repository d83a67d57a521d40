"""Tokens: tokenization and padding made visible.

``view`` shows what the model receives (tokens, ids, token_type_ids, attention masks) and the
token-length statistics of a split; ``padding`` builds the collator training uses and measures
the padding of static, dynamic and length-grouped batches.
"""
