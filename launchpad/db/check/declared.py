"""What the migration files declare, read with PostgreSQL's own parser (pglast): the schemas they create,
the relations, the row-level security policies and the privileges of the API roles, as the files leave them
after every CREATE, ALTER, RENAME, DROP, GRANT and REVOKE in order.

What happens inside a DO block or a function body (the baseline's look-before-you-create, partitions made by
create_time_partitions) is not a declaration: it is invisible here, on purpose. Such objects get no declared
privilege and no declared policy, so the check holds them to "none".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pglast import ast, enums
from pglast.stream import RawStream

from launchpad.db.migrations.files import MigrationFile
from launchpad.db.migrations.statements import parse

# The roles the check holds to what is declared: the API roles (PostgREST switches to them for every request)
# and PUBLIC, whose privileges every role has. service_role bypasses row-level security by design.
CHECKED_GRANTEES = ("anon", "authenticated", "public")
DEFAULT_SCHEMA = "public"  # unqualified names in the files: the first schema of Supabase's search_path
_ALL = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN", "USAGE"})
_RELATIONS = {
    enums.ObjectType.OBJECT_TABLE,
    enums.ObjectType.OBJECT_VIEW,
    enums.ObjectType.OBJECT_MATVIEW,
    enums.ObjectType.OBJECT_FOREIGN_TABLE,
    enums.ObjectType.OBJECT_SEQUENCE,
}

# Routines by kind: what GRANT ... ON ALL FUNCTIONS / PROCEDURES / ROUTINES IN SCHEMA reaches.
_ROUTINES = {
    enums.ObjectType.OBJECT_FUNCTION: frozenset({"function"}),
    enums.ObjectType.OBJECT_PROCEDURE: frozenset({"procedure"}),
    enums.ObjectType.OBJECT_ROUTINE: frozenset({"function", "procedure"}),
}
# The parameter modes that are part of a routine's signature (OUT and TABLE columns are not).
_SIGNATURE_MODES = {
    enums.FunctionParameterMode.FUNC_PARAM_IN,
    enums.FunctionParameterMode.FUNC_PARAM_INOUT,
    enums.FunctionParameterMode.FUNC_PARAM_VARIADIC,
    enums.FunctionParameterMode.FUNC_PARAM_DEFAULT,
}

Relation = tuple[str, str]  # (schema, name)
PolicyKey = tuple[str, str, str]  # (schema, table, policy)


@dataclass
class DeclaredPolicy:
    statement: ast.CreatePolicyStmt  # as the files leave it: later ALTER POLICY statements merged in
    file: str  # the last file that created or altered it


@dataclass(eq=False)  # compared and hashed by identity: read-only once built, cached per file set
class Declared:
    schemas: set[str] = field(default_factory=lambda: {DEFAULT_SCHEMA})  # the schemas the check covers
    relations: set[Relation] = field(default_factory=set)
    policies: dict[PolicyKey, DeclaredPolicy] = field(default_factory=dict)
    # (schema, relation) or (schema, relation, column) -> grantee -> privileges (upper case)
    privileges: dict[tuple[str, ...], dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )

    # Routines the files create at top level: signature -> "function" or "procedure". A signature is the
    # schema-qualified name and its argument types as pglast prints them ("public.f(regclass, integer)"), or
    # the bare qualified name where a statement named the routine without arguments; the database resolves
    # it (to_regprocedure / to_regproc), so `int` and `integer` are one type there.
    routines: dict[str, str] = field(default_factory=dict)
    # signature -> the checked grantees the files leave with EXECUTE on it
    executes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def granted(self, target: tuple[str, ...], grantee: str) -> set[str]:
        return set(self.privileges.get(target, {}).get(grantee, set()))


def declared(files: Sequence[MigrationFile]) -> Declared:
    """What `files` declare; parsed once per process and file set (a file's checksum is part of it)."""
    return _declared(tuple(files))


@lru_cache(maxsize=4)
def _declared(files: tuple[MigrationFile, ...]) -> Declared:
    state = Declared()
    for file in files:
        for raw in parse(file.sql, file.filename):
            if raw.stmt is not None:
                _apply(state, raw.stmt, file.filename)
    return state


def _apply(state: Declared, node: ast.Node, filename: str) -> None:
    if isinstance(node, ast.CreateSchemaStmt) and node.schemaname:
        state.schemas.add(node.schemaname)
    elif isinstance(node, ast.CreateStmt):
        state.relations.add(_relation(node.relation))
    elif isinstance(node, ast.ViewStmt):
        state.relations.add(_relation(node.view))
    elif isinstance(node, ast.CreateSeqStmt):
        state.relations.add(_relation(node.sequence))
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        state.relations.add(_relation(node.into.rel))
    elif isinstance(node, ast.CreatePolicyStmt):
        state.policies[_policy_key(node.table, node.policy_name)] = DeclaredPolicy(node, filename)
    elif isinstance(node, ast.AlterPolicyStmt):
        _alter_policy(state, node, filename)
    elif isinstance(node, ast.RenameStmt):
        _rename(state, node)
    elif isinstance(node, ast.DropStmt):
        _drop(state, node)
    elif isinstance(node, ast.GrantStmt) and node.objtype in _RELATIONS:
        _grant(state, node)
    elif isinstance(node, ast.CreateFunctionStmt):
        state.routines[_created_signature(node)] = "procedure" if node.is_procedure else "function"
    elif isinstance(node, ast.GrantStmt) and node.objtype in _ROUTINES:
        _grant_execute(state, node)


def _relation(var: ast.RangeVar | None) -> Relation:
    return (str(var.schemaname or DEFAULT_SCHEMA), str(var.relname)) if var else ("", "")


def _policy_key(table: ast.RangeVar | None, name: str | None) -> PolicyKey:
    return (*_relation(table), str(name))


def replaced(statement: ast.CreatePolicyStmt, **changes: Any) -> ast.CreatePolicyStmt:
    """A copy of a CREATE POLICY with some of its fields changed (the parse tree is shared, not copied)."""
    fields = ("policy_name", "table", "cmd_name", "permissive", "roles", "qual", "with_check")
    values: dict[str, Any] = {name: changes.get(name, getattr(statement, name)) for name in fields}
    return ast.CreatePolicyStmt(**values)


def _alter_policy(state: Declared, node: ast.AlterPolicyStmt, filename: str) -> None:
    key = _policy_key(node.table, node.policy_name)
    if key not in state.policies:
        return  # altering a policy no file created: nothing declared to compare with
    changes = {name: getattr(node, name) for name in ("roles", "qual", "with_check") if getattr(node, name) is not None}
    state.policies[key] = DeclaredPolicy(replaced(state.policies[key].statement, **changes), filename)


def _rename(state: Declared, node: ast.RenameStmt) -> None:
    if node.renameType == enums.ObjectType.OBJECT_POLICY:
        old_key = _policy_key(node.relation, node.subname)
        if old_key in state.policies:
            policy = state.policies.pop(old_key)
            renamed = replaced(policy.statement, policy_name=node.newname)
            state.policies[(old_key[0], old_key[1], str(node.newname))] = DeclaredPolicy(renamed, policy.file)
    elif node.renameType in _RELATIONS:
        old = _relation(node.relation)
        _forget(state, old, moved_to=(old[0], str(node.newname)))


def _forget(state: Declared, relation: Relation, moved_to: Relation | None = None) -> None:
    """Drop `relation` with its policies and privileges, or move them to its new name."""
    state.relations.discard(relation)
    if moved_to:
        state.relations.add(moved_to)
    for key in [k for k in state.policies if k[:2] == relation]:
        policy = state.policies.pop(key)
        if moved_to:
            table = ast.RangeVar(schemaname=moved_to[0], relname=moved_to[1], inh=True, relpersistence="p")
            state.policies[(*moved_to, key[2])] = DeclaredPolicy(replaced(policy.statement, table=table), policy.file)
    for target in [t for t in state.privileges if t[:2] == relation]:
        privileges = state.privileges.pop(target)
        if moved_to:
            state.privileges[(*moved_to, *target[2:])] = privileges


def _names(items: Iterable[object]) -> list[str]:
    return [str(item.sval) for item in items if isinstance(item, ast.String)]


def _qualified(names: list[str]) -> Relation:
    """The last two of [schema,] name, with the default schema when unqualified."""
    return (names[-2] if len(names) >= 2 else DEFAULT_SCHEMA, names[-1])


def _drop(state: Declared, node: ast.DropStmt) -> None:
    for obj in node.objects or ():
        names = _names(obj if isinstance(obj, tuple | list) else (obj,))
        if node.removeType == enums.ObjectType.OBJECT_POLICY and len(names) >= 2:
            state.policies.pop((*_qualified(names[:-1]), names[-1]), None)
        elif node.removeType in _RELATIONS and names:
            _forget(state, _qualified(names))
        elif node.removeType in _ROUTINES and isinstance(obj, ast.ObjectWithArgs):
            signature = _signature(obj)
            state.routines.pop(signature, None)
            state.executes.pop(signature, None)


def _grant(state: Declared, node: ast.GrantStmt) -> None:
    grantees = [
        "public" if g.roletype == enums.RoleSpecType.ROLESPEC_PUBLIC else str(g.rolename) for g in node.grantees or ()
    ]
    grantees = [g for g in grantees if g in CHECKED_GRANTEES]
    if node.targtype == enums.GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
        schemas = set(_names(node.objects or ()))
        relations = [r for r in sorted(state.relations) if r[0] in schemas]
    else:
        relations = [_relation(var) for var in node.objects or () if isinstance(var, ast.RangeVar)]
    for relation in relations:
        for target, privileges in _targets(relation, node.privileges):
            # Revoking a table privilege revokes it on each of its columns too, as PostgreSQL does.
            columns = [t for t in state.privileges if t[:2] == relation and len(t) > 2]
            affected = [target] if node.is_grant or len(target) > 2 else [target, *columns]
            for grantee in grantees:
                for each in affected:
                    if node.is_grant:
                        state.privileges[each][grantee] |= privileges
                    else:
                        state.privileges[each][grantee] -= privileges


Targets = list[tuple[tuple[str, ...], set[str]]]


def _targets(relation: Relation, privileges: tuple[ast.AccessPriv, ...] | None) -> Targets:
    """(relation or column, privileges) pairs of one GRANT/REVOKE: `select (a, b)` is a column privilege."""
    if not privileges:  # ALL [PRIVILEGES]
        return [(relation, set(_ALL))]
    targets: Targets = []
    for privilege in privileges:
        names = {str(privilege.priv_name).upper()} if privilege.priv_name else set(_ALL)
        columns = _names(privilege.cols or ())
        targets += [((*relation, column), names) for column in columns] or [(relation, names)]
    return targets


def _routine_name(names: Iterable[object]) -> str:
    return ".".join(_qualified(_names(names)))


def _created_signature(node: ast.CreateFunctionStmt) -> str:
    types = [p.argType for p in node.parameters or () if p.mode in _SIGNATURE_MODES]
    return f"{_routine_name(node.funcname or ())}({', '.join(RawStream()(t) for t in types)})"


def _signature(obj: ast.ObjectWithArgs) -> str:
    name = _routine_name(obj.objname or ())
    if obj.args_unspecified:
        return name
    return f"{name}({', '.join(RawStream()(t) for t in obj.objargs or ())})"


def _grant_execute(state: Declared, node: ast.GrantStmt) -> None:
    """GRANT/REVOKE EXECUTE (the only routine privilege; ALL means it) to or from the checked grantees."""
    grantees = {
        "public" if g.roletype == enums.RoleSpecType.ROLESPEC_PUBLIC else str(g.rolename) for g in node.grantees or ()
    } & set(CHECKED_GRANTEES)
    if node.targtype == enums.GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
        schemas = set(_names(node.objects or ()))
        kinds = _ROUTINES.get(node.objtype, frozenset()) if node.objtype is not None else frozenset()
        signatures = [s for s, kind in state.routines.items() if kind in kinds and s.split(".", 1)[0] in schemas]
    else:
        signatures = [_signature(obj) for obj in node.objects or () if isinstance(obj, ast.ObjectWithArgs)]
    for signature in signatures:
        if node.is_grant:
            state.executes[signature] |= grantees
        else:
            state.executes[signature] -= grantees
