"""Reading the environment's values: each parser checks one kind of value (a flag, a port,
a number in a range, a database URL) and raises :class:`ConfigurationError` naming the
variable. ``taizhang.config.Settings`` is their one user."""

from __future__ import annotations

import os
import re
from typing import NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlsplit

_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
DEFAULT_POSTGRES_HOST = "127.0.0.1"
TRUE_STRINGS = {"y", "yes", "t", "true", "on", "1"}


class ConfigurationError(ValueError):
    """A configuration value is missing or invalid. The message names the variable."""


class PostgresParams(NamedTuple):
    dbname: str
    host: str
    port: int
    user: str
    password: str
    schema: str | None


def check_schema(schema: str, variable: str) -> str:
    if not _SCHEMA_RE.match(schema):
        raise ConfigurationError(
            f"{variable}: invalid PostgreSQL schema name {schema!r} "
            "(letters, digits and '_', not starting with a digit, at most 63 characters)"
        )
    return schema


def parse_flag(value: str | None, variable: str, default: bool = True) -> bool:
    if value is None:
        return default
    if value.lower() in TRUE_STRINGS:
        return True
    if value.lower() in {"n", "no", "f", "false", "off", "0"}:
        return False
    raise ConfigurationError(f"{variable}: expected yes or no, got {value!r}")


def parse_port(value: str, variable: str) -> int:
    try:
        port = int(value.strip())
    except ValueError:
        raise ConfigurationError(f"{variable}: port must be an integer, got {value!r}") from None
    if not 0 < port < 65536:
        raise ConfigurationError(f"{variable}: port must be between 1 and 65535, got {port}")
    return port


def parse_in_range(
    value: str | None,
    variable: str,
    default: float,
    *,
    kind: type[int] | type[float],
    low: float,
    high: float,
    unit: str,
) -> float:
    if value is None:
        return default
    try:
        number = kind(value)
    except ValueError:
        whole = "a whole number of " if kind is int else ""
        raise ConfigurationError(f"{variable}: expected {whole}{unit}, got {value!r}") from None
    if not low <= number <= high:
        shown = (f"{low:g}", f"{high:g}") if kind is float else (f"{low:.0f}", f"{high:.0f}")
        raise ConfigurationError(
            f"{variable}: must be between {shown[0]} and {shown[1]} {unit}, got {value!r}"
        )
    return number


def parse_seconds(
    value: str | None, variable: str, default: float, *, zero: bool, high: float
) -> float:
    low = 0.0 if zero else 0.1
    return parse_in_range(value, variable, default, kind=float, low=low, high=high, unit="seconds")


def parse_count(value: str | None, variable: str, default: int, maximum: int) -> int:
    return int(
        parse_in_range(value, variable, default, kind=int, low=0, high=maximum, unit="events")
    )


def parse_sqlite_url(url: str, variable: str) -> str:
    """Return the absolute file path named by a ``sqlite:///`` URL."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ConfigurationError(
            f"{variable}: SQLite URL must look like 'sqlite:///<path>', got {url!r}"
        )
    path = url[len(prefix) :]
    if not path or path.startswith(":memory:") or path.startswith("file:") or "?" in path:
        raise ConfigurationError(
            f"{variable}: SQLite URL must name a database file, got {url!r} "
            "(in-memory databases and URI options are not supported)"
        )
    return os.path.abspath(path)


def parse_postgres_url(url: str, variable: str) -> PostgresParams:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigurationError(f"{variable}: not a PostgreSQL URL: {mask_url(url)!r}")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        raise ConfigurationError(
            f"{variable}: PostgreSQL URL must name one database, as in "
            f"'postgresql://user@host:5432/dbname', got {mask_url(url)!r}"
        )
    if not parts.username:
        raise ConfigurationError(f"{variable}: PostgreSQL URL must name a user")
    try:
        raw_port = parts.port
    except ValueError:
        raise ConfigurationError(
            f"{variable}: port in PostgreSQL URL must be an integer between 1 and 65535"
        ) from None
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - {"schema"})
    if unknown:
        raise ConfigurationError(
            f"{variable}: unsupported PostgreSQL URL parameter(s) {unknown}; only 'schema'"
        )
    schema: str | None = None
    if "schema" in query:
        values = query["schema"]
        if len(values) != 1 or not values[0]:
            raise ConfigurationError(f"{variable}: 'schema' parameter must be given once")
        schema = check_schema(values[0], f"{variable} (schema parameter)")
    return PostgresParams(
        dbname=dbname,
        host=unquote(parts.hostname or "") or DEFAULT_POSTGRES_HOST,
        port=raw_port if raw_port is not None else 5432,
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        schema=schema,
    )


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages and repr)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return "<unparseable URL>"


def build_postgres_url(p: PostgresParams) -> str:
    auth = quote(p.user, safe="")
    if p.password:
        auth += ":" + quote(p.password, safe="")
    host = f"[{p.host}]" if ":" in p.host else p.host
    url = f"postgresql://{auth}@{host}:{p.port}/{quote(p.dbname, safe='')}"
    if p.schema:
        url += f"?schema={p.schema}"
    return url


def conninfo_quote(value: str) -> str:
    """Quote a value for a libpq key=value connection string."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"
