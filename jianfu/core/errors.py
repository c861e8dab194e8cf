class DomainError(Exception):
    """A business rule refused a write. `code` is stable (tests and the API use it); `message` is a
    translated sentence for the person; `field` names the form field or column when there is one."""

    def __init__(self, code: str, message, *, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.code, self.message, self.field, self.status = code, message, field, status
