"""What both the loader and the renderer use: the icons, hyphenation, the theme catalogue."""
