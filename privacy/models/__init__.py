from .statements import Document, Version, VersionQuerySet

__all__ = ["Document", "Version", "VersionQuerySet"]
