"""What every signed link raises when it cannot be used, whichever app signed it."""


class TokenInvalid(Exception):
    """kind is "forged" (bad signature, mangled, or signed for another purpose) or "expired"."""

    def __init__(self, kind: str = "forged") -> None:
        super().__init__(kind)
        self.kind = kind
