"""Which languages a screen shows, and how: one after another, one per loop, or side by side.

A screen's `languages:`/`language_mode:` win over its playlist's; without either, every language
the content has is shown after each Dutch slide (sequential). The choice is made here, once; the
loops (schedule/loop.py) and the manifest carry its result, the player only follows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content.model import Screen, Site, Slide
from ..content.translations import complete

SEQUENTIAL, ROTATE, SIDE_BY_SIDE = "sequential", "rotate", "side-by-side"


@dataclass(frozen=True)
class LanguageChoice:
    """The site's own language, the other languages a screen may show (None: all), and the mode."""

    own: str
    shown: tuple[str, ...] | None = None
    mode: str = SEQUENTIAL

    def translations(self, slide: Slide) -> list[str]:
        """The languages this screen shows the slide in besides its own: whole translations only, in the screen's order."""
        langs = [lang for lang in slide.translations
                 if lang != self.own and (self.shown is None or lang in self.shown) and complete(slide, lang)]
        if self.shown is not None:
            langs.sort(key=self.shown.index)
        return langs


def language_choice(site: Site, screen: Screen | None) -> LanguageChoice:
    """What a screen (or, without one, the site's default) shows: the screen's settings, else its playlist's."""
    playlist = site.playlists.get(screen.playlist) if screen else None
    languages = screen.languages if screen and screen.languages is not None else (playlist.languages if playlist else None)
    mode = (screen.language_mode if screen else None) or (playlist.language_mode if playlist else None) or SEQUENTIAL
    own = site.config.language
    shown = tuple(dict.fromkeys(lang for lang in languages if lang != own)) if languages is not None else None  # []: Dutch only
    return LanguageChoice(own, shown, mode)
