"""Pictures uploaded in the slide editor: checked, named and put in the content folder's images/.

A picture is taken only when Pillow decodes it whole as PNG, JPEG or WebP (the kinds a screen's
Chromium shows without surprises) and it is at most MAX_BYTES. Its name comes from the file's
own name, made safe (`Kaart Werkplein.PNG` -> `images/kaart-werkplein.png`); a different picture
of that name already there gets a number (`kaart-werkplein-2.png`), the same picture is reused.
"""

from __future__ import annotations

import io
from pathlib import Path

from ...errors import NarrowcastError
from .forms import slug

IMAGE_DIR = "images"
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # 5000 × 5000: far above any screen, far below what would exhaust memory
KINDS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
SMALLER = "maak hem kleiner (een schermbreedte van 1920 pixels is genoeg)"


def checked_picture(data: bytes, filename: str) -> str:
    """The file extension for a picture's bytes; NarrowcastError (Dutch) for what is no usable picture."""
    from PIL import Image, UnidentifiedImageError

    shown = Path(filename).name[:80] or "het bestand"
    if not data:
        raise NarrowcastError(f"{shown} is leeg; kies het bestand opnieuw")
    if len(data) > MAX_BYTES:
        raise NarrowcastError(f"{shown} is {len(data) / 1024 / 1024:.1f} MB; een afbeelding mag hooguit "
                              f"{MAX_BYTES // 1024 // 1024} MB zijn. {SMALLER.capitalize()}")

    def too_many(size: str) -> NarrowcastError:
        return NarrowcastError(f"{shown} is {size}; een afbeelding mag hooguit {MAX_PIXELS // 1_000_000} miljoen "
                               f"pixels hebben. {SMALLER.capitalize()}")

    try:
        with Image.open(io.BytesIO(data)) as picture:
            kind, (width, height) = picture.format, picture.size
            if width * height > MAX_PIXELS:  # before decoding: a small file can unpack to gigabytes
                raise too_many(f"{width} × {height} pixels")
            picture.load()  # decodes it all: a torn file fails here, not on a screen
    except Image.DecompressionBombError:  # Pillow's own bound, already at opening (about 179 million pixels)
        raise too_many(f"meer dan {Image.MAX_IMAGE_PIXELS * 2 // 1_000_000} miljoen pixels") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise NarrowcastError(f"{shown} is geen leesbare afbeelding; sla hem op als PNG of JPG en probeer het opnieuw") from None
    if kind not in KINDS:
        raise NarrowcastError(f"{shown} is een {kind}-bestand; gebruik PNG, JPG of WebP")
    return KINDS[kind]


def store_picture(root: Path, data: bytes, filename: str) -> tuple[str, bool]:
    """(path in the content folder, whether a new file was written) for an uploaded picture."""
    ext = checked_picture(data, filename)
    folder = root / IMAGE_DIR
    folder.mkdir(exist_ok=True)
    stem = slug(Path(filename).stem)
    stem = "afbeelding" if stem == slug("") else stem  # a name with no letters or digits to keep
    for n in range(1, 1000):
        name = f"{stem}{'' if n == 1 else f'-{n}'}{ext}"
        target = folder / name
        if target.exists():
            if target.is_file() and target.read_bytes() == data:
                return f"{IMAGE_DIR}/{name}", False
            continue
        partial = target.with_name(f".{name}.upload")
        partial.write_bytes(data)
        partial.replace(target)
        return f"{IMAGE_DIR}/{name}", True
    raise NarrowcastError(f"er staan al te veel afbeeldingen met de naam {stem} in {IMAGE_DIR}/; geef het bestand een andere naam")
