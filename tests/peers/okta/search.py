"""The expressions of listUsers: `filter` (`eq` on status, id, profile.login, profile.email,
profile.firstName, profile.lastName; `gt`, `ge`, `lt`, `le` too on lastUpdated, created,
statusChanged and lastLogin) and `search` (the same, plus `sw`, starts-with), terms joined by
`and`; `q` (a prefix of firstName, lastName or email, case-insensitive). Values are quoted
strings. A term the fake does not know is refused, as Okta refuses invalid criteria."""

import re

TERM = re.compile(r'\s*([A-Za-z.]+)\s+(eq|sw|gt|ge|lt|le)\s+"([^"]*)"\s*')
PROFILE = {"profile.login": "login", "profile.email": "email",
           "profile.firstName": "firstName", "profile.lastName": "lastName"}
PLAIN = {"status": "status", "id": "id"}
DATES = {"lastUpdated": "statusChanged", "created": "created",
         "statusChanged": "statusChanged", "lastLogin": "lastLogin"}


def parse(text, search):
    """[(field, operator, value)]; ValueError naming the term that is not understood."""
    terms = []
    for part in re.split(r"\s+and\s+", text.strip()):
        found = TERM.fullmatch(part)
        if found is None:
            raise ValueError(f"the term {part!r} is not ATTRIBUTE OPERATOR \"VALUE\"")
        attribute, operator, value = found.groups()
        if attribute in DATES:
            if operator == "sw":
                raise ValueError(f"{attribute} takes eq, gt, ge, lt or le")
            terms.append((DATES[attribute], operator, value))
            continue
        field = PROFILE.get(attribute) or PLAIN.get(attribute)
        if field is None:
            raise ValueError(f"the attribute {attribute} cannot be filtered on")
        if operator not in (("eq", "sw") if search else ("eq",)):
            raise ValueError(f"{attribute} takes {'eq or sw' if search else 'eq'}")
        terms.append((field, operator, value))
    return terms


def matches(user, terms):
    for field, operator, value in terms:
        have = user.get(field)
        if have is None:
            return False
        if field in DATES.values():
            if not _compare(have, operator, value):
                return False
        elif field in ("status", "id"):
            if have != value:
                return False
        elif operator == "sw":
            if not have.casefold().startswith(value.casefold()):
                return False
        elif have.casefold() != value.casefold():
            return False
    return True


def _compare(have, operator, value):
    # RFC 3339 times in UTC with the same precision compare as text.
    return {"eq": have == value, "gt": have > value, "ge": have >= value,
            "lt": have < value, "le": have <= value}[operator]


def quick(user, prefix):
    """`q`: a prefix of the first name, last name or email."""
    prefix = prefix.casefold()
    return any(user[f].casefold().startswith(prefix) for f in ("firstName", "lastName", "email"))
