"""mreg: the Python client of the mreg model registry (standard library only).

    import mreg
    registry = mreg.Registry()                    # argument > MREG_URL/MREG_TOKEN > config file > default
    version = registry.push("fraud", "./model", label="1.2.0", create=True)
    registry.set_alias("fraud", "champion", version["version"])
    registry.pull("fraud", "champion", dest="./fraud")
"""

__version__ = "0.1.0"

from .config import ConfigError, Settings
from .errors import (
    Conflict,
    FieldIssue,
    Forbidden,
    IntegrityError,
    InvalidRequest,
    MregError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Unauthorized,
    Unavailable,
)
from .push import ProgressEvent
from .registry import Registry
from .tracking import ActiveRun

__all__ = [
    "ActiveRun",
    "ConfigError",
    "Conflict",
    "FieldIssue",
    "Forbidden",
    "IntegrityError",
    "InvalidRequest",
    "MregError",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ProgressEvent",
    "Registry",
    "Settings",
    "Unauthorized",
    "Unavailable",
    "__version__",
]
