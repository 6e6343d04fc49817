"""audit coverage: every table of personal data or configuration has its row trigger

- audit_table(regclass): creates the table's audit trigger (`audit_<table>`, after every
  insert, update and delete, calling audit_row()); unaudit_table(regclass) drops it. A
  migration that creates a table worth auditing calls `SELECT audit_table('<table>')`.
- Triggers for webhook_subscriptions (the field names of a change, as for every table: never
  a secret's value), inbound_emails and outbound_emails (mail as received and sent),
  personal_data_erasures, service_secrets (a signing key made or replaced) and backups (who
  took a copy of everything, and when it was verified).

Revision ID: 0017
Revises: 0016
Create Date: 2027-03-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TABLE = """
CREATE FUNCTION audit_table(p_table regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s'
        ' FOR EACH ROW EXECUTE FUNCTION audit_row()',
        'audit_' || (SELECT relname FROM pg_class WHERE oid = p_table), p_table);
END
$$
"""

UNAUDIT_TABLE = """
CREATE FUNCTION unaudit_table(p_table regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                   'audit_' || (SELECT relname FROM pg_class WHERE oid = p_table), p_table);
END
$$
"""

# Frozen here as it was on the day; app/domain/audit.py lists every audited table.
NEWLY_AUDITED = (
    "webhook_subscriptions",
    "inbound_emails",
    "outbound_emails",
    "personal_data_erasures",
    "service_secrets",
    "backups",
)


def upgrade() -> None:
    op.execute(AUDIT_TABLE)
    op.execute(UNAUDIT_TABLE)
    for table in NEWLY_AUDITED:
        op.execute(f"SELECT audit_table('{table}')")


def downgrade() -> None:
    for table in NEWLY_AUDITED:
        op.execute(f"SELECT unaudit_table('{table}')")
    op.execute("DROP FUNCTION unaudit_table(regclass)")
    op.execute("DROP FUNCTION audit_table(regclass)")
