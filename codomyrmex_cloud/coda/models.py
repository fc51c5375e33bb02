"""Generated Coda models under our import path.

The façade hands these out where the generated attrs model is the honest type. Importing
them from here (not from ``codomyrmex_coda_api``) means a regeneration that renames a model
breaks our type checks, not our users' code. They are imported at runtime (each model module
is small), so ``typing.get_type_hints`` resolves every public annotation.
"""

from typing import TypeAlias

from codomyrmex_coda_api.models import AclMetadata as SharingMetadata
from codomyrmex_coda_api.models import AclSettings as AclSettings
from codomyrmex_coda_api.models import AddPermissionResult as AddPermissionResult
from codomyrmex_coda_api.models import ApiLink as ApiLink
from codomyrmex_coda_api.models import ButtonColumnFormat as ButtonColumnFormat
from codomyrmex_coda_api.models import CheckboxColumnFormat as CheckboxColumnFormat
from codomyrmex_coda_api.models import Control as Control
from codomyrmex_coda_api.models import ControlReference as ControlReference
from codomyrmex_coda_api.models import CurrencyColumnFormat as CurrencyColumnFormat
from codomyrmex_coda_api.models import DateColumnFormat as DateColumnFormat
from codomyrmex_coda_api.models import DateTimeColumnFormat as DateTimeColumnFormat
from codomyrmex_coda_api.models import DurationColumnFormat as DurationColumnFormat
from codomyrmex_coda_api.models import EmailColumnFormat as EmailColumnFormat
from codomyrmex_coda_api.models import Formula as Formula
from codomyrmex_coda_api.models import FormulaReference as FormulaReference
from codomyrmex_coda_api.models import ImageReferenceColumnFormat as ImageReferenceColumnFormat
from codomyrmex_coda_api.models import LinkColumnFormat as LinkColumnFormat
from codomyrmex_coda_api.models import MutationStatus as MutationStatus
from codomyrmex_coda_api.models import NumericColumnFormat as NumericColumnFormat
from codomyrmex_coda_api.models import Permission as Permission
from codomyrmex_coda_api.models import ReferenceColumnFormat as ReferenceColumnFormat
from codomyrmex_coda_api.models import RowEdit as RowEdit
from codomyrmex_coda_api.models import ScaleColumnFormat as ScaleColumnFormat
from codomyrmex_coda_api.models import SearchPrincipalsResponse as PrincipalSearch
from codomyrmex_coda_api.models import SelectColumnFormat as SelectColumnFormat
from codomyrmex_coda_api.models import SimpleColumnFormat as SimpleColumnFormat
from codomyrmex_coda_api.models import SliderColumnFormat as SliderColumnFormat
from codomyrmex_coda_api.models import TimeColumnFormat as TimeColumnFormat
from codomyrmex_coda_api.models import User as User

#: A column's format: the spec's ``ColumnFormat`` union, dispatched on its ``type``.
ColumnFormat: TypeAlias = (
    ButtonColumnFormat
    | CheckboxColumnFormat
    | CurrencyColumnFormat
    | DateColumnFormat
    | DateTimeColumnFormat
    | DurationColumnFormat
    | EmailColumnFormat
    | ImageReferenceColumnFormat
    | LinkColumnFormat
    | NumericColumnFormat
    | ReferenceColumnFormat
    | ScaleColumnFormat
    | SelectColumnFormat
    | SimpleColumnFormat
    | SliderColumnFormat
    | TimeColumnFormat
)

__all__ = [
    "AclSettings",
    "AddPermissionResult",
    "ApiLink",
    "ColumnFormat",
    "Control",
    "ControlReference",
    "Formula",
    "FormulaReference",
    "MutationStatus",
    "Permission",
    "PrincipalSearch",
    "RowEdit",
    "SharingMetadata",
    "User",
]
