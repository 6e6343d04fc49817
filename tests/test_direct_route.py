"""app.http.routes.DirectRoute answers as FastAPI's own solver does: the same values reach the
route, the same errors come back in the same order, and routes it does not cover are left to
FastAPI."""

from typing import Annotated

import httpx
from fastapi import APIRouter, Body, Depends, FastAPI, Header, Path, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from app.errors import Unauthorized
from app.http import problems
from app.http.routes import DirectRoute


async def caller(request: Request) -> str:
    token = request.headers.get("authorization")
    if token is None:
        raise Unauthorized("send a key")
    return token


async def page(request: Request) -> int:
    return int(request.query_params.get("limit", "50"))


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=5)
    count: int = Field(default=1, ge=0)


Caller = Annotated[str, Depends(caller)]
Tag = Annotated[str | None, Header(alias="X-Tag", max_length=5)]
Limit = Annotated[int, Depends(page)]
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _app(route_class: type[APIRoute]) -> tuple[FastAPI, APIRouter]:
    router = APIRouter(prefix="/v1/things", route_class=route_class)

    @router.get("/{thing_id}")
    async def one(who: Caller, thing_id: ItemId) -> Response:
        return Response(f"{who} {thing_id}", media_type="text/plain")

    @router.get("/{thing_id}/parts/{part}")
    async def part(who: Caller, thing_id: ItemId, part: str, limit: Limit) -> Response:
        return Response(f"{who} {thing_id} {part} {limit}", media_type="text/plain")

    @router.get("/{thing_id}/tagged")
    async def tagged(who: Caller, thing_id: ItemId, tag: str = "x") -> Response:
        # A declared query parameter: FastAPI's to solve.
        return Response(f"{who} {thing_id} {tag}", media_type="text/plain")

    @router.get("/{thing_id}/echo")
    async def echo(thing_id: ItemId, x_echo: Annotated[str, Header()]) -> Response:
        return Response(x_echo, media_type="text/plain")

    @router.post("/{thing_id}")
    async def change(who: Caller, thing_id: ItemId, body: Thing, tag: Tag = None) -> Response:
        return Response(f"{who} {thing_id} {body!r} {tag}", media_type="text/plain")

    @router.put("/{thing_id}")
    async def put(
        who: Caller, thing_id: ItemId, body: Annotated[Thing, Body(embed=True)]
    ) -> Response:
        # An embedded body: FastAPI's to read.
        return Response(f"{who} {thing_id} {body!r}", media_type="text/plain")

    app = FastAPI()
    problems.install(app)
    app.include_router(router)
    return app, router


JSON = {"content-type": "application/json", "authorization": "k"}
REQUESTS: list[tuple[str, str, dict[str, str], bytes]] = [
    ("GET", "/v1/things/7", {"authorization": "k"}, b""),
    ("GET", "/v1/things/7", {}, b""),
    ("GET", "/v1/things/0", {"authorization": "k"}, b""),
    ("GET", "/v1/things/0", {}, b""),
    ("GET", "/v1/things/abc", {"authorization": "k"}, b""),
    ("GET", "/v1/things/99999999999999999999", {"authorization": "k"}, b""),
    ("GET", "/v1/things/-1", {"authorization": "k"}, b""),
    ("GET", "/v1/things/7?unused=1", {"authorization": "k"}, b""),
    ("GET", "/v1/things/7/parts/wheel?limit=3", {"authorization": "k"}, b""),
    ("GET", "/v1/things/0/parts/wheel", {"authorization": "k"}, b""),
    ("GET", "/v1/things/7/tagged?tag=y", {"authorization": "k"}, b""),
    ("GET", "/v1/things/0/tagged", {"authorization": "k"}, b""),
    ("GET", "/v1/things/7/echo", {"x-echo": "hello"}, b""),
    ("GET", "/v1/things/7/echo", {}, b""),
    # A JSON body and a header, right and wrong in each way, with and without a caller.
    ("POST", "/v1/things/7", JSON, b'{"name": "bolt"}'),
    ("POST", "/v1/things/7", JSON | {"x-tag": "red"}, b'{"name": "bolt", "count": 3}'),
    ("POST", "/v1/things/7", JSON | {"x-tag": "crimson"}, b'{"name": "bolt"}'),
    (
        "POST",
        "/v1/things/7",
        JSON | {"content-type": "application/json; charset=utf-8"},
        b'{"name": "nut"}',
    ),
    ("POST", "/v1/things/7", JSON | {"content-type": "Application/JSON"}, b'{"name": "nut"}'),
    (
        "POST",
        "/v1/things/7",
        JSON | {"content-type": "application/merge-patch+json"},
        b'{"name": "nut"}',
    ),
    ("POST", "/v1/things/7", JSON | {"content-type": "text/plain"}, b'{"name": "nut"}'),
    ("POST", "/v1/things/7", {"authorization": "k"}, b'{"name": "nut"}'),
    ("POST", "/v1/things/7", JSON, b""),
    ("POST", "/v1/things/7", JSON, b'{"name": '),
    ("POST", "/v1/things/7", JSON, b'{"name": "\xff\xfe"}'),
    ("POST", "/v1/things/7", JSON, b'\xff\xfe{"name": 1}'),
    ("POST", "/v1/things/7", JSON, b"null"),
    ("POST", "/v1/things/7", JSON, b"[1, 2]"),
    ("POST", "/v1/things/7", JSON, b'{"name": "spanner", "count": -1, "colour": "red"}'),
    ("POST", "/v1/things/7", JSON, b'{"count": "many"}'),
    ("POST", "/v1/things/0", JSON | {"x-tag": "crimson"}, b'{"name": "spanner"}'),
    ("POST", "/v1/things/7", {"content-type": "application/json"}, b'{"name": "bolt"}'),
    ("POST", "/v1/things/7", {"content-type": "application/json"}, b'{"name": '),
    ("PUT", "/v1/things/7", JSON, b'{"body": {"name": "bolt"}}'),
    ("PUT", "/v1/things/7", JSON, b'{"name": "bolt"}'),
]


async def _answers(app: FastAPI) -> list[tuple[int, str, bytes]]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answers = []
        for method, path, headers, content in REQUESTS:
            r = await client.request(method, path, headers=headers, content=content)
            answers.append((r.status_code, r.headers.get("content-type", ""), r.content))
        return answers


async def test_direct_route_answers_as_fastapi_does() -> None:
    direct, _ = _app(DirectRoute)
    solved, _ = _app(APIRoute)
    assert await _answers(direct) == await _answers(solved)


async def test_dependencies_run_before_path_parameters_are_checked() -> None:
    app, _ = _app(DirectRoute)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/v1/things/0")).status_code == 401
        invalid = await client.get("/v1/things/0", headers={"authorization": "k"})
        assert invalid.status_code == 422
        assert invalid.json()["errors"][0]["field"] == "path.thing_id"


def test_only_routes_of_request_dependencies_path_headers_and_json_body_are_direct() -> None:
    _, router = _app(DirectRoute)
    direct = {
        route.name
        for route in router.routes
        if isinstance(route, DirectRoute) and route.get_route_handler().__name__ == "handle"
    }
    assert direct == {"one", "part", "echo", "change"}


async def test_dependencies_overridden_on_the_app_are_honoured() -> None:
    app, _ = _app(DirectRoute)

    async def anyone(request: Request) -> str:
        return "stand-in"

    app.dependency_overrides[caller] = anyone
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/v1/things/7")).text == "stand-in 7"
