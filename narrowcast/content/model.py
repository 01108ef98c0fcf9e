"""The typed content model: site settings, screens, slides, playlists and law changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from ..errors import Finding
from .fields import Bool, Days, End, Every, Hours, Resolution, Slug, Start, Text, Timezone, Url, WebOrigin
from .ties import EndOrTie, StartOrTie
from ..yamlsource import Document

RTL_LANGUAGES = {"ar", "fa", "he", "ur", "ps", "ku"}

LanguageMode = Literal["sequential", "rotate", "side-by-side"]
Layout = Literal["standard", "steps", "question", "announcement", "law-change", "urgent"]
LangCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
Seconds = Annotated[int, Field(ge=3, le=600, description="seconden")]
# On a screen and on a playlist alike (the screen's win): which languages, and how they are shown.
Languages = Annotated[list[LangCode] | None, Field(description=(
    "welke talen dit scherm laat zien, de eigen taal eerst: [nl, ar, tr] (standaard: alle talen van de dia's)"))]
Mode = Annotated[LanguageMode | None, Field(description=(
    "hoe vertalingen komen: sequential (na elke dia, standaard), rotate (per ronde één andere taal) "
    "of side-by-side (vertaling klein naast het Nederlands)"))]


@dataclass(frozen=True)
class Origin:
    """Where a model object was written: its YAML document and the path inside it."""

    doc: Document
    path: tuple = ()

    @property
    def file(self) -> str:
        return self.doc.file

    def at(self, field: tuple = ()) -> tuple:
        """The path in the document where a field of this object was written."""
        return self.path + tuple(field)

    def finding(self, field: tuple = (), message: str = "", **kw) -> Finding:
        return self.doc.finding(self.at(field), message, **kw)

    def line(self, field: tuple = ()) -> int:
        return self.doc.mark(self.at(field))[0]


LAW_TEXT_FIELDS = ("title", "text", "highlight", "translations")  # a law phase's own fields, under before:/after:


@dataclass(frozen=True)
class PhaseOrigin(Origin):
    """Where a law phase was written: its texts under `before:`/`after:`, the rest on the law.

    `path` is the phase's block; `law_path` the law's, which holds its id, icon, tags and duration.
    Without this, a finding about the phase's id would land on its block (the document's nearest
    written ancestor of `before.id`) instead of on the law's `id:` line.
    """

    law_path: tuple = ()

    def at(self, field: tuple = ()) -> tuple:
        field = tuple(field)
        return self.path + field if not field or field[0] in LAW_TEXT_FIELDS else self.law_path + field


class _Content(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    _origin: Origin | None = PrivateAttr(default=None)

    @property
    def origin(self) -> Origin:
        return self._origin or Origin(Document("?", None))


def _step_from_text(value):
    return {"text": value} if isinstance(value, str) else value


class Step(_Content):
    """One numbered step on a `steps` slide."""

    text: Text
    icon: str | None = Field(None, description="icoon: een Nederlands woord (bel, huis, geld) of een Lucide-naam")


StepItem = Annotated[Step, BeforeValidator(_step_from_text)]


class Translation(_Content):
    """The same slide in another language; fields left out fall back to the Dutch ones."""

    title: Text
    text: Text | None = None
    steps: list[StepItem] | None = None
    highlight: Text | None = None
    image_alt: Text | None = None
    source: str | None = Field(None, description=(
        "door narrowcast geschreven: van welke Nederlandse tekst dit de vertaling is (narrowcast translations)"))


class Timing(_Content):
    """When something may play: dates, weekdays and hours, in the content folder's timezone."""

    valid_from: StartOrTie | None = Field(None, description="vanaf deze datum (en tijd), of vanaf de datum van een wet: 'wet <id>'")
    valid_until: EndOrTie | None = Field(None, description="tot en met deze datum, of tot deze tijd, of tot de datum van een wet")
    days: Days | None = Field(None, description="alleen op deze dagen")
    hours: Hours | None = Field(None, description="alleen in deze tijdvakken; '22:00-6:00' loopt over middernacht")
    priority: int = Field(0, ge=-100, le=100, description="hoger gaat voor")
    interrupt: Bool = Field(False, description="neemt het scherm over zolang de dia live is")


