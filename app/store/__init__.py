"""All SQL: one module per table family, functions over an asyncpg connection returning rows."""
