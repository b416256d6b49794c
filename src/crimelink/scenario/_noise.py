"""How the truth gets reported: names, dates of birth, heights and plates as people write them.

Every distortion here is one that real reports show and that linkage must survive: typos,
"SURNAME, Given" order, nicknames and spellings for the given name, aliases used as names,
day/month swaps and off-by-one years in dates of birth, heights guessed to the nearest five
centimetres, plates with spaces, in lower case, misread (0/O, 1/I, 5/S, 8/B, 2/Z, 6/G) or
only partly read.
"""

from __future__ import annotations

import random
from datetime import date

from crimelink.scenario._catalogue import COLOUR_WORDS
from crimelink.scenario._names import NICKNAMES, SPELLINGS
from crimelink.scenario._population import People

_NEIGHBOURS = {  # QWERTY neighbours and letters that sound alike, for typos
    "a": "seq",
    "b": "vnp",
    "c": "xvks",
    "d": "sfte",
    "e": "wra",
    "f": "dgv",
    "g": "fhj",
    "h": "gjn",
    "i": "uoey",
    "j": "hkg",
    "k": "jlc",
    "l": "k;i",
    "m": "nk",
    "n": "bmh",
    "o": "ipu",
    "p": "ob",
    "q": "wa",
    "r": "etl",
    "s": "adz",
    "t": "ryd",
    "u": "yio",
    "v": "cbf",
    "w": "qe",
    "x": "zc",
    "y": "tui",
    "z": "xs",
}
_MISREAD = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "2": "Z",
    "Z": "2",
    "6": "G",
    "G": "6",
    "D": "0",
    "L": "1",
}


def typo(r: random.Random, word: str) -> str:
    """One edit a hurried writer makes: a wrong key, a dropped, doubled or swapped letter."""
    if len(word) < 3:
        return word
    i = r.randrange(1, len(word))
    c = word[i]
    kind = r.random()
    if kind < 0.35:
        swap = _NEIGHBOURS.get(c.lower(), "")
        if swap:
            ch = swap[r.randrange(len(swap))]
            return word[:i] + (ch.upper() if c.isupper() else ch) + word[i + 1 :]
        return word
    if kind < 0.6:
        return word[:i] + word[i + 1 :]
    if kind < 0.8:
        return word[:i] + c + word[i:]
    if i < len(word) - 1:
        return word[:i] + word[i + 1] + c + word[i + 2 :]
    return word[: i - 1] + c + word[i - 1]


def _given_as_written(r: random.Random, given: str) -> str:
    """The given name, or the nickname or spelling a witness or officer writes instead."""
    u = r.random()
    if u < 0.15 and given in NICKNAMES:
        options = NICKNAMES[given]
        return options[r.randrange(len(options))]
    if u < 0.28 and given in SPELLINGS:
        options = SPELLINGS[given]
        return options[r.randrange(len(options))]
    return given


def reported_name(
    r: random.Random, people: People, p: int, police: bool, noise: float = 1.0
) -> tuple[str, list[str] | None]:
    """The name as a report writes it, and the aliases it lists (if any); ``noise`` scales
    the typo rates."""
    aliases = people.aliases.get(p)
    given, middle, surname = people.given[p], people.middle[p], people.surname[p]
    if aliases and r.random() < 0.15:  # the alias is what they gave
        given, _, surname = aliases[r.randrange(len(aliases))].partition(" ")
        middle = None
    given = _given_as_written(r, given)
    if surname in SPELLINGS and r.random() < 0.08:
        options = SPELLINGS[surname]
        surname = options[r.randrange(len(options))]
    u = r.random() / noise
    if u < 0.1:
        surname = typo(r, surname)
    elif u < 0.16:
        given = typo(r, given)
    elif u < 0.18:
        surname, given = typo(r, surname), typo(r, given)
    if middle is not None and r.random() >= (0.5 if police else 0.25):
        middle = None
    first = f"{given} {middle}" if middle else given
    u = r.random()
    if police:
        u *= 0.6  # forces write SURNAME, Given more often
    if u < 0.14:
        text = f"{surname.upper()}, {first}"
    elif u < 0.22:
        text = f"{surname}, {first}"
    elif u < 0.28:
        text = f"{surname} {first}"
    elif u < 0.34:
        text = f"{first} {surname}".upper()
    elif u < 0.37:
        text = f"{first} {surname}".lower()
    else:
        text = f"{first} {surname}"
    listed: list[str] | None = None
    extra = list(aliases or ())
    street = people.street_name.get(p)
    if street:
        extra.append(street)
    if extra and r.random() < (0.6 if police else 0.3):
        listed = extra
    return text, listed


def reported_dob(r: random.Random, dob: int, noise: float = 1.0) -> str:
    """A date of birth as written: mostly right, sometimes day/month swapped or a year out."""
    d = date.fromordinal(dob)
    u = r.random() / noise
    if u < 0.08 and d.day <= 12 and d.day != d.month:
        d = date(d.year, d.day, d.month)
    elif u < 0.15:
        try:
            d = d.replace(year=d.year + (1 if r.random() < 0.5 else -1))
        except ValueError:  # 29 February
            d = d.replace(day=28, year=d.year + 1)
    elif u < 0.18:
        d = date.fromordinal(dob + r.randint(-20, 20))
    return d.isoformat()


def age_range(r: random.Random, age: float) -> tuple[int, int]:
    """An estimated age band around the true age, as a witness gives it."""
    centre = age + r.gauss(0.0, 4.0)
    width = 5 if r.random() < 0.5 else 10
    low = int(max(8, min(95, round(centre - width / 2))))
    return low, int(min(100, low + width))


def reported_height(r: random.Random, height: int) -> int:
    """A height as estimated: a few centimetres out, often rounded to five."""
    h = height + round(r.gauss(0.0, 3.0))
    if r.random() < 0.4:
        h = 5 * round(h / 5)
    return max(100, min(230, h))


def vrm_as_read(r: random.Random, vrm: str, noise: float = 1.0) -> tuple[str, bool]:
    """A plate as a witness or camera reads it: formatting, misreads, or only part of it."""
    text = vrm
    u = r.random() / noise
    partial = False
    if u < 0.12:
        chars = list(text)
        n = r.choice((1, 1, 2, 3))
        if r.random() < 0.4:  # the end was not seen
            for i in range(len(chars) - n, len(chars)):
                chars[i] = "?"
        else:
            for i in r.sample(range(len(chars)), n):
                chars[i] = "?"
        text = "".join(chars)
        partial = True
    elif u < 0.22:
        candidates = [i for i, c in enumerate(text) if c in _MISREAD]
        if candidates:
            i = candidates[r.randrange(len(candidates))]
            text = text[:i] + _MISREAD[text[i]] + text[i + 1 :]
    current = len(vrm) == 7 and vrm[2].isdigit() and vrm[3].isdigit()
    form = r.random()
    if form < 0.55:
        text = f"{text[:4]} {text[4:]}" if current else f"{text[:-3]} {text[-3:]}"
    elif form < 0.62:
        text = text.lower()
    elif form < 0.65:
        text = f"{text[:4].lower()} {text[4:].lower()}" if current else text.lower()
    return text, partial


def colour_as_said(r: random.Random, colour: str) -> str:
    """A colour in a witness's words: silver is grey to some, navy is blue to others."""
    words = COLOUR_WORDS.get(colour)
    if words and r.random() < 0.25:
        return words[r.randrange(len(words))]
    return colour
