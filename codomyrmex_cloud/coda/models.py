"""Generated Coda models under our import path.

The façade hands these out where the generated attrs model is the honest type. Importing
them from here (not from ``codomyrmex_coda_api``) means a regeneration that renames a model
breaks our type checks, not our users' code.
"""

from codomyrmex_coda_api.models import AclMetadata as SharingMetadata
from codomyrmex_coda_api.models import AclSettings as AclSettings
from codomyrmex_coda_api.models import ApiLink as ApiLink
from codomyrmex_coda_api.models import Control as Control
from codomyrmex_coda_api.models import Formula as Formula
from codomyrmex_coda_api.models import MutationStatus as MutationStatus
from codomyrmex_coda_api.models import Permission as Permission
from codomyrmex_coda_api.models import RowEdit as RowEdit
from codomyrmex_coda_api.models import User as User

__all__ = [
    "AclSettings",
    "ApiLink",
    "Control",
    "Formula",
    "MutationStatus",
    "Permission",
    "RowEdit",
    "SharingMetadata",
    "User",
]
