"""The studio (/studio): communications staff write, check, preview and propose slides in the browser.

The YAML files stay the source of truth; the studio reads the working copy and saves back into
it round-trip (content/roundtrip.py), so comments, order and quoting stay as the author wrote them.
Pages are rendered on the server; a small script of our own (static/editor.js) adds the live
preview while typing. Everything is behind the login, every change passes the cross-site guard.
"""

from .pages import routes

__all__ = ["routes"]
