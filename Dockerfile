# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The same inputs .ci/wheel-check builds its wheel from; the wheel carries alembic/ as
# app.migrations.
COPY pyproject.toml setup.py README.md ./
COPY app ./app
COPY alembic ./alembic
RUN pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --create-home --uid 10001 helpdesk
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/helpdesk
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HELPDESK_DATA_DIR=/srv/helpdesk/data
RUN mkdir -p data && chown -R helpdesk /srv/helpdesk
# The embedded PostgreSQL (used when DATABASE_URL is unset) keeps its data here. Declared after
# the chown, so a new volume starts out owned by the helpdesk user.
VOLUME /srv/helpdesk/data
USER helpdesk
EXPOSE 8000
# The first start of an embedded database runs initdb and every migration before /readyz is 200.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
CMD ["helpdesk", "serve", "--host", "0.0.0.0", "--port", "8000"]
