"""MLflow model code (logged as code, not pickled): the Tagger behind MLflow's pyfunc interface.
The package is logged beside it (``code_paths``), so the model loads without installing it."""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from ofsted_themes.modelling.tagger import Tagger


class TaggerModel(PythonModel):
    def load_context(self, context) -> None:
        self.tagger = Tagger.load(context.artifacts["tagger"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.tagger.predict(model_input["text"].astype(str).tolist())


mlflow.models.set_model(TaggerModel())
