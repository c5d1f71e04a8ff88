"""The candidacy form's validation: drafts, submissions, eligibility, and any text whatever."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.candidacies.form import TEXT_FIELDS, CandidacyForm, CleanCandidacy, validate
from core.errors import ValidationFailed
from tests.factories import complete_form


def errors_of(form: CandidacyForm, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        validate(form, **kwargs)
    return refused.value.errors


# ---------------------------------------------------------------- drafts and submissions

SUBMIT_REQUIRED = {
    "siret", "name", "kind", "address", "postcode", "city", "departement", "sectors", "contact_name",
    "contact_email", "contact_phone", "presenter_name", "pitch_title", "pitch_summary", "buyer_offer",
    "consent_processing", "consent_sharing",
}


def test_validate_draft_needs_only_siret_name_and_kind():
    clean = validate(CandidacyForm(siret="732 829 320 00074", name=" Bâti'Insert ", kind="ei"), submit=False)
    assert (clean.siret, clean.name, clean.kind) == ("73282932000074", "Bâti'Insert", "EI")
    assert clean.contact_email is None and clean.postcode is None and clean.sectors == ()
    assert clean.consent_processing is False


def test_validate_empty_draft_is_refused_on_identity_only():
    assert errors_of(CandidacyForm(), submit=False).keys() == {"siret", "name", "kind"}


def test_validate_empty_submission_is_refused_on_every_required_field():
    assert errors_of(CandidacyForm(), submit=True).keys() == SUBMIT_REQUIRED


@pytest.mark.parametrize("name", sorted(SUBMIT_REQUIRED - {"consent_processing", "consent_sharing"}))
def test_validate_submission_missing_one_field_is_refused_on_that_field(name):
    form = complete_form(**{name: [] if name == "sectors" else "   "})
    assert errors_of(form, submit=True).keys() == {name}


@pytest.mark.parametrize("consent", ["consent_processing", "consent_sharing"])
def test_validate_submission_without_a_consent_is_refused_on_it(consent):
    errors = errors_of(complete_form(**{consent: False}), submit=True)
    assert errors.keys() == {consent}
    validate(complete_form(**{consent: False}), submit=False)  # a draft may wait for it


def test_validate_complete_submission_is_normalised():
    clean = validate(complete_form(), submit=True)
    assert isinstance(clean, CleanCandidacy)
    assert clean.website == "https://www.bati-insert.exemple.fr"
    assert clean.insertion_workforce == 18 and clean.sectors == ("Bâtiment et travaux publics",)
    assert clean.contact_phone == "01 39 00 00 00" and clean.consent_sharing is True
    assert clean.structure_values()["siret"] == "73282932000074"
    assert "contact_email" in clean.candidacy_values() and "siret" not in clean.candidacy_values()


def test_validate_optional_fields_may_stay_empty_on_submission():
    clean = validate(complete_form(website="", presenter_role="", public_references="", insertion_workforce=""),
                     submit=True)
    assert (clean.website, clean.presenter_role, clean.public_references, clean.insertion_workforce) == (
        None, None, None, None)


# ---------------------------------------------------------------- eligibility and consistency


def test_validate_kind_not_eligible_is_refused_on_kind():
    errors = errors_of(complete_form(kind="EA"), submit=True, eligible_kinds=["EI", "ACI"])
    assert errors.keys() == {"kind"} and "Entreprise adaptée" in errors["kind"]


def test_validate_departement_not_eligible_is_refused_on_departement():
    errors = errors_of(complete_form(), submit=True, eligible_departements=["75", "93"])
    assert errors.keys() == {"departement"} and "Val-d'Oise" in errors["departement"]


def test_validate_kind_and_departement_not_eligible_are_both_reported():
    errors = errors_of(complete_form(kind="ESAT"), submit=False, eligible_kinds=["EI"], eligible_departements=["75"])
    assert errors.keys() == {"kind", "departement"}


def test_validate_eligible_kind_and_departement_are_accepted():
    clean = validate(complete_form(kind="Entreprise d'insertion", departement="Val-d'Oise"), submit=True,
                     eligible_kinds=["EI"], eligible_departements=["95"])
    assert (clean.kind, clean.departement) == ("EI", "95")


def test_validate_postcode_of_another_departement_is_refused_on_postcode():
    errors = errors_of(complete_form(postcode="75001", departement="95"), submit=True)
    assert errors.keys() == {"postcode"} and "75001" in errors["postcode"]


@pytest.mark.parametrize("website", ["exemple", "ftp://exemple.fr", "https://user@exemple.fr", "http://",
                                     "www.exemple .fr", "https://192.168.0.1"])
def test_validate_website_with_bad_syntax_is_refused_on_website(website):
    assert errors_of(complete_form(website=website), submit=False).keys() == {"website"}


@pytest.mark.parametrize("name", list(TEXT_FIELDS))
def test_validate_text_over_its_limit_is_refused_on_that_field(name):
    limit = TEXT_FIELDS[name][1]
    assert errors_of(complete_form(**{name: "x" * (limit + 1)}), submit=True).keys() == {name}
    clean = validate(complete_form(**{name: "x" * limit}), submit=True)
    assert getattr(clean, name) == "x" * limit


MULTI_LINE = {"pitch_summary", "buyer_offer", "public_references"}
FAMILY = "\U0001f469\u200d\U0001f467"  # one emoji drawn from two, joined by U+200D


@pytest.mark.parametrize("name", sorted(TEXT_FIELDS))
def test_validate_text_fields_drop_bidi_controls_and_single_line_ones_zero_width_characters(name):
    clean = validate(complete_form(**{name: f"SIRET \u202e12345\u202c {FAMILY}\u200b"}), submit=True)
    expected = f"SIRET 12345 {FAMILY}" if name in MULTI_LINE else "SIRET 12345 \U0001f469\U0001f467"
    assert getattr(clean, name) == expected


def test_validate_summary_line_breaks_count_once_whatever_their_ending():
    lines = ["x" * 299] * 5  # 1,495 characters + 4 line breaks = the limit, 1,500
    for ending in ("\n", "\r\n", "\r"):
        clean = validate(complete_form(pitch_summary=ending.join(lines)), submit=True)
        assert clean.pitch_summary == "\n".join(lines)


@pytest.mark.parametrize("field", ["siret", "postcode", "contact_phone", "contact_email", "website"])
def test_validate_numbers_and_addresses_drop_invisible_characters(field):
    typed = {"siret": "7328\u200b2932000074", "postcode": "\u202e95100", "contact_phone": "01\u200b39 00 00 00",
             "contact_email": "samia@bati-insert.exemple.fr\u200f", "website": "www.bati\u2060-insert.exemple.fr"}
    assert getattr(validate(complete_form(**{field: typed[field]}), submit=True), field) == getattr(
        validate(complete_form(), submit=True), field)


def test_validate_name_of_201_characters_is_refused():
    errors = errors_of(complete_form(name="é" * 201), submit=False)
    assert errors.keys() == {"name"} and "200" in errors["name"] and "201" in errors["name"]


def test_validate_la_poste_siret_is_accepted():
    assert validate(complete_form(siret="356 000 000 09075"), submit=True).siret == "35600000009075"


@pytest.mark.parametrize("siret", ["73282932000079", "732829320", "7328293200007A", "00000000000000"])
def test_validate_invalid_siret_is_refused_on_siret(siret):
    assert errors_of(complete_form(siret=siret), submit=False).keys() == {"siret"}


@pytest.mark.parametrize("sectors", [
    ["Restauration", "Bâtiment et travaux publics"],
    "Restauration; bâtiment et travaux publics",
    "restauration\nBATIMENT ET TRAVAUX PUBLICS;",
])
def test_validate_sectors_as_list_or_string(sectors):
    clean = validate(complete_form(sectors=sectors), submit=True)
    assert clean.sectors == ("Bâtiment et travaux publics", "Restauration")


def test_validate_unknown_sector_is_refused_on_sectors():
    errors = errors_of(complete_form(sectors="Restauration; Astronautique"), submit=False)
    assert errors.keys() == {"sectors"} and "Astronautique" in errors["sectors"]


def test_validate_reports_every_bad_field_at_once():
    form = complete_form(siret="1", contact_email="samia@", contact_phone="12", website="exemple",
                         insertion_workforce="-3", consent_sharing=False)
    assert errors_of(form, submit=True).keys() == {
        "siret", "contact_email", "contact_phone", "website", "insertion_workforce", "consent_sharing"}


# ---------------------------------------------------------------- any text at all

TEXT_NAMES = ("siret", "name", "kind", "address", "postcode", "city", "departement", "website",
              "insertion_workforce", "contact_name", "contact_email", "contact_phone", "presenter_name",
              "presenter_role", "pitch_title", "pitch_summary", "buyer_offer", "public_references")
any_text = st.text(max_size=40) | st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
any_sectors = st.text(max_size=60) | st.lists(st.text(max_size=30), max_size=4)


@st.composite
def forms(draw) -> CandidacyForm:
    """Every field arbitrary text, or a valid form with a few fields made arbitrary
    (so that the deeper checks, and successes, are reached too)."""
    scrambled = draw(st.just(set(TEXT_NAMES) | {"sectors"}) | st.sets(st.sampled_from(TEXT_NAMES), max_size=3))
    changes = {name: draw(any_text) for name in sorted(scrambled - {"sectors"})}
    if "sectors" in scrambled:
        changes["sectors"] = draw(any_sectors)
    return complete_form(**changes, consent_processing=draw(st.booleans()), consent_sharing=draw(st.booleans()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=forms(), submit=st.booleans(),
       kinds=st.none() | st.lists(st.sampled_from(["EI", "EA", "ACI"])),
       departements=st.none() | st.lists(st.sampled_from(["75", "95", "971"])))
def test_validate_arbitrary_text_raises_only_validation_failed(form, submit, kinds, departements):
    try:
        clean = validate(form, submit=submit, eligible_kinds=kinds, eligible_departements=departements)
    except ValidationFailed as refused:
        assert refused.errors and all(isinstance(m, str) and m for m in refused.errors.values())
        assert refused.errors.keys() <= set(TEXT_NAMES) | {"sectors", "consent_processing", "consent_sharing"}
    else:
        assert len(clean.siret) == 14 and clean.name
        # What comes out fits the columns and PostgreSQL's text (no NUL).
        for name, limit in {**{n: v[1] for n, v in TEXT_FIELDS.items()}, "website": 300, "contact_email": 254,
                            "contact_phone": 30, "postcode": 5}.items():
            value = getattr(clean, name)
            assert value is None or (len(value) <= limit and "\x00" not in value)
        if submit:
            assert clean.consent_processing and clean.consent_sharing and clean.sectors
