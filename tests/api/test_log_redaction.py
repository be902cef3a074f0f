"""Tokens in URLs (debtor links) never reach the access log."""

from __future__ import annotations

import logging

import pytest

from api.log_redaction import RedactSecrets, redact_url


@pytest.mark.parametrize(("path", "logged"), [
    ("/debtor?token=dtl_abc123", "/debtor?token=[redacted]"),
    ("/v1/debtor/schedule.ics?lang=en&token=dtl_abc&x=1", "/v1/debtor/schedule.ics?lang=en&token=[redacted]&x=1"),
    ("/debtor?TOKEN=dtl_abc", "/debtor?TOKEN=[redacted]"),
    ("/v1/cases?limit=5", "/v1/cases?limit=5"),
    ("/v1/tokens/x", "/v1/tokens/x"),
])
def test_secret_query_parameters_are_redacted(path: str, logged: str) -> None:
    assert redact_url(path) == logged


def test_the_access_log_line_shows_the_path_without_the_token() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/debtor?token=dtl_secret&lang=en", "1.1", 200), None)
    assert RedactSecrets().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /debtor?token=[redacted]&lang=en HTTP/1.1" 200'


def test_hypercorns_access_log_line_shows_no_token_and_its_record_no_header() -> None:
    """`debt-coord serve` runs Hypercorn: its access records carry a mapping of atoms, every request header
    (Authorization too) among them; the filter keeps only the format's own atoms, redacted."""
    atoms = {"h": "127.0.0.1:5000", "R": "GET /debtor?token=dtl_secret&lang=en 1.1", "s": "200",
             "f": "https://example.nl/debtor?token=dtl_secret", "{authorization}i": "Bearer dck_secret"}
    record = logging.LogRecord("hypercorn.access", logging.INFO, __file__, 1, '%(h)s "%(R)s" %(s)s "%(f)s"',
                               (atoms,), None)
    assert RedactSecrets().filter(record)
    assert record.getMessage() == ('127.0.0.1:5000 "GET /debtor?token=[redacted]&lang=en 1.1" 200 '
                                   '"https://example.nl/debtor?token=[redacted]"')
    assert "dck_secret" not in repr(record.args) and "dtl_secret" not in repr(record.args)
