"""Checks a real answer against what the OpenAPI document declares for it: the subset of JSON
Schema the API's document uses ($ref, anyOf/allOf, type, required, properties, items, enum,
pattern, date and date-time formats, bounds). Tests use it to hold the document to the API."""

import datetime as dt
import re


class Mismatch(AssertionError):
    pass


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _format_ok(fmt: str, value: str) -> bool:
    try:
        if fmt == "date":
            dt.date.fromisoformat(value)
            return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
        if fmt == "date-time":
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.tzinfo is not None  # RFC 3339 wants the offset
        if fmt == "time":
            parsed = dt.time.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.tzinfo is not None
    except ValueError:
        return False
    return True


def validate(document: dict, schema: dict, value, where: str = "$") -> None:
    """Raise Mismatch naming the first place where `value` breaks `schema`."""
    schema = _resolve(document, schema)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf")
        errors = []
        for option in options:
            try:
                validate(document, option, value, where)
                break
            except Mismatch as e:
                errors.append(str(e))
        else:
            raise Mismatch(f"{where}: matches none of {len(options)} options: {errors}")
    for part in schema.get("allOf", []):
        validate(document, part, value, where)
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(TYPES[k](value) for k in kinds):
            raise Mismatch(f"{where}: {value!r} is not {kind}")
    if "enum" in schema and value not in schema["enum"]:
        raise Mismatch(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise Mismatch(f"{where}: {value!r} does not match {schema['pattern']}")
        if "format" in schema and not _format_ok(schema["format"], value):
            raise Mismatch(f"{where}: {value!r} is not a {schema['format']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise Mismatch(f"{where}: longer than {schema['maxLength']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise Mismatch(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise Mismatch(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                raise Mismatch(f"{where}: required '{name}' missing")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                validate(document, sub, value[name], f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(document, schema["items"], item, f"{where}[{i}]")


def operation(document: dict, path: str, method: str) -> dict:
    try:
        return document["paths"][path][method.lower()]
    except KeyError as e:
        raise Mismatch(f"{method} {path} is not in the document") from e


def check_answer(document: dict, path: str, method: str, status: int, body) -> None:
    """The answer's status is declared for the operation, and its JSON body fits the schema."""
    op = operation(document, path, method)
    declared = op.get("responses", {})
    response = declared.get(str(status))
    if response is None:
        raise Mismatch(f"{method} {path}: status {status} not declared ({sorted(declared)})")
    content = response.get("content")
    if not content:
        if body not in (None, b"", ""):
            raise Mismatch(f"{method} {path} {status}: declares no body, got {body!r}")
        return
    validate(document, content["application/json"]["schema"], body)
