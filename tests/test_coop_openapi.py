"""schemathesis against the live server's OpenAPI document: generated requests (valid and invalid) must
never cause a server error, and every response must match the documented status codes, content types
and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from tests.support.coop_fixtures import CoopServer, join_raw, running_server, write_headers
from tests.support.pgtemp import TempPostgres


@pytest.fixture(scope="module")
def openapi_server(coop_pg: TempPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopServer]:
    with running_server(coop_pg, tmp_path_factory.mktemp("openapi"), rate_per_second=10_000.0,
                        rate_burst=10_000) as server:
        yield server


CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.negative_data_rejection]


def test_the_api_keeps_its_openapi_promises(openapi_server: CoopServer) -> None:
    # schemathesis' pytest plugin (from_fixture) does not run under pytest 9, so each operation's strategy
    # drives a hypothesis test here: valid and invalid requests, every documented operation.
    schema = schemathesis.openapi.from_url(openapi_server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case: schemathesis.Case) -> None:
                # Every case acts as a new member (a withdrawal must not starve the next), with a fresh nonce.
                _, token = join_raw(openapi_server.url)
                headers = write_headers(token)
                headers.pop("Content-Type")
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # An operation without parameters or body (GET /v1/key) has no invalid form to send.
                assert mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET"


def test_the_spec_documents_every_route(coop_pg: TempPostgres, tmp_path: Path) -> None:
    import httpx

    with running_server(coop_pg, tmp_path) as server:
        spec = httpx.get(server.url + "/openapi.json").json()
    assert set(spec["paths"]) == {"/v1/key", "/v1/terms", "/v1/contributors", "/v1/contributions/benchmarks",
                                  "/v1/contributions/taste", "/v1/me", "/v1/releases/latest"}
    body = spec["paths"]["/v1/contributions/benchmarks"]["put"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["additionalProperties"] is False
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()
