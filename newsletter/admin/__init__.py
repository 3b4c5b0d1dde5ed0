"""Admin: topics, subscribers with their proofs, and campaigns for the marketing group, one
module each; importing them registers them."""

from newsletter.admin import bounces, campaigns, content, exports, images, imports, subscribers, topics  # noqa: F401
