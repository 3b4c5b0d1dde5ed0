from .statements import Document, Version, VersionEdit, VersionQuerySet

__all__ = ["Document", "Version", "VersionEdit", "VersionQuerySet"]
