"""Documents → diagnostics: JSON Schema for structure, plain functions for everything else."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import jsonschema

from . import passthrough, safety
from . import schema as schemas
from .cache import Memo, Same, load_keys, load_values, save_keys, save_values
from .diagnostics import Diagnostic, closest, did_you_mean, error, sort_key, warning
from .load import FENCE_RE, SLUG_RE, image_folders, ordered_items, printed_step, reference_slugs
from .model import CASE, FORMAT, METHOD, PAGE, VOCABULARY, Document, Source, jsonable
from .safety import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, unsafe_url as _unsafe_url, with_rendered_check


PLACEHOLDER_RE = re.compile(r"«[^»]*»")
# attr_list syntax that sets attributes ({: onclick="…" }, { href=… }); classes and ids are harmless.
ATTR_LIST_RE = re.compile(r"\{:?\s*[^}\n]*?[\w-]+\s*=[^}\n]*\}")
LINK_RE = re.compile(r"(!?)\[([^\]]*)\]\(\s*<?([^)\s>]*)[^)]*\)")
REF_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)")
INLINE_CODE_RE = re.compile(r"(`+)(.+?)\1")
AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
# What Markdown turns into a link (<https://…>, <name@example.org>): not an HTML tag for the tag check.
AUTOLINK_TAG_RE = re.compile(r"<(?:(?:https?|ftp)://[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>", re.I)

TYPE_NAMES = {"string": "einen Text", "integer": "eine ganze Zahl", "boolean": "true oder false",
              "array": "eine Liste", "object": "eine Zuordnung (eingerückte Angaben)", "number": "eine Zahl"}


@dataclass(frozen=True, slots=True)
class Context:
    """What rules need to know beyond one document."""

    root: Path
    today: dt.date
    vocabularies: Mapping[str, tuple[str, ...]]
    references: Mapping[str, frozenset[str]]  # content folder → slugs, for x-reference fields
    method_durations: Mapping[str, tuple[int, int]]  # the duration of every method that states one
    site_config: Mapping[str, Any] = field(default_factory=dict)
    parsed: Mapping[str, Any] = field(default_factory=dict)  # path → elements of the rendered body


Rule = Callable[[Document, Context], Iterable[Diagnostic]]


def validate(source: Source, today: dt.date, memo: Memo | None = None) -> tuple[Diagnostic, ...]:
    """Collect every problem in the project; never stops at the first.

    ``memo`` keeps each entry's problems for as long as the entry (the same parsed document), what the rules
    know beyond it and the names of the project's files (images are looked up there) stay the same.
    """
    found: list[Diagnostic] = list(source.problems)
    vocabularies, labels = {}, {}
    vocabulary_validator = _validator(schemas.resolve_schema(VOCABULARY, {}, today))
    for doc in source.vocabulary_documents:
        found.extend(doc.problems)
        if doc.data is None and doc.problems:
            continue
        found.extend(_schema_problems(doc, vocabulary_validator))
        if isinstance(doc.data, dict):
            vocabularies[doc.slug] = tuple(doc.data)
            labels[doc.slug] = {slug: e["label"] for slug, e in doc.data.items()
                                if isinstance(e, dict) and isinstance(e.get("label"), str)}
    for name in schemas.vocabulary_fields():
        if name not in vocabularies and not any(d.slug == name for d in source.vocabulary_documents):
            found.append(error(f"content/vocabularies/{name}.yml", (1, 1), "missing-vocabulary",
                               f"Das Vokabular '{name}' fehlt",
                               f"Lege content/vocabularies/{name}.yml an (Kürzel → label)"))
    if source.config is None:
        found.append(error("mkdocs.yml", (1, 1), "missing-config", "Die Datei mkdocs.yml fehlt",
                           "Lege sie im Hauptordner an; sie enthält Titel und Aussehen der Website"))
    else:
        found.extend(source.config.problems)
        found.extend(check_config(source.config))
    # The rendered bodies' elements, by content hash: rendering is most of a large check.
    bodies = {d.path: d.body for d in source.documents if d.data is not None and d.body.strip()}
    parsed, keep = safety.parsed_bodies(bodies, source.site_config, load_values("rendered"))
    save_values("rendered", keep)
    context = Context(Path(source.root), today, vocabularies, reference_slugs(source), _method_durations(source),
                      source.site_config, parsed)
    # References to other entries are checked by check_references against a set: as a schema enum they
    # cost (entries × methods) comparisons.
    resolved = {kind: _validator(schemas.resolve_schema(kind, vocabularies, today))
                for kind in (CASE, METHOD, FORMAT, PAGE)}
    fingerprint = validator_fingerprint()
    digests = {kind: _digest([fingerprint, validator.schema]) for kind, validator in resolved.items()}
    # Schema validation is most of a large check; an entry whose data, schema and validating code are
    # unchanged since it last passed cannot fail now, so it is not validated again.
    known_valid, now_valid = load_keys("schema"), set()
    # What an entry's results depend on besides the entry; repr, as mkdocs.yml may hold keys JSON cannot sort.
    beyond = hashlib.sha256(repr((
        context.root, today, context.vocabularies, labels, sorted((k, sorted(v)) for k, v in context.references.items()),
        context.method_durations, context.site_config, _names(context.root))).encode()).digest() if memo else b""
    for doc in source.documents:
        found.extend(doc.problems)
        if doc.data is None:
            continue
        check = functools.partial(_document_problems, doc, context, resolved[doc.kind], digests[doc.kind], known_valid,
                                  labels)
        problems, valid = memo.get(("entry", beyond, digests[doc.kind], Same(doc)), check) if memo else check()
        found.extend(problems)
        if valid:
            now_valid.add(valid)
    if now_valid != known_valid:
        save_keys("schema", now_valid)
    return tuple(sorted(set(found), key=sort_key))


def _document_problems(doc: Document, context: Context, validator: jsonschema.Draft7Validator, schema_digest: str,
                       known_valid: frozenset[str], labels: Mapping[str, Mapping[str, str]]
                       ) -> tuple[tuple[Diagnostic, ...], str | None]:
    """One entry's problems, and its schema key when the schema found none."""
    placeholders = list(check_placeholders(doc))
    # An unfilled placeholder is reported once, not again as a wrong type or unknown value.
    filled_in = {(d.line, d.column) for d in placeholders}
    instance = jsonable(doc.data)
    key = _digest([schema_digest, instance])
    problems = [] if key in known_valid else list(_schema_problems(doc, validator, instance, labels))
    found = placeholders + [d for d in problems if (d.line, d.column) not in filled_in]
    found.extend(d for rule in RULES[doc.kind] for d in rule(doc, context))
    return tuple(found), None if problems else key


