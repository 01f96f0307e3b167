"""MLflow model code (logged as code, not pickled): the Tagger behind MLflow's pyfunc interface."""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class TaggerModel(PythonModel):
    def load_context(self, context) -> None:
        from ofsted_themes.tagger import Tagger

        self.tagger = Tagger.load(context.artifacts["tagger"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.tagger.predict(model_input["text"].astype(str).tolist())


mlflow.models.set_model(TaggerModel())
