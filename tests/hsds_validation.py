"""Validating documents against the official HSDS 3.0 JSON schemas (read from spec_dir()).

The schemas refer to each other by bare file name and the OpenAPI file by absolute URL, so every
schema file is registered under the URL it is published at; references then resolve locally.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache, lru_cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.hsds_spec import spec_dir

PUBLISHED_AT = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


@lru_cache(maxsize=1)
def registry() -> Registry:
    root = spec_dir() / "schema"
    resources = []
    for path in sorted(root.glob("*.json")) + sorted((root / "compiled").glob("*.json")):
        name = path.relative_to(root).as_posix()
        contents = json.loads(path.read_text())
        resources.append(
            (
                PUBLISHED_AT + name,
                Resource.from_contents(contents, default_specification=DRAFT202012),
            )
        )
    return Registry().with_resources(resources)


FORMATS = copy.deepcopy(Draft202012Validator.FORMAT_CHECKER)


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    """RFC 3986: an absolute URI has a scheme and no spaces ("www.example.org" is not one).
    jsonschema checks "uri" only with an optional package; this is the part HSDS data breaks."""
    if not isinstance(value, str):
        return True
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value))


@cache
def validator(schema_name: str) -> Draft202012Validator:
    """A validator for e.g. "service.json" or "compiled/service_list.json" (formats checked)."""
    return Draft202012Validator(
        {"$ref": PUBLISHED_AT + schema_name},
        registry=registry(),
        format_checker=FORMATS,
    )


def errors(schema_name: str, document) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(schema_name).iter_errors(document)
    ]


def page_errors(item_schema: str, page: dict) -> list[str]:
    """A list response: the Page fields, then every item against its schema."""
    found = []
    expected = {
        "total_items": int,
        "total_pages": int,
        "page_number": int,
        "size": int,
        "first_page": bool,
        "last_page": bool,
        "empty": bool,
        "contents": list,
    }
    for key, kind in expected.items():
        if not isinstance(page.get(key), kind):
            found.append(f"Page.{key} is missing or not {kind.__name__}")
    for n, item in enumerate(page.get("contents", [])):
        found += [f"contents/{n}/{e}" for e in errors(item_schema, item)]
    return found