def _names(root: Path) -> list[str]:
    """Every name below ``root`` and where each link points: all that the rules' file lookups can see.

    .git is left out: no entry refers into it, and it changes with every commit.
    """
    names = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in (*dirs, *sorted(files)):
            path = os.path.join(folder, name)
            names.append(f"{path} -> {os.readlink(path)}" if os.path.islink(path) else path)
    return names


def _method_durations(source: Source) -> dict[str, tuple[int, int]]:
    durations = {}
    for doc in source.documents:
        span = doc.data.get("duration") if doc.kind == METHOD and isinstance(doc.data, dict) else None
        if isinstance(span, dict) and all(_is_int(span.get(k)) for k in ("min", "max")):
            durations[doc.slug] = (span["min"], span["max"])
    return durations


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- schema errors → diagnostics -------------------------------------------------------------

def validator_fingerprint() -> str:
    """A hash of everything besides schema and entry that decides a schema result; read afresh each run."""
    # The modules that turn an entry into JSON values, validate it and translate (or drop) its errors:
    # found through the functions themselves, so the list follows them if they move.
    modules = sorted({sys.modules[f.__module__].__file__ for f in (
        validate, jsonable, _validator, _schema_problems, _translate, schemas.resolve_schema,
        schemas.subschema, did_you_mean, error)})
    digest = hashlib.sha256()
    for file in modules:
        digest.update(Path(file).read_bytes())
    probe = _validator({})
    checker = probe.format_checker
    # Which formats are checked depends on optional packages jsonschema finds installed.
    digest.update(json.dumps([metadata.version("jsonschema"), type(probe).__qualname__,
                              sorted(checker.checkers) if checker else None]).encode())
    return digest.hexdigest()


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lookup(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _name(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "Kopfbereich"


def _describe(value: Any) -> str:
    """What a YAML value is, as the subject of "ist aber …"."""
    if value is None:
        return "leer"
    if isinstance(value, bool):
        return f"der Wahrheitswert {str(value).lower()}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"ein Datum ({value.isoformat()})"
    if isinstance(value, int):
        return f"die Zahl {value}"
    if isinstance(value, float):
        return f"die Kommazahl {value}"
    if isinstance(value, str):
        return f"der Text '{value}'"
    if isinstance(value, list):
        return "eine Liste"
    return "eine Zuordnung"


def _entries(count: int) -> str:
    return f"{count} {'Eintrag' if count == 1 else 'Einträge'}"


def _validator(schema: dict) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _schema_problems(doc: Document, validator: jsonschema.Draft7Validator, instance: Any = None,
                     labels: Mapping[str, Mapping[str, str]] | None = None) -> Iterable[Diagnostic]:
    """Schema errors of ``doc``; ``instance`` is its data as JSON values, ``labels`` the vocabularies' labels."""
    schema = validator.schema
    instance = jsonable(doc.data) if instance is None else instance
    seen: set[tuple] = set()
    for err in validator.iter_errors(instance):
        path = tuple(err.absolute_path)
        for diagnostic in _translate(doc, schema, err, path, labels or {}):
            key = (diagnostic.line, diagnostic.column, diagnostic.code, diagnostic.message)
            if key not in seen:
                seen.add(key)
                yield diagnostic


def _translate(doc: Document, schema: dict, err: jsonschema.ValidationError, path: tuple,
               labels: Mapping[str, Mapping[str, str]]):
    kind, value = err.validator, err.instance
    original = _lookup(doc.data, path) if kind == "type" else value
    field = _name(path)
    where = doc.pos(path)
    governing = schemas.subschema(schema, path)
    if kind == "required":
        allowed = list(governing.get("properties", {}))
        strays = [k for k in value if k not in allowed] if isinstance(value, dict) else []
        for key in err.validator_value:
            # A misspelt key is reported once, as unknown-key with its correction.
            if any(did_you_mean(stray, [key]) for stray in strays):
                continue
            if isinstance(value, dict) and key not in value:
                at = doc.key_position(path) if path else (1, 1)
                described = schemas.subschema(schema, path + (key,)).get("description")
                under = f" unter '{path[-1]}:'" if path and isinstance(path[-1], str) else ""
                yield error(doc.path, at, "missing-key", f"Die Angabe '{_name(path + (key,))}' fehlt",
                            f"Ergänze '{key}: …'{under}" + (f". {described}" if described else ""))
    elif kind == "additionalProperties":
        allowed = list(governing.get("properties", {}))
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"Erlaubt sind: {', '.join(allowed)}"
                yield error(doc.path, doc.key_position(path + (key,)), "unknown-key",
                            f"Die Angabe '{_name(path + (key,))}' gibt es nicht", hint)
    elif kind == "type":
        expected = err.validator_value if isinstance(err.validator_value, str) else err.validator_value[0]
        hint = None
        if isinstance(original, bool) and expected == "string":
            hint = "YAML liest Wörter wie no, yes, on, off als Wahrheitswert; setze den Text in Anführungszeichen"
        elif isinstance(original, (dt.date, dt.datetime)) and expected == "integer":
            hint = f"Schreibe nur die Jahreszahl, z. B. {field}: {original.year}"
        elif original is None:
            hint = f"Trage einen Wert ein oder lösche die Zeile '{path[-1] if path else field}:'"
        elif expected == "object":
            hint = f"Schreibe die Unterangaben eingerückt unter '{path[-1] if path else field}:'"
        elif expected == "array":
            hint = f"Schreibe eine Liste, z. B. {field}: [{original if isinstance(original, str) else '…'}]"
        elif expected == "integer" and isinstance(original, str) and original.strip().isdigit():
            hint = "Lass die Anführungszeichen um die Zahl weg"
        yield error(doc.path, where, "wrong-type",
                    f"'{field}' muss {TYPE_NAMES.get(expected, expected)} sein, ist aber {_describe(original)}", hint)
    elif kind == "enum":
        choices = [str(c) for c in err.validator_value]
        vocabulary = governing.get("x-vocabulary")
        if vocabulary:
            message = f"{field} '{value}' ist kein Wert des Vokabulars '{vocabulary}'"
            fallback = f"Erlaubte Werte stehen in content/vocabularies/{vocabulary}.yml"
        else:
            message = f"{field} '{value}' ist nicht erlaubt"
            fallback = f"Erlaubt sind: {', '.join(choices)}"
        hint = did_you_mean(value, choices, labels.get(vocabulary))
        yield error(doc.path, where, "unknown-value", message, f"{hint} {fallback}" if hint else fallback)
    elif kind in ("minLength", "maxLength"):
        limit, length = err.validator_value, len(value)
        if kind == "maxLength":
            yield error(doc.path, where, "too-long", f"'{field}' ist {length} Zeichen lang, erlaubt sind höchstens {limit}",
                        f"Kürze den Text um {length - limit} Zeichen")
        else:
            yield error(doc.path, where, "too-short", f"'{field}' ist {length} Zeichen lang, nötig sind mindestens {limit}",
                        f"Ergänze mindestens {limit - length} Zeichen")
    elif kind in ("minimum", "maximum"):
        relation = "mindestens" if kind == "minimum" else "höchstens"
        yield error(doc.path, where, "out-of-range", f"'{field}' ist {value}, erlaubt ist {relation} {err.validator_value}",
                    f"Trage einen Wert {'ab' if kind == 'minimum' else 'bis'} {err.validator_value} ein")
    elif kind in ("minItems", "minProperties"):
        what, limit = (f"'{field}'" if path else "Die Datei"), err.validator_value
        yield error(doc.path, where, "too-few-items",
                    f"{what} hat {_entries(len(value))}, nötig {'ist' if limit == 1 else 'sind'} mindestens {limit}",
                    f"Ergänze {_entries(limit - len(value))}")
    elif kind == "maxItems":
        limit = err.validator_value
        yield error(doc.path, where, "too-many-items",
                    f"'{field}' hat {_entries(len(value))}, erlaubt sind höchstens {limit}",
                    f"Streiche {_entries(len(value) - limit)}")
    elif kind == "uniqueItems":
        yield error(doc.path, where, "duplicate-value", f"'{field}' enthält einen Eintrag doppelt", "Streiche die Wiederholung")
    elif kind == "format":
        yield error(doc.path, where, "invalid-date", f"'{field}': '{value}' ist kein gültiges Datum",
                    "Schreibe ein echtes Datum als JJJJ-MM-TT, z. B. 2026-03-31")
    elif "propertyNames" in err.absolute_schema_path:
        yield error(doc.path, doc.key_position(path + (value,)), "bad-slug", f"Das Kürzel '{value}' ist ungültig",
                    "Nutze nur Kleinbuchstaben, Ziffern und Bindestriche (ä→ae, ß→ss)")
    elif kind == "pattern":
        hint = "Nutze eine Adresse, die mit https:// beginnt" if "https" in err.validator_value else \
            f"Der Wert muss zum Muster {err.validator_value} passen"
        yield error(doc.path, where, "invalid-format", f"'{field}' hat ein ungültiges Format: '{value}'", hint)
    else:
        # A rule without its own message (jsonschema's text is English): name the field and say, in the
        # schema's own German description, what belongs there.
        what = f"Der Wert von '{field}'" if path else "Der Inhalt der Datei"
        described = governing.get("description") or "Vergleiche mit einem Eintrag, der funktioniert"
        yield error(doc.path, where, "invalid-value", f"{what} ist so nicht erlaubt",
                    f"Passe {'den Wert' if path else 'den Inhalt'} an: {described}")


# --- rules the schema cannot express -----------------------------------------------------------

# Plugins and hooks run Python code from the repository at build time, so a pull request could run code
# on the build machine; Zensical ignores them anyway. cimis sets up search itself.
KNOWN_PLUGINS = ("search",)


def check_config(config: Document) -> Iterable[Diagnostic]:
    """mkdocs.yml runs no code: no hooks, no plugins beyond those cimis knows."""
    data = config.data if isinstance(config.data, dict) else {}
    if "hooks" in data:
        yield error(config.path, config.key_position(("hooks",)), "unsafe-config",
                    "'hooks' in mkdocs.yml würde beim Bauen Python-Code aus dem Repository ausführen",
                    "Lösche die Angabe hooks; cimis erzeugt alle Seiten selbst")
    plugins = data.get("plugins")
    for i, plugin in enumerate(plugins if isinstance(plugins, list) else ()):
        name = plugin if isinstance(plugin, str) else next(iter(plugin), "") if isinstance(plugin, dict) else ""
        if name not in KNOWN_PLUGINS:
            yield error(config.path, config.pos(("plugins", i)), "unsafe-config",
                        f"Das Plugin '{name}' in mkdocs.yml kennt cimis nicht; Plugins führen beim Bauen Code aus",
                        f"Lösche es aus plugins; erlaubt ist nur: {', '.join(KNOWN_PLUGINS)}")


def _slugify(name: str) -> str:
    text = name.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "neuer-eintrag"


def _strings(value: Any, path: tuple = ()) -> Iterable[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, path + (i,))


def check_placeholders(doc: Document) -> Iterable[Diagnostic]:
    """Placeholders «…» left from the `cimis new` template."""
    for path, text in _strings(doc.data):
        if m := PLACEHOLDER_RE.search(text):
            yield error(doc.path, doc.pos(path), "placeholder", f"'{_name(path)}' ist noch nicht ausgefüllt",
                        f"Ersetze den Platzhalter {m.group(0)} durch deine Angabe")
    for i, line in enumerate(doc.body.split("\n")):
        if m := PLACEHOLDER_RE.search(line):
            yield error(doc.path, (doc.body_line + i, m.start() + 1), "placeholder",
                        "Dieser Text ist noch ein Platzhalter", f"Ersetze {m.group(0)} durch deinen Text")


def check_filename(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """File names are the slugs that appear in URLs."""
    if not SLUG_RE.match(doc.slug):
        yield error(doc.path, (1, 1), "bad-filename", f"Der Dateiname '{doc.slug}.md' ist kein gültiges Kürzel",
                    f"Benenne die Datei um in {_slugify(doc.slug)}.md (Kleinbuchstaben, Ziffern, Bindestriche)")


def _values_at(data: Any, path: tuple[str, ...], at: tuple = ()) -> Iterable[tuple[tuple, Any]]:
    """The values at a schema field path (list levels left out, as in schema.fields), with their paths."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from _values_at(item, path, at + (i,))
    elif not path:
        yield at, data
    elif isinstance(data, dict) and path[0] in data:
        yield from _values_at(data[path[0]], path[1:], at + (path[0],))


def _unknown_reference(doc: Document, pos, folder: str, slug: str, known: Iterable[str]) -> Diagnostic:
    hint = did_you_mean(slug, sorted(known))
    if folder == "formats":
        return error(doc.path, pos, "unknown-format", f"Das Format '{slug}' gibt es nicht in formats/",
                     hint or "Lege das Format an oder nutze ein Kürzel aus formats/")
    return error(doc.path, pos, "unknown-method", f"Die Methode '{slug}' gibt es nicht in methods/",
                 hint or "Lege die Methode an oder nutze ein Kürzel aus methods/")


def check_references(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """Every entry a field names by its slug (x-reference: methods, formats) exists in that folder."""
    for declared in schemas.reference_fields(doc.kind):
        folder = declared.item["x-reference"]
        known = ctx.references.get(folder, frozenset())
        for at, slug in _values_at(doc.data, declared.path):
            if isinstance(slug, str) and slug not in known and not PLACEHOLDER_RE.search(slug):
                yield _unknown_reference(doc, doc.pos(at), folder, slug, known)


def check_self_reference(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """A method must not recommend combining with itself."""
    combine = doc.data.get("combine_with") if isinstance(doc.data, dict) else None
    if isinstance(combine, list):
        for i, slug in enumerate(combine):
            if slug == doc.slug:
                yield error(doc.path, doc.pos(("combine_with", i)), "self-reference",
                            "Eine Methode kann nicht mit sich selbst kombiniert werden",
                            f"Streiche '{slug}' aus combine_with")


def check_ranges(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """min must not exceed max in the schema's {min, max} pairs (duration, group_size, participants)."""
    for declared in schemas.span_fields(doc.kind):
        value = next((v for _, v in _values_at(doc.data, declared.path)), None)
        if isinstance(value, dict) and all(_is_int(value.get(k)) for k in ("min", "max")) \
                and value["min"] > value["max"]:
            yield error(doc.path, doc.pos(declared.path + ("min",)), "range-order",
                        f"{declared.name}.min ({value['min']}) ist größer als {declared.name}.max ({value['max']})",
                        "Tausche die beiden Werte")


def _days(value: Any) -> str:
    return "1 Tag" if value == 1 else f"{value} Tage"


def check_agenda(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """A format's agenda: each block a method or a titled block, on a day the format has, in day order."""
    data = doc.data if isinstance(doc.data, dict) else {}
    agenda = data.get("agenda")
    if not isinstance(agenda, list):
        return
    days = data.get("days", schemas.default_value(FORMAT, "days"))
    day = 1
    for i, block in enumerate(agenda):
        if not isinstance(block, dict):
            continue
        n, minutes, method = i + 1, block.get("minutes"), block.get("method")
        if ("method" in block) == ("title" in block):
            yield error(doc.path, doc.pos(("agenda", i)), "agenda-block",
                        f"Block {n} der Agenda hat {'method und title' if 'method' in block else 'weder method noch title'}",
                        "Schreibe entweder method: <Kürzel aus methods/> für eine Methode oder title: <Text> "
                        "für einen freien Block wie Begrüßung oder Pause")
        if isinstance(method, str) and method in ctx.method_durations and _is_int(minutes):
            low, high = ctx.method_durations[method]
            if not low <= minutes <= high:
                yield warning(doc.path, doc.pos(("agenda", i, "minutes")), "agenda-minutes",
                              f"Block {n} ({method}) dauert {minutes} Minuten, die Methode braucht {low}–{high} Minuten",
                              f"Plane {low} bis {high} Minuten ein oder sag unter note, wie es in {minutes} Minuten gelingt")
        planned = block.get("day")
        if not _is_int(planned):
            continue
        if _is_int(days) and planned > days:
            yield error(doc.path, doc.pos(("agenda", i, "day")), "agenda-day",
                        f"Block {n} ist für Tag {planned} geplant, das Format dauert aber {_days(days)} (days: {days})",
                        f"Setze days: {planned} oder plane den Block spätestens für Tag {days}")
        elif planned < day:
            yield error(doc.path, doc.pos(("agenda", i, "day")), "agenda-day",
                        f"Block {n} ist für Tag {planned} geplant, steht aber nach einem Block von Tag {day}",
                        "Ordne die Blöcke nach Tagen: erst alle von Tag 1, dann die von Tag 2 und so weiter")
        day = max(day, planned)


def check_format_duration(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """The agenda's minutes add up to the format's duration, which fits its days."""
    data = doc.data if isinstance(doc.data, dict) else {}
    span, agenda = data.get("duration"), data.get("agenda")
    if not isinstance(span, dict) or not all(_is_int(span.get(k)) for k in ("min", "max")):
        return
    low, high = span["min"], span["max"]
    days = data.get("days", schemas.default_value(FORMAT, "days"))
    per_day = schemas.subschema(schemas.raw_schema(FORMAT), ("duration", "max"))["x-maximum-per-day"]
    if _is_int(days) and high > per_day * days:
        yield error(doc.path, doc.pos(("duration", "max")), "duration-days",
                    f"duration.max ist {high} Minuten, bei {_days(days)} sind höchstens {per_day * days} Minuten erlaubt",
                    f"Setze days auf {-(-high // per_day)} oder kürze duration.max auf höchstens {per_day * days}")
    blocks = agenda if isinstance(agenda, list) else []
    minutes = [b.get("minutes") if isinstance(b, dict) else None for b in blocks]
    if not blocks or low > high or not all(_is_int(m) for m in minutes):
        return  # a broken block or range is reported by the schema or check_ranges, not as a wrong sum
    total = sum(minutes)
    if total < low:
        yield error(doc.path, doc.key_position(("agenda",)), "agenda-duration",
                    f"Die Blöcke der Agenda dauern zusammen {total} Minuten, duration sagt {low}–{high} Minuten",
                    f"Plane {low - total} Minuten mehr ein oder setze duration.min auf {total}")
    elif total > high:
        yield error(doc.path, doc.key_position(("agenda",)), "agenda-duration",
                    f"Die Blöcke der Agenda dauern zusammen {total} Minuten, duration sagt {low}–{high} Minuten",
                    f"Kürze die Blöcke um {total - high} Minuten oder setze duration.max auf {total}")


def check_sections(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """The body has the schema's required ``##`` sections, in the declared order, and no others."""
    declared = schemas.body_sections(doc.kind)
    allowed = tuple(s.title for s in declared)
    required = tuple(s.title for s in declared if s.required)
    titles = [s.title for s in doc.sections]
    missing = [name for name in required if name not in titles]
    by_lower = {a.lower(): a for a in allowed}
    for section in doc.sections:
        if section.title not in allowed:
            close = closest(section.title, by_lower)
            # A heading with another word for a missing section ('## Erkenntnisse') is most likely that one.
            if close and by_lower[close] not in titles:
                hint = f"Meintest du '## {by_lower[close]}'?"
            elif missing:
                hint = f"Fehlt hier '## {missing[0]}'? Dann schreibe die Überschrift genau so."
            else:
                hint = ""
            yield error(doc.path, (section.line, 1), "unknown-section",
                        f"Den Abschnitt '## {section.title}' gibt es hier nicht",
                        (hint + " " if hint else "") + f"Nutze eine dieser Überschriften: {', '.join(allowed)}")
    for name in missing:
        if True:
            yield error(doc.path, (doc.body_line, 1), "missing-section", f"Der Abschnitt '## {name}' fehlt",
                        f"Ergänze die Überschrift '## {name}' mit Text darunter")
    known = [s for s in doc.sections if s.title in allowed]
    for before, after in zip(known, known[1:]):
        if before.title == after.title:
            yield error(doc.path, (after.line, 1), "section-order", f"Den Abschnitt '## {after.title}' gibt es zweimal",
                        "Fasse die beiden Abschnitte zu einem zusammen")
        elif allowed.index(before.title) > allowed.index(after.title):
            yield error(doc.path, (after.line, 1), "section-order",
                        f"'## {after.title}' muss vor '## {before.title}' stehen",
                        f"Ordne die Abschnitte so: {', '.join(allowed)}")


def check_steps(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """The steps section (a method's Ablauf) is an ordered list within the schema's limits."""
    declared = schemas.steps_section(doc.kind)
    section = next((s for s in doc.sections if declared and s.title == declared.title), None)
    if section is None:
        return
    fewest, most, longest = declared.steps["minItems"], declared.steps["maxItems"], declared.steps["maxLength"]
    steps = ordered_items(section.text)
    if not fewest <= len(steps) <= most:
        yield error(doc.path, (section.line, 1), "step-count",
                    f"Der Ablauf hat {len(steps)} Schritte, erlaubt sind {fewest} bis {most}",
                    "Schreibe den Ablauf als nummerierte Liste (1. 2. 3. …)" if not steps else
                    ("Fasse Schritte zusammen" if len(steps) > most else "Teile den Ablauf in mehr Schritte"))
    # The limit protects the printed card; the web page shows a longer step in full (load.printed_step).
    for offset, step in steps:
        printed = printed_step(step, longest)
        if printed is None:
            yield error(doc.path, (section.text_line + offset, 1), "step-lead-missing",
                        f"Ein Schritt im Ablauf ist {len(step)} Zeichen lang und hat keine Kurzfassung für die Karte",
                        f"Beginne ihn mit einer fett gesetzten Kurzfassung von höchstens {longest} Zeichen, z. B. "
                        "„**Karten sortieren.** Dann …“: Die Karte druckt nur sie, die Website den ganzen Schritt. "
                        f"Oder kürze den Schritt auf {longest} Zeichen")
        elif len(printed) > longest:
            yield error(doc.path, (section.text_line + offset, 1), "too-long",
                        f"Die fett gesetzte Kurzfassung eines Schritts ist {len(printed)} Zeichen lang, "
                        f"auf der Karte ist Platz für höchstens {longest}",
                        f"Kürze die Kurzfassung um {len(printed) - longest} Zeichen; der Rest des Schritts darf "
                        "länger sein")


def _inside_root(ctx: Context, base: Path, target: str) -> Path | None:
    resolved = (base / target).resolve()
    root = ctx.root.resolve()
    return resolved if resolved == root or root in resolved.parents else None


def check_image(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """A case image lies in the case's own folder or in content/images/."""
    image = doc.data.get("image") if isinstance(doc.data, dict) else None
    if not isinstance(image, dict) or not isinstance(image.get("src"), str):
        return
    src, pos = image["src"], doc.pos(("image", "src"))
    if "://" in src or src.startswith("//"):
        yield error(doc.path, pos, "remote-image", "Bilder von anderen Websites sind nicht erlaubt",
                    "Lege das Bild in den Ordner des Falls oder nach content/images/")
        return
    if not image.get("credit"):
        yield warning(doc.path, doc.key_position(("image",)), "image-credit", "Das Titelbild hat keinen Bildnachweis",
                      "Ergänze unter image z. B. credit: \"Foto: Vorname Name\" und nutze Bilder nur mit Erlaubnis")
    candidates = image_folders(ctx.root, doc.slug)
    inside = [p for base in candidates if (p := _inside_root(ctx, base, src))]
    if not inside:
        yield error(doc.path, pos, "outside-repository", f"Das Bild '{src}' liegt außerhalb des Projekts",
                    f"Lege es nach cases/{doc.slug}/ oder content/images/")
    elif not any(p.is_file() for p in inside):
        yield error(doc.path, pos, "missing-file", f"Das Bild '{src}' gibt es nicht",
                    f"Lege die Datei nach cases/{doc.slug}/{src} oder content/images/{src}")


def _masked_body(body: str) -> str:
    """The body with code blocks and inline code blanked out, keeping positions."""
    out, in_fence = [], False
    for line in body.split("\n"):
        if FENCE_RE.match(line):
            in_fence = not in_fence
            out.append("")
        elif in_fence:
            out.append(" " * len(line))
        else:
            out.append(INLINE_CODE_RE.sub(lambda m: " " * len(m.group(0)), line))
    return "\n".join(out)


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        line, offset = self.getpos()
        self.found.append((line, offset + 1, tag, attrs))

    handle_startendtag = handle_starttag


_MARKER_NOISE = re.compile(r"[\s\x00-\x1f\x7f]")
_MARKERS = {_MARKER_NOISE.sub("", marker): marker for marker in (passthrough.START, passthrough.END)}


def check_body_safety(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """Contributor Markdown may hold only harmless HTML, safe URLs and images from the repository."""
    body = _masked_body(doc.body)
    parser = _TagCollector()
    parser.feed(AUTOLINK_TAG_RE.sub(lambda m: " " * len(m.group(0)), body))
    parser.close()
    for line, column, tag, attrs in parser.found:
        pos = (doc.body_line + line - 1, column)
        if tag not in ALLOWED_TAGS:
            yield error(doc.path, pos, "unsafe-html", f"Das HTML-Element <{tag}> ist nicht erlaubt",
                        "Nutze Markdown statt HTML; erlaubt sind nur " + ", ".join(sorted(ALLOWED_TAGS)))
            continue
        for name, value in attrs:
            if name.startswith("on") or name not in ALLOWED_ATTRIBUTES or _unsafe_url(value or ""):
                yield error(doc.path, pos, "unsafe-html", f"Das Attribut '{name}' an <{tag}> ist nicht erlaubt",
                            "Lass das Attribut weg")
    # Markdown hands lines between these markers to the browser unread. They are found before Markdown reads
    # anything (code blocks do not protect them), after it has dropped control characters and expanded tabs:
    # any line that could become one is refused.
    for i, line in enumerate(doc.body.split("\n")):
        if marker := _MARKERS.get(_MARKER_NOISE.sub("", line)):
            yield error(doc.path, (doc.body_line + i, len(line) - len(line.lstrip()) + 1), "unsafe-html",
                        f"Die Zeile '{marker}' ist cimis vorbehalten",
                        "Lösche die Zeile; cimis markiert damit HTML, das es selbst erzeugt")
    base = (ctx.root / doc.path).parent
    for i, line in enumerate(body.split("\n")):
        pos_line = doc.body_line + i
        for m in ATTR_LIST_RE.finditer(line):
            yield error(doc.path, (pos_line, m.start() + 1), "unsafe-html",
                        "Attribute in geschweiften Klammern { … = … } sind nicht erlaubt",
                        "Lass die Angabe in { } weg; erlaubt sind dort nur .klasse und #anker")
        urls = [(m.start() + 1, m.group(1) == "!", m.group(2), m.group(3)) for m in LINK_RE.finditer(line)]
        if m := REF_DEF_RE.match(line):
            urls.append((m.start(1) + 1, False, None, m.group(1)))
        for column, is_image, alt, url in urls:
            if _unsafe_url(url):
                yield error(doc.path, (pos_line, column), "unsafe-url",
                            f"Der Link '{url[:40]}' ist nicht erlaubt",
                            "Verlinke nur Adressen, die mit https:// beginnen, oder Seiten dieser Website")
            elif is_image:
                yield from _check_body_image(doc, ctx, base, (pos_line, column), alt or "", url)


def check_secure_links(doc: Document, ctx: Context) -> Iterable[Diagnostic]:
    """Advice: links in the body should use https://, so readers are not sent on unencrypted."""
    for i, line in enumerate(_masked_body(doc.body).split("\n")):
        urls = [(m.start(3) + 1, m.group(3)) for m in LINK_RE.finditer(line)]
        urls += [(m.start(1) + 1, m.group(1)) for m in AUTOLINK_RE.finditer(line)]
        if m := REF_DEF_RE.match(line):
            urls.append((m.start(1) + 1, m.group(1)))
        for column, url in urls:
            if url.lower().startswith("http://"):
                yield warning(doc.path, (doc.body_line + i, column), "insecure-link",
                              f"Der Link '{url[:60]}' ist unverschlüsselt (http://)",
                              "Schreibe https:// statt http://, wenn die Website es anbietet")


def _check_body_image(doc: Document, ctx: Context, base: Path, pos, alt: str, url: str) -> Iterable[Diagnostic]:
    if len(alt.strip()) < 5:
        yield error(doc.path, pos, "image-alt", "Das Bild hat keinen (ausreichenden) Alternativtext",
                    "Beschreibe in ![…] in mindestens 5 Zeichen, was auf dem Bild zu sehen ist")
    if "://" in url or url.startswith("//"):
        yield error(doc.path, pos, "remote-image", "Bilder von anderen Websites sind nicht erlaubt",
                    "Lade das Bild ins Projekt hoch (content/images/ oder der Ordner des Falls)")
    elif (target := _inside_root(ctx, base, url)) is None:
        yield error(doc.path, pos, "outside-repository", f"Das Bild '{url}' liegt außerhalb des Projekts",
                    "Lege das Bild nach content/images/ und verweise relativ darauf")
    elif not target.is_file():
        yield error(doc.path, pos, "missing-file", f"Das Bild '{url}' gibt es nicht",
                    "Prüfe Dateinamen und Pfad; Bilder liegen in content/images/")


# The source patterns are a fast first pass; the check of the rendered HTML decides.
body_safety = with_rendered_check(check_body_safety)

RULES: dict[str, tuple[Rule, ...]] = {
    CASE: (check_filename, check_references, check_image, check_sections, body_safety, check_secure_links),
    METHOD: (check_filename, check_references, check_self_reference, check_ranges, check_sections, check_steps,
             body_safety, check_secure_links),
    FORMAT: (check_filename, check_references, check_ranges, check_agenda, check_format_duration, check_sections,
             body_safety, check_secure_links),
    PAGE: (body_safety, check_secure_links),
}


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """True if the diagnostics should fail a run (warnings too under ``strict``)."""
    return any(d.severity == "error" or strict for d in diagnostics)


