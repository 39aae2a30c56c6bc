"""The deployer and the program agree on the dry run's variable (a typo on one side fails silently)."""

from __future__ import annotations

from launchpad.contracts import PREVIEW_OPERATION_ENV


def test_the_program_reads_the_variable_the_deployer_sets() -> None:
    from components import program

    assert program.PREVIEW_OPERATION_ENV == PREVIEW_OPERATION_ENV
