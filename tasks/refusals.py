"""A service's refusal, worded for both doors.

The command line (cli/) and the Prefect UI's forms (flows/actions.py) call the same services, so a
refusal says what is missing in words both understand ("须写明核实情况"), never one door's name for
the input (`--note` means nothing to an operator filling a form). `about` names the input by the
service's parameter; a door with its own name for it adds that name (the command line its option,
`cli/commands/common.py:naming_option`). The forms' field titles are the plain words the sentences
already use, so the UI shows the sentence as it is.
"""

from __future__ import annotations

# The key of a finding's evidence that names the input the finding asks for (a score sheet's
# correction needs `replace`): the same role as `Refusal.about`, for problems reported as findings.
ABOUT = "about"


class Refusal(ValueError):
    """An operation that cannot apply, in one Chinese sentence; nothing was changed."""

    def __init__(self, message: str, *, about: str | None = None) -> None:
        super().__init__(message)
        self.about = about  # the service's parameter the refusal is about, if one
