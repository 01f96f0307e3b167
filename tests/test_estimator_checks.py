"""scikit-learn's own estimator checks on the theme estimators.

The estimators take a list of sentences and say so in their tags (``two_d_array=False``), for
which scikit-learn skips every check. So each is checked here through a subclass that differs
only in that tag. The checks that fit or predict on numbers cannot apply to text: they are listed
with the reason, strictly (a listed check that starts to pass fails the test, so the list stays
exact); every other check must pass.
"""

from __future__ import annotations

from functools import partial

import pytest
import sklearn
from sklearn.exceptions import SkipTestWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_get_feature_names_out_error,
    estimator_checks_generator,
    parametrize_with_checks,
)
from sklearn.utils.fixes import parse_version

from ofsted_themes.modelling.classifier import ThemeClassifier
from ofsted_themes.modelling.features import SentenceEmbeddings, ThemePhraseFeatures

if parse_version(sklearn.__version__) < parse_version("1.8"):
    pytest.skip(
        "parametrize_with_checks(xfail_strict=...) needs scikit-learn 1.8", allow_module_level=True
    )

PHRASES = {"cse": ["exploitation", "county lines"], "missing": ["missing from care"]}
DESCRIPTIONS = {"cse": "Child sexual and criminal exploitation.", "missing": "Missing children."}


class ClaimsArrays:
    """Claims a numeric 2-D input, so that scikit-learn runs its checks at all."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        return tags


class CheckedThemeClassifier(ClaimsArrays, ThemeClassifier):
    pass


class CheckedThemePhraseFeatures(ClaimsArrays, ThemePhraseFeatures):
    pass


class CheckedSentenceEmbeddings(ClaimsArrays, SentenceEmbeddings):
    pass


TEXT = "fits or scores a numeric 2-D array; the estimator takes a list of sentences"
NUMBER_ERRORS = (
    "expects the error wording for a bad numeric array (NaN or inf, complex, no feature, one "
    "sample); the estimator refuses any array as not a list of sentences"
)
NOT_AN_ARRAY = "fits a wrapper of a numeric array; the estimator takes a list of sentences"
NO_FEATURE_COUNT = "needs n_features_in_, which a list of sentences does not have"
LABELS = (
    "fits labels other than 0/1 on a numeric array; the labels are 0/1 per theme "
    "(classes_ is [0, 1] for each)"
)

EVERY_ESTIMATOR = {
    "check_fit_score_takes_y": TEXT,
    "check_estimators_overwrite_params": TEXT,
    "check_dont_overwrite_parameters": TEXT,
    "check_estimators_fit_returns_self": TEXT,
    "check_readonly_memmap_input": TEXT,
    "check_n_features_in_after_fitting": NO_FEATURE_COUNT,
    "check_n_features_in": NO_FEATURE_COUNT,
    "check_positive_only_tag_during_fit": TEXT,
    "check_estimators_dtypes": TEXT,
    "check_dtype_object": TEXT,
    "check_estimators_empty_data_messages": NUMBER_ERRORS,
    "check_pipeline_consistency": TEXT,
    "check_estimators_nan_inf": NUMBER_ERRORS,
    "check_estimators_pickle": TEXT,
    "check_f_contiguous_array_estimator": TEXT,
    "check_methods_sample_order_invariance": TEXT,
    "check_methods_subset_invariance": TEXT,
    "check_fit2d_1sample": NUMBER_ERRORS,
    "check_fit2d_1feature": NUMBER_ERRORS,
    "check_dict_unchanged": TEXT,
    "check_fit_idempotent": TEXT,
    "check_fit_check_is_fitted": TEXT,
    "check_fit2d_predict1d": TEXT,
}
CLASSIFIER = {
    "check_classifier_data_not_an_array": LABELS,
    "check_classifiers_classes": LABELS,
    "check_classifiers_one_label": TEXT,
    "check_classifier_multioutput": TEXT,
    "check_classifiers_train": TEXT,
    "check_classifiers_multilabel_representation_invariance": TEXT,
    "check_classifiers_multilabel_output_format_predict": TEXT,
    "check_classifiers_multilabel_output_format_predict_proba": TEXT,
    "check_classifiers_multilabel_output_format_decision_function": TEXT,
    "check_supervised_y_2d": TEXT,
}
TRANSFORMER = {
    # the classifier checks its labels before its sentences, so it words a complex y right
    "check_complex_data": NUMBER_ERRORS,
    "check_transformer_data_not_an_array": NOT_AN_ARRAY,
    "check_transformer_general": TEXT,
    "check_transformer_preserve_dtypes": TEXT,
}


def expected_failures(estimator) -> dict[str, str]:
    """The checks that cannot apply to an estimator of text, each with the reason."""
    own = CLASSIFIER if isinstance(estimator, ThemeClassifier) else TRANSFORMER
    return EVERY_ESTIMATOR | own


ESTIMATORS = [
    ThemeClassifier(PHRASES, TfidfVectorizer(), LogisticRegression()),
    ThemePhraseFeatures(PHRASES),
    SentenceEmbeddings(DESCRIPTIONS),  # no torch needed: every check refuses numbers first
]
CHECKED = [
    CheckedThemeClassifier(PHRASES, TfidfVectorizer(), LogisticRegression()),
    CheckedThemePhraseFeatures(PHRASES),
    CheckedSentenceEmbeddings(DESCRIPTIONS),
]


def check_name(check) -> str:
    while isinstance(check, partial):
        check = check.func
    return check.__name__


def failure(check, estimator) -> Exception | None:
    try:
        check(estimator)
    except Exception as error:
        return error
    return None


def refuses_input(error: BaseException | None) -> bool:
    """Whether the estimator's refusal of non-text input (or of labels other than 0/1) is
    behind ``error``, directly or as the cause of a check's assertion."""
    refusals = ("takes a list of sentences", "takes 0/1 labels")
    while error is not None:
        if any(words in str(error) for words in refusals):
            return True
        error = error.__cause__ or error.__context__
    return False


# type_of_target casts an inf y to int on its way to calling it continuous
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failures, xfail_strict=True)
def test_scikit_learn_estimator_checks(estimator, check):
    if check_name(check) not in expected_failures(estimator):
        check(estimator)
    elif failure(check, estimator) is not None:
        # outside the except block: pytest would spend seconds on the check's long traceback
        pytest.xfail(expected_failures(estimator)[check_name(check)])


@pytest.mark.parametrize("estimator", CHECKED, ids=lambda e: type(e).__name__)
def test_the_listed_checks_fail_only_because_the_input_is_not_text(estimator):
    listed = expected_failures(estimator)
    for _, check in estimator_checks_generator(estimator):
        if check_name(check) in listed:
            error = failure(check, estimator)
            assert error is not None and refuses_input(error), (check_name(check), error)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_the_estimators_say_they_take_text_for_which_scikit_learn_skips_its_checks(estimator):
    tags = get_tags(estimator)
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    with pytest.warns(SkipTestWarning, match="Can't test estimator"):
        names = [check_name(check) for _, check in estimator_checks_generator(estimator)]
    assert names == ["check_estimator_cloneable"]  # hence the subclasses above


@pytest.mark.parametrize("estimator", ESTIMATORS[1:], ids=lambda e: type(e).__name__)
def test_feature_names_of_an_unfitted_transformer_raise_not_fitted(estimator):
    check_get_feature_names_out_error(type(estimator).__name__, estimator)
