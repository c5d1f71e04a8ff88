from tests.pages.conftest import no_exception, open_app, texts


def test_public_home_shows_title_presentation_and_sign_in_link(sqlite_db):
    at = open_app(page="pages/public/accueil.py")
    no_exception(at)
    assert texts(at.title) == ["🤝 OpenMap candidatures"]
    assert any("rencontres **OpenMap**" in m for m in texts(at.markdown))
    [link] = at.main.get("html")
    assert 'href="/connexion"' in link.proto.body and "Se connecter" in link.proto.body
    assert 'target=' not in link.proto.body  # same tab: st.link_button would open a new one
    assert not at.success  # the sign-out notice appears only after signing out
