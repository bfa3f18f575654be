"""Alembic's environment for the history: run on the connection the store passes in (see database.py).

The store runs `upgrade head` itself at start; to run Alembic by hand, pass a connection the same way
(`config.attributes["connection"]`), as `simulator.history.database.Database._upgrade` does.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("The history's migrations run on a connection given by simulator.history.database.")
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
