"""alembic environment shared by every module's version branch.

Kitwork hands alembic an open connection (inside the caller's transaction)
and the composed MetaData through ``config.attributes``; nothing is read
from an ini file.
"""
from alembic import context

from core.migration import batch_reflection_of_one_table

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=config.attributes.get("metadata"),
    include_object=config.attributes.get("include_object"),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    process_revision_directives=config.attributes.get("process_revision_directives"),
)

with context.begin_transaction(), batch_reflection_of_one_table():
    context.run_migrations()
