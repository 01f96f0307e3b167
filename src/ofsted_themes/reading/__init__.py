"""Letters in: input files, format readers, cleaned pages, sentences, metadata."""
