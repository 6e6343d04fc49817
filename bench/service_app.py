"""The service as uvicorn's app factory for bench/tickets.py: the one place the bench calls into
the app's Python code (everything else goes through the CLI, HTTP and SQL)."""

import os

from fastapi import FastAPI

from app.main import create_app
from app.settings import get_settings


def service() -> FastAPI:
    # create_app(settings, database_url=...) holds at eb62e20 and after the "one store" rewrite;
    # if its signature changes again, change only this line.
    return create_app(get_settings(), database_url=os.environ["DATABASE_URL"])
