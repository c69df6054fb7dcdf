"""The rendered check renders with exactly what MkDocs uses, and reads URLs the way a browser does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator import build, safety
from generator.extensions import ENGINE_BUILTINS, markdown_settings

from .conftest import REPO


def test_engine_builtins_are_mkdocs_own() -> None:
    from mkdocs.config.defaults import MkDocsConfig

    assert list(ENGINE_BUILTINS) == MkDocsConfig.markdown_extensions.builtins


@pytest.mark.parametrize("extensions", [
    None,
    ["abbr", {"toc": {"permalink": True, "permalink_title": "Link"}}, "attr_list"],
    [{"tables": {"use_align_attribute": True}}, "fenced_code", "footnotes"],
], ids=["none", "shipped-like", "settings-on-builtin"])
def test_markdown_settings_equal_what_mkdocs_loads(extensions, tmp_path: Path) -> None:
    user = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    user.pop("markdown_extensions")
    if extensions is not None:
        user["markdown_extensions"] = extensions
    from mkdocs.config import load_config

    (tmp_path / "docs").mkdir()
    (tmp_path / "overrides").mkdir()
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(build.engine_config(user, [], tmp_path / "site")), "utf-8")
    loaded = load_config(config_file=str(config_file))
    names, settings = markdown_settings(user)
    assert names == loaded["markdown_extensions"]
    assert settings == {k: v for k, v in loaded["mdx_configs"].items() if v}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:x", "&#106;avascript:x", "java&#x09;script:x",
                                 " \x01javascript:x", "jav&#x0A;ascript:x", "DATA:text/html,x", "vbscript:x",
                                 "fIlE:///etc/passwd", "&#x6A;&#x61;vascript:x"])
def test_unsafe_schemes_in_any_spelling(url: str) -> None:
    assert safety.unsafe_url(url)


@pytest.mark.parametrize("url", ["https://example.org/a", "mailto:a@example.org", "../methods/persona.md", "#anker",
                                 "bild-javascript:.png"])
def test_safe_urls_are_not_unsafe(url: str) -> None:
    assert not safety.unsafe_url(url)


@pytest.mark.parametrize("url, remote", [("//evil.example/x.png", True), ("/\\evil.example/x.png", True),
                                         ("HTTPS://evil.example/x", True), (" https://evil.example", True),
                                         ("https:evil.example/x.png", True), ("bild.png", False),
                                         ("../content/images/a.png", False), ("/images/a.png", False)])
def test_foreign_resources(url: str, remote: bool) -> None:
    assert safety.foreign(url) is remote


def test_open_tag_at_the_end_of_a_body_is_not_closed() -> None:
    _, closed = safety.elements('<p>Text</p><img src="a.png" alt="')
    assert not closed
    found, closed = safety.elements('<p>Text <img src="a.png" alt="Ein Bild"></p>')
    assert closed and [e.tag for e in found] == ["p", "img"]


def test_abruptly_closed_comment_hides_nothing() -> None:
    found, _ = safety.elements('<!---><img src="//evil.example/x.png">-->')
    assert [e.tag for e in found] == ["img"]


def test_rendered_cache_gives_what_rendering_gives_and_follows_the_settings() -> None:
    from generator.safety import parsed_bodies

    bodies = {"cases/a.md": "Text <img src=\"x.png\" onerror=\"y()\">\n\n[l](javascript:x)\n", "cases/b.md": "## Ablauf\n"}
    fresh, keep = parsed_bodies(bodies, {}, {})
    again, kept = parsed_bodies(bodies, {}, keep)
    assert again == fresh and kept == keep
    assert any(e.tag == "img" and ("onerror", "y()") in e.attrs for e in fresh["cases/a.md"][0])
    # A stale entry under a key the current settings do not make is never used.
    poisoned = {key: [[], True] for key in keep}
    other, other_keep = parsed_bodies(bodies, {"markdown_extensions": ["abbr", "footnotes"]}, poisoned)
    assert set(other_keep).isdisjoint(keep) and other == fresh
