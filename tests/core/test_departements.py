"""Tests of the official département list and the postcode → département rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.departements import DEPARTEMENTS, departement_label, departement_of_postcode
from core.reference import ILE_DE_FRANCE


def test_departements_count_is_101():
    assert len(DEPARTEMENTS) == 101


def test_departements_codes_are_the_official_ones():
    expected = (
        [f"{n:02d}" for n in range(1, 20)]
        + ["2A", "2B"]
        + [f"{n:02d}" for n in range(21, 96)]
        + ["971", "972", "973", "974", "976"]
    )
    assert list(DEPARTEMENTS) == expected


def test_departements_names_have_french_accents():
    assert DEPARTEMENTS["07"] == "Ardèche"
    assert DEPARTEMENTS["13"] == "Bouches-du-Rhône"
    assert DEPARTEMENTS["21"] == "Côte-d'Or"
    assert DEPARTEMENTS["63"] == "Puy-de-Dôme"
    assert DEPARTEMENTS["974"] == "La Réunion"


def test_departements_agree_with_ile_de_france_reference():
    for code, name in ILE_DE_FRANCE.items():
        assert DEPARTEMENTS[code] == name


def test_departements_has_no_corsica_20_nor_overseas_collectivities():
    assert "20" not in DEPARTEMENTS
    assert "975" not in DEPARTEMENTS
    assert "977" not in DEPARTEMENTS


def test_departement_label_known_code_gives_code_and_name():
    assert departement_label("93") == "93 (Seine-Saint-Denis)"


def test_departement_label_unknown_code_gives_code():
    assert departement_label("99") == "99"


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("75001", "75"),
        ("75116", "75"),
        ("75700", "75"),  # Paris CEDEX
        ("95100", "95"),  # Argenteuil
        ("93200", "93"),
        ("01000", "01"),
        ("92081", "92"),  # Paris La Défense CEDEX keeps the 92 prefix
        ("90000", "90"),
    ],
)
def test_departement_of_postcode_metropolitan_uses_two_digits(postcode, expected):
    assert departement_of_postcode(postcode) == expected


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("20000", "2A"),  # Ajaccio
        ("20090", "2A"),
        ("20100", "2A"),  # Sartène
        ("20167", "2A"),
        ("20200", "2B"),  # Bastia
        ("20250", "2B"),  # Corte
        ("20600", "2B"),
        ("20620", "2B"),
    ],
)
def test_departement_of_postcode_corsica_splits_2a_2b(postcode, expected):
    assert departement_of_postcode(postcode) == expected


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("97100", "971"),  # Basse-Terre
        ("97200", "972"),  # Fort-de-France
        ("97300", "973"),  # Cayenne
        ("97400", "974"),  # Saint-Denis (La Réunion)
        ("97600", "976"),  # Mamoudzou
    ],
)
def test_departement_of_postcode_overseas_uses_three_digits(postcode, expected):
    assert departement_of_postcode(postcode) == expected


@pytest.mark.parametrize(
    "postcode",
    [
        "97500",  # Saint-Pierre-et-Miquelon: collectivity, not a département
        "97700",
        "98000",  # Monaco
        "98800",  # New Caledonia
        "96000",
        "00000",
        "20700",
        "20900",
        "7500",
        "750010",
        "75 001",
        "7500A",
        "",
        "٧٥٠٠١",  # Arabic-Indic digits are not postcode digits
    ],
)
def test_departement_of_postcode_outside_departements_is_none(postcode):
    assert departement_of_postcode(postcode) is None


@given(st.text())
def test_departement_of_postcode_any_text_gives_known_code_or_none(text):
    assert departement_of_postcode(text) in {*DEPARTEMENTS, None}


@given(st.from_regex(r"[0-9]{5}", fullmatch=True))
def test_departement_of_postcode_any_five_digits_gives_known_code_or_none(postcode):
    assert departement_of_postcode(postcode) in {*DEPARTEMENTS, None}
