"""Published schema + vocabularies + entries → the contribution form pages /mitmachen/fall/, /methode/ and /format/."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import schema as schemas
from .load import HEADING_RE, SLUG_RE, SUGGESTED_SLUG_LENGTH
from .model import Content
from .templating import page_environment

# Entry kind → (staged page, source folder). The URLs are the design's; the rest comes from the schema.
FORM_PAGES = {"case": ("mitmachen/fall.md", "cases"), "method": ("mitmachen/methode.md", "methods"),
              "format": ("mitmachen/format.md", "formats")}
# A repeated group or list shows this placeholder where the row's index goes; form.js replaces it.
INDEX = "__i__"
# Text fields at least this long get a text area: the 200- and 300-character fields are sentences.
TEXTAREA_FROM = 200
_GITHUB_EDIT = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+)/(?:edit|blob|tree)/([^/]+)/?")
_ID_CHARS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Choice:
    """One allowed value: the slug goes into the file, the label is what the person reads."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Control:
    """One field of the form, or a group of fields, as the template draws it."""

    name: str
    widget: str
    label: str
    help: str
    example: str
    required: bool
    limits: Mapping[str, int]
    choices: tuple[Choice, ...] = ()
    children: tuple["Control", ...] = ()
    consent: bool = False
    # For the issue forms, which cannot repeat fields: a row per line, these keys in this order (x-issue-lines).
    lines: tuple[str | tuple[str, ...], ...] = ()
    example_rows: tuple[Mapping[str, Any], ...] = ()
    row_label: str = "Eintrag"  # what one row of a repeated group is called on its buttons

    @property
    def id(self) -> str:
        # The index placeholder survives, so that each row form.js makes gets ids of its own.
        parts = [_ID_CHARS.sub("-", transliterate(part)).strip("-") for part in self.name.split(INDEX)]
        return "f-" + f"-{INDEX}-".join(parts)


@dataclass(frozen=True, slots=True)
class Form:
    """Everything one form page shows and its script needs."""

    kind: str
    folder: str
    required: tuple[Control, ...]
    optional: tuple[Control, ...]
    sections: tuple[Control, ...]
    optional_sections: tuple[Control, ...]
    consent: bool
    data: Mapping[str, Any]


def transliterate(text: str) -> str:
    """Lowercase with the design's umlaut rules (ä→ae, ß→ss), as file names want them."""
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return text


def github_new_url(config: Mapping[str, Any], folder: str) -> str | None:
    """GitHub's new-file page for ``folder``, from the repository and branch named in ``edit_uri``."""
    edit_uri = config.get("edit_uri")
    match = _GITHUB_EDIT.match(edit_uri) if isinstance(edit_uri, str) else None
    if not match:
        return None
    owner, repo, branch = match.groups()
    return f"https://github.com/{owner}/{repo}/new/{branch}/{folder}"


def contact(config: Mapping[str, Any]) -> str | None:
    """The editors' e-mail address from ``extra.cimis.contact``, if one is set."""
    value = ((config.get("extra") or {}).get("cimis") or {}).get("contact")
    return value.strip() if isinstance(value, str) and "@" in value else None


def _choices(rule: Mapping[str, Any], content: Content) -> tuple[Choice, ...]:
    if name := rule.get("x-vocabulary"):
        vocabulary = content.vocabularies.get(name)
        return tuple(Choice(e.slug, e.label) for e in vocabulary.entries) if vocabulary else ()
    if reference := rule.get("x-reference"):  # a content folder: methods, formats
        entries = getattr(content, reference, ())
        return tuple(Choice(e.slug, e.title) for e in sorted(entries, key=lambda e: e.title.lower()))
    labels = rule.get("x-labels", {})
    return tuple(Choice(str(v), labels.get(v, str(v))) for v in rule.get("enum", ()))


def _example(rule: Mapping[str, Any], choices: tuple[Choice, ...]) -> str:
    examples = rule.get("examples") or []
    if not examples or isinstance(examples[0], (dict, bool)):
        return ""
    values = examples[0] if isinstance(examples[0], list) else [examples[0]]
    shown = {c.value: c.label for c in choices}
    return ", ".join(shown.get(str(v), str(v)) for v in values)


