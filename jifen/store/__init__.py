"""The database: engine and sessions, the models, the guards that keep stored records immutable, migrations."""

# Tables kept in modules of their own, imported here so that Base.metadata holds them whichever module is imported
from jifen.store import access_log as access_log  # personal data: the facts access log
from jifen.store import recognition_models as recognition_models  # trusted issuers, recognised statements
from jifen.store import scene_models as scene_models
