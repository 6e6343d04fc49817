"""API tests: the app over one test database, truncated before each test, driven by httpx."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from app.clock import utcnow
from app.db import Database, connect, transaction
from app.main import create_app
from app.models import CONFIG_TABLES, data_tables
from app.schemas import ApiKeyCreate
from app.services import auth
from app.settings import Settings
from tests.conftest import RUN, create_database_from_template, drop_database
from tests.fakes import FakeClock

DROP_TEAM_TURNS = """
    DO $$ DECLARE s text; BEGIN
        FOR s IN SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'team\\_turn\\_%'
        LOOP EXECUTE format('DROP SEQUENCE %I', s); END LOOP;
    END $$
"""


@pytest.fixture(scope="session")
async def db(server_url: str, template_url: str) -> AsyncIterator[Database]:
    name = f"helpdesk_api_tests_{RUN}"
    url = await create_database_from_template(server_url, name)
    database = await connect(url)
    async with transaction(database) as conn:
        for table in CONFIG_TABLES:
            await conn.execute(f"CREATE TABLE seed_{table} AS SELECT * FROM {table}")
    yield database
    await database.close()
    await drop_database(server_url, name)


@pytest.fixture(scope="session")
def app(db: Database):  # type: ignore[no-untyped-def]
    # The API tests send far more than a client would: no rate limit (tested on its own).
    return create_app(
        Settings(database_url="postgresql://unused/none", rate_limit_per_minute=0), db=db
    )


@pytest.fixture(autouse=True)
async def clean(db: Database, app) -> None:  # type: ignore[no-untyped-def]
    """Every test starts from the migrated state: no data, the seeded configuration."""
    tables = ", ".join((*data_tables(), *CONFIG_TABLES))
    async with transaction(db) as conn:
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        # Team ids start again at 1: so do their round-robin turns (migration 0013).
        await conn.execute(DROP_TEAM_TURNS)
        for table in CONFIG_TABLES:
            await conn.execute(f"INSERT INTO {table} SELECT * FROM seed_{table}")
            if table != "priority_matrix":
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
    app.state.desk.keys.clear()
    app.state.desk.policies.forget()


async def new_key(app, role: str, name: str | None = None, agent_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    created = await auth.create_key(
        app.state.desk,
        ApiKeyCreate(name=name or f"{role} key", role=role, agent_id=agent_id),  # type: ignore[arg-type]
        now=utcnow(),
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
    fake = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    real = app.state.clock
    app.state.clock = fake
    yield fake
    app.state.clock = real