class Slide(Timing):
    """One message on a screen."""

    id: Slug
    layout: Layout = "standard"
    title: Text
    text: Text | None = None
    icon: str | None = Field(None, description="icoon: een Nederlands woord (bel, huis, geld) of een Lucide-naam")
    steps: list[StepItem] = Field(default_factory=list)
    highlight: Text | None = Field(None, description="grote regel, zoals een datum, voor announcement en law-change")
    qr: Url | None = Field(None, description="webadres voor een QR-code (http of https)")
    image: str | None = Field(None, description="pad naar een afbeelding in de inhoudsmap")
    image_alt: Text | None = Field(None, description="wat er op de afbeelding staat, in woorden")
    duration: Seconds | None = Field(None, description="hoe lang de dia blijft staan, in seconden")
    every: Every | None = Field(None, description="komt vaker langs in de ronde: '5m' is minstens elke 5 minuten")
    tags: list[Slug] = Field(default_factory=list)
    translations: dict[LangCode, Translation] = Field(default_factory=dict)
    _phase: LawPhase | None = PrivateAttr(default=None)  # set on the slides a law becomes (law_slides)

    @property
    def phase(self) -> LawPhase | None:
        """The law change this slide is a phase of; None for a slide written in slides/."""
        return self._phase


class PlaylistItem(Timing):
    """A slide, or every slide with a tag, with optional overrides."""

    slide: Slug | None = None
    tag: Slug | None = None
    duration: Seconds | None = None
    every: Every | None = Field(None, description="komt vaker langs in de ronde: '5m' is minstens elke 5 minuten")


class Playlist(_Content):
    id: Slug
    name: Text
    fallback: Slug | None = Field(None, description="dia die staat als er niets anders live is")
    languages: Languages = None
    language_mode: Mode = None
    items: list[PlaylistItem] = Field(default_factory=list)


class LawText(_Content):
    title: Text
    text: Text | None = None
    highlight: Text | None = None
    translations: dict[LangCode, Translation] = Field(default_factory=dict)


class Law(_Content):
    """A law change: announce it, switch the wording on its date, retire it afterwards."""

    id: Slug
    name: Text
    effective: Start = Field(description="moment waarop de wet ingaat")
    announce_from: Start | None = None
    retire_after: End | None = None
    countdown: Bool = False
    icon: str | None = None
    before: LawText | None = None
    after: LawText | None = None
    supersedes: list[Slug] = Field(default_factory=list)
    tags: list[Slug] = Field(default_factory=list)
    duration: Seconds | None = None


LawPart = Literal["before", "after"]
FAR_PAST, FAR_FUTURE = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(9999, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, eq=False)
class LawPhase:
    """What makes a slide a law's phase: the law (countdown, supersedes) and which of its texts."""

    law: Law
    part: LawPart

    @property
    def span(self) -> tuple[datetime, datetime]:
        """When the phase shows: before = [announce_from, effective), after = [effective, retire_after)."""
        if self.part == "before":
            return self.law.announce_from or FAR_PAST, self.law.effective
        return self.law.effective, self.law.retire_after or FAR_FUTURE


def law_slide_id(law: Law, part: LawPart) -> str:
    """The id of the slide a law change shows before or after its effective moment."""
    return f"{law.id}-{'voor' if part == 'before' else 'na'}"


def law_slides(law: Law) -> list[Slide]:
    """A law change as the one or two slides it shows, each knowing its phase and where it was written."""
    slides = []
    for part in ("before", "after"):
        text: LawText | None = getattr(law, part)
        if text is None:
            continue
        slide = Slide(id=law_slide_id(law, part), layout="law-change", icon=law.icon, tags=law.tags,
                      duration=law.duration, title=text.title, text=text.text, highlight=text.highlight,
                      translations=text.translations)
        slide._origin = PhaseOrigin(law.origin.doc, law.origin.path + (part,), law.origin.path)
        slide._phase = LawPhase(law, part)
        slides.append(slide)
    return slides


class Screen(_Content):
    id: Slug
    name: Text
    location: Text | None = None
    resolution: Resolution = Field(description="breedte x hoogte in pixels, zoals 1920x1080")
    diagonal: float = Field(ge=7, le=200, description="schermdiagonaal in inches")
    distance: float = Field(ge=0.5, le=50, description="kijkafstand in meters")
    playlist: Slug
    theme: str | None = None
    languages: Languages = None
    language_mode: Mode = None

    @property
    def width(self) -> int:
        return self.resolution[0]

    @property
    def height(self) -> int:
        return self.resolution[1]

    @property
    def orientation(self) -> str:
        return "portrait" if self.height > self.width else "landscape"


class ExtraWord(_Content):
    word: Text
    plain: Text


