"""schemathesis against the gateway's merged OpenAPI document, signed in: every operation, a bounded number of
generated requests each (valid and invalid ones, fixed seed), and not one server error, undocumented status,
undocumented content type or response that breaks its documented schema.

Run as schemathesis' own CLI in a subprocess (its report is the failure message). Left out, because they would
end the session the run is signed in with: sign-out, revoking one's own sessions. (There is no account deletion
or key rotation in the public API.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from .tenants import sign_up

EXAMPLES_PER_OPERATION = 8
SEED = 20261125
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
EXCLUDED = {  # (method, path) -> why
    ("POST", "/api/auth/logout"): "ends the run's session",
    ("POST", "/api/auth/sessions/revoke-others"): "revokes the run's sessions",
    ("DELETE", "/api/auth/sessions/{session_id}"): "may revoke the run's session",
}
TIMEOUT_S = 900
METHODS = {"get", "put", "post", "patch", "delete"}


def operation_ids(openapi: dict[str, Any], wanted: set[tuple[str, str]]) -> list[str]:
    found = {
        (method.upper(), path): operation["operationId"]
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if (method.upper(), path) in wanted
    }
    assert set(found) == wanted, f"excluded operations no longer exist: {wanted - set(found)}"
    return sorted(found.values())


def test_schemathesis_finds_no_server_error_or_contract_violation(
    http: httpx.Client, gateway_url: str, openapi: dict[str, Any], report_dir: Path
) -> None:
    user = sign_up(http, "schemathesis")  # an org of its own: whatever the run creates or breaks stays there
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "run",
        f"{gateway_url}/api/openapi.json",
        "--url",
        gateway_url,
        "--header",
        f"Authorization: Bearer {user.token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        str(SEED),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--no-shrink",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    for operation_id in operation_ids(openapi, set(EXCLUDED)):
        command += ["--exclude-operation-id", operation_id]
    # cwd: schemathesis keeps a cache in ./.schemathesis; not in the checkout
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, cwd=report_dir
    )
    output = run.stdout + run.stderr
    summary = re.search(r"(\d+) generated.*", output)
    tested = re.search(r"Tested: (\d+)", output)
    print(
        f"\nschemathesis: {tested.group(1) if tested else '?'} operations, "
        f"{summary.group(0) if summary else '?'} (seed {SEED}, {EXAMPLES_PER_OPERATION} examples each)"
    )
    assert run.returncode == 0, output[-20000:]
    operations = sum(1 for item in openapi["paths"].values() for method in item if method in METHODS)
    assert tested is not None and int(tested.group(1)) == operations - len(EXCLUDED), output[-3000:]
