"""Telegram's HTML parse mode, as strict as the Bot API: text plus entities, or the API's error."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*/?>"
)
_ATTRIBUTE = re.compile(r"([^\s=>/]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")


class HtmlParseError(ValueError):
    """What Telegram says after "Bad Request: can't parse entities: "."""


@dataclass
class ParsedHtml:
    text: str
    entities: list[dict] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int
    byte_offset: int


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> ParsedHtml:
    """Plain text and entities (UTF-16 offsets) of a message sent with parse_mode=HTML."""
    text: list[str] = []
    entities: list[dict] = []
    stack: list[_OpenTag] = []
    position, units = 0, 0

    def byte_offset(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    while position < len(source):
        char = source[position]
        if char == "&":
            decoded, position = _decode_entity(source, position, byte_offset)
        elif char == "<" and source.startswith("</", position):
            match = _END_TAG.match(source, position)
            if not match:
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(position)}")
            _close(stack, match.group(1).lower(), units, entities, byte_offset(position))
            position, decoded = match.end(), ""
        elif char == "<":
            match = _START_TAG.match(source, position)
            if not match:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(position)}")
            stack.append(_open(match, stack, units, byte_offset(position)))
            position, decoded = match.end(), ""
        else:
            decoded, position = char, position + 1
        text.append(decoded)
        units += utf16_len(decoded)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return ParsedHtml("".join(text), sorted(entities, key=lambda e: e["offset"]))


def _decode_entity(source: str, position: int, byte_offset) -> tuple[str, int]:
    match = _ENTITY.match(source, position)
    if match:
        decimal, hexadecimal, name = match.groups()
        if name is None:
            code = int(decimal) if decimal else int(hexadecimal, 16)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), match.end()
        elif name in NAMED_ENTITIES:
            return NAMED_ENTITIES[name], match.end()
    raise HtmlParseError(f'Unsupported HTML entity or unescaped "&" at byte offset {byte_offset(position)}')


def _open(match: re.Match, stack: list[_OpenTag], units: int, at_byte: int) -> _OpenTag:
    name = match.group(1).lower()
    if name not in ENTITY_TYPES:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {at_byte}')
    attributes = _attributes(match.group(2))
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at_byte}')
    if name == "blockquote" and any(tag.name == "blockquote" for tag in stack):
        raise HtmlParseError(f"Blockquote entities can't be nested at byte offset {at_byte}")
    return _OpenTag(name, attributes, units, at_byte)


def _attributes(raw: str) -> dict[str, str]:
    attributes = {}
    for match in _ATTRIBUTE.finditer(raw):
        name, *values = match.groups()
        attributes[name.lower()] = html.unescape(next((value for value in values if value is not None), ""))
    return attributes


def _close(stack: list[_OpenTag], name: str, units: int, entities: list[dict], at_byte: int) -> None:
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {at_byte}")
    tag = stack.pop()
    if tag.name != name:
        raise HtmlParseError(f'Unmatched end tag at byte offset {at_byte}, expected "</{tag.name}>", found "</{name}>"')
    if units > tag.offset:
        kind = ENTITY_TYPES[name]
        if name == "blockquote" and "expandable" in tag.attributes:
            kind = "expandable_blockquote"
        entity = {"type": kind, "offset": tag.offset, "length": units - tag.offset}
        if name == "a":
            entity["url"] = tag.attributes.get("href", "")
        entities.append(entity)
