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
lifespan). Behind a root path (`--root-path`), the path is read after it, as routes match it.
The groups are made once, when the routers are included: a route added to the app or to one
of its routers after that (which the groups would not know) sends every request to the app's
router from then on, as does a setting of the app's router that its routes inherit (a
dependency of every route, a body limit), which a group would not have."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.datastructures import DefaultPlaceholder
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

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


# What the app's router would hand down to every route it includes. A group is an APIRouter of
# its own: where the app's router differs from a new one in any of these (a dependency of every
# route, a body limit), a group would drop it, so there are no groups.
_HANDED_DOWN = (
    "dependencies",
    "responses",
    "callbacks",
    "deprecated",
    "include_in_schema",
    "default_response_class",
    "route_class",
    "generate_unique_id_function",
    "max_body_size",
    "form_limits",
    "strict_content_type",
)


class ByPrefix:
    """The app's router, with a request whose path's key has a group served by that group."""

    def __init__(
        self,
        app: FastAPI,
        routers: Sequence[APIRouter],
        groups: dict[Key, APIRouter],
        own: set[Key],
    ) -> None:
        self._router = app.router
        self.fallback = app.router.middleware_stack  # the app's router as it was
        self._routers = routers
        self._size = _size(app, routers)
        self._groups = groups
        self._own = own
        # A path of no group is no route's (none has a parameter in its first two segments):
        # a router of no routes answers it as the app's would, without trying them all.
        self._nowhere = _group(app, ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._groups:
            key = _key(_route_path(scope))
            if key not in self._own:
                if _size(self._router, self._routers) == self._size:
                    # As the app's router would set it: a request's router names every route.
                    scope.setdefault("router", self._router)
                    await self._groups.get(key, self._nowhere)(scope, receive, send)
                    return
                self._groups = {}  # a route was added since: the app's router serves all
        await self.fallback(scope, receive, send)


def _setting(router: APIRouter, name: str) -> Any:
    """A setting of `router`, its default's value when it was not set."""
    value = getattr(router, name, None)
    return value.value if isinstance(value, DefaultPlaceholder) else value


def _size(app: FastAPI | APIRouter, routers: Sequence[APIRouter]) -> int:
    """How many routes the app's router and the included routers hold: it changes when a route
    is added to either after the groups were made (the groups would not know it)."""
    router = app.router if isinstance(app, FastAPI) else app
    return len(router.routes) + sum(len(r.routes) for r in routers)


def include(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Include `routers` in the app, in this order, and serve its requests by the first two
    segments of their path: the app's router then serves only its own routes, requests that are
    not HTTP, and every request once a route is added after this."""
    for router in routers:
        app.include_router(router)
    fresh = APIRouter()
    if any(_setting(app.router, name) != _setting(fresh, name) for name in _HANDED_DOWN):
        return
    if app.router.middleware_stack != app.router.app:
        return  # something wraps the app's router (a body limit): the groups would skip it
    members: dict[Key, list[APIRouter]] = {}
    ours = {id(getattr(route, "endpoint", None)) for router in routers for route in router.routes}
    own: set[Key] = set()
    for route in app.router.routes:
        if getattr(route, "original_router", None) in routers:
            continue  # one of `routers`, included (FastAPI 0.165)
        if id(getattr(route, "endpoint", None)) in ours:
            continue  # one of their routes, copied into the app's router (before 0.165)
        # The app's own (the OpenAPI document and its pages), which stay the app's router's.
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
    app.router.middleware_stack = ByPrefix(app, routers, groups, own)


def _group(app: FastAPI, routers: Sequence[APIRouter]) -> APIRouter:
    """A router of `routers`, included as the app includes them."""
    group = APIRouter(
        dependency_overrides_provider=app, redirect_slashes=app.router.redirect_slashes
    )
    for router in routers:
        group.include_router(router)
    return group
