"""French ordering of names: as a French dictionary orders them, not by code point."""

import pytest

from core.collation import french_key


def test_french_key_ignores_accents_case_apostrophes_and_punctuation_first():
    names = ["Zèbre", "Brie", "eco", "Écoles", "Bâti'Insert"]
    assert sorted(names) == ["Brie", "Bâti'Insert", "Zèbre", "eco", "Écoles"]  # code points: what users saw
    assert sorted(names, key=french_key) == ["Bâti'Insert", "Brie", "eco", "Écoles", "Zèbre"]


@pytest.mark.parametrize(("first", "second"), [
    ("eco", "éco"),            # same letters: the unaccented one first
    ("cote", "côte"),
    ("eco", "Eco"),            # same letters and accents: lower case first
    ("Bati insert", "Bâti'Insert"),
    ("Oeuvre", "Œuvres"),      # œ is read as « oe »
    ("Les Jardins", "Les Jardins de Cocagne"),
])
def test_french_key_breaks_ties_accents_then_case(first, second):
    assert french_key(first) < french_key(second)


def test_french_key_orders_the_same_whatever_the_apostrophe():
    assert sorted(["L’Atelier", "L'Abeille", "La Ferme"], key=french_key) == ["L'Abeille", "La Ferme", "L’Atelier"]


def test_french_key_is_total_on_distinct_texts():
    # Texts equal at every level but different (straight or typographic apostrophe) still get an order.
    assert french_key("L'Atelier") != french_key("L’Atelier")
