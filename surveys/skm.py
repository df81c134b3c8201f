"""The nine SKM elements (unsur) of PermenPANRB No. 14 Tahun 2017.

The option labels are the regulation's own, score 1 → 4. Answers are stored by
the element key (``U1`` … ``U9``), never by position: published questionnaires
disagree on the order of the last two elements.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys.i18n import Text


@dataclass(frozen=True)
class Element:
    key: str
    #: short stable name, e.g. for column headers
    slug: str
    name: Text
    #: labels of the answers scored 1, 2, 3 and 4, in that order
    options: tuple[Text, Text, Text, Text]
    #: the question as the built-in template asks it
    question: Text


def _options(
    one: tuple[str, str], two: tuple[str, str], three: tuple[str, str], four: tuple[str, str]
) -> tuple[Text, Text, Text, Text]:
    return (Text(*one), Text(*two), Text(*three), Text(*four))


ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1",
        "persyaratan",
        Text("Persyaratan", "Requirements"),
        _options(
            ("Tidak sesuai", "Not appropriate"),
            ("Kurang sesuai", "Not quite appropriate"),
            ("Sesuai", "Appropriate"),
            ("Sangat sesuai", "Very appropriate"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
            "pelayanannya?",
            "How well do the service requirements match the type of service, in your opinion?",
        ),
    ),
    Element(
        "U2",
        "prosedur",
        Text("Sistem, mekanisme, dan prosedur", "Systems, mechanisms and procedures"),
        _options(
            ("Tidak mudah", "Not easy"),
            ("Kurang mudah", "Not quite easy"),
            ("Mudah", "Easy"),
            ("Sangat mudah", "Very easy"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang kemudahan sistem, mekanisme, dan prosedur "
            "pelayanan di unit ini?",
            "How easy are this unit's service systems, mechanisms and procedures, in your opinion?",
        ),
    ),
    Element(
        "U3",
        "waktu",
        Text("Waktu penyelesaian", "Completion time"),
        _options(
            ("Tidak cepat", "Not fast"),
            ("Kurang cepat", "Not quite fast"),
            ("Cepat", "Fast"),
            ("Sangat cepat", "Very fast"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang kecepatan waktu penyelesaian pelayanan?",
            "How fast was the service completed, in your opinion?",
        ),
    ),
    Element(
        "U4",
        "biaya",
        Text("Biaya/tarif", "Cost/fee"),
        _options(
            ("Sangat mahal", "Very expensive"),
            ("Cukup mahal", "Fairly expensive"),
            ("Murah", "Cheap"),
            ("Gratis", "Free of charge"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
            "How reasonable was the cost or fee of the service, in your opinion?",
        ),
    ),
    Element(
        "U5",
        "produk",
        Text("Produk spesifikasi jenis pelayanan", "Product specification of the service"),
        _options(
            ("Tidak sesuai", "Not appropriate"),
            ("Kurang sesuai", "Not quite appropriate"),
            ("Sesuai", "Appropriate"),
            ("Sangat sesuai", "Very appropriate"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang kesesuaian hasil pelayanan yang diterima dengan "
            "yang tercantum dalam standar pelayanan?",
            "How well does what you received match what the service standard promises, in your "
            "opinion?",
        ),
    ),
    Element(
        "U6",
        "kompetensi",
        Text("Kompetensi pelaksana", "Staff competence"),
        _options(
            ("Tidak kompeten", "Not competent"),
            ("Kurang kompeten", "Not quite competent"),
            ("Kompeten", "Competent"),
            ("Sangat kompeten", "Very competent"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam memberikan "
            "pelayanan?",
            "How competent were the staff who served you, in your opinion?",
        ),
    ),
    Element(
        "U7",
        "perilaku",
        Text(
            "Perilaku pelaksana (kesopanan dan keramahan)",
            "Staff behaviour (courtesy and friendliness)",
        ),
        _options(
            ("Tidak sopan dan ramah", "Not polite and friendly"),
            ("Kurang sopan dan ramah", "Not quite polite and friendly"),
            ("Sopan dan ramah", "Polite and friendly"),
            ("Sangat sopan dan ramah", "Very polite and friendly"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
            "kesopanan dan keramahan?",
            "How polite and friendly were the staff who served you, in your opinion?",
        ),
    ),
    Element(
        "U8",
        "pengaduan",
        Text(
            "Penanganan pengaduan, saran dan masukan",
            "Handling of complaints, suggestions and feedback",
        ),
        _options(
            ("Tidak ada", "None"),
            ("Ada tetapi tidak berfungsi", "Exists but does not work"),
            ("Berfungsi kurang maksimal", "Works, but not fully"),
            ("Dikelola dengan baik", "Well managed"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang penanganan pengaduan, saran, dan masukan "
            "pengguna layanan di unit ini?",
            "How well does this unit handle complaints, suggestions and feedback from service "
            "users, in your opinion?",
        ),
    ),
    Element(
        "U9",
        "sarana",
        Text("Sarana dan prasarana", "Facilities and infrastructure"),
        _options(
            ("Buruk", "Poor"),
            ("Cukup", "Fair"),
            ("Baik", "Good"),
            ("Sangat baik", "Very good"),
        ),
        Text(
            "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana pelayanan?",
            "How good are the service facilities and infrastructure, in your opinion?",
        ),
    ),
)

ELEMENT_KEYS: tuple[str, ...] = tuple(element.key for element in ELEMENTS)
ELEMENTS_BY_KEY: dict[str, Element] = {element.key: element for element in ELEMENTS}

#: lowest and highest score of an element answer
SKM_LOW = 1
SKM_HIGH = 4


def element(key: str) -> Element:
    """The element ``key`` (``"U1"`` … ``"U9"``); ``KeyError`` for anything else."""
    return ELEMENTS_BY_KEY[key]
