"""Bilingual text for survey content and messages, without Flask.

Every string a citizen or a designer sees in a survey is a :class:`Text` with an
Indonesian original (``id``, required) and an optional English translation
(``en``). Looking a text up in English falls back to Indonesian, so a survey can
be published before it is fully translated (the designer is warned instead, see
:func:`surveys.definition.missing_translations`).

Errors are :class:`Message` objects: a stable ``code`` for programs and tests,
and the text in both languages so the web layer picks the request's language
without this package knowing about requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: the languages a survey can be shown in; the first one is the original
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


def _is_english(lang: str | None) -> bool:
    return bool(lang) and str(lang).lower().replace("_", "-").split("-")[0] == "en"


@dataclass(frozen=True)
class Text:
    """A survey string in Indonesian (always) and English (optional)."""

    id: str
    en: str | None = None

    def get(self, lang: str | None = DEFAULT_LANGUAGE) -> str:
        """The text in ``lang`` ("id", "en", "en-US"...), falling back to Indonesian."""
        if _is_english(lang) and self.en and self.en.strip():
            return self.en
        return self.id

    @property
    def is_blank(self) -> bool:
        """True when the Indonesian original is empty: such a text is invalid."""
        return not self.id.strip()

    @property
    def missing_translation(self) -> bool:
        return not (self.en and self.en.strip())

    def __str__(self) -> str:
        return self.id

    @classmethod
    def coerce(cls, value: Text | str | Mapping[str, Any]) -> Text:
        """Accept a ``Text``, a plain Indonesian string or a ``{"id", "en"}`` mapping."""
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping):
            return cls(str(value.get("id") or ""), value.get("en"))
        raise TypeError(f"cannot make a Text from {type(value).__name__}")

    def to_json(self) -> dict[str, str | None]:
        return {"id": self.id, "en": self.en}


#: the other name the brief uses; the same class
LocalizedText = Text


def text_or_none(value: Text | str | Mapping[str, Any] | None) -> Text | None:
    return None if value is None else Text.coerce(value)


@dataclass(frozen=True)
class Message:
    """A user-facing error or warning: a stable code plus its text in both languages."""

    code: str
    id: str
    en: str

    def get(self, lang: str | None = DEFAULT_LANGUAGE) -> str:
        return self.en if _is_english(lang) else self.id

    @property
    def text(self) -> Text:
        return Text(self.id, self.en)

    def __str__(self) -> str:
        return self.id


# Message catalogue: code -> (Indonesian template, English template).
# Templates use str.format fields; every field a template names must be passed.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- answers (the citizen's form)
    "required": ("Pertanyaan ini wajib dijawab.", "This question is required."),
    "multiple_values": ("Pilih satu jawaban saja.", "Choose only one answer."),
    "invalid_type": ("Jawaban tidak dapat dibaca.", "The answer could not be read."),
    "invalid_text": (
        "Jawaban berisi karakter yang tidak dapat disimpan.",
        "The answer contains characters that cannot be stored.",
    ),
    "invalid_choice": ("Pilihan ini tidak tersedia.", "This option is not available."),
    "out_of_scale": (
        "Pilih salah satu nilai dari {low} sampai {high}.",
        "Choose one value from {low} to {high}.",
    ),
    "too_long": (
        "Jawaban terlalu panjang: paling banyak {max} karakter (sekarang {length}).",
        "The answer is too long: at most {max} characters (now {length}).",
    ),
    "not_a_number": ("Masukkan angka, misalnya 12 atau 2,5.", "Enter a number, e.g. 12 or 2.5."),
    "not_an_integer": ("Masukkan bilangan bulat.", "Enter a whole number."),
    "too_many_decimals": (
        "Paling banyak {places} angka di belakang koma.",
        "At most {places} decimal places.",
    ),
    "below_min": ("Nilai paling kecil adalah {min}.", "The smallest allowed value is {min}."),
    "above_max": ("Nilai paling besar adalah {max}.", "The largest allowed value is {max}."),
    "invalid_date": (
        "Masukkan tanggal yang benar dengan format TTTT-BB-HH.",
        "Enter a valid date as YYYY-MM-DD.",
    ),
    "date_too_early": ("Tanggal paling awal adalah {min}.", "The earliest allowed date is {min}."),
    "date_too_late": ("Tanggal paling akhir adalah {max}.", "The latest allowed date is {max}."),
    "too_few_choices": ("Pilih paling sedikit {min} jawaban.", "Choose at least {min} answers."),
    "too_many_choices": ("Pilih paling banyak {max} jawaban.", "Choose at most {max} answers."),
    "other_required": (
        "Sebutkan jawaban lainnya.",
        "Please specify your other answer.",
    ),
    "not_offered": (
        "Tidak ada jenis layanan yang dapat dipilih di unit ini.",
        "This unit offers no service to choose from.",
    ),
    # --- survey definitions (the designer)
    "empty_text": ("Teks tidak boleh kosong.", "The text must not be empty."),
    "missing_translation": (
        "Terjemahan bahasa Inggris belum diisi.",
        "The English translation is missing.",
    ),
    "invalid_key": (
        "Kunci '{key}' tidak valid: gunakan huruf, angka dan garis bawah tunggal, "
        "diawali huruf, paling banyak 64 karakter.",
        "The key '{key}' is not valid: use letters, digits and single underscores, "
        "starting with a letter, at most 64 characters.",
    ),
    "duplicate_key": (
        "Kunci '{key}' sudah dipakai di {other}.",
        "The key '{key}' is already used at {other}.",
    ),
    "duplicate_section_key": (
        "Kunci bagian '{key}' sudah dipakai.",
        "The section key '{key}' is already used.",
    ),
    "no_questions": ("Survei belum berisi pertanyaan.", "The survey has no questions."),
    "unknown_type": (
        "Jenis pertanyaan '{type}' tidak dikenal.",
        "Unknown question type '{type}'.",
    ),
    "too_few_options": (
        "Sediakan paling sedikit {min} pilihan jawaban.",
        "Provide at least {min} answer options.",
    ),
    "invalid_option_value": (
        "Nilai pilihan '{value}' tidak valid: gunakan huruf, angka, '-' atau '_', "
        "paling banyak 64 karakter.",
        "The option value '{value}' is not valid: use letters, digits, '-' or '_', "
        "at most 64 characters.",
    ),
    "duplicate_option": (
        "Nilai pilihan '{value}' dipakai lebih dari sekali.",
        "The option value '{value}' is used more than once.",
    ),
    "reserved_option_value": (
        "Nilai pilihan '{value}' sudah dipakai untuk pilihan 'Lainnya, sebutkan'.",
        "The option value '{value}' is reserved for the 'Other, please specify' option.",
    ),
    "wrong_label_count": (
        "Skala ini memerlukan tepat {count} label.",
        "This scale needs exactly {count} labels.",
    ),
    "min_above_max": (
        "Nilai minimum ({min}) lebih besar dari nilai maksimum ({max}).",
        "The minimum ({min}) is greater than the maximum ({max}).",
    ),
    "invalid_max_length": (
        "Panjang maksimum harus antara 1 dan {limit} karakter.",
        "The maximum length must be between 1 and {limit} characters.",
    ),
    "invalid_decimal_places": (
        "Jumlah angka di belakang koma harus antara 1 dan {limit}.",
        "The number of decimal places must be between 1 and {limit}.",
    ),
    "invalid_display": (
        "Tampilan '{display}' tidak dikenal; gunakan 'radio' atau 'select'.",
        "Unknown display '{display}'; use 'radio' or 'select'.",
    ),
    "invalid_skm_element": (
        "Kunci unsur SKM '{key}' tidak dikenal; gunakan U1 sampai U9.",
        "Unknown SKM element key '{key}'; use U1 to U9.",
    ),
    "skm_incomplete": (
        "Survei SKM ini tidak memuat unsur {missing}; IKM hanya dapat dihitung dari sembilan "
        "unsur.",
        "This SKM survey lacks element(s) {missing}; the IKM needs all nine elements.",
    ),
    "condition_empty": (
        "Kondisi harus memuat paling sedikit satu aturan.",
        "A condition needs at least one rule.",
    ),
    "condition_invalid_mode": (
        "Gabungan kondisi '{mode}' tidak dikenal; gunakan 'any' atau 'all'.",
        "Unknown condition mode '{mode}'; use 'any' or 'all'.",
    ),
    "condition_invalid_op": (
        "Operator kondisi '{op}' tidak dikenal.",
        "Unknown condition operator '{op}'.",
    ),
    "condition_unknown_key": (
        "Kondisi merujuk ke pertanyaan '{key}' yang tidak ada.",
        "The condition refers to a question '{key}' that does not exist.",
    ),
    "condition_not_earlier": (
        "Kondisi merujuk ke pertanyaan '{key}' yang tidak muncul sebelum pertanyaan ini.",
        "The condition refers to question '{key}', which does not come before this question.",
    ),
    "condition_unsupported": (
        "Pertanyaan '{key}' ({type}) tidak dapat dipakai dengan kondisi '{op}'.",
        "Question '{key}' ({type}) cannot be used with the condition '{op}'.",
    ),
    "condition_impossible_value": (
        "Pertanyaan '{key}' tidak pernah bernilai {value}.",
        "Question '{key}' can never have the value {value}.",
    ),
    "condition_invalid_value": (
        "Nilai kondisi untuk '{op}' tidak valid: {value}.",
        "The condition value for '{op}' is not valid: {value}.",
    ),
    # --- JSON import
    "invalid_json": (
        "Berkas bukan JSON yang valid: {error}.",
        "The file is not valid JSON: {error}.",
    ),
    "wrong_format": (
        "Berkas ini bukan definisi survei feedback_app (format '{format}').",
        "This file is not a feedback_app survey definition (format '{format}').",
    ),
    "unsupported_version": (
        "Versi format {version} tidak didukung; versi yang didukung: {supported}.",
        "Format version {version} is not supported; supported: {supported}.",
    ),
    "missing_field": ("Kolom '{field}' wajib ada.", "The field '{field}' is required."),
    "unknown_field": ("Kolom '{field}' tidak dikenal.", "Unknown field '{field}'."),
    "wrong_type": (
        "Kolom ini harus berupa {expected}, bukan {actual}.",
        "This field must be {expected}, not {actual}.",
    ),
    "invalid_value": ("Nilai tidak valid: {value}.", "Invalid value: {value}."),
    # --- versions
    "type_changed": (
        "Jenis pertanyaan '{key}' berubah dari {old} menjadi {new}; jawaban lama tidak dapat "
        "dibandingkan. Buat pertanyaan baru dengan kunci lain.",
        "The type of question '{key}' changed from {old} to {new}; old answers would no longer "
        "compare. Create a new question with another key.",
    ),
    "scale_changed": (
        "Skala pertanyaan '{key}' berubah dari {old} menjadi {new}; jawaban lama tidak dapat "
        "dibandingkan. Buat pertanyaan baru dengan kunci lain.",
        "The scale of question '{key}' changed from {old} to {new}; old answers would no longer "
        "compare. Create a new question with another key.",
    ),
}


def message(code: str, **params: Any) -> Message:
    """The catalogue message ``code`` with ``params`` filled in, in both languages."""
    try:
        id_template, en_template = MESSAGES[code]
    except KeyError:
        raise KeyError(f"no message with code {code!r}") from None
    return Message(code, id_template.format(**params), en_template.format(**params))
