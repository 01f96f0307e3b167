"""The commands (`python -m prepare|train|tag|label`): arguments in, calls of the layers."""
