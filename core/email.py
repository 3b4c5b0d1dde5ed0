"""The one form of an e-mail address that is stored, looked up, hashed and compared.

The whole address is lower-cased, the local part too: every stored address (subscribers,
suppressions, data requests, my-data links) was written this way, the lookups use `=` on it,
and the erasure hashes are keyed on it, so changing the rule would orphan stored rows.
"""


def email_normalize(address: str) -> str:
    return address.strip().lower()
