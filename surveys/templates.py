"""Built-in survey templates a designer starts from.

- ``skm``: the official SKM (PermenPANRB 14/2017): the service received, the
  nine elements under their keys U1 … U9, the follow-up "Apa yang perlu kami
  perbaiki?" (shown when any element is answered 1 or 2), "Saran dan masukan",
  and the respondent profile (optional: the form must not feel like an
  interrogation; the report counts "tidak menjawab").
- ``kiosk``: three smiley questions for a tablet at the counter.
- ``berorientasi_pelayanan``: five statements about the officer who served,
  for the BerAKHLAK core value "Berorientasi pelayanan" (understands and meets
  needs; friendly, quick, solution-oriented, reliable). Evidence for the
  supervisor, never an automatic verdict.

Date and time of the answer are recorded by the server, not asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from surveys.conditions import Condition, Rule
from surveys.definition import Section, SurveyDefinition
from surveys.i18n import Text
from surveys.questions import (
    AgeRangeQuestion,
    EducationQuestion,
    GenderQuestion,
    LikertQuestion,
    LongTextQuestion,
    OccupationQuestion,
    ServiceQuestion,
    SkmElementQuestion,
    SmileyQuestion,
)
from surveys.skm import ELEMENT_KEYS

#: keys of the SKM template's own questions besides U1 … U9
SKM_SERVICE_KEY = "layanan"
SKM_FOLLOW_UP_KEY = "perbaikan"
SKM_COMMENT_KEY = "saran"
#: an element answer at or below this asks the follow-up
SKM_FOLLOW_UP_AT_MOST = 2


def skm_follow_up_condition() -> Condition:
    """ "When ANY of U1 … U9 is answered 1 or 2"."""
    return Condition.any(*(Rule.at_most(key, SKM_FOLLOW_UP_AT_MOST) for key in ELEMENT_KEYS))


def skm_template(*, respondent_data: bool = True) -> SurveyDefinition:
    sections = [
        Section(
            key="layanan",
            title=Text("Layanan yang Saudara terima", "The service you received"),
            questions=(
                ServiceQuestion(
                    key=SKM_SERVICE_KEY,
                    text=Text(
                        "Jenis layanan apa yang Saudara terima hari ini?",
                        "Which service did you receive today?",
                    ),
                ),
            ),
        ),
        Section(
            key="unsur",
            title=Text("Pendapat Saudara tentang pelayanan", "Your opinion of the service"),
            description=Text(
                "Pilih satu jawaban yang paling sesuai untuk setiap pertanyaan.",
                "Choose the one answer that fits best for each question.",
            ),
            questions=tuple(SkmElementQuestion.for_element(key) for key in ELEMENT_KEYS),
        ),
        Section(
            key="masukan",
            title=Text("Masukan", "Feedback"),
            questions=(
                LongTextQuestion(
                    key=SKM_FOLLOW_UP_KEY,
                    text=Text("Apa yang perlu kami perbaiki?", "What should we improve?"),
                    help=Text(
                        "Ceritakan apa yang membuat Saudara kurang puas. Jangan tulis nama, "
                        "NIK atau nomor telepon.",
                        "Tell us what disappointed you. Please do not write names, ID numbers "
                        "or phone numbers.",
                    ),
                    required=False,
                    condition=skm_follow_up_condition(),
                ),
                LongTextQuestion(
                    key=SKM_COMMENT_KEY,
                    text=Text("Saran dan masukan", "Suggestions and feedback"),
                    help=Text("Boleh dikosongkan.", "Optional."),
                    required=False,
                ),
            ),
        ),
    ]
    if respondent_data:
        sections.append(
            Section(
                key="responden",
                title=Text("Tentang Saudara", "About you"),
                description=Text(
                    "Tanpa nama dan NIK. Boleh dikosongkan; dipakai untuk tabel profil "
                    "responden dalam laporan SKM.",
                    "No name or ID number. Optional; used for the respondent profile tables "
                    "of the SKM report.",
                ),
                questions=(
                    GenderQuestion(
                        key="jenis_kelamin",
                        text=Text("Jenis kelamin", "Gender"),
                        required=False,
                    ),
                    AgeRangeQuestion(
                        key="umur",
                        text=Text("Umur", "Age"),
                        required=False,
                    ),
                    EducationQuestion(
                        key="pendidikan",
                        text=Text("Pendidikan terakhir", "Highest education"),
                        required=False,
                    ),
                    OccupationQuestion(
                        key="pekerjaan",
                        text=Text("Pekerjaan utama", "Main occupation"),
                        required=False,
                    ),
                ),
            )
        )
    return SurveyDefinition(
        title=Text("Survei Kepuasan Masyarakat", "Public Satisfaction Survey"),
        description=Text(
            "Survei ini mengikuti PermenPANRB Nomor 14 Tahun 2017. Jawaban Saudara tanpa nama "
            "dan hanya dipakai untuk memperbaiki pelayanan.",
            "This survey follows Minister of Administrative and Bureaucratic Reform Regulation "
            "No. 14 of 2017. Your answers are anonymous and used only to improve the service.",
        ),
        sections=tuple(sections),
    )


def kiosk_smiley_template() -> SurveyDefinition:
    def smiley(key: str, id_: str, en: str) -> SmileyQuestion:
        return SmileyQuestion(key=key, text=Text(id_, en))

    return SurveyDefinition.single_section(
        Text("Bagaimana pelayanan kami hari ini?", "How was our service today?"),
        (
            smiley(
                "kepuasan",
                "Secara keseluruhan, seberapa puas Saudara dengan pelayanan hari ini?",
                "Overall, how satisfied are you with today's service?",
            ),
            smiley(
                "kecepatan",
                "Seberapa puas Saudara dengan kecepatan pelayanan?",
                "How satisfied are you with the speed of the service?",
            ),
            smiley(
                "keramahan",
                "Seberapa puas Saudara dengan keramahan petugas?",
                "How satisfied are you with the friendliness of the staff?",
            ),
        ),
        description=Text(
            "Sentuh satu wajah untuk setiap pertanyaan.", "Tap one face per question."
        ),
    )


def service_orientation_template() -> SurveyDefinition:
    def statement(key: str, id_: str, en: str) -> LikertQuestion:
        return LikertQuestion(key=key, text=Text(id_, en))

    return SurveyDefinition.single_section(
        Text("Petugas yang melayani Saudara", "The officer who served you"),
        (
            statement(
                "bp_kebutuhan",
                "Petugas memahami dan memenuhi kebutuhan saya.",
                "The officer understood and met my needs.",
            ),
            statement(
                "bp_ramah",
                "Petugas melayani dengan ramah dan sopan.",
                "The officer was friendly and polite.",
            ),
            statement(
                "bp_cekatan",
                "Petugas melayani dengan cekatan dan tanggap.",
                "The officer was quick and responsive.",
            ),
            statement(
                "bp_solutif",
                "Petugas membantu menyelesaikan keperluan saya.",
                "The officer helped me get done what I came for.",
            ),
            statement(
                "bp_andal",
                "Keterangan yang diberikan petugas jelas dan dapat diandalkan.",
                "The information the officer gave was clear and reliable.",
            ),
            LongTextQuestion(
                key="bp_saran",
                text=Text(
                    "Apa yang dapat dilakukan petugas agar pelayanannya lebih baik?",
                    "What could the officer do to serve you better?",
                ),
                required=False,
                max_length=1000,
            ),
        ),
        description=Text(
            'Nilai BerAKHLAK "Berorientasi pelayanan". Jawaban Saudara tanpa nama.',
            'The BerAKHLAK value "Service-oriented". Your answers are anonymous.',
        ),
    )


@dataclass(frozen=True)
class Template:
    name: str
    title: Text
    build: Callable[[], SurveyDefinition]


TEMPLATES: dict[str, Template] = {
    template.name: template
    for template in (
        Template("skm", Text("SKM sembilan unsur", "SKM, nine elements"), skm_template),
        Template("kiosk", Text("Kios wajah senyum", "Smiley kiosk"), kiosk_smiley_template),
        Template(
            "berorientasi_pelayanan",
            Text("Perilaku petugas: berorientasi pelayanan", "Officer: service orientation"),
            service_orientation_template,
        ),
    )
}


def build_template(name: str) -> SurveyDefinition:
    """A fresh definition from the template ``name``; ``KeyError`` for unknown names."""
    return TEMPLATES[name].build()