def _example_rows(rule: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    examples = rule.get("examples") or [[]]
    return tuple(row for row in examples[0] if isinstance(row, dict)) if isinstance(examples[0], list) else ()


def _limits(rule: Mapping[str, Any]) -> dict[str, int]:
    keys = ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems")
    # A maximum that moves with the date (the year) is checked, not printed: the issue forms stay the same.
    return {k: rule[k] for k in keys if isinstance(rule.get(k), int) and not (k == "maximum" and "x-maximum" in rule)}


def _widget(rule: Mapping[str, Any]) -> str:
    items = rule.get("items", {})
    if rule.get("type") == "object":
        return "group"
    if rule.get("type") == "array":
        if items.get("type") == "object":
            return "repeat"
        if items.get("x-reference"):
            return "search-choices"
        return "choices" if "enum" in items else "list"
    if "enum" in rule:
        return "select"
    if rule.get("type") == "integer":
        return "number"
    if rule.get("type") == "boolean":
        return "checkbox"
    if rule.get("format") == "date":
        return "date"
    if rule.get("maxLength", 0) >= TEXTAREA_FROM and "pattern" not in rule:
        return "textarea"
    return "text"


def _control(name: str, rule: Mapping[str, Any], required: bool, content: Content) -> Control:
    widget = _widget(rule)
    items = rule.get("items", {})
    choices = _choices(items if widget in ("choices", "search-choices") else rule, content)
    children: tuple[Control, ...] = ()
    if widget in ("group", "repeat"):
        node = rule if widget == "group" else items
        prefix = name if widget == "group" else f"{name}.{INDEX}"
        needed = set(node.get("required", ()))
        children = tuple(_control(f"{prefix}.{key}", sub, key in needed, content)
                         for key, sub in node.get("properties", {}).items() if sub.get("x-form", True))
    limits = _limits(rule)
    if widget == "list":  # the items' length limits are what a person types against
        limits.update({k: v for k, v in _limits(items).items() if k in ("minLength", "maxLength")})
    return Control(name, widget, rule.get("title", name.rsplit(".", 1)[-1]), rule.get("description", ""),
                   _example(rule, choices), required, limits, choices, children, bool(rule.get("x-consent")),
                   tuple(tuple(k) if isinstance(k, list) else k for k in rule.get("x-issue-lines", ())),
                   _example_rows(rule), items.get("title", "Eintrag") if widget == "repeat" else "Eintrag")


def _section(section: schemas.BodySection) -> Control:
    name = f"section.{section.title}"
    if section.steps:
        limits = {"minItems": section.steps["minItems"], "maxItems": section.steps["maxItems"],
                  "maxLength": section.steps["maxLength"]}
        return Control(name, "steps", section.title, section.description, "", section.required, limits)
    return Control(name, "textarea", section.title, section.description, "", section.required, {})


def build_form(kind: str, content: Content, schema: Mapping[str, Any]) -> Form:
    """The form for entries of ``kind`` from the published (resolved) schema and the content's lists."""
    folder = FORM_PAGES[kind][1]
    needed = set(schema.get("required", ()))
    controls = [_control(key, rule, key in needed, content)
                for key, rule in schema["properties"].items() if rule.get("x-form", True)]
    # A choice with nothing to choose from (no formats written yet) is left out until there is.
    controls = [c for c in controls if c.choices or c.widget not in ("select", "choices", "search-choices")]
    sections = tuple(_section(s) for s in schemas.body_sections(kind))
    existing = sorted(e.slug for e in getattr(content, folder))
    data = {"kind": kind, "folder": folder, "schema": _without_empty_enums(schema), "body": schema.get("x-body", {}),
            "rules": body_rules(), "existing": existing, "github": github_new_url(content.config, folder),
            "contact": contact(content.config), "durations": method_durations(content)}
    return Form(kind, folder, tuple(c for c in controls if c.required), tuple(c for c in controls if not c.required),
                tuple(s for s in sections if s.required), tuple(s for s in sections if not s.required),
                any(c.consent for c in controls), data)


def method_durations(content: Content) -> dict[str, list[int]]:
    """Each method's duration range, for the check that an agenda block's minutes fit its method."""
    return {m.slug: list(m.duration) for m in content.methods}


def _without_empty_enums(node: Any) -> Any:
    """The schema with ``enum: []`` (no formats written yet) as ``not: {}``: the same rule, which ajv accepts."""
    if isinstance(node, dict):
        return {k: _without_empty_enums(v) for k, v in node.items() if not (k == "enum" and v == [])} | \
            ({"not": {}} if node.get("enum") == [] else {})
    if isinstance(node, list):
        return [_without_empty_enums(v) for v in node]
    return node


def body_rules() -> dict[str, Any]:
    """The check's own patterns for file names and unsafe Markdown, for the browser (Python and JS read them alike)."""
    # Imported here: validate → fit → cards → render → forms would otherwise be a circle at import time.
    from .safety import UNSAFE_SCHEMES
    from .validate import ATTR_LIST_RE, LINK_RE, PLACEHOLDER_RE, REF_DEF_RE

    return {"slug": SLUG_RE.pattern, "slugLength": SUGGESTED_SLUG_LENGTH, "placeholder": PLACEHOLDER_RE.pattern,
            "link": LINK_RE.pattern, "reference": REF_DEF_RE.pattern, "attribute": ATTR_LIST_RE.pattern, "heading": HEADING_RE.pattern,
            "unsafeSchemes": list(UNSAFE_SCHEMES)}


def _script_json(value: Any) -> str:
    # Inside <script type="application/json"> only "</" could end the element early.
    return json.dumps(value, ensure_ascii=False, sort_keys=False).replace("</", "<\\/")


def form_pages(content: Content, schemas_by_kind: Mapping[str, Mapping[str, Any]],
               url: Callable[[str, str], str], text_url: Callable[[str, str], str] | None = None) -> dict[str, bytes]:
    """Staged Markdown of every form page; ``url(here, target)`` gives relative links.

    ``text_url`` is for links in the page's text, which Zensical rewrites (see render.relative_url); links
    in scripts' markup and <noscript> stay as ``url`` makes them.
    """
    env = page_environment()
    env.filters["script_json"] = _script_json
    template = env.get_template("form.md.j2")
    pages = {}
    for kind, (here, _) in FORM_PAGES.items():
        form = build_form(kind, content, schemas_by_kind[kind])
        # Markdown links name the staged page (the engine checks them); raw HTML needs the final URL.
        text = template.render(form=form, here=here, guide=url(here, "mitmachen.md"),
                               guide_in_text=(text_url or url)(here, "mitmachen.md"),
                               guide_page=posixpath.relpath("mitmachen.md", posixpath.dirname(here)),
                               asset=lambda name, here=here: url(here, f"assets/{name}"))
        pages[here] = _tight_html(text).encode("utf-8")
    return pages


def _tight_html(text: str) -> str:
    """Drop blank lines inside the raw HTML block: Markdown ends an HTML block at a blank line in some engines."""
    head, marker, html = text.partition("<!-- form -->\n")
    if not marker:
        return text
    return head + "\n".join(line for line in html.split("\n") if line.strip()) + "\n"
