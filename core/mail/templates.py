"""The messages' texts: French defaults (core.mail.catalogue), the lead's stored versions,
sandboxed Jinja2 rendering (core.mail.rendering). Kept as the one name to import from."""

from core.mail.catalogue import CATALOGUE, DEFAULT_TEMPLATES, DefaultTemplate, default_template
from core.mail.rendering import Rendered, TemplateText, compile_text, lookup, lookup_many, render, renderer

__all__ = ["CATALOGUE", "DEFAULT_TEMPLATES", "DefaultTemplate", "Rendered", "TemplateText", "compile_text",
           "default_template", "lookup", "lookup_many", "render", "renderer"]