class Checks(_Content):
    """The plain-language rules of this content folder (`checks:` in narrowcast.yaml)."""

    sentence_warn: int = Field(10, ge=3, le=40, description="waarschuwing boven zoveel woorden per zin")
    sentence_error: int = Field(15, ge=3, le=60, description="fout boven zoveel woorden per zin")
    slide_words_warn: int = Field(30, ge=5, le=200)
    slide_words_error: int = Field(45, ge=5, le=300)
    long_word_syllables: int = Field(5, ge=3, le=12, description="waarschuwing voor woorden met meer lettergrepen")
    flesch_douma_warn: float = Field(60.0, ge=0, le=100)
    words_per_minute: float = Field(90, ge=30, le=400, description="leessnelheid van een beginnende lezer")
    find_seconds: float = Field(3, ge=0, le=30, description="seconden om de tekst op het scherm te vinden")
    allowed_words: list[Text] = Field(default_factory=list, description="woorden die hier gewoon zijn, zoals formulierenbrigade")
    extra_officialese: list[ExtraWord] = Field(default_factory=list, description="extra moeilijke woorden met hun gewone woord")


class SiteConfig(_Content):
    """narrowcast.yaml: the settings of one content folder."""

    site: Text = Field(description="naam van de organisatie of locatie")
    timezone: Timezone = "Europe/Amsterdam"
    theme: str = "default"
    language: LangCode = "nl"
    horizon_hours: int = Field(48, ge=6, le=24 * 14)
    poll_seconds: int = Field(30, ge=5, le=3600)
    default_duration: Seconds = 10
    wait_minutes: int = Field(10, ge=1, le=240, description=(
        "hoe lang mensen meestal wachten, in minuten: een ronde op een scherm hoort korter te zijn (standaard 10)"))
    checks: Checks = Field(default_factory=Checks)
    alerts_webhook: Url | None = Field(None, description="webadres dat een bericht krijgt als een scherm uitvalt (standaard uit)")
    chromium: str | None = Field(None, description="pad naar Chromium of chromium-headless-shell om dia's mee te maken "
                                                   "(standaard: zelf zoeken; zie docs/content.md)")
    screen_keys: Literal["required", "optional"] | None = Field(
        None, description="required: elk scherm meldt zich met zijn eigen sleutel (standaard in nieuwe mappen); "
                          "optional: alleen schermen met een sleutel hebben die nodig")
    trusted_origins: list[WebOrigin] = Field(default_factory=list, description=(
        "adressen van een proxy voor het dashboard, zoals https://borden.example.nl: acties vanaf daar worden aanvaard"))
    publishing: Literal["review", "direct"] = Field("direct", description=(
        "review: schermen tonen alleen een goedgekeurde versie (standaard in nieuwe mappen); "
        "direct: elke opgeslagen wijziging gaat meteen live (voor een team van één)"))
    four_eyes: Bool | None = Field(None, description=(
        "true: niemand keurt zijn eigen voorstel goed (standaard bij publishing: review); "
        "false: een eindredacteur mag zelf publiceren"))
    database: str | None = Field(None, description=(
        "de database voor gebruikers, hartslagen en vertoningen, zoals postgresql://narrowcast@db.example.nl/narrowcast "
        "(standaard: SQLite in .state/; het wachtwoord hoort in ~/.pgpass, niet hier; zie docs/deploy.md)"))
    history_days: int = Field(365, ge=30, le=3650, description=(
        "na hoeveel dagen de namen van medewerkers uit het publicatielogboek gaan (AVG; standaard 365)"))
    screens: list[Screen] = Field(min_length=1)

    @property
    def review(self) -> bool:
        return self.publishing == "review"

    @property
    def four_eyes_on(self) -> bool:
        """Four eyes: the default in review mode; in direct mode nothing is reviewed anyway."""
        return self.review and self.four_eyes is not False


class Site(BaseModel):
    """A whole content folder, validated and cross-checked.

    `slides` holds the written slides and, after them, the phase slides of every law (`slide.phase`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    root: str
    config: SiteConfig
    slides: dict[str, Slide]
    playlists: dict[str, Playlist]
    laws: dict[str, Law] = Field(default_factory=dict)

    @property
    def screens(self) -> dict[str, Screen]:
        return {screen.id: screen for screen in self.config.screens}


def text_direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL_LANGUAGES else "ltr"


def as_of(moment: datetime) -> datetime:
    """Refuse naive datetimes: every moment in narrowcast knows its timezone."""
    if moment.tzinfo is None:
        raise ValueError("narrowcast needs timezone-aware moments")
    return moment
