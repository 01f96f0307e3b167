"""Batches of letters in, sentence tables, summaries and failures out, committed together."""
