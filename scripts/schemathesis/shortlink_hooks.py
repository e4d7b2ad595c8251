"""schemathesis hooks for shortlink: the generator of the `http-url` format.

The spec publishes the URLs a client may generate as `x-generate-pattern` on
the `url` property (see src/http/openapi.rs for why it is not `pattern`).
.ci/schemathesis reads it from the served /openapi.json and passes it in
SHORTLINK_URL_PATTERN, so the generator follows the spec, not a copy of it.
"""

import os

import schemathesis
from hypothesis import strategies as st

_pattern = os.environ.get("SHORTLINK_URL_PATTERN")
if not _pattern:
    raise RuntimeError("SHORTLINK_URL_PATTERN is not set: run through .ci/schemathesis")

schemathesis.openapi.format("http-url", st.from_regex(_pattern, fullmatch=True))
