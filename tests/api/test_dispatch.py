"""Requests served by the first two segments of their path (app.http.dispatch) reach the route
the app's own router would choose, and get its answer: every documented path with every method,
with a trailing slash and with a segment more, and paths of no route."""

import re
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http import dispatch

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Recording:
    """The app, remembering the route each request was served by."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.routes: list[Any] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.routes.append(scope.get("route"))


def _paths(app) -> list[str]:  # type: ignore[no-untyped-def]
    documented = [re.sub(r"\{[^}]+\}", "1", path) for path in app.openapi()["paths"]]
    more = [p + "/" for p in documented] + [p + "/x" for p in documented]
    nowhere = ["/", "/v1", "/v1/", "/v2/tickets", "/v1/nowhere", "/v1/ticket", "/healthz/x", "/x/y"]
    own = ["/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect", "/openapi.json/"]
    return [*documented, *more, *nowhere, *own]


async def _answers(app, paths: list[str], root_path: str = "") -> dict[str, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    """What each path gets with each method, served by prefix and by the app's router."""
    served = Recording(app)
    by_prefix = app.router.middleware_stack
    assert isinstance(by_prefix, dispatch.ByPrefix)
    answers: dict[str, list[tuple[Any, ...]]] = {}
    transport = httpx.ASGITransport(app=served, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for name, stack in (("by prefix", by_prefix), ("app's router", by_prefix.fallback)):
            app.router.middleware_stack = stack
            try:
                seen = []
                for path in paths:
                    for method in METHODS:
                        # No key: each route refuses before it does anything (401), and no
                        # route is an unknown one's (404), a known one's for another method
                        # (405) or a slash away from one (307).
                        r = await client.request(method, f"{root_path}{path}", content=b"{}")
                        route = served.routes[-1]
                        seen.append(
                            (
                                method,
                                path,
                                r.status_code,
                                r.headers.get("allow"),
                                r.headers.get("location"),
                                r.content if r.status_code in (401, 404, 405, 307) else None,
                                getattr(route, "path", None),
                                getattr(route, "endpoint", None),
                            )
                        )
                answers[name] = seen
            finally:
                app.router.middleware_stack = by_prefix
    return answers


async def test_every_path_reaches_the_route_and_answer_the_app_s_router_gives(app) -> None:  # type: ignore[no-untyped-def]
    paths = _paths(app)
    assert len(paths) > 300
    answers = await _answers(app, paths)
    assert answers["by prefix"] == answers["app's router"]
    assert sum(answer[6] is not None for answer in answers["by prefix"]) > 300
    statuses = {answer[2] for answer in answers["by prefix"]}
    assert {200, 401, 404, 405} <= statuses, statuses


async def test_behind_a_root_path_the_path_after_it_finds_the_route(app) -> None:  # type: ignore[no-untyped-def]
    paths = ["/v1/kb/articles", "/v1/tickets/1", "/metrics", "/v1/nowhere", "/openapi.json"]
    answers = await _answers(app, paths, root_path="/helpdesk")
    assert answers["by prefix"] == answers["app's router"]
    kb = [a for a in answers["by prefix"] if a[:2] == ("GET", "/v1/kb/articles")]
    assert kb[0][2] == 401 and kb[0][6] == "/v1/kb/articles", kb


def _things() -> APIRouter:
    things = APIRouter(prefix="/v1/things")

    @things.get("/{thing_id}")
    async def one(thing_id: int) -> int:
        return thing_id

    return things


def test_a_route_whose_first_segments_hold_a_parameter_leaves_every_request_to_the_router() -> None:
    loose = APIRouter()

    @loose.get("/v1/{anything}")
    async def anything(anything: str) -> str:
        return anything

    app = FastAPI()
    dispatch.include(app, (_things(), loose))
    assert not isinstance(app.router.middleware_stack, dispatch.ByPrefix)
    app = FastAPI()
    dispatch.include(app, (_things(),))
    assert isinstance(app.router.middleware_stack, dispatch.ByPrefix)


async def test_a_route_added_later_is_found_as_the_app_s_router_finds_it() -> None:
    app = FastAPI()
    dispatch.include(app, (_things(),))

    @app.get("/later")
    async def later() -> str:
        return "later"

    parts = APIRouter(prefix="/v1/things")

    @parts.get("/{thing_id}/parts")
    async def listed(thing_id: int) -> list[int]:
        return [thing_id]

    app.include_router(parts)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        assert (await client.get("/later")).json() == "later"
        assert (await client.get("/v1/things/2/parts")).json() == [2]
        assert (await client.get("/v1/things/2")).json() == 2


async def test_what_the_app_s_router_hands_its_routes_and_its_own_routers_are_kept() -> None:
    async def guard() -> None:
        raise HTTPException(403, "no")

    guarded = FastAPI(dependencies=[Depends(guard)])
    dispatch.include(guarded, (_things(),))
    assert not isinstance(guarded.router.middleware_stack, dispatch.ByPrefix)
    other = APIRouter(prefix="/v1/other")

    @other.get("/{other_id}")
    async def one(other_id: int) -> int:
        return other_id

    earlier = FastAPI()
    earlier.include_router(other)  # a router included before, which it is not told of
    dispatch.include(earlier, (_things(),))
    for app, path, status in (
        (guarded, "/v1/things/2", 403),
        (earlier, "/v1/other/3", 200),
        (earlier, "/v1/things/2", 200),
    ):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            assert (await client.get(path)).status_code == status, path
