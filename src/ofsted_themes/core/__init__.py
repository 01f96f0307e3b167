"""The ground every layer stands on: themes, errors, limits, locks, files, tables, config."""
