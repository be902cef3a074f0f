"""The templates (the debtor's pages): Jinja, and nothing a page prints can reorder the text around it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from debt_coord.kernel.text import without_bidi_controls

TEMPLATES = Path(__file__).parent / "templates"


def shown(value: Any) -> Any:
    """Jinja's `finalize`: every printed value without bidirectional controls. Names and references come from
    creditors and counsellors, and a right-to-left override in one would show a reference reversed or move the
    amounts beside it; the templates isolate the values that stand alone (`<bdi>`) as well."""
    if isinstance(value, Markup):
        return Markup(without_bidi_controls(str(value)))
    return without_bidi_controls(value) if isinstance(value, str) else value


def _finalize(engine: JinjaTemplateEngine) -> None:
    engine.engine.finalize = shown


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_finalize)
