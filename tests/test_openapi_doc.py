"""openapi.md is generated from the app; this fails when someone changed the API and not the doc."""

from pathlib import Path

from app.openapi_doc import render

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_md_is_up_to_date() -> None:
    assert (ROOT / "openapi.md").read_text() == render(), (
        "openapi.md is stale: run 'helpdesk openapi'"
    )


def test_every_operation_has_a_stable_id() -> None:
    from app.main import create_app
    from app.settings import Settings

    spec = create_app(Settings(database_url="postgresql://unused/none")).openapi()
    ids = [op.get("operationId") for item in spec["paths"].values() for op in item.values()]
    assert all(ids) and len(ids) == len(set(ids))


def test_errors_are_documented_as_the_problems_they_are() -> None:
    """Every /v1 operation documents its errors as problem+json (the Problem schema), never
    FastAPI's HTTPValidationError, which this API does not send."""
    from app.main import create_app
    from app.settings import Settings

    spec = create_app(Settings(database_url="postgresql://unused/none")).openapi()
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            errors = {c: r for c, r in operation["responses"].items() if not c.startswith("2")}
            if path.startswith("/v1/"):
                assert "default" in errors, (method, path)
            for code, response in errors.items():
                if code != "503" or path.startswith("/v1/"):
                    assert response["content"] == problem, (method, path, code)
