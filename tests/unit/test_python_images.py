"""One sandbox image per Python version (sandbox/image.py's PYTHONS table).

The pure parts: the table, the tags, reading the host's Debian mirror. The images are
built and looked inside in tests/integration/test_images_per_python.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import image
from sandbox.cli import build_parser
from sandbox.errors import ImageError, UsageError

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""

ONE_LINE = """\
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://other.example/apt cloud-sdk main
deb [ arch=amd64 ] http://mirror.example/debian  trixie main contrib # the archive
deb http://mirror.example/debian-security trixie-security main
"""


# -- the table ---------------------------------------------------------------------------


def test_the_table_maps_each_python_to_a_suite() -> None:
    assert image.PYTHONS == {"3.11": "bookworm", "3.13": "trixie", "3.14": "sid"}
    assert image.DEFAULT_PYTHON == "3.11"
    assert image.suite_for("3.13") == "trixie"


def test_an_unknown_python_is_a_usage_error_naming_the_valid_ones() -> None:
    with pytest.raises(UsageError, match=r"Python '3\.12'.*3\.11, 3\.13, 3\.14"):
        image.image_ref("3.12")
    with pytest.raises(UsageError, match=r"3\.11, 3\.13, 3\.14"):
        image.version_tag("3")


def test_each_python_has_its_own_tags() -> None:
    refs = {python: image.image_ref(python) for python in image.PYTHONS}
    assert len(set(refs.values())) == len(image.PYTHONS)
    assert all(ref.startswith("process-sandbox:") for ref in refs.values())
    assert refs[image.DEFAULT_PYTHON] == image.image_ref()
    assert image.version_tag("3.14") == "process-sandbox:py3.14"


def test_the_tag_follows_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    before = image.image_ref("3.14")
    monkeypatch.setitem(image.PYTHONS, "3.14", "forky")
    assert image.image_ref("3.14") != before


def test_the_dockerfile_base_follows_the_table() -> None:
    default = (image.DOCKER_DIR / "Dockerfile").read_text()
    assert "ARG SUITE=bookworm\nFROM debian:${SUITE}-slim\n" in default
    for suite in image.PYTHONS.values():
        text = image.dockerfile_for(suite)
        assert f"ARG SUITE={suite}\nFROM debian:${{SUITE}}-slim\n" in text
        assert text.replace(f"ARG SUITE={suite}", "ARG SUITE=bookworm") == default


def test_the_image_command_takes_python() -> None:
    parser = build_parser()
    assert parser.parse_args(["image"]).python == image.DEFAULT_PYTHON
    assert parser.parse_args(["image", "--python", "3.14"]).python == "3.14"


def test_the_image_command_refuses_an_unknown_python(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["image", "--python", "3.12"])
    assert exited.value.code == 2
    assert "'3.11', '3.13', '3.14'" in capsys.readouterr().err


# -- the host's Debian mirror ------------------------------------------------------------


def test_deb822_sources_are_read() -> None:
    assert image.parse_deb822(DEB822) == [
        ("http://mirror.example/debian/", ["bookworm", "bookworm-updates"]),
        ("http://mirror.example/debian-security", ["bookworm-security"]),
    ]


def test_deb822_skips_disabled_and_source_stanzas() -> None:
    text = (
        "Types: deb-src\nURIs: http://a.example/debian\nSuites: sid\n\n"
        "Enabled: no\nTypes: deb\nURIs: http://b.example/debian\nSuites: sid\n\n"
        "types: deb deb-src\nuris: http://c.example/debian\n http://d.example/debian\n"
        "suites: trixie\n"
    )
    assert image.parse_deb822(text) == [
        ("http://c.example/debian", ["trixie"]),
        ("http://d.example/debian", ["trixie"]),
    ]


def test_one_line_sources_are_read() -> None:
    assert image.parse_sources_list(ONE_LINE) == [
        ("https://other.example/apt", ["cloud-sdk"]),
        ("http://mirror.example/debian", ["trixie"]),
        ("http://mirror.example/debian-security", ["trixie-security"]),
    ]


def test_the_mirror_is_the_source_of_a_debian_suite() -> None:
    assert image.pick_mirror(image.parse_deb822(DEB822), []) == "http://mirror.example/debian"
    assert (
        image.pick_mirror(image.parse_sources_list(ONE_LINE), []) == "http://mirror.example/debian"
    )
    # The host's own codename counts too, for a release newer than the table.
    other = [("http://x.example/apt", ["nodistro"]), ("http://m.example/debian", ["duke"])]
    assert image.pick_mirror(other, ["duke"]) == "http://m.example/debian"
    assert image.pick_mirror(other, []) is None


def _apt(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "apt" / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / "apt" / name).write_text(text)
    return tmp_path / "apt"


def test_the_host_mirror_is_read_from_the_apt_sources(tmp_path: Path) -> None:
    apt = _apt(
        tmp_path,
        {
            "sources.list": "",
            "sources.list.d/00-off.sources.disabled": DEB822.replace("mirror.", "off."),
            "sources.list.d/10-other.list": "deb https://other.example/apt cloud-sdk main\n",
            "sources.list.d/debian.sources": DEB822,
        },
    )
    assert image.host_mirror(apt, tmp_path / "no-os-release") == "http://mirror.example/debian"
    (apt / "sources.list").write_text("deb http://first.example/debian bookworm main\n")
    assert image.host_mirror(apt, tmp_path / "no-os-release") == "http://first.example/debian"


def test_no_debian_mirror_is_a_clear_error(tmp_path: Path) -> None:
    apt = _apt(tmp_path, {"sources.list.d/security.list": ONE_LINE.splitlines()[-1] + "\n"})
    with pytest.raises(ImageError, match=r"no Debian mirror in this machine's apt sources"):
        image.host_mirror(apt, tmp_path / "no-os-release")


def test_this_machine_has_a_mirror() -> None:
    if not image.APT_ETC.is_dir():
        pytest.skip("no apt on this machine")
    assert "://" in image.host_mirror()


# -- the images themselves (real engine) -------------------------------------------------
