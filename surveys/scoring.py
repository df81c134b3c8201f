"""SKM scoring (NRR, IKM, grades, confidence interval), CSAT, NPS and sample size.

IKM, exactly as PermenPANRB 14/2017 defines it
------------------------------------------------
- NRR of element *i* = sum of its scores / number of its respondents.
- IKM (1–4) = Σ NRRᵢ × weight, weight 1/9 by default (the mean of the nine NRRs).
- converted IKM (25–100) = IKM × 25; an element's own score = NRRᵢ × 25.
- All arithmetic is exact (``fractions.Fraction``); the converted value is
  rounded to 2 decimals, half up, only at the end, and graded with ≥ on the
  rounded value: A ≥ 88.31, B ≥ 76.61, C ≥ 65.00, else D.

With complete answers this is the same number as "sum of all scores /
(n × 9) × 25". An unanswered element (an optional element, or an old version
without it) is left out of that element only: each NRR is taken over the
respondents who answered that element. An element nobody answered makes the
IKM not computable (``score`` is ``None``, ``missing`` names the element),
rather than silently averaging eight elements.

``LEGACY_WEIGHT`` (0.111) reproduces the spreadsheets many agencies used
(IKM = Σ NRRᵢ × 0.111); it is an option per agency, never the default.

Aggregates
----------
Dashboards keep incremental sums per element: :class:`ElementAggregate`
``(n, total, total_squares)``. :func:`ikm_from_aggregates` gives exactly the same
result as :func:`ikm_from_responses` on the raw answers (the latter is built on
the former). ``total_squares`` (Σ score²) is needed only for the confidence
interval; ``(n, total)`` alone gives the IKM.

Confidence interval (95 %)
--------------------------
From per-element aggregates only, so it works on incremental sums and with
missing answers: the standard error of the weighted sum of NRRs is bounded by
the sum of the weighted element standard errors,
``SE ≤ Σ wᵢ · sᵢ / √nᵢ`` (sᵢ: sample standard deviation of element *i*,
from n, Σx, Σx²). This bound holds whatever the correlation between elements
(it is exact when they are perfectly correlated, and SKM elements are strongly
positively correlated), so the interval is conservative: it never claims more
precision than the data has. Half-width = t × 25 × SE, with Student's t for
df = min nᵢ − 1 (1.96 in the large-sample limit), clipped to the scale. It
needs at least two answers per element; otherwise there is no interval.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from surveys.definition import SurveyDefinition
from surveys.i18n import Text
from surveys.skm import ELEMENT_KEYS, ELEMENTS_BY_KEY, SKM_HIGH, SKM_LOW

Number = int | Fraction | Decimal

EXACT_WEIGHT = Fraction(1, 9)
#: the weight of old spreadsheets, IKM = Σ NRR × 0.111
LEGACY_WEIGHT = Fraction(111, 1000)
#: another weight seen in old spreadsheets (0.11)
LEGACY_WEIGHT_011 = Fraction(11, 100)
#: converts the 1–4 scale to 25–100
SCORE_FACTOR = 25


def as_fraction(value: Number | float | str) -> Fraction:
    """An exact fraction; floats and strings are read by their decimal text (0.111 → 111/1000)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def round_half_up(value: Number | float | str, places: int = 2) -> Decimal:
    """Round exactly, halves away from zero (ROUND_HALF_UP), to ``places`` decimals."""
    exact = as_fraction(value)
    scaled = abs(exact) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    if exact < 0:
        units = -units
    return Decimal(units).scaleb(-places)


# --------------------------------------------------------------------------- grades


class Grade(enum.Enum):
    """Mutu pelayanan and kinerja unit (PermenPANRB 14/2017), by converted IKM."""

    A = (
        "A",
        Decimal("88.31"),
        Text("Sangat baik", "Very good"),
        ("88.31", "100.00"),
        ("3.5324", "4.00"),
    )
    B = ("B", Decimal("76.61"), Text("Baik", "Good"), ("76.61", "88.30"), ("3.0644", "3.532"))
    C = ("C", Decimal("65.00"), Text("Kurang baik", "Poor"), ("65.00", "76.60"), ("2.60", "3.064"))
    D = (
        "D",
        Decimal("25.00"),
        Text("Tidak baik", "Very poor"),
        ("25.00", "64.99"),
        ("1.00", "2.5996"),
    )

    def __init__(
        self,
        letter: str,
        minimum: Decimal,
        label: Text,
        score_range: tuple[str, str],
        index_range: tuple[str, str],
    ) -> None:
        self.letter = letter
        #: the lowest rounded converted score with this grade
        self.minimum = minimum
        #: kinerja unit: "Sangat baik", "Baik", "Kurang baik", "Tidak baik"
        self.label = label
        #: the row of the regulation's table, for reports
        self.score_range = score_range
        self.index_range = index_range

    def __str__(self) -> str:
        return self.letter


