"""Open311 GeoReport v2 responses in JSON and XML, with the spec's element names."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

#: The root element and the element of one item, per kind of response (GeoReport v2).
ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(parent: ET.Element, tag: str, value: Any) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _element(node, k, v)
    elif isinstance(value, list):
        child = tag[:-1] if tag.endswith("s") else "item"
        for v in value:
            _element(node, child, v)
    else:
        node.text = _text(value)


def to_xml(kind: str, payload: Any) -> bytes:
    if kind == "service_definition":
        root = ET.Element("service_definition")
        for key, value in payload.items():
            _element(root, key, value)
    else:
        root_tag, item_tag = ROOTS[kind]
        root = ET.Element(root_tag)
        for item in payload:
            node = ET.SubElement(root, item_tag)
            for key, value in item.items():
                _element(node, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def respond(kind: str, payload: Any, fmt: str, status: int = 200) -> HttpResponse:
    body = to_xml(kind, payload) if fmt == "xml" else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(status: int, description: str, fmt: str) -> HttpResponse:
    """The spec's error body: a list of {code, description}, with the HTTP status code."""
    return respond("errors", [{"code": status, "description": description}], fmt, status=status)
