"""core.logs: logging configured once for the process, level from OPENMAP_LOG_LEVEL."""

from __future__ import annotations

import logging

import pytest

from core import logs


@pytest.fixture
def root_logger():
    """The root logger, restored after the test (configure_logging changes the process)."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def own_handlers(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if isinstance(h, logs.OpenMapHandler)]


def test_configure_logging_defaults_to_info(root_logger, monkeypatch):
    monkeypatch.delenv("OPENMAP_LOG_LEVEL", raising=False)
    logs.configure_logging()
    assert root_logger.level == logging.INFO and len(own_handlers(root_logger)) == 1


@pytest.mark.parametrize(("value", "level"), [("debug", logging.DEBUG), (" WARNING ", logging.WARNING),
                                              ("Error", logging.ERROR)])
def test_configure_logging_reads_the_level_from_the_environment(root_logger, monkeypatch, value, level):
    monkeypatch.setenv("OPENMAP_LOG_LEVEL", value)
    logs.configure_logging()
    assert root_logger.level == level


def test_configure_logging_twice_keeps_one_handler(root_logger, monkeypatch):
    monkeypatch.setenv("OPENMAP_LOG_LEVEL", "INFO")
    logs.configure_logging()
    monkeypatch.setenv("OPENMAP_LOG_LEVEL", "WARNING")
    logs.configure_logging()
    assert len(own_handlers(root_logger)) == 1 and root_logger.level == logging.WARNING


def test_configure_logging_refuses_an_unknown_level_in_french(root_logger, monkeypatch):
    monkeypatch.setenv("OPENMAP_LOG_LEVEL", "bavard")
    with pytest.raises(logs.InvalidLogLevel, match="OPENMAP_LOG_LEVEL") as refused:
        logs.configure_logging()
    assert "« bavard »" in str(refused.value) and "DEBUG, INFO, WARNING, ERROR" in str(refused.value)
    assert own_handlers(root_logger) == []


def test_configured_handler_writes_one_line_per_record_to_stderr(root_logger, monkeypatch, capsys):
    monkeypatch.setenv("OPENMAP_LOG_LEVEL", "INFO")
    logs.configure_logging()
    logging.getLogger("core.example").info("une ligne")
    logging.getLogger("core.example").debug("pas celle-ci")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].endswith("INFO core.example: une ligne")


def test_email_ref_is_a_short_stable_hash_that_ignores_case_and_spaces():
    ref = logs.email_ref("Marie.Dupont@Exemple.fr ")
    assert ref == logs.email_ref("marie.dupont@exemple.fr") != logs.email_ref("marie.durand@exemple.fr")
    assert len(ref) == 12 and "marie" not in ref and "@" not in ref
