"""The whole API schema, fuzzed by schemathesis through the WSGI app as the campaign's owner.

Every operation gets a bounded number of generated requests (a few seconds in all): none may
answer 5xx, and every answer must be one the schema documents, with the documented body.
The campaign's rules (ranges, dates) are the model's, not the schema's, so a well-typed value
may still be refused with a 422 naming the field: that is documented, hence allowed.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis import checks as schemathesis_checks

from config.wsgi import application
from tests.api.conftest import API, token_for

EXAMPLES_PER_OPERATION = 12
MAX_PROVISIONED = 3
CHECKS = [
    schemathesis_checks.not_a_server_error,
    schemathesis_checks.status_code_conformance,
    schemathesis_checks.content_type_conformance,
    schemathesis_checks.response_schema_conformance,
]


@pytest.fixture
def _keep_the_test_connection():
    """What Django's test Client does: the raw WSGI app would close the connection after each
    request (close_old_connections), and with it the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(settings, db, _keep_the_test_connection):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis' WSGI host
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure here is reproducible
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, owner, campaign):
    if "slug" in (case.path_parameters or {}):
        # Random slugs would only meet 404s; the owner's campaign exercises the operation.
        case.path_parameters["slug"] = campaign.slug
    if case.method == "POST" and case.path.endswith("/annotators") and isinstance(case.body, dict):
        count = case.body.get("count")
        if isinstance(count, int) and not isinstance(count, bool) and count > MAX_PROVISIONED:
            # Each account's password is hashed (on purpose slow): thousands only cost time.
            case.body["count"] = MAX_PROVISIONED
    secret = token_for(owner)
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
