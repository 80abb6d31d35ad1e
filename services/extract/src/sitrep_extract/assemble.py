"""From per-sentence predictions to Events: normalise arguments, merge restatements, ids, codes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sitrep_extract.normalise.conflicts import between_parties, non_parties
from sitrep_extract.normalise.dates import resolve_date
from sitrep_extract.normalise.gazetteer import Gazetteer, fold, gazetteer
from sitrep_extract.normalise.numbers import ParsedQuantity, parse_quantity
from sitrep_shared import ids
from sitrep_shared.models import Article, Event, EventCodes, EventDate, Evidence, Location, Quantity


@dataclass(frozen=True)
class Span:
    role: str
    start: int  # offsets in the article text
    end: int
    text: str


@dataclass
class Mention:
    """One predicted (sentence, type): what the model read in one sentence."""

    type: str
    confidence: float
    stance: str
    sentence_start: int
    sentence_end: int
    sentence: str
    spans: list[Span] = field(default_factory=list)
    index: int = 0  # the sentence's position in the article

    def first(self, role: str) -> str | None:
        return next((s.text for s in self.spans if s.role == role), None)

    def all(self, role: str) -> list[Span]:
        return [s for s in self.spans if s.role == role]


CODES: dict[str, EventCodes] = {
    "shootdown": EventCodes(acled_event_type="Strategic developments",
                            acled_sub_event_type="Disrupted weapons use", plover="FIGHT"),
    "airport_disruption": EventCodes(acled_event_type="Strategic developments",
                                     acled_sub_event_type="Other", plover=None),
    "territorial_claim": EventCodes(acled_event_type="Battles", acled_sub_event_type=None, plover="FIGHT"),
    "drone_or_missile_strike": EventCodes(acled_event_type="Explosions/Remote violence",
                                          acled_sub_event_type="Air/drone strike", plover="FIGHT"),
    "cross_border_incident": EventCodes(acled_event_type="Explosions/Remote violence",
                                        acled_sub_event_type="Air/drone strike", plover="FIGHT"),
    "equipment_loss": EventCodes(plover="FIGHT"),
    "casualty_report": EventCodes(plover="ASSAULT"),
    "arms_transfer": EventCodes(acled_event_type="Strategic developments",
                                acled_sub_event_type="Other", plover="AID"),
    "diplomatic_meeting": EventCodes(plover="CONSULT"),
}
_SHELLING = re.compile(r"\b(shell|shelling|artillery|missile|missiles|rocket|rockets|mortar|ballistic)\b", re.I)
_REGAIN = re.compile(r"\b(regain|regained|retook|retaken|recaptur|liberat|recover)", re.I)

# Words that say what a number counts, by event type: used to pick the right number in a sentence.
UNITS: dict[str, tuple[str, ...]] = {
    "shootdown": ("drone", "missile", "uav", "rocket", "aircraft", "jet", "helicopter", "plane", "projectile",
                  "target", "shahed", "bomb"),
    "drone_or_missile_strike": ("drone", "missile", "rocket", "uav", "shell", "bomb", "strike", "munition",
                                "projectile", "target", "shahed", "airstrike"),
    "cross_border_incident": ("drone", "missile", "rocket", "fragment", "debris"),
    "casualty_report": ("people", "person", "civilian", "soldier", "killed", "dead", "injured", "wounded",
                        "child", "troop", "fighter", "men", "women", "resident", "member", "died", "death",
                        "casualt", "worker", "personnel", "militant", "servicem", "victim", "others"),
    "equipment_loss": ("tank", "vehicle", "ship", "vessel", "launcher", "system", "howitzer", "boat",
                       "armour", "armor", "apc", "equipment", "gun", "radar", "aircraft", "helicopter"),
    "airport_disruption": ("flight", "airport", "plane", "aircraft", "passenger"),
    "arms_transfer": ("tank", "missile", "system", "shell", "round", "jet", "aircraft", "drone", "vehicle",
                      "launcher", "weapon", "howitzer", "munition", "rocket", "battery", "piece", "container", "round",
                      "shell", "artillery", "ammunition", "gun", "rifle", "bomb"),
    "territorial_claim": ("village", "settlement", "town", "square", "km", "kilometre", "kilometer", "mile",
                          "hamlet", "localit", "position"),
    "diplomatic_meeting": (),
}


def _unit_after(sentence: str, end: int) -> str:
    m = re.match(r"\W*(?:[\w-]+\s+){0,2}?([A-Za-z][\w-]*)", sentence[end:])
    words = re.findall(r"[A-Za-z][\w-]*", sentence[end : end + 60])
    return " ".join(words[:3]).lower() if words else (m.group(1).lower() if m else "")


_BARE_NUMBER = re.compile(r"^(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)$", re.I)
_ELLIPTICAL_TYPES = ("shootdown", "equipment_loss")  # "two were shot down"; strikes' bare numbers are often people
_ELLIPTICAL_NEXT = {"was", "were", "is", "are", "had", "has", "have", "more", "others", "closer", "further",
                    "over", "near", "later", "earlier", "fell", "crashed"}


def pick_quantity(m: Mention) -> tuple[ParsedQuantity, str | None] | None:
    """The quantity span that best fits the event type, parsed, plus its unit word."""
    best: tuple[int, int, ParsedQuantity, str | None] | None = None
    # A bare number tagged as the target ("crews also hit one near the town") counts it too.
    spans = [*m.all("quantity"), *(t for t in m.all("target") if _BARE_NUMBER.match(t.text))]
    for i, span in enumerate(spans):
        local = span.start - m.sentence_start
        parsed = parse_quantity(span.text, prefix=m.sentence[:local])
        if parsed is None:
            continue
        after = _unit_after(m.sentence, span.end - m.sentence_start)
        hit = next((u for u in UNITS.get(m.type, ()) if u in after), None)
        # An elliptical count stands for the object named before it ("another four were brought down").
        elliptical = m.type in _ELLIPTICAL_TYPES and (after.split() or [""])[0] in _ELLIPTICAL_NEXT
        score = 1 if hit or elliptical else 0
        unit = next((w for w in after.split() if hit and hit in w), None)
        if best is None or score > best[0]:
            best = (score, i, parsed, unit)
    if best is None or (best[0] == 0 and m.type not in _UNIT_OPTIONAL):
        return None  # "an airstrike killed 12": 12 counts people, not strikes
    return (best[2], best[3])


_UNIT_OPTIONAL = ("casualty_report", "diplomatic_meeting")


def _codes(m: Mention) -> EventCodes:
    codes = CODES[m.type]
    if m.type == "drone_or_missile_strike" and _SHELLING.search(m.sentence):
        codes = codes.model_copy(update={"acled_sub_event_type": "Shelling/artillery/missile attack"})
    if m.type == "territorial_claim":
        sub = "Government regains territory" if _REGAIN.search(m.sentence) else None
        codes = codes.model_copy(update={"acled_sub_event_type": sub})
    return codes


_TYPE_PHRASE = {
    "shootdown": "shot down", "airport_disruption": "airport disruption", "territorial_claim": "territory taken",
    "drone_or_missile_strike": "strike", "cross_border_incident": "cross-border incident",
    "equipment_loss": "equipment lost", "casualty_report": "casualties", "arms_transfer": "arms transfer",
    "diplomatic_meeting": "meeting",
}


_PRONOUNS = ("it", "they", "he", "she", "we")
# Types whose claimant usually reports its own side's act: "the Arakan Army said it had seized ...".
# In a strike or a loss "it" is as often the drone or the ship, so those keep the pronoun.
_OWN_ACT_TYPES = ("shootdown", "territorial_claim", "diplomatic_meeting")


def actor_of(m: Mention, claimant: str | None) -> str | None:
    """The actor span, with "it"/"they" in "X said it had ..." replaced by X, so that analysts can
    query actors by name."""
    actor = m.first("actor")
    if not (actor and claimant and actor.lower() in _PRONOUNS and m.type in _OWN_ACT_TYPES):
        return actor
    said = re.compile(re.escape(claimant) + r"\W+(?:\w+\W+){0,2}?(?:said|says|claimed|claims|announced|stated)"
                      r"\W+(?:\w+\W+){0,3}?(?:that\W+)?" + re.escape(actor) + r"\b")
    return claimant if said.search(m.sentence) else actor


def summary(*, type_: str, stance: str, claimant: str | None, actor: str | None, target: str | None,
            obj: str | None, quantity: Quantity | None, locations: Sequence[Location]) -> str:
    parts = [_TYPE_PHRASE[type_]]
    if actor and actor != claimant:
        parts.insert(0, actor + ":")
    if quantity is not None:
        q = quantity.text or f"{quantity.value:g}"
        parts.append(q + (f" {quantity.unit}" if quantity.unit else ""))
    elif obj:
        parts.append(obj)
    if target and target not in (obj or ""):
        parts.append(f"({target})")
    if locations:
        parts.append("in " + ", ".join(loc.name for loc in locations))
    line = " ".join(parts)
    if stance != "asserted":
        line += f" [{stance}]"
    if claimant:
        line = f"{claimant}: {line}"
    return re.sub(r"\s+", " ", line).strip()[:300]


def _loc_key(name: str) -> set[str]:
    key, _ = Gazetteer.clean(name)
    return set(fold(key).split()) or {fold(name)}


@dataclass
class _Draft:
    mention: Mention
    quantity: Quantity | None
    loc_names: list[str]
    loc_spans: list[Span]
    extra_sentences: int = 0
    spillover_states: frozenset[str] = frozenset()  # cross-border only: the non-party states it names
    suppliers: frozenset[str] = frozenset()  # arms transfers only: the states its actor names
    when: EventDate = field(default_factory=EventDate)  # its own sentence's time, resolved


_ADDITIVE = re.compile(r"\b(?:also|another|a further|additional)\b", re.I)
_BREAKDOWN_TYPES = ("shootdown", "drone_or_missile_strike", "casualty_report")


def _places(d: _Draft) -> set[str]:
    return set().union(*(_loc_key(n) for n in d.loc_names)) if d.loc_names else set()


def _breakdown(a: _Draft, b: _Draft) -> bool:
    """b, just after a, gives part of a's total ('56 drones ... 11 over Belgorod'): one event.

    A toll is only read as part of an earlier one when it is in one of the same places
    ("killed 18 in Kherson and Beryslav ... one barrage on a market in Kherson killed 14").
    """
    if a.mention.type not in _BREAKDOWN_TYPES or not (a.quantity and b.quantity):
        return False
    first, second = (a, b) if a.mention.index <= b.mention.index else (b, a)
    assert first.quantity and second.quantity
    if first.mention.type == "casualty_report" and not (_places(second) and _places(second) <= _places(first)):
        return False
    if _ADDITIVE.search(second.mention.sentence):
        return False  # "... crews also hit one near the town": more, not part of the total
    return (0 < second.mention.index - first.mention.index <= 2
            and second.quantity.value < first.quantity.value and not second.mention.first("time"))


_COARSER = ("day", "week", "month", "year")


def _same_time(a: EventDate, b: EventDate) -> bool:
    """False only when both times resolved and fall in different periods at the coarser precision of
    the two ("in late January" and "on Tuesday, February 4" differ). Days a day apart may be one
    event: a night attack straddles two dates, and a claim often comes the day after the act."""
    if a.date is None or b.date is None or a.precision not in _COARSER or b.precision not in _COARSER:
        return True
    coarser = max(a.precision, b.precision, key=_COARSER.index)
    if coarser == "day":
        return abs((a.date - b.date).days) <= 1

    def period(d: dt.date) -> tuple[int, ...]:
        if coarser == "week":
            return tuple(d.isocalendar())[:2]
        return (d.year, d.month) if coarser == "month" else (d.year,)

    return period(a.date) == period(b.date)


def _compatible(a: _Draft, b: _Draft) -> bool:
    if a.mention.type != b.mention.type or a.mention.stance != b.mention.stance:
        return False
    if not _same_time(a.when, b.when):
        return False  # guideline: different times are different events
    if _breakdown(a, b):
        return True
    if a.quantity and b.quantity and a.quantity.value != b.quantity.value:
        return False
    if a.suppliers and b.suppliers and not a.suppliers & b.suppliers:
        return False  # France's jets and America's patrol aircraft for India are two transfers
    ka, kb = _places(a), _places(b)
    if ka and kb:
        # Same place: a restatement; different places: different events. Spillover into the same
        # non-party state ("in Romania" ... "near Plauru in Tulcea County") is one incident.
        return bool(ka & kb) or bool(a.spillover_states & b.spillover_states)
    if a.quantity and b.quantity:
        return True  # same number (checked above), no conflicting place
    # One side names nothing that could tell the events apart: a bare restatement.
    bare_a = not ka and not a.quantity
    bare_b = not kb and not b.quantity
    return bare_a or bare_b


def _specificity(d: _Draft) -> tuple[float, int, float]:
    return (d.quantity.value if d.quantity else -1.0,
            len(d.loc_names) + len(d.mention.spans) // 3, d.mention.confidence)


def _named_countries(gaz: Gazetteer, m: Mention, sentence_countries: dict[str, str]) -> list[str]:
    """Guideline: a cross-border event includes the affected (non-party) state when the sentence names
    it (`sentence_countries`: ISO code -> name as written), and an arms transfer its recipient country."""
    if m.type == "cross_border_incident":
        return [w for iso, w in sentence_countries.items() if non_parties([iso])]
    if m.type == "arms_transfer" and (target := m.first("target")):
        return list(gaz.country_mentions(target).values())
    return []


def _nearby_places(indices: Sequence[int], sentence_places: Sequence[Sequence[str]],
                   title_places: Sequence[str]) -> list[str]:
    """An event whose sentences name no place takes them from a neighbour ("Ten more were downed
    later"): the sentence before, the one before that, the one after; for an event told in several
    sentences (`indices`, the main one first), each sentence's neighbours in turn; else the headline."""
    for index in indices:
        for k in (index - 1, index - 2, index + 1):
            if 0 <= k < len(sentence_places) and sentence_places[k]:
                return list(dict.fromkeys(sentence_places[k]))
    return list(dict.fromkeys(title_places))


def assemble(article: Article, mentions: Sequence[Mention], *, merge: bool = True,
             sentence_places: Sequence[Sequence[str]] = (), title_places: Sequence[str] = ()) -> list[Event]:
    """Events for one article: one per (claim, type), restatements merged, normalised and coded."""
    gaz = gazetteer()
    all_locs = [s.text for m in mentions for s in m.all("location")]
    published: dt.date | None = article.published_at.date() if article.published_at else None
    drafts: list[_Draft] = []
    for m in mentions:
        q = pick_quantity(m)
        quantity = (Quantity(value=q[0].value, qualifier=q[0].qualifier, unit=q[1], text=q[0].text)
                    if q else None)
        seen: set[str] = set()
        loc_spans = []
        for s in m.all("location"):
            if s.text.lower() not in seen:
                seen.add(s.text.lower())
                loc_spans.append(s)
        names = [s.text for s in loc_spans]
        spill = (frozenset(non_parties(loc.country_code for loc in gaz.resolve_all(names, context=all_locs)))
                 if m.type == "cross_border_incident" else frozenset())
        actor = m.first("actor") if m.type == "arms_transfer" else None
        suppliers = frozenset(gaz.country_mentions(actor, adjectives=True)) if actor else frozenset()
        when = resolve_date(m.first("time"), published)
        drafts.append(_Draft(m, quantity, names, loc_spans, spillover_states=spill, suppliers=suppliers, when=when))
    groups: list[list[_Draft]] = []
    for d in drafts:
        for g in groups if merge else []:
            if all(_compatible(d, other) for other in g):
                g.append(d)
                break
        else:
            groups.append([d])
    events = []
    for g in groups:
        main = max(g, key=_specificity)
        m = main.mention
        names = list(main.loc_names)
        for other in g:
            for n in other.loc_names:
                if all(_loc_key(n) != _loc_key(x) for x in names):
                    names.append(n)
        if not names:
            indices = [m.index, *(o.mention.index for o in g if o is not main)]
            names = _nearby_places(list(dict.fromkeys(indices)), sentence_places, title_places)
        cross_border = m.type == "cross_border_incident"
        sentence_countries = gaz.country_mentions(m.sentence, adjectives=True) if cross_border else {}
        for written in _named_countries(gaz, m, sentence_countries):
            if all(_loc_key(written) != _loc_key(x) for x in names):
                names.append(written)
        quantity = main.quantity
        locations = gaz.resolve_all(names, context=all_locs) if names else []
        if cross_border and between_parties({loc.country_code for loc in locations} | set(sentence_countries)):
            continue  # guideline: fire between belligerents across their own border is no spillover
        # The main mention's own time, else the first the group gives (each resolved when drafted).
        occurred = next((d.when for d in (main, *g) if d.mention.first("time")), EventDate())
        claimant = m.first("claimant")
        actor, target, obj = actor_of(m, claimant), m.first("target"), m.first("object")
        events.append(Event(
            event_id=ids.event_id(article_id=article.id, event_type=m.type,
                                  start=m.sentence_start, end=m.sentence_end),
            type=m.type,  # type: ignore[arg-type]
            confidence=round(max(o.mention.confidence for o in g), 4),
            summary=summary(type_=m.type, stance=m.stance, claimant=claimant, actor=actor, target=target,
                            obj=obj, quantity=quantity, locations=locations),
            claimant=claimant, stance=m.stance,  # type: ignore[arg-type]
            actor=actor, target=target, object=obj, quantity=quantity, locations=locations,
            occurred_on=occurred,
            evidence=Evidence(sentence=m.sentence, start=m.sentence_start, end=m.sentence_end),
            codes=_codes(m),
        ))
    events.sort(key=lambda e: (e.evidence.start, e.type))
    # Two groups can pick the same evidence sentence for the same type: keep ids unique.
    out, seen_ids = [], set()
    for e in events:
        if e.event_id in seen_ids:
            continue
        seen_ids.add(e.event_id)
        out.append(e)
    return out
