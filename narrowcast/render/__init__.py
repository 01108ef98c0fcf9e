"""Slides to pixels: HTML from the theme, the Chromium pool, the render cache."""
