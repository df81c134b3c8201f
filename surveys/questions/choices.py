"""Choice questions: yes/no, single and multiple choice, the respondent-data blocks
and the "jenis layanan" question whose options come from the unit at run time.

A choice answer is stored as the option's value string; a multiple-choice answer
as the list of ticked values in option order. With ``allow_other`` the option
"Lainnya, sebutkan" (value ``lainnya``) is added last and its text is stored under
the companion key ``<key>__other`` (also the name of its form input). Typing
that text without ticking "Lainnya" ticks it (the form works without
JavaScript, so people do this).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from surveys.conditions import Op
from surveys.errors import AnswerError, Issue
from surveys.i18n import Text, message
from surveys.questions.base import (
    OTHER_LABEL,
    OTHER_MAX_LENGTH,
    OTHER_VALUE,
    Category,
    FormContext,
    Option,
    OtherInput,
    Question,
    RawValue,
    RenderHints,
    Widget,
    clean_text,
    is_valid_option_value,
    raw_value,
    register,
    scalar,
    setting,
    strings,
)

DISPLAYS = ("radio", "select")


@dataclass(frozen=True, kw_only=True)
class ChoiceQuestion(Question):
    """Pick from options; subclasses say where the options come from."""

    category = Category.CHOICE
    widget = Widget.RADIO
    multiple: ClassVar[bool] = False
    condition_ops = frozenset({Op.EQUALS, Op.ANY_OF})
    #: the fewest options a designer may give
    min_options: ClassVar[int] = 2

    def choice_options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        """The options without "Lainnya, sebutkan"."""
        return ()

    def options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        if self.context_free:
            return self._memo("options", lambda: self._options(None))
        return self._options(context)

    def _options(self, context: FormContext | None) -> tuple[Option, ...]:
        options = self.choice_options(context)
        if self.other_enabled:
            options += (Option(OTHER_VALUE, OTHER_LABEL),)
        return options

    def _lookup(self, context: FormContext | None) -> dict[str, Option]:
        """Form value → option; built once per question unless options depend on context."""
        if self.context_free:
            return self._memo("lookup", lambda: {o.form_value: o for o in self.options(None)})
        return {option.form_value: option for option in self.options(context)}

    def _pick(self, text: str, lookup: Mapping[str, Option]) -> int | str:
        try:
            return lookup[text].value
        except KeyError:
            raise AnswerError(message("invalid_choice")) from None

    def parse(self, raw: RawValue, context: FormContext | None = None) -> Any:
        text = scalar(raw)
        return None if text is None else self._pick(text, self._lookup(context))

    def _other_text(self, submission: Mapping[str, Any]) -> str | None:
        text = scalar(raw_value(submission, self.other_name))
        if text is None:
            return None
        text = clean_text(text, multiline=False)
        if len(text) > OTHER_MAX_LENGTH:
            raise AnswerError(message("too_long", max=OTHER_MAX_LENGTH, length=len(text)))
        return text or None

    def clean_submission(
        self, submission: Mapping[str, Any], context: FormContext | None = None
    ) -> dict[str, Any]:
        if not self.other_enabled:
            return super().clean_submission(submission, context)
        value = self.parse(raw_value(submission, self.key), context)
        other = self._other_text(submission)
        value, other = self._combine_other(value, other)
        if value is None:
            if self.required:
                raise AnswerError(message("required"))
            return {}
        cleaned: dict[str, Any] = {self.key: value}
        if other is not None:
            cleaned[self.other_name] = other
        return cleaned

    def _combine_other(self, value: Any, other: str | None) -> tuple[Any, str | None]:
        if value is None and other is not None:
            value = OTHER_VALUE
        if value != OTHER_VALUE:
            return value, None
        if other is None:
            raise AnswerError(message("other_required"))
        return value, other

    def _render_extra(self, context: FormContext | None) -> dict[str, Any]:
        other = None
        if self.other_enabled:
            other = OtherInput(self.other_name, OTHER_LABEL, OTHER_MAX_LENGTH)
        return {"options": self.options(context), "multiple": self.multiple, "other": other}

    def condition_values(self) -> tuple[int | str, ...]:
        return tuple(option.value for option in self.options())

    def _option_issues(self, path: str, options: tuple[Option, ...]) -> Iterator[Issue]:
        if len(options) < self.min_options:
            yield self._issue(f"{path}.options", message("too_few_options", min=self.min_options))
        seen: set[object] = set()
        for index, option in enumerate(options):
            where = f"{path}.options[{index}]"
            if not is_valid_option_value(option.value):
                yield self._issue(
                    f"{where}.value", message("invalid_option_value", value=option.value)
                )
            elif option.value in seen:
                yield self._issue(f"{where}.value", message("duplicate_option", value=option.value))
            elif self.other_enabled and option.value == OTHER_VALUE:
                yield self._issue(
                    f"{where}.value", message("reserved_option_value", value=option.value)
                )
            seen.add(option.value)
            if option.label.is_blank:
                yield self._issue(f"{where}.label", message("empty_text"))


def _coerce_options(options: Any) -> tuple[Option, ...]:
    result = []
    for option in options:
        if isinstance(option, Option):
            result.append(option)
        elif isinstance(option, Mapping):
            result.append(Option(option["value"], Text.coerce(option["label"])))
        else:
            value, label = option
            result.append(Option(value, Text.coerce(label)))
    return tuple(result)


@dataclass(frozen=True, kw_only=True)
class _DesignedChoice(ChoiceQuestion):
    """Options written by the designer, optionally with "Lainnya, sebutkan"."""

    #: the designer's options ("options" in the JSON; ``options()`` adds "Lainnya")
    choices: tuple[Option, ...] = setting("options", (), json_name="options")
    allow_other: bool = setting("bool", False)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "choices", _coerce_options(self.choices))

    @property
    def other_enabled(self) -> bool:
        return self.allow_other

    def choice_options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        return self.choices

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        yield from self._option_issues(path, self.choices)

    def texts(self) -> Iterator[tuple[str, Text]]:
        yield from super().texts()
        for index, option in enumerate(self.choices):
            yield f"options[{index}].label", option.label


@register
@dataclass(frozen=True, kw_only=True)
class SingleChoiceQuestion(_DesignedChoice):
    """Pick one option, shown as radio buttons or (for long lists) a select box."""

    type_name = "single_choice"
    type_label = Text("Pilihan tunggal", "Single choice")

    display: str = setting("str", "radio")

    def _render(self, context: FormContext | None) -> RenderHints:
        hints = super()._render(context)
        return replace(hints, widget=Widget.SELECT) if self.display == "select" else hints

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        if self.display not in DISPLAYS:
            yield self._issue(f"{path}.display", message("invalid_display", display=self.display))


@register
@dataclass(frozen=True, kw_only=True)
class MultipleChoiceQuestion(_DesignedChoice):
    """Tick any number of options (optionally at least ``min_selected``, at most
    ``max_selected``). Stored as the list of ticked values in option order."""

    type_name = "multiple_choice"
    type_label = Text("Pilihan ganda (boleh lebih dari satu)", "Multiple choice (tick any)")
    widget = Widget.CHECKBOX
    multiple = True

    min_selected: int | None = setting("int?", None)
    max_selected: int | None = setting("int?", None)

    def parse(self, raw: RawValue, context: FormContext | None = None) -> list[str] | None:
        lookup = self._lookup(context)
        picked = {self._pick(text, lookup) for text in strings(raw)}
        if not picked:
            return None
        return [option.value for option in self.options(context) if option.value in picked]

    def clean_submission(
        self, submission: Mapping[str, Any], context: FormContext | None = None
    ) -> dict[str, Any]:
        cleaned = super().clean_submission(submission, context)
        value = cleaned.get(self.key)
        if value is not None:
            if self.min_selected is not None and len(value) < self.min_selected:
                raise AnswerError(message("too_few_choices", min=self.min_selected))
            if self.max_selected is not None and len(value) > self.max_selected:
                raise AnswerError(message("too_many_choices", max=self.max_selected))
        return cleaned

    def _combine_other(self, value: Any, other: str | None) -> tuple[Any, str | None]:
        selected = list(value or [])
        if other is not None and OTHER_VALUE not in selected:
            selected.append(OTHER_VALUE)
        if OTHER_VALUE not in selected:
            return value, None
        if other is None:
            raise AnswerError(message("other_required"))
        return selected, other

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        count = len(self.options())
        for name in ("min_selected", "max_selected"):
            limit = getattr(self, name)
            if limit is not None and not 1 <= limit <= max(count, 1):
                yield self._issue(
                    f"{path}.{name}",
                    message("invalid_value", value=f"{name}={limit} (1–{count})"),
                )
        if (
            self.min_selected is not None
            and self.max_selected is not None
            and self.min_selected > self.max_selected
        ):
            yield self._issue(
                f"{path}.min_selected",
                message("min_above_max", min=self.min_selected, max=self.max_selected),
            )


YES_NO_OPTIONS = (Option("ya", Text("Ya", "Yes")), Option("tidak", Text("Tidak", "No")))


@register
@dataclass(frozen=True, kw_only=True)
class YesNoQuestion(ChoiceQuestion):
    """ "Ya" or "Tidak", stored as ``"ya"`` / ``"tidak"``."""

    type_name = "yes_no"
    type_label = Text("Ya/Tidak", "Yes/No")

    def choice_options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        return YES_NO_OPTIONS


# --------------------------------------------------------------------------- respondent data


@dataclass(frozen=True, kw_only=True)
class FixedChoiceQuestion(ChoiceQuestion):
    """A respondent-data block with fixed options, so reports can compare surveys."""

    category = Category.RESPONDENT
    fixed_options: ClassVar[tuple[Option, ...]] = ()

    def choice_options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        return self.fixed_options


GENDER_OPTIONS = (
    Option("laki_laki", Text("Laki-laki", "Male")),
    Option("perempuan", Text("Perempuan", "Female")),
)

#: Age groups: ten-year bands, the bands BPS tables use, with open ends. Values
#: are stable codes; the youngest band has no lower bound so young service
#: users (students getting documents) still fit.
AGE_RANGE_OPTIONS = (
    Option("lt20", Text("Di bawah 20 tahun", "Under 20")),
    Option("20_29", Text("20–29 tahun", "20–29")),
    Option("30_39", Text("30–39 tahun", "30–39")),
    Option("40_49", Text("40–49 tahun", "40–49")),
    Option("50_59", Text("50–59 tahun", "50–59")),
    Option("ge60", Text("60 tahun ke atas", "60 and over")),
)

EDUCATION_OPTIONS = (
    Option("sd", Text("SD ke bawah", "Primary school or less")),
    Option("smp", Text("SMP/SLTP", "Junior high school")),
    Option("sma", Text("SMA/SLTA", "Senior high school")),
    Option("d1_d3", Text("D1–D3", "Diploma (D1–D3)")),
    Option("d4_s1", Text("D4/S1", "Bachelor's degree (D4/S1)")),
    Option("s2", Text("S2", "Master's degree (S2)")),
    Option("s3", Text("S3", "Doctorate (S3)")),
)

OCCUPATION_OPTIONS = (
    Option("pns", Text("PNS", "Civil servant (PNS)")),
    Option("tni", Text("TNI", "Armed forces (TNI)")),
    Option("polri", Text("POLRI", "Police (POLRI)")),
    Option("swasta", Text("Pegawai swasta", "Private sector employee")),
    Option("wirausaha", Text("Wirausaha", "Self-employed")),
    Option("pelajar_mahasiswa", Text("Pelajar/mahasiswa", "Student")),
    Option("lainnya", Text("Lainnya", "Other")),
)


@register
@dataclass(frozen=True, kw_only=True)
class GenderQuestion(FixedChoiceQuestion):
    type_name = "gender"
    type_label = Text("Jenis kelamin", "Gender")
    fixed_options = GENDER_OPTIONS


@register
@dataclass(frozen=True, kw_only=True)
class AgeRangeQuestion(FixedChoiceQuestion):
    type_name = "age_range"
    type_label = Text("Kelompok umur", "Age group")
    fixed_options = AGE_RANGE_OPTIONS


@register
@dataclass(frozen=True, kw_only=True)
class EducationQuestion(FixedChoiceQuestion):
    type_name = "education"
    type_label = Text("Pendidikan terakhir", "Education")
    fixed_options = EDUCATION_OPTIONS


@register
@dataclass(frozen=True, kw_only=True)
class OccupationQuestion(FixedChoiceQuestion):
    type_name = "occupation"
    type_label = Text("Pekerjaan utama", "Occupation")
    fixed_options = OCCUPATION_OPTIONS


@register
@dataclass(frozen=True, kw_only=True)
class ServiceQuestion(ChoiceQuestion):
    """ "Jenis layanan": the service received, one of the unit's services.

    The options are not in the definition (one survey serves many units); the
    caller passes them in ``FormContext(services=...)``. Without services the
    question is not applicable and therefore hidden. Conditions cannot refer to
    it, since its values are not known when the survey is designed.
    """

    type_name = "service"
    type_label = Text("Jenis layanan", "Service received")
    category = Category.RESPONDENT
    widget = Widget.SELECT
    condition_ops = frozenset()
    context_free = False

    def choice_options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        return context.services if context is not None else ()

    def is_applicable(self, context: FormContext | None = None) -> bool:
        return bool(self.choice_options(context))

    def parse(self, raw: RawValue, context: FormContext | None = None) -> Any:
        text = scalar(raw)
        if text is None:
            return None
        if not self.is_applicable(context):
            raise AnswerError(message("not_offered"))
        return self._pick(text, self._lookup(context))

    def condition_values(self) -> tuple[int | str, ...] | None:
        return None
