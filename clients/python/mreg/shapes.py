"""The registry's JSON records, as the client returns them: plain dicts, typed for editors and checkers.

More fields may come from the registry; these are the ones the API promises not to rename.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict


class Model(TypedDict, total=False):
    name: str
    description: str
    owner: str
    maintainers: List[str]
    tags: Dict[str, str]
    properties: Dict[str, Any]
    state: str  # LIVE | ARCHIVED
    latestVersion: int
    aliases: Dict[str, int]
    protectedAliases: List[str]
    createdAt: str
    createdBy: str
    updatedAt: str
    etag: str


class VersionFile(TypedDict, total=False):
    path: str
    size: int
    sha256: str
    contentType: str


class Verification(TypedDict, total=False):
    status: str  # RUNNING | FAILED | DONE
    reasons: List[str]


class Version(TypedDict, total=False):
    model: str
    version: int
    label: str
    description: str
    state: str  # PENDING | READY | FAILED | ARCHIVED
    approval: str  # NONE | PENDING | APPROVED | REJECTED
    files: List[VersionFile]
    tags: Dict[str, str]
    properties: Dict[str, Any]
    runId: str
    format: str
    retention: str  # archived | transient
    expiresAt: str
    source: str
    createdAt: str
    createdBy: str
    updatedAt: str
    etag: str
    verification: Verification


class Alias(TypedDict):
    alias: str
    version: int


class AliasMove(TypedDict, total=False):
    id: str
    alias: str
    at: str
    actor: str
    # "from" is a keyword: read it as move["from"].
    to: Optional[int]


class Experiment(TypedDict, total=False):
    id: str
    name: str
    description: str
    tags: Dict[str, str]
    createdAt: str
    createdBy: str


class Run(TypedDict, total=False):
    id: str
    experimentId: str
    name: str
    status: str  # RUNNING | FINISHED | FAILED | KILLED
    params: Dict[str, str]
    tags: Dict[str, str]
    startTime: str
    endTime: Optional[str]
    latestMetrics: Dict[str, float]
    modelVersions: List[Dict[str, Any]]


class MetricPoint(TypedDict, total=False):
    key: str
    value: float
    step: int
    timestamp: int  # milliseconds since the epoch


class HistoryEntry(TypedDict, total=False):
    id: str
    at: str
    actor: str
    action: str
    target: str
    before: Any
    after: Any
