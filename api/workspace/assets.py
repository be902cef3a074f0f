"""The workspace's static files (htmx, for the pages that update a part of themselves), served from our own
origin so that the pages' Content-Security-Policy (script-src 'self') allows them. Public: a file, no data.

htmx.min.js is htmx 2.0.11 from the npm registry (package htmx.org, Zero-Clause BSD: htmx.LICENSE.txt beside it).
Every core action works without it; with it the plan job's progress updates itself.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router

STATIC = Path(__file__).parent.parent / "static" / "workspace"
HTMX = "/app/static/htmx.min.js"


def static_router() -> Router:
    return create_static_files_router(path="/static", directories=[STATIC], opt={"public": True},
                                      include_in_schema=False, name="workspace_static",
                                      cache_control=None, send_as_attachment=False)
