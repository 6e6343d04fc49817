"""Packaging that pyproject.toml cannot say: the migrations live in the checkout's top-level
alembic/ (where Alembic users look for them) and ship inside the wheel as app.migrations."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["app", "app.*"]),
        "app.migrations",
        "app.migrations.versions",
    ],
    package_dir={"app.migrations": "alembic"},
    package_data={"app": ["py.typed"], "app.migrations": ["script.py.mako"]},
)
