"""The rules of `db check`, one module each (after supabase/splinter's lints/): security first."""

from __future__ import annotations

from launchpad.db.check.finding import Rule
from launchpad.db.check.rules import (
    api_role_execute,
    api_role_privileges,
    auth_rls_initplan,
    function_search_path_mutable,
    policy_as_declared,
    rls_disabled,
)

RULES: list[Rule] = [
    rls_disabled.RULE,
    policy_as_declared.RULE,
    api_role_privileges.RULE,
    api_role_execute.RULE,
    function_search_path_mutable.RULE,
    auth_rls_initplan.RULE,
]
