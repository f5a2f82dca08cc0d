"""JSON bodies only, not too large (413) and not nested too deep (400), refused before anything is written.

One setting, `API_MAX_BODY_BYTES`, is the limit: settings.py gives Django's DATA_UPLOAD_MAX_MEMORY_SIZE the same
value, so Django never refuses (or half-reads) a body that we would accept, nor the other way round. A body
announced larger is refused from its Content-Length before a byte is read; a body without one (chunked) is read
up to the limit and refused as soon as it passes it.
"""

import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

# No body of the API nests deeper than 3 ({"vins": [{"vin": …}]}); 32 leaves room and stays far from Python's
# recursion limit, which json.loads would otherwise hit (a RecursionError, answered 500) at about 1,000.
MAX_DEPTH = 32


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def too_large(limit, length=None):
    size = f"{length:,} bytes" if length is not None else "larger than that"
    return BodyTooLarge(f"The request body is {size}; at most {limit:,} bytes are accepted.")


def nesting_depth_exceeds(data, limit):
    """True if `data` nests deeper than `limit` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return False


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            length = 0
        if length > limit:
            raise too_large(limit, length)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large(limit)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError("The JSON body is not valid UTF-8.") from None
        too_deep = exceptions.ParseError(f"The JSON body is nested deeper than {MAX_DEPTH} levels.")
        try:
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth_exceeds(data, MAX_DEPTH):
            raise too_deep
        return data
