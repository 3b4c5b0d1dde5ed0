from .consent import Category, ConsentRecord, Cookie, RegistryRevision
from .statements import Document, Version, VersionQuerySet

__all__ = [
    "Category", "ConsentRecord", "Cookie", "Document", "RegistryRevision", "Version", "VersionQuerySet",
]
