"""MLflow: the store, logged runs, the registry, sweeps and the pyfunc wrapper."""
