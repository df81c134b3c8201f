"""Question types: a registry of classes, type name → class (see :mod:`.base`).

=================  ====================================  =========================
type name          class                                 stored value
=================  ====================================  =========================
skm_element        :class:`SkmElementQuestion`           int 1–4 (key U1 … U9)
likert             :class:`LikertQuestion`               int 1–5
smiley             :class:`SmileyQuestion`               int 1–5
stars              :class:`StarsQuestion`                int 1–5
nps                :class:`NpsQuestion`                  int 0–10
yes_no             :class:`YesNoQuestion`                "ya" / "tidak"
single_choice      :class:`SingleChoiceQuestion`         option value
multiple_choice    :class:`MultipleChoiceQuestion`       list of option values
short_text         :class:`ShortTextQuestion`            str (≤ 200 by default)
long_text          :class:`LongTextQuestion`             str (≤ 2000 by default)
number             :class:`NumberQuestion`               int or float
date               :class:`DateQuestion`                 "YYYY-MM-DD"
gender             :class:`GenderQuestion`               option value
age_range          :class:`AgeRangeQuestion`             option value
education          :class:`EducationQuestion`            option value
occupation         :class:`OccupationQuestion`           option value
service            :class:`ServiceQuestion`              the service's code/id
=================  ====================================  =========================
"""

from surveys.questions.base import (
    OTHER_LABEL,
    OTHER_SUFFIX,
    OTHER_VALUE,
    QUESTION_TYPES,
    Category,
    FormContext,
    Option,
    OtherInput,
    Question,
    RawValue,
    RenderHints,
    SettingField,
    Widget,
    is_valid_key,
    question_class,
    raw_value,
    register,
    registered_types,
    service_option,
)
from surveys.questions.choices import (
    AGE_RANGE_OPTIONS,
    EDUCATION_OPTIONS,
    GENDER_OPTIONS,
    OCCUPATION_OPTIONS,
    YES_NO_OPTIONS,
    AgeRangeQuestion,
    ChoiceQuestion,
    EducationQuestion,
    FixedChoiceQuestion,
    GenderQuestion,
    MultipleChoiceQuestion,
    OccupationQuestion,
    ServiceQuestion,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from surveys.questions.inputs import (
    DateQuestion,
    LongTextQuestion,
    NumberQuestion,
    ShortTextQuestion,
)
from surveys.questions.scales import (
    AGREEMENT_LABELS,
    SMILEY_FACES,
    LikertQuestion,
    NpsQuestion,
    ScaleQuestion,
    SkmElementQuestion,
    SmileyQuestion,
    StarsQuestion,
)

__all__ = [
    "AGE_RANGE_OPTIONS",
    "AGREEMENT_LABELS",
    "EDUCATION_OPTIONS",
    "GENDER_OPTIONS",
    "OCCUPATION_OPTIONS",
    "OTHER_LABEL",
    "OTHER_SUFFIX",
    "OTHER_VALUE",
    "QUESTION_TYPES",
    "SMILEY_FACES",
    "YES_NO_OPTIONS",
    "AgeRangeQuestion",
    "Category",
    "ChoiceQuestion",
    "DateQuestion",
    "EducationQuestion",
    "FixedChoiceQuestion",
    "FormContext",
    "GenderQuestion",
    "LikertQuestion",
    "LongTextQuestion",
    "MultipleChoiceQuestion",
    "NpsQuestion",
    "NumberQuestion",
    "OccupationQuestion",
    "Option",
    "OtherInput",
    "Question",
    "RawValue",
    "RenderHints",
    "ScaleQuestion",
    "ServiceQuestion",
    "SettingField",
    "ShortTextQuestion",
    "SingleChoiceQuestion",
    "SkmElementQuestion",
    "SmileyQuestion",
    "StarsQuestion",
    "Widget",
    "YesNoQuestion",
    "is_valid_key",
    "question_class",
    "raw_value",
    "register",
    "registered_types",
    "service_option",
]
