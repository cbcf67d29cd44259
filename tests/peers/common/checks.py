"""What the contract checkers of the Google and Okta fakes share: a path template matched to
a call's path, the choice among the operations whose template matches, and the checks of a
JSON scalar or of a parameter's text against its schema. What the vendors' descriptions mean
differently is a `Values` setting."""

import re
from datetime import datetime
from urllib.parse import unquote


class Template:
    """A path template: `{name}` is one path segment, `{+name}` one or more (reserved
    expansion); `literals` counts its literal characters."""

    def __init__(self, template):
        self.text = template
        self.names, pattern, self.literals = [], [], 0
        for part in re.split(r"(\{\+?[^}]+\})", template):
            if part.startswith("{"):
                self.names.append(part.strip("{+}"))
                pattern.append("(.+)" if part.startswith("{+") else "([^/]+)")
            else:
                pattern.append(re.escape(part))
                self.literals += len(part)
        self.regex = re.compile("".join(pattern))

    def match(self, path):
        """The path parameters, percent-decoded, when `path` has this shape; else None."""
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        return {n: unquote(v) for n, v in zip(self.names, found.groups())}


def pick(matches, http, path, nothing):
    """(operation, path parameters) for a call, of the `matches` [(operation, parameters)]
    whose path fits: the one of method `http` that ranks highest (`operation.rank()`); or
    (None, problem), `nothing` saying that no path fits."""
    if not matches:
        return None, f"{http} {path}: {nothing}"
    same = [(o, p) for o, p in matches if o.http == http]
    if not same:
        has = ", ".join(sorted({o.http for o, _ in matches}))
        return None, f"{http} {path}: the path takes {has}, not {http}"
    return max(same, key=lambda op: op[0].rank()), None


class Values:
    """Checks of JSON scalars and of parameters' text. `ranges` maps an integer format to its
    range; `patterns`: a string's `pattern` is checked; `whole_strings`: the string formats
    that hold whole numbers; `number_text`: a `number` parameter's text must be a number."""

    def __init__(self, ranges, patterns=False, whole_strings=(), number_text=False):
        self.ranges = ranges
        self.patterns = patterns
        self.whole_strings = whole_strings
        self.number_text = number_text

    def scalar(self, kind, schema, value, where):
        """Problems of a JSON scalar against a schema of type string, integer, number,
        boolean or any."""
        if kind == "any":
            return []
        if kind == "boolean":
            return [] if isinstance(value, bool) else [f"{where} must be a boolean"]
        if kind in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    kind == "integer" and not isinstance(value, int)):
                return [f"{where} must be a JSON {kind}"]
            return self.range(schema, value, where)
        if kind == "string":
            if not isinstance(value, str):
                return [f"{where} must be a string"]
            return self.string(schema, value, where)
        return [f"{where}: the schema's type {kind!r} is not known to the checker"]

    def path(self, declared, found, where):
        """Problems of a call's path parameters `found` against those `declared` (by name)."""
        problems = []
        for name, value in found.items():
            if value == "":
                problems.append(f"{where}: path parameter {name} is empty")
            else:
                problems += self.param(declared[name], value, f"{where}: path parameter {name}")
        return problems

    def param(self, spec, text, where):
        """Problems of a path or query parameter's text against its declared type."""
        kind = spec.get("type", "string")
        if kind == "integer":
            if not re.fullmatch(r"-?[0-9]+", text):
                return [f"{where} must be a whole number"]
            return self.range(spec, int(text), where)
        if kind == "number" and self.number_text:
            try:
                float(text)
            except ValueError:
                return [f"{where} must be a number"]
            return []
        if kind == "boolean":
            return [] if text in ("true", "false") else [f"{where} must be true or false"]
        return self.string(spec, text, where)

    def string(self, schema, value, where):
        if "enum" in schema and value not in schema["enum"]:
            return [f"{where} must be one of {', '.join(schema['enum'])}"]
        if self.patterns and "pattern" in schema and not re.search(schema["pattern"], value):
            return [f"{where} does not match the pattern {schema['pattern']}"]
        fmt = schema.get("format")
        if fmt in self.whole_strings and not re.fullmatch(r"-?[0-9]+", value):
            return [f"{where} must be a whole number written as a string ({fmt})"]
        if fmt == "date-time":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return [f"{where} must be an RFC 3339 date-time"]
        return []

    def range(self, schema, value, where):
        low, high = self.ranges.get(schema.get("format"), (None, None))
        if "minimum" in schema:
            low = int(schema["minimum"])
        if "maximum" in schema:
            high = int(schema["maximum"])
        if (low is not None and value < low) or (high is not None and value > high):
            return [f"{where} must be between {low} and {high}"]
        return []
