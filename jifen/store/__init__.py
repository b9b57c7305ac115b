"""The database: engine and sessions, the models, the guards that keep stored records immutable, migrations."""

from jifen.store import access_log as access_log  # the facts access log's table joins the models' metadata
