"""The API's JSON parser: request bodies nested beyond ``MAX_DEPTH`` or holding numbers no float can hold are 400s.

Python's decoder recurses once per level, so a body of 100,000 brackets exhausted the stack (a 500), and ``1e400``
decodes to infinity, which no field can store. Both are refused here, once, for every endpoint.
"""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Far deeper than any resource of the API (a scenario's overrides are four levels down).
MAX_DEPTH = 32


def _depth_exceeds(text, limit):
    """True when brackets outside strings nest deeper than ``limit`` (a scan, so it cannot recurse)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _finite_float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ParseError(f"JSON parse error - the number {text} is too large.")
    return value


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - the body is not {encoding}.") from error
        if _depth_exceeds(text, MAX_DEPTH):
            raise ParseError(f"JSON parse error - the body is nested more than {MAX_DEPTH} levels deep.")
        try:
            return json.loads(text, parse_constant=self._refuse_constant, parse_float=_finite_float)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not a JSON value")
