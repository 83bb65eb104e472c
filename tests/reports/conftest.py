from __future__ import annotations

import pytest

from tests.reports import dataset


@pytest.fixture
def region(db):
    return dataset.build()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
