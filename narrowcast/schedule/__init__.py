"""The pure schedule core: what plays on a screen, when, as UTC intervals."""
