"""API tests: the app over one test database, truncated before each test, driven by httpx."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.clock import utcnow
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.models import ALL_TABLES_IN_TRUNCATE_ORDER, CONFIG_TABLES
from app.schemas import ApiKeyCreate
from app.services import auth, sla
from app.settings import Settings
from tests.conftest import create_database_from_template


@pytest.fixture(scope="session")
async def engine(server_url: str, template_url: str) -> AsyncIterator[AsyncEngine]:
    url = await create_database_from_template(server_url, "helpdesk_api_tests")
    engine = make_engine(url, pool_size=30)
    async with engine.begin() as conn:
        for table in CONFIG_TABLES:
            await conn.execute(text(f"CREATE TABLE seed_{table} AS SELECT * FROM {table}"))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def app(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    return create_app(Settings(database_url="postgresql://unused/none"), engine=engine)


@pytest.fixture(autouse=True)
async def clean(engine: AsyncEngine, app) -> None:  # type: ignore[no-untyped-def]
    """Every test starts from the migrated state: no data, the seeded configuration."""
    tables = ", ".join((*ALL_TABLES_IN_TRUNCATE_ORDER, *CONFIG_TABLES))
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for table in CONFIG_TABLES:
            await conn.execute(text(f"INSERT INTO {table} SELECT * FROM seed_{table}"))
            if table != "priority_matrix":
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                    )
                )
    app.state.key_cache.clear()
    sla.forget_cached_book()


async def new_key(app, role: str, name: str | None = None, agent_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    async with make_sessionmaker(app.state.engine)() as db:
        created = await auth.create_key(
            db,
            ApiKeyCreate(name=name or f"{role} key", role=role, agent_id=agent_id),
            now=utcnow(),  # type: ignore[arg-type]
        )
    return created.key


def client_for(app, secret: str | None) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """An admin's client."""
    async with client_for(app, await new_key(app, "admin")) as c:
        yield c


@pytest.fixture
async def anonymous(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with client_for(app, None) as c:
        yield c


@pytest.fixture
def clock(app):  # type: ignore[no-untyped-def]
    """Puts the app on a fake clock for one test; the test sets the time of each request."""
    from datetime import UTC, datetime

    from tests.fakes import FakeClock

    fake = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    real = app.state.clock
    app.state.clock = fake
    yield fake
    app.state.clock = real