def grade_for(score: Number | float | str) -> Grade:
    """The grade of a converted (25–100) score: rounded to 2 decimals first, then ≥."""
    rounded = round_half_up(score, 2)
    for grade in (Grade.A, Grade.B, Grade.C):
        if rounded >= grade.minimum:
            return grade
    return Grade.D


# --------------------------------------------------------------------------- aggregates


@dataclass(frozen=True)
class ElementAggregate:
    """Answers to one element: count, sum of scores and (optionally) sum of squared scores.

    ``total_squares`` ``None`` means unknown (then there is no confidence
    interval). An empty aggregate knows its squares (0). Impossible combinations
    (a sum outside n…4n, squares that no scores could give) raise ``ValueError``,
    which catches corrupted incremental sums early.
    """

    n: int = 0
    total: int = 0
    total_squares: int | None = None

    def __post_init__(self) -> None:
        for name in ("n", "total", "total_squares"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if self.n == 0 and self.total_squares is None:
            object.__setattr__(self, "total_squares", 0)
        n, total, squares = self.n, self.total, self.total_squares
        if n < 0 or not SKM_LOW * n <= total <= SKM_HIGH * n:
            raise ValueError(f"impossible element aggregate: n={n}, total={total}")
        if squares is not None and not (
            n * squares >= total * total and total <= squares <= SKM_HIGH * total
        ):
            raise ValueError(
                f"impossible element aggregate: n={n}, total={total}, squares={squares}"
            )

    @classmethod
    def from_scores(cls, scores: Iterable[int]) -> ElementAggregate:
        aggregate = cls()
        for score in scores:
            aggregate = aggregate.add(score)
        return aggregate

    def add(self, score: int) -> ElementAggregate:
        """This aggregate with one more answer."""
        if (
            isinstance(score, bool)
            or not isinstance(score, int)
            or not SKM_LOW <= score <= SKM_HIGH
        ):
            raise ValueError(f"an SKM element score is 1–4, not {score!r}")
        squares = None if self.total_squares is None else self.total_squares + score * score
        return ElementAggregate(self.n + 1, self.total + score, squares)

    def __add__(self, other: ElementAggregate) -> ElementAggregate:
        if not isinstance(other, ElementAggregate):
            return NotImplemented
        squares = (
            None
            if self.total_squares is None or other.total_squares is None
            else self.total_squares + other.total_squares
        )
        return ElementAggregate(self.n + other.n, self.total + other.total, squares)

    @property
    def nrr(self) -> Fraction | None:
        return Fraction(self.total, self.n) if self.n else None

    @property
    def variance(self) -> Fraction | None:
        """Sample variance of the scores (n − 1 denominator); ``None`` below two answers."""
        if self.n < 2 or self.total_squares is None:
            return None
        return (self.total_squares - Fraction(self.total * self.total, self.n)) / (self.n - 1)


AggregateLike = ElementAggregate | tuple[int, int] | tuple[int, int, int | None]


def _aggregate(value: AggregateLike | None) -> ElementAggregate:
    if value is None:
        return ElementAggregate()
    if isinstance(value, ElementAggregate):
        return value
    return ElementAggregate(*value)


def _score(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not SKM_LOW <= value <= SKM_HIGH:
        raise ValueError(f"{key}: an SKM element score is 1–4, not {value!r}")
    return value


def element_aggregates(responses: Iterable[Mapping[str, Any]]) -> dict[str, ElementAggregate]:
    """Per-element aggregates of stored answers (answer key → score; missing keys skipped)."""
    counts = {key: [0, 0, 0] for key in ELEMENT_KEYS}
    for response in responses:
        for key in ELEMENT_KEYS:
            score = _score(response.get(key), key)
            if score is not None:
                entry = counts[key]
                entry[0] += 1
                entry[1] += score
                entry[2] += score * score
    return {key: ElementAggregate(*entry) for key, entry in counts.items()}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ElementResult:
    key: str
    n: int
    total: int
    #: exact NRR (1–4); ``None`` when nobody answered
    nrr: Fraction | None
    #: exact NRR × 25
    score_exact: Fraction | None
    #: NRR × 25 rounded to 2 decimals
    score: Decimal | None
    grade: Grade | None

    @property
    def name(self) -> Text:
        return ELEMENTS_BY_KEY[self.key].name

    def nrr_rounded(self, places: int = 2) -> Decimal | None:
        return None if self.nrr is None else round_half_up(self.nrr, places)

    def weighted_nrr(self, weight: Number = EXACT_WEIGHT) -> Fraction | None:
        """NRR × weight ("NRR tertimbang" of the report tables), exact."""
        return None if self.nrr is None else self.nrr * as_fraction(weight)


@dataclass(frozen=True)
class ConfidenceInterval:
    """A 95 % interval for the converted IKM (method in the module docstring)."""

    low: Decimal
    high: Decimal
    half_width: Decimal
    #: degrees of freedom of the t value used (min nᵢ − 1)
    df: int
    t: Decimal
    level: Decimal = Decimal("0.95")


@dataclass(frozen=True)
class IkmResult:
    #: the nine elements in U1 … U9 order
    elements: tuple[ElementResult, ...]
    weight: Fraction
    #: respondents counted (raw answers) or given (aggregates; default max nᵢ)
    respondents: int
    #: exact IKM on the 1–4 scale
    index_exact: Fraction | None
    #: exact converted IKM (25–100)
    score_exact: Fraction | None
    #: converted IKM rounded to 2 decimals, half up
    score: Decimal | None
    grade: Grade | None
    interval: ConfidenceInterval | None

    @property
    def missing(self) -> tuple[str, ...]:
        """Elements nobody answered: with any, there is no IKM."""
        return tuple(e.key for e in self.elements if e.n == 0)

    @property
    def complete(self) -> bool:
        return self.score is not None

    def element(self, key: str) -> ElementResult:
        for result in self.elements:
            if result.key == key:
                return result
        raise KeyError(key)

    def index(self, places: int = 4) -> Decimal | None:
        """The 1–4 IKM rounded for display (grading always uses the converted score)."""
        return None if self.index_exact is None else round_half_up(self.index_exact, places)

    def ranked(self) -> list[ElementResult]:
        """Answered elements from weakest to strongest (ties in U1 … U9 order)."""
        answered = [e for e in self.elements if e.nrr is not None]
        return sorted(answered, key=lambda e: e.nrr)

    def weakest(self, count: int = 3) -> list[ElementResult]:
        return self.ranked()[:count]

    def strongest(self, count: int = 3) -> list[ElementResult]:
        """Answered elements from strongest down (ties in U1 … U9 order)."""
        answered = [e for e in self.elements if e.nrr is not None]
        return sorted(answered, key=lambda e: -e.nrr)[:count]


def element_result(key: str, aggregate: AggregateLike) -> ElementResult:
    """NRR, score (NRR × 25) and grade of one element."""
    aggregate = _aggregate(aggregate)
    nrr = aggregate.nrr
    if nrr is None:
        return ElementResult(key, 0, 0, None, None, None, None)
    exact = nrr * SCORE_FACTOR
    return ElementResult(
        key, aggregate.n, aggregate.total, nrr, exact, round_half_up(exact), grade_for(exact)
    )


def ikm_from_aggregates(
    elements: Mapping[str, AggregateLike],
    *,
    weight: Number | float | str = EXACT_WEIGHT,
    respondents: int | None = None,
) -> IkmResult:
    """The IKM from per-element aggregates ``{"U1": ElementAggregate | (n, sum[, squares])}``.

    Missing element keys count as unanswered. ``weight`` is 1/9 unless an agency
    reproduces its old 0.111 spreadsheets (:data:`LEGACY_WEIGHT`).
    """
    unknown = set(elements) - set(ELEMENT_KEYS)
    if unknown:
        raise ValueError(f"not SKM element keys: {', '.join(sorted(unknown))}")
    weight = as_fraction(weight)
    aggregates = {key: _aggregate(elements.get(key)) for key in ELEMENT_KEYS}
    results = tuple(element_result(key, aggregates[key]) for key in ELEMENT_KEYS)
    if respondents is None:
        respondents = max(a.n for a in aggregates.values())
    if any(r.nrr is None for r in results):
        return IkmResult(results, weight, respondents, None, None, None, None, None)
    index = sum((r.nrr for r in results), Fraction(0)) * weight
    exact = index * SCORE_FACTOR
    return IkmResult(
        results,
        weight,
        respondents,
        index,
        exact,
        round_half_up(exact),
        grade_for(exact),
        ikm_confidence_interval(aggregates, weight=weight),
    )


def ikm_from_responses(
    responses: Iterable[Mapping[str, Any]], *, weight: Number | float | str = EXACT_WEIGHT
) -> IkmResult:
    """The IKM from stored answers (one mapping per response, element key → score 1–4).

    Other keys are ignored; a missing or ``None`` element answer is left out of
    that element. Respondents are the responses with at least one element answer.
    """
    responses = list(responses)
    respondents = sum(1 for r in responses if any(r.get(k) is not None for k in ELEMENT_KEYS))
    return ikm_from_aggregates(
        element_aggregates(responses), weight=weight, respondents=respondents
    )


# --------------------------------------------------------------------------- confidence interval

# Two-sided 95 % Student t quantiles for df 1 … 30.
_T_975 = (
    "12.706", "4.303", "3.182", "2.776", "2.571", "2.447", "2.365", "2.306", "2.262", "2.228",
    "2.201", "2.179", "2.160", "2.145", "2.131", "2.120", "2.110", "2.101", "2.093", "2.086",
    "2.080", "2.074", "2.069", "2.064", "2.060", "2.056", "2.052", "2.048", "2.045", "2.042",
)  # fmt: skip
_Z_975 = Decimal("1.959963985")


def t_critical(df: int) -> Decimal:
    """The two-sided 95 % Student t value; a Cornish–Fisher expansion above df 30."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df <= len(_T_975):
        return Decimal(_T_975[df - 1])
    z = _Z_975
    with localcontext() as ctx:
        ctx.prec = 30
        t = (
            z
            + (z**3 + z) / (4 * df)
            + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        )
    return t.quantize(Decimal("0.001"))


def _sqrt(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 30
        return (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()


def ikm_confidence_interval(
    elements: Mapping[str, AggregateLike], *, weight: Number | float | str = EXACT_WEIGHT
) -> ConfidenceInterval | None:
    """The conservative 95 % interval of the converted IKM (see the module docstring).

    ``None`` when an element has fewer than two answers or unknown squares.
    """
    weight = as_fraction(weight)
    aggregates = [_aggregate(elements.get(key)) for key in ELEMENT_KEYS]
    if any(a.variance is None for a in aggregates):
        return None
    index = sum((a.nrr for a in aggregates), Fraction(0)) * weight
    df = min(a.n for a in aggregates) - 1
    t = t_critical(df)
    with localcontext() as ctx:
        ctx.prec = 30
        standard_error = sum(
            (_sqrt(a.variance / a.n) for a in aggregates),
            Decimal(0),
        ) * (Decimal(weight.numerator) / Decimal(weight.denominator))
        half = t * SCORE_FACTOR * standard_error
        centre = Decimal(index.numerator * SCORE_FACTOR) / Decimal(index.denominator)
        lowest = Decimal(SKM_LOW * len(ELEMENT_KEYS) * SCORE_FACTOR) * (
            Decimal(weight.numerator) / Decimal(weight.denominator)
        )
        highest = lowest * SKM_HIGH
        low = max(centre - half, lowest)
        high = min(centre + half, highest)
    return ConfidenceInterval(
        low=round_half_up(low),
        high=round_half_up(high),
        half_width=round_half_up(half),
        df=df,
        t=t,
    )


# --------------------------------------------------------------------------- other scales


def _percent(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else round_half_up(Fraction(part * 100, whole))


def csat(counts: Mapping[int, int], *, top: Iterable[int]) -> Decimal | None:
    """CSAT in percent: the share of answers in ``top`` (the scale's top two options)."""
    top = set(top)
    n = sum(counts.values())
    return _percent(sum(c for v, c in counts.items() if v in top), n)


def nps(counts: Mapping[int, int]) -> Decimal | None:
    """Net Promoter Score in percent points: promoters (9–10) minus detractors (0–6)."""
    n = sum(counts.values())
    if n == 0:
        return None
    promoters = sum(c for v, c in counts.items() if v >= 9)
    detractors = sum(c for v, c in counts.items() if v <= 6)
    return round_half_up(Fraction((promoters - detractors) * 100, n))


@dataclass(frozen=True)
class ScaleSummary:
    """Distribution of one scale question's answers (from raw values or kept counts)."""

    low: int
    high: int
    #: counts[i] answers had the value low + i
    counts: tuple[int, ...]

    @classmethod
    def from_counts(cls, counts: Mapping[int, int], low: int, high: int) -> ScaleSummary:
        outside = [v for v in counts if not low <= v <= high]
        if outside:
            raise ValueError(f"values outside {low}–{high}: {outside}")
        return cls(low, high, tuple(counts.get(v, 0) for v in range(low, high + 1)))

    @classmethod
    def from_values(cls, values: Iterable[Any], low: int, high: int) -> ScaleSummary:
        """Counts of the answered values (``None`` skipped)."""
        counts: dict[int, int] = {}
        for value in values:
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"not a scale answer: {value!r}")
            counts[value] = counts.get(value, 0) + 1
        return cls.from_counts(counts, low, high)

    @classmethod
    def for_question(cls, question: Any, values: Iterable[Any]) -> ScaleSummary:
        """Summary of a scale question's answers (its own range)."""
        if question.scale is None:
            raise ValueError(f"{question.key} is not a scale question")
        low, high = question.scale
        return cls.from_values(values, low, high)

    def __add__(self, other: ScaleSummary) -> ScaleSummary:
        if (self.low, self.high) != (other.low, other.high):
            raise ValueError("cannot add summaries of different scales")
        counts = tuple(a + b for a, b in zip(self.counts, other.counts, strict=True))
        return ScaleSummary(self.low, self.high, counts)

    @property
    def distribution(self) -> dict[int, int]:
        return {self.low + i: count for i, count in enumerate(self.counts)}

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        return sum(value * count for value, count in self.distribution.items())

    @property
    def mean_exact(self) -> Fraction | None:
        return Fraction(self.total, self.n) if self.n else None

    @property
    def mean(self) -> Decimal | None:
        return None if self.mean_exact is None else round_half_up(self.mean_exact)

    def percentages(self) -> dict[int, Decimal | None]:
        return {value: _percent(count, self.n) for value, count in self.distribution.items()}

    @property
    def csat(self) -> Decimal | None:
        """Share in the top two options, in percent (``None`` for NPS scales and no data)."""
        if (self.low, self.high) == (0, 10):
            return None
        return csat(self.distribution, top=(self.high - 1, self.high))

    @property
    def nps(self) -> Decimal | None:
        """NPS for a 0–10 scale, else ``None``."""
        return nps(self.distribution) if (self.low, self.high) == (0, 10) else None


def scores_by_key(definition: SurveyDefinition, answers: Mapping[str, Any]) -> dict[str, int]:
    """The score of every answered scale question in a stored response (for aggregates)."""
    scores = {}
    for question in definition.questions:
        if question.scale is None:
            continue
        score = question.score(answers.get(question.key))
        if score is not None:
            scores[question.key] = score
    return scores


# --------------------------------------------------------------------------- sample size

_CHI_SQUARE = Fraction(3841, 1000)
_PROPORTION = Fraction(1, 4)  # P(1 − P) with P = 0.5
_MARGIN_SQUARED = Fraction(25, 10000)  # d = 0.05


def krejcie_morgan(population: int) -> int:
    """The minimum sample for ``population`` service users (Krejcie & Morgan, 1970).

    S = 3.841·N·0.25 / (0.0025·(N − 1) + 3.841·0.25), rounded to the nearest whole
    number: 10 → 10, 100 → 80, 500 → 217, 1 000 → 278.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError("the population is a whole number ≥ 0")
    if population == 0:
        return 0
    n = Fraction(population)
    exact = _CHI_SQUARE * n * _PROPORTION / (_MARGIN_SQUARED * (n - 1) + _CHI_SQUARE * _PROPORTION)
    return int(round_half_up(exact, 0))


@dataclass(frozen=True)
class SampleStatus:
    population: int
    minimum: int
    respondents: int

    @property
    def reached(self) -> bool:
        return self.respondents >= self.minimum

    @property
    def shortfall(self) -> int:
        """Respondents still needed (0 once reached)."""
        return max(self.minimum - self.respondents, 0)


def sample_status(population: int, respondents: int) -> SampleStatus:
    """Whether a period's respondents reach the Krejcie–Morgan minimum for its population."""
    return SampleStatus(population, krejcie_morgan(population), respondents)
