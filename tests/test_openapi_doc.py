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
