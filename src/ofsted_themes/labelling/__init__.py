"""Growing the labelled set from the user's own letters: choose the sentences worth labelling
(``selection``), take labels from a spreadsheet (``importing``) or one at a time (``review``), and
keep them in one append-only store (``store``)."""

from ofsted_themes.core.digests import file_digest
from ofsted_themes.labelling.importing import Imported, import_columns, read_import
from ofsted_themes.labelling.review import Answer, Review, review_keys
from ofsted_themes.labelling.selection import (
    SIMILARITY,
    is_suggestion_file,
    model_tags,
    per_letter_cap,
    read_tag_table,
    select,
    sentence_vectors,
    suggestion_table,
    uncertainty,
    unimported,
)
from ofsted_themes.labelling.store import (
    TRAIN_ON_LABELS,
    Appended,
    LabelError,
    Settings,
    append_labels,
    check_model_themes,
    empty_labels,
    label_id,
    label_rows,
    labelled_texts,
    normalise,
    read_labels,
    remove_labels,
    set_texts,
    settings,
    train_command,
)

__all__ = [
    "SIMILARITY",
    "TRAIN_ON_LABELS",
    "Answer",
    "Appended",
    "Imported",
    "LabelError",
    "Review",
    "Settings",
    "append_labels",
    "check_model_themes",
    "empty_labels",
    "file_digest",
    "import_columns",
    "is_suggestion_file",
    "label_id",
    "label_rows",
    "labelled_texts",
    "model_tags",
    "normalise",
    "per_letter_cap",
    "read_import",
    "read_labels",
    "read_tag_table",
    "remove_labels",
    "review_keys",
    "select",
    "sentence_vectors",
    "set_texts",
    "settings",
    "suggestion_table",
    "train_command",
    "uncertainty",
    "unimported",
]
