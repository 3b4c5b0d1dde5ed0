from .consent import Category, ConsentRecord, Cookie, GpcRefusalDay, RegistryRevision
from .statements import Document, Version, VersionQuerySet

__all__ = [
    "Category", "ConsentRecord", "Cookie", "Document", "GpcRefusalDay", "RegistryRevision", "Version",
    "VersionQuerySet",
]
