import pytest

from tests.core.review.builders import Scene


@pytest.fixture
def scene(db):
    return Scene()
