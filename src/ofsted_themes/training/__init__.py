"""Labelled sets in, a cross-validated Tagger out."""
