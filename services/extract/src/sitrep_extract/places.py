"""Location spans beyond what the tagger marks: tidy its spans and add gazetteer matches after a locative."""

from __future__ import annotations

import re

from sitrep_extract.normalise.gazetteer import COMPASS_WORDS, fold, gazetteer


def _name(particles: str) -> str:
    """A capitalised name of up to four words, with `particles` allowed between them ("Aita al-Shaab")."""
    return rf"((?:(?:al|el|ad|as|de)-)?[A-Z][\w'\u2019]*(?:[- ](?:(?:{particles})[- ])?[A-Z][\w'\u2019]*){{0,3}})"


_LOCATIVE = re.compile(
    r"\b(?:in|over|near|at|across|outside|into|towards?|around|from|off|of the|on)\s+(?:the\s+)?"
    + _name("al|el|de|del|la|of|on"))
# "the village of Wyryki", "the Khartoum North district of Kafouri": the words before the name say it
# is a place, whether or not the gazetteer knows it. "of" ends the name here ("the town of X of Y").
_NAMED_KIND = re.compile(r"\b(?:village|town|hamlet|settlement|district|township|port|city|region|province|"
                         r"governorate|oblast|state|republic)\s+of\s+"
                         + _name("al|el|de|del|la|on"))
_JOIN_GAP = re.compile(r"^[\s\-'\u2019]*(?:(?:al|el|ad|as|de|la|del|bin|ibn)[\s\-]+)?$", re.I)
_POSSESSIVE_GAP = re.compile(r"^['\u2019]s\s+$")
# "Ukraine's" is Ukraine; "Mogadishu's airport" is at Mogadishu (the place a reader looks up).
_OWNER = re.compile(r"^(.+?)['\u2019]s(?:\s+(?:main\s+)?(?:airports?|port|outskirts|suburbs|border|coast))?$")
# "the Baltic port of Ust-Luga", "the village of Robotyne": the name is what follows "of".
_KIND_OF = re.compile(r"^(?:the\s+)?(?:[\w'\u2019-]+\s+){0,3}?(?:port|city|town|village|settlement|hamlet|capital|"
                      r"outskirts|suburbs?)\s+of\s+(?:the\s+)?(?=[A-Z])")
_REGION_WORD = re.compile(r"^\s+(?:region|regions|oblast|province|governorate|district|state|area)\b", re.I)


_DATELINE = re.compile(
    r"^[A-Z][A-Z .'\u2019\-]{2,40}(?:,\s*[A-Z][a-z]{2,9}\.?\s+\d{1,2})?\s*(?:\([^)]{1,60}\))?\s*[-\u2013\u2014:]\s+")
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|ese|ish|i|an)s?$")


def dateline_end(text: str) -> int:
    """Length of a wire dateline ('MOSCOW, May 14 (Wire) - ', 'GAZA: ') at the start of a sentence, or 0."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


def tidy(text: str, spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Join fragments of one name ('Bab' + 'Mandab'); drop spans inside a dateline and non-places."""
    out: list[tuple[str, int, int]] = []
    skip = dateline_end(text)
    for role, s, e in sorted(spans, key=lambda x: x[1]):
        if s < skip:
            continue
        if out and out[-1][0] == role and role in ("location", "claimant", "actor", "target", "object") \
                and _JOIN_GAP.match(text[out[-1][2] : s]):
            out[-1] = (role, out[-1][1], e)
            continue
        if out and out[-1][0] == role == "location" and _POSSESSIVE_GAP.match(text[out[-1][2] : s]) \
                and _known_place(text[out[-1][1] : e]) and not _known_place(text[s:e]):
            # "Donetsk People" + "Republic" is one name with "'s" inside; "Yemen's" + "Dhamar" is two places.
            out[-1] = (role, out[-1][1], e)
            continue
        out.append((role, s, e))
    cleaned = []
    for role, s, e in _whole_names(text, out):
        kind = _KIND_OF.match(text[s:e]) if role == "location" else None
        if kind and not _known_place(text[s:e]):
            s += kind.end()
        owner = _OWNER.match(text[s:e]) if role == "location" else None
        if owner:
            e = s + owner.end(1)
        name = text[s:e]
        filed_from = re.match(r"^\s*[,(\-\u2013\u2014]", text[e:])
        if role == "location" and s < 3 and name.isupper() and len(name) > 3 and filed_from:
            continue  # "KYIV, Sept 17 (Wire) -": where the story was filed, not where it happened
        if role == "location" and not _known_place(name) and (not name[:1].isupper() or _DEMONYM.match(name)
                                                              or name.lower() in COMPASS_WORDS):
            continue  # "coltan", "Ukrainian", a bare "Northern": not a place name
        if role == "location":
            cleaned.extend(("location", a, b) for a, b in _listed_places(text, s, e))
        else:
            cleaned.append((role, s, e))
    return cleaned


