"""clean_fields: every field checked, every refusal kept with its French message."""

import pytest

from core.errors import clean_fields
from core.validation import FieldError, clean_email, clean_text


def refuse(_raw):
    raise FieldError("Valeur refusée.")


def test_clean_fields_keeps_clean_values_and_the_message_of_every_refused_field():
    values, errors = clean_fields(
        {"email": clean_email, "name": lambda raw: clean_text(raw, label="Nom", required=True, max_length=5),
         "city": refuse, "kept": str.strip},
        {"email": "sans-arobase", "name": "", "city": "Paris", "kept": "  ok ", "ignored": "x"},
    )
    assert values == {"kept": "ok"}
    assert set(errors) == {"email", "name", "city"}
    assert errors["name"] == "Le champ « Nom » est obligatoire." and errors["city"] == "Valeur refusée."


def test_clean_fields_with_nothing_refused_returns_no_error():
    assert clean_fields({"name": str.upper}, {"name": "urtie"}) == ({"name": "URTIE"}, {})


def test_clean_fields_lets_other_errors_through():
    # Only FieldError is a user's mistake; anything else is a bug and must not become a message.
    with pytest.raises(TypeError):
        clean_fields({"n": lambda raw: raw + 1}, {"n": "1"})
