"""The newsroom profile (config/profile.toml): home city, papers, measured things, qualifiers, question words."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from config.errors import ProfileError

DEFAULT_PROFILE = Path(__file__).resolve().parent / "profile.toml"


@dataclass(frozen=True)
class Thing:
    """A measured thing (确诊, 出院 …): how reports and questions name it, and what a bare mention means."""

    name: str
    report: tuple[str, ...]
    question: tuple[str, ...]
    default: str  # the qualifier of a bare mention: 累计 for 确诊, 现有 for 在院治疗
    kind: str = "count"  # count | rate


@dataclass(frozen=True, eq=False)
class Profile:
    """Everything about the paper and its city that answers depend on; one object, passed down."""

    path: Path
    home_city: str
    home_label: str
    papers: tuple[str, ...]
    city_words: tuple[str, ...]
    province_words: tuple[str, ...]
    country_words: tuple[str, ...]
    extra_places: dict[str, str]
    renamed: dict[str, str]
    datelines: tuple[str, ...]
    topics: dict[str, str]
    things: tuple[Thing, ...]
    qualifiers: dict[str, tuple[str, ...]]
    question_qualifiers: dict[str, tuple[str, ...]]
    period_qualifiers: frozenset[str]
    labels: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    latest_order: tuple[str, ...] = ()
    english: dict[str, str] = field(default_factory=dict)
    subsets: tuple[str, ...] = ()
    default_thing: str = ""
    question_subsets: tuple[str, ...] = ()
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    timezone: str = "UTC"  # how times are shown to the newsroom (build times in /stats)
    misspellings: dict[str, str] = field(default_factory=dict)
    reader_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 病人 = the paper's 病例, 患者
    story_words: tuple[str, ...] = ()  # what the reports are about (新冠, 疫情): no subject of a count
    _compiled: dict = field(default_factory=dict, compare=False, repr=False)

    def metric(self, qualifier: str, thing: str, part: str = "") -> str:
        """The shown name of qualifier + thing: "新增确诊", "在院治疗" (现有 is implied); a part goes between
        ("新增境外输入确诊")."""
        if part:
            return f"{qualifier}{part}{thing}"
        key = f"{qualifier}{thing}"
        return self.labels.get(key, key)

    def split_metric(self, metric: str) -> tuple[str, str]:
        """(qualifier, thing) of a shown metric name; the inverse of ``metric``."""
        for thing in self.things:
            for qualifier in ("", *self.qualifiers):
                if self.metric(qualifier, thing.name) == metric:
                    return qualifier, thing.name
        return "", metric

    def is_period(self, metric: str) -> bool:
        """A per-period figure (新增 …), as opposed to a cumulative or current one."""
        qualifier = self.split_metric(metric)[0] or next((q for q in self.qualifiers if metric.startswith(q)), "")
        return qualifier in self.period_qualifiers

    def thing(self, name: str) -> Thing | None:
        return next((t for t in self.things if t.name == name), None)

    def pattern(self, name: str) -> re.Pattern:
        """A question-word pattern of the [questions] table, compiled once."""
        key = ("q", name)
        if key not in self._compiled:
            self._compiled[key] = re.compile("|".join(self.questions.get(name, ("(?!)",))), re.I)
        return self._compiled[key]

    def _once(self, key: str, build) -> re.Pattern:
        if key not in self._compiled:
            self._compiled[key] = build()
        return self._compiled[key]

    def strip_dateline(self, text: str) -> str:
        """The text without the home paper's opening dateline ("株洲日报讯", "本报讯") and the space after it."""
        words = "|".join(map(re.escape, self.datelines)) or "(?!)"
        return self._once("dateline", lambda: re.compile(rf"^(?:{words})\s*")).sub("", text)

    def is_chitchat(self, text: str) -> bool:
        """A greeting or thanks, not a question: the whole text is one of ``chitchat`` (with trailing
        punctuation or particles)."""
        words = "|".join(self.questions.get("chitchat", ("(?!)",)))
        pattern = self._once("chitchat", lambda: re.compile(rf"\s*(?:{words})[\s!！。.~～？?啊呀呢吧哈]*", re.I))
        return pattern.fullmatch(text) is not None

    def asks_live(self, text: str) -> bool:
        """Asks for live information (today's weather, traffic): a ``now`` word within 16 characters of a
        ``live`` word, either way round."""
        def build() -> re.Pattern:
            now = "|".join(self.questions.get("now", ("(?!)",)))
            live = "|".join(self.questions.get("live", ("(?!)",)))
            return re.compile(rf"(?:{now}).{{0,16}}(?:{live})|(?:{live}).{{0,16}}(?:{now})", re.I)
        return self._once("live", build).search(text) is not None

    @property
    def example(self) -> str:
        """The shortest example question (for one-line hints)."""
        return self.examples[0] if self.examples else f"{self.home_label}累计确诊多少"


def _tuple(table: dict, key: str) -> tuple[str, ...]:
    return tuple(table.get(key, ()))


@lru_cache(maxsize=4)
def load_profile(path: Path | str | None = None) -> Profile:
    """Read and check a profile file (default: config/profile.toml); cached per path."""
    path = Path(path or DEFAULT_PROFILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        home = data["home"]
        things = tuple(
            Thing(name, tuple(t["report"]), tuple(t["question"]), t.get("default", ""), t.get("kind", "count"))
            for name, t in data["things"].items()
        )
        profile = Profile(
            path=path, home_city=home["city"], home_label=home["label"], papers=_tuple(home, "papers"),
            city_words=_tuple(home, "city_words"), province_words=_tuple(home, "province_words"),
            country_words=_tuple(home, "country_words"), extra_places=dict(home.get("extra_places", {})),
            renamed=dict(home.get("renamed", {})), misspellings=dict(home.get("misspellings", {})),
            datelines=_tuple(home, "datelines"), examples=_tuple(home, "examples"),
            timezone=home.get("timezone", "UTC"),
            topics=dict(data.get("coverage", {}).get("topics", {})), things=things,
            qualifiers={k: tuple(v) for k, v in data["qualifiers"].items()},
            question_qualifiers={k: tuple(v) for k, v in data.get("question_qualifiers", {}).items()},
            period_qualifiers=frozenset(data.get("periods", {}).get("qualifiers", ())),
            labels=dict(data.get("labels", {})), questions={k: tuple(v) for k, v in data["questions"].items()},
            latest_order=tuple(data.get("latest", {}).get("order", ())), english=dict(data.get("english", {})),
            subsets=tuple(data.get("subsets", {}).get("words", ())),
            question_subsets=tuple(data.get("subsets", {}).get("question_words", ())),
            parts={k: tuple(v) for k, v in data.get("parts", {}).items()},
            default_thing=data.get("questions", {}).get("default_thing", [""])[0],
            reader_words={k: tuple(v) for k, v in data.get("reader_words", {}).items()},
            story_words=_tuple(home, "story_words"),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ProfileError(f"profile {path}: {exc}") from exc
    for thing in things:
        for phrase in (*thing.report, *thing.question):
            try:
                re.compile(phrase)
            except re.error as exc:
                raise ProfileError(f"profile {path}: thing {thing.name}: bad phrase {phrase!r}: {exc}") from exc
    return profile
