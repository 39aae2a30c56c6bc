-- security_events is append-only for every role but service_role, and a refused change is an error.
--
-- The row trigger of 20250601000300_alerts_and_audit.sql fires only for rows the statement reaches. A
-- user's UPDATE or DELETE reaches none (row-level security filters them out first), so it "succeeded"
-- on 0 rows instead of being refused; the table's owner was refused only when rows matched. A statement
-- trigger fires once per UPDATE or DELETE, whatever it touches. (Roles without the UPDATE/DELETE
-- privilege, anon and authenticated since 20261124000000, are refused by the privilege check first.)
create trigger security_events_refuse_changes before update or delete on public.security_events
  for each statement execute function public.security_events_append_only();
