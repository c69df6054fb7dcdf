"""Records → filters of the overview pages: the values each entry carries and the choices offered."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from .model import Case, Content, Format, Method

# Time slots and group sizes as workshop planners think of them. A bucket is (slug, above, up to):
# a method belongs to every bucket its min–max range reaches into, so "bis 30 Min." lists every
# method that can be done in half an hour, even if it may also take longer.
DURATION_BUCKETS = (("bis-30", 0, 30), ("30-90", 30, 90), ("90-240", 90, 240), ("ueber-240", 240, None))
GROUP_BUCKETS = (("1-2", 0, 2), ("3-6", 2, 6), ("7-12", 6, 12), ("ueber-12", 12, None))
# Events are longer and larger: an evening, half a day, a day, more; a team, a room, a hall.
LENGTH_BUCKETS = (("bis-180", 0, 180), ("180-360", 180, 360), ("360-600", 360, 600), ("ueber-600", 600, None))
PARTICIPANT_BUCKETS = (("bis-12", 0, 12), ("13-30", 12, 30), ("31-100", 30, 100), ("ueber-100", 100, None))

Filters = dict[str, tuple[str, ...]]


def buckets(span: tuple[int, int], bounds: Sequence[tuple[str, int, int | None]]) -> tuple[str, ...]:
    """The buckets a min–max range reaches into (each bucket excludes its lower bound)."""
    low, high = span
    return tuple(slug for slug, above, upto in bounds if high > above and (upto is None or low <= upto))


def case_filters(case: Case) -> Filters:
    """A case's values per filter; the keys are the URL parameters of /faelle/."""
    return {"region": (case.district,), "branche": (case.industry,), "teilmarkt": case.submarkets,
            "methode": case.methods, "thema": case.topics, "jahr": (str(case.year),),
            "reifegrad": (case.outcome_maturity,)}


def method_filters(method: Method) -> Filters:
    """A method's values per filter; the keys are the URL parameters of /methoden/."""
    return {"phase": method.phases, "schwierigkeit": (method.difficulty,), "format": method.setting,
            "dauer": buckets(method.duration, DURATION_BUCKETS), "gruppe": buckets(method.group_size, GROUP_BUCKETS)}


def format_filters(event: Format) -> Filters:
    """A format's values per filter; the keys are the URL parameters of /formate/."""
    return {"laenge": buckets(event.duration, LENGTH_BUCKETS),
            "teilnehmende": buckets(event.participants, PARTICIPANT_BUCKETS), "format": event.setting}


ENTRY_FILTERS = {"cases": case_filters, "methods": method_filters, "formats": format_filters}


def _choices(order: Iterable[tuple[str, str]], used: set[str]) -> list[dict]:
    return [{"value": slug, "label": label} for slug, label in order if slug in used]


def filter_groups(content: Content, kind: str, labels: Mapping) -> list[dict]:
    """The filters of an overview page: name, legend and the values that occur, in reading order."""
    entries = {"cases": content.cases, "methods": content.methods, "formats": content.formats}[kind]
    values = [ENTRY_FILTERS[kind](e) for e in entries]

    def vocabulary(name: str) -> list[tuple[str, str]]:
        return [(e.slug, e.short) for e in content.vocabularies[name].entries]

    orders = {
        "region": vocabulary("districts"), "branche": vocabulary("industries"),
        "teilmarkt": vocabulary("submarkets"), "thema": vocabulary("topics"), "phase": vocabulary("phases"),
        "methode": sorted(((m.slug, m.title) for m in content.methods), key=lambda item: item[1].lower()),
        "jahr": [(str(y), str(y)) for y in sorted({c.year for c in content.cases}, reverse=True)],
        "reifegrad": labels["outcome_maturity"].items(), "schwierigkeit": labels["difficulty"].items(),
        "format": labels["setting"].items(), "dauer": labels["duration_buckets"].items(),
        "gruppe": labels["group_buckets"].items(), "laenge": labels["length_buckets"].items(),
        "teilnehmende": labels["participant_buckets"].items(),
    }
    return [{"name": name, "legend": legend,
             "choices": _choices(orders[name], {v for entry in values for v in entry[name]})}
            for name, legend in labels["filters"][kind].items()]
