# ruff: noqa
# temporary: until h-tpl's catalogue lands
from core.mail.templates import DEFAULT_TEMPLATES, DefaultTemplate
DEFAULT_TEMPLATES.setdefault("call_opened", DefaultTemplate(label="x", subject="Appel ouvert : {{ theme }}", body="{{ full_name }} {{ network }} {{ theme }} {{ description }} {{ edition }} {{ event_date }} {{ opens_at }} {{ closes_at }} {{ kinds }} {{ departements }} {{ link }}"))
DEFAULT_TEMPLATES.setdefault("call_closing_reminder", DefaultTemplate(label="x", subject="Clôture : {{ theme }}", body="{{ full_name }} {{ network }} {{ theme }} {{ closes_at }} {{ drafts }} {{ submitted }} {{ link }}"))
