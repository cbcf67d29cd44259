"""The checks a fake's store makes of a seed (`POST /_control/state`): errors name the place
in the seed (`users[2].factors[0]`)."""


class SeedError(ValueError):
    """A seed the fake cannot load; the message names the place."""


def records(seed, key):
    """`seed[key]`, a list of objects (default empty)."""
    value = seed.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SeedError(f"{key} must be a list of objects")
    return value


def fields(record, allowed, required, where):
    """`record` is an object with `allowed` fields only, the `required` ones non-empty
    strings."""
    if not isinstance(record, dict):
        raise SeedError(f"{where} must be an object")
    unknown = set(record) - allowed
    if unknown:
        raise SeedError(f"{where}: unknown fields {', '.join(sorted(unknown))} "
                        f"(allowed: {', '.join(sorted(allowed))})")
    missing = [f for f in sorted(required) if not isinstance(record.get(f), str) or not record[f]]
    if missing:
        raise SeedError(f"{where}: needs {', '.join(missing)} (non-empty strings)")


def known(users, ids, where):
    """Every one of `ids` is a key of `users`."""
    for j, user_id in enumerate(ids):
        if user_id not in users:
            raise SeedError(f"{where}[{j}]: no user has the id {user_id!r}")


def unique(table, key, where):
    """`key` is not yet a key of `table`."""
    if key in table:
        raise SeedError(f"{where}: the id {key!r} is used twice")
