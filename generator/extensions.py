"""mkdocs.yml → the Markdown extensions and settings that every page body is rendered with."""

from __future__ import annotations

from typing import Any, Mapping

# cimis' templates and contributor guide rely on these, so the build adds them when mkdocs.yml does not.
# generator.passthrough takes cimis' generated lists as they are; the safety check renders bodies with it too.
REQUIRED_EXTENSIONS = ("admonition", "attr_list", "def_list", "md_in_html", "tables", "toc", "generator.passthrough")
# MkDocs loads these before the configured ones whatever mkdocs.yml says (mkdocs/config/defaults.py,
# MarkdownExtensions(builtins=...)); a test holds this tuple equal to MkDocs' own.
ENGINE_BUILTINS = ("toc", "tables", "fenced_code")


def extension_name(item: Any) -> str:
    """The name of a ``markdown_extensions`` item (a name, or a one-key mapping of name → settings)."""
    return item if isinstance(item, str) else next(iter(item))


def with_required(extensions: list) -> list:
    """The configured extensions plus the ones cimis needs, as the build writes them into the engine config."""
    present = {extension_name(e) for e in extensions}
    return extensions + [e for e in REQUIRED_EXTENSIONS if e not in present]


def markdown_settings(site_config: Mapping[str, Any]) -> tuple[list[str], dict[str, dict]]:
    """(extension names, settings per extension) exactly as the engine hands them to Python-Markdown."""
    configured = site_config.get("markdown_extensions") or []
    if isinstance(configured, dict):
        configured = [{name: settings} if settings else name for name, settings in configured.items()]
    if not isinstance(configured, list):
        configured = []
    names, settings = [], {}
    for item in with_required([e for e in configured if isinstance(e, (str, dict)) and e]):
        name = extension_name(item)
        names.append(name)
        if isinstance(item, dict) and isinstance(item[name], dict) and item[name]:
            settings[name] = dict(item[name])
    # MkDocs puts its built-ins first and then drops repeats, keeping the first position of each.
    return list(dict.fromkeys([*ENGINE_BUILTINS, *names])), settings
