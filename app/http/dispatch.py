"""A request reaches the routes of its path's first two segments (`/v1/kb`, `/metrics`) straight
away: FastAPI's router tries the app's routes one by one, router by router in inclusion order
(FastAPI 0.165 matches each included router twice), so a route of a router included late paid
for every route before it (0.7 ms of CPU for a knowledge-base search, 1.1 ms for an unknown
path, against 0.07 ms for a ticket).

Each group is a router of its own holding, in the app's order, every router with a route whose
path starts with those two segments: a path of the group can match no route outside it, so the
group answers as the app's router would, a 405 for a known path with another method, a redirect
for a trailing slash and a 404 included. The app's own routes (the OpenAPI document, its pages)
are left to the app's router. A path of neither is no route's, and a router of none answers
it. Where a route's first two segments hold a parameter, any path may be its: then there are no
groups and every request goes to the app's router, as does any request that is not HTTP (the
lifespan). Behind a root path (`--root-path`), the path is read after it, as routes match it."""

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

Key = tuple[str, str]


def _key(path: str) -> Key:
    """The first two segments of `path` ("" where it has fewer)."""
    segments = path.split("/", 3)
    return (
        segments[1] if len(segments) > 1 else "",
        segments[2] if len(segments) > 2 else "",
    )


def _keys(route: BaseRoute) -> Key | None:
    """The key of `route`'s path; None when its first two segments hold a parameter or it has
    no path of its own (a mount, a host)."""
    path = getattr(route, "path", None)
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    key = _key(path)
    if "{" in key[0] or "{" in key[1] or getattr(route, "routes", None) is not None:
        return None
    return key


def _route_path(scope: Scope) -> str:
    """The request's path after the app's root path, as Starlette's routes match it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path


class ByPrefix:
    """The app's router, with a request whose path's key has a group served by that group."""

    def __init__(
        self, app: FastAPI, fallback: ASGIApp, groups: dict[Key, APIRouter], own: set[Key]
    ) -> None:
        self._router = app.router
        self.fallback = fallback  # the app's router as it was
        self._groups = groups
        self._own = own
        # A path of no group is no route's (none has a parameter in its first two segments):
        # a router of no routes answers it as the app's would, without trying them all.
        self._nowhere = _group(app, ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            key = _key(_route_path(scope))
            if key not in self._own:
                # As the app's router would set it: a request's router names every route.
                scope.setdefault("router", self._router)
                await self._groups.get(key, self._nowhere)(scope, receive, send)
                return
        await self.fallback(scope, receive, send)


def by_prefix(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Serve the app's requests by the first two segments of their path, `routers` being every
    router included in the app, in the order they were."""
    members: dict[Key, list[APIRouter]] = {}
    # The app's own routes (the OpenAPI document and its pages) stay the app's router's.
    ours = {id(getattr(route, "endpoint", None)) for router in routers for route in router.routes}
    own: set[Key] = set()
    for route in app.router.routes:
        if hasattr(route, "original_router") or id(getattr(route, "endpoint", None)) in ours:
            continue  # an included router (FastAPI 0.165), or one of its routes (before)
        key = _keys(route)
        if key is None:
            return
        own.add(key)
    for router in routers:
        for route in router.routes:
            key = _keys(route)
            if key is None:
                return  # any path may be this route's: the app's router serves every request
            group = members.setdefault(key, [])
            if not group or group[-1] is not router:
                group.append(router)
    groups = {key: _group(app, included) for key, included in members.items() if key not in own}
    app.router.middleware_stack = ByPrefix(app, app.router.middleware_stack, groups, own)


def _group(app: FastAPI, routers: Sequence[APIRouter]) -> APIRouter:
    """A router of `routers`, included as the app includes them."""
    group = APIRouter(
        dependency_overrides_provider=app, redirect_slashes=app.router.redirect_slashes
    )
    for router in routers:
        group.include_router(router)
    return group