def _listed_places(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A span that lists places ("Modlin, Rzeszów") is one span per place, when each part is one."""
    parts = [(m.start() + s, m.end() + s) for m in re.finditer(r"[^,\s](?:[^,]*[^,\s])?", text[s:e])]
    if len(parts) < 2 or not all(gazetteer().candidates(text[a:b])[0] for a, b in parts):
        return [(s, e)]
    return parts


_FEATURE = r"(?:Sea|Gulf|Strait|Straits|Ocean|Bay|Peninsula|Canal|River|Nile)"
_FEATURE_AFTER = re.compile(rf"^ {_FEATURE}\b")
_NAME_BEFORE = re.compile(r"\b([A-Z][\w'\u2019-]*) $")
_FEATURE_ONLY = re.compile(rf"^{_FEATURE}$")


_PARTICLE_ONLY = re.compile(r"^(?:El|Al|Ad|As|Abu|Ras|Bab|Ain|Tel|Beit|Kafr|Deir|Umm|Bir)$")
_NAME_AFTER = re.compile(r"^[ -][A-Z][\w'\u2019-]*")


def _whole_names(text: str, spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A place span cut off from its feature word grows back: 'Red' (Sea) and (Black) 'Sea'; so does
    a name cut after its particle: 'El' (Fasher)."""
    out = []
    for role, s, e in spans:
        if role == "location" and _PARTICLE_ONLY.match(text[s:e]) and (name := _NAME_AFTER.match(text[e:])):
            e += name.end()
        if role == "location":
            after = _FEATURE_AFTER.match(text[e:])
            if after:
                e += after.end()
            before = _NAME_BEFORE.search(text[:s])
            if before and _FEATURE_ONLY.match(text[s:e]):
                s = before.start(1)
        out.append((role, s, e))
    return out


def _known_place(name: str) -> bool:
    gaz = gazetteer()
    cands, _ = gaz.candidates(name)
    key = gaz.clean(name)[0]
    for p in cands:
        if p.kind in ("country", "region"):
            return True
        if fold(p.name) == key and p.population >= 20_000:
            return True
    return False


def add_gazetteer_places(text: str, spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Add place names the tagger missed: known ones after a locative word ('in', 'over', 'near'), and
    any name after a kind of place ("the village of ...")."""
    taken = [(s, e) for _, s, e in spans]
    added = []
    for m in _LOCATIVE.finditer(text):
        s, e = m.span(1)
        if any(s < te and ts < e for ts, te in taken):
            continue
        name = text[s:e]
        # Try the longest name first, then drop trailing words ("Kherson Thursday" -> "Kherson").
        words = name.split(" ")
        for n in range(len(words), 0, -1):
            cand = " ".join(words[:n])
            if _known_place(cand) or (_REGION_WORD.match(text[s + len(cand) :]) and len(cand) > 3):
                added.append(("location", s, s + len(cand)))
                taken.append((s, s + len(cand)))
                break
    for m in _NAMED_KIND.finditer(text):
        s, e = m.span(1)
        if not any(s < te and ts < e for ts, te in taken):
            added.append(("location", s, e))
            taken.append((s, e))
    if not any(role == "location" for role, _, _ in [*spans, *added]):
        # "Israeli strike on Rafah": a known place tagged only as what was hit is also where it happened
        # (the corpus marks such a target a location too in 260 of its 376 cases).
        # Not a piece of a compound: "Ukraine-launched drones" were not hit in Ukraine.
        added += [("location", s, e) for role, s, e in spans if role == "target" and _known_place(text[s:e])
                  and "-" not in (text[s - 1 : s] + text[e : e + 1])]
    return sorted([*spans, *added], key=lambda x: x[1])
