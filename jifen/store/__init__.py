"""The database: engine and sessions, the models, the guards that keep stored records immutable, migrations."""
