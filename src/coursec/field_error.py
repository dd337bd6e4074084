"""`FieldError`: a rule of the schema broken by one field, so that it is reported at that field."""

from __future__ import annotations

from coursec.codes import Code


class FieldError(ValueError):
    """Raised by a model validator for a rule that one field's value breaks.

    `at`: the field (and list index) within the model being validated; `first`: for a value
    given twice, where it was given first (so the diagnostic can say "first defined at line N").
    Pydantic keeps the exception in the error's context, where coursec.validation finds it.
    """

    def __init__(
        self,
        message: str,
        *at: str | int,
        code: Code = Code.CS205,
        first: tuple[str | int, ...] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.at = at
        self.code = code
        self.first = first
        self.hint = hint
