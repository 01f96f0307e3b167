"""The model: features, the multi-label classifier, the Tagger and its pickle-free files."""
