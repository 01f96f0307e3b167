"""MLflow model code (logged as code, not pickled): the Tagger behind MLflow's pyfunc interface,
which `mlflow models serve` exposes over REST (`make serve`). The package is logged beside it
(``code_paths``), so the model loads without installing it.

A request is checked before tagging: a bad one is a 400 with a message saying what to fix (the
scoring server turns an MlflowException of INVALID_PARAMETER_VALUE into that), and the server
stays up for the next one."""

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.pyfunc import PythonModel

from ofsted_themes.modelling.tagger import Tagger
from ofsted_themes.reading.cleaning import is_blank
from ofsted_themes.reading.sentences import MAX_SENTENCE_CHARS  # as letters are cut

MAX_REQUEST_SENTENCES = 5_000  # a long inspection report has 300-500; more is a batch job


def check_request(model_input: pd.DataFrame) -> list[str]:
    """The request's sentences, or an MlflowException (HTTP 400) saying what is wrong."""

    def bad(message: str) -> MlflowException:
        return MlflowException(message, error_code=INVALID_PARAMETER_VALUE)

    if not isinstance(model_input, pd.DataFrame):  # a model saved without a signature
        try:
            model_input = pd.DataFrame(model_input)
        except ValueError as error:
            raise bad(f"send a 'text' column: one sentence per row ({error})") from None

    if "text" not in model_input.columns:
        raise bad("send a 'text' column: one sentence per row")
    if len(model_input) == 0:
        raise bad("the request holds no sentences")
    if len(model_input) > MAX_REQUEST_SENTENCES:
        raise bad(
            f"{len(model_input):,} sentences in one request: send at most "
            f"{MAX_REQUEST_SENTENCES:,} (a letter at a time), or tag files with `python -m tag`"
        )
    texts = model_input["text"].tolist()
    wrong = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if wrong is not None:
        raise bad(f"row {wrong}: 'text' must be a string, not {type(texts[wrong]).__name__}")
    blank = next((i for i, t in enumerate(texts) if is_blank(t)), None)
    if blank is not None:  # tag leaves a blank row out: it is no sentence to score
        raise bad(f"row {blank}: a blank sentence; send sentences with text")
    long = next((i for i, t in enumerate(texts) if len(t) > MAX_SENTENCE_CHARS), None)
    if long is not None:
        raise bad(f"row {long}: a sentence of over {MAX_SENTENCE_CHARS:,} characters")
    return texts


class TaggerModel(PythonModel):
    def load_context(self, context) -> None:
        self.tagger = Tagger.load(context.artifacts["tagger"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return self.tagger.predict(check_request(model_input))


mlflow.models.set_model(TaggerModel())
