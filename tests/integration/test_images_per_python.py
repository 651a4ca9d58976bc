"""The images per Python version, built (or found) for real: the Python inside is the one
asked for, and a mismatch is refused."""

from __future__ import annotations

import pytest

from sandbox import image
from sandbox.engine import Engine
from sandbox.errors import ImageError


@pytest.mark.docker
@pytest.mark.timeout(600)  # a build from the mirror takes ~25-60 s; a built one is found
@pytest.mark.usefixtures("no_leftovers")
@pytest.mark.parametrize("python", ["3.13", "3.14"])
def test_the_image_has_the_python_asked_for(engine: Engine, python: str) -> None:
    ref = image.ensure_image(engine, print, python=python)
    assert ref == image.image_ref(python)
    assert engine.image_id(image.version_tag(python)) == engine.image_id(ref)
    assert engine.image_id(image.LATEST) != engine.image_id(ref)  # latest stays 3.11
    version = image.run_in_image(engine, ref, ["python3", "--version"])
    assert version.exit_code == 0
    assert version.output.startswith(f"Python {python}."), version.output
    psutil = image.run_in_image(engine, ref, ["python3", "-c", "import psutil; print('ok')"])
    assert (psutil.exit_code, psutil.output.strip()) == (0, "ok")


@pytest.mark.docker
@pytest.mark.usefixtures("no_leftovers")
def test_a_python_mismatch_is_an_image_error_naming_both(engine: Engine) -> None:
    ref = image.version_tag("3.13")
    if engine.image_id(ref) is None:
        pytest.skip(f"no {ref}: test_the_image_has_the_python_asked_for builds it")
    image.check_python(engine, ref, "3.13")
    with pytest.raises(ImageError, match=r"built for Python 3\.14 .* has Python 3\.13"):
        image.check_python(engine, ref, "3.14")


@pytest.mark.docker
@pytest.mark.timeout(600)
@pytest.mark.usefixtures("no_leftovers", "offline_build")
def test_two_offline_builds_give_the_same_layer(engine: Engine) -> None:
    """The build pins its inputs (suite, SOURCE_DATE_EPOCH): built again, the same files."""
    ref = image.ensure_image(engine, print, python="3.13")
    first = engine.image_layers(ref)
    image.ensure_image(engine, print, python="3.13", method="offline", force=True)
    assert engine.image_layers(ref) == first and len(first) == 1
