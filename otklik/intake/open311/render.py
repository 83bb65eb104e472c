"""Open311 GeoReport v2 responses in JSON and XML, with the spec's element names."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

#: The root element and the element of one item, per kind of list response (GeoReport v2).
ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
#: Responses that are one object, not a list: the root element is the kind itself.
SINGLE = {"service_definition", "discovery"}
#: The element of one member of a nested list, by the list's element name.
ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: Characters XML 1.0 does not allow at all (control characters other than tab, LF, CR; lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(parent: ET.Element, tag: str, value: Any) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _element(node, k, v)
    elif isinstance(value, list):
        child = ITEM_TAGS.get(tag, tag[:-1] if tag.endswith("s") else "item")
        for v in value:
            _element(node, child, v)
    else:
        node.text = _text(value)


def to_xml(kind: str, payload: Any) -> bytes:
    if kind in SINGLE:
        root = ET.Element(kind)
        for key, value in payload.items():
            _element(root, key, value)
    else:
        root_tag, item_tag = ROOTS[kind]
        root = ET.Element(root_tag)
        for item in payload:
            _element(root, item_tag, item)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def to_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def respond(kind: str, payload: Any, fmt: str, status: int = 200) -> HttpResponse:
    body = to_xml(kind, payload) if fmt == "xml" else to_json(payload)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(status: int, description: str, fmt: str) -> HttpResponse:
    """The spec's error body: a list of {code, description}, with the HTTP status code."""
    return respond("errors", [{"code": status, "description": description}], fmt, status=status)
