-- Every function gets a fixed search_path (Supabase's linter, function_search_path_mutable): with the
-- caller's search_path, a caller's own objects could stand in for the catalog relations it names. The
-- body names pg_catalog relations only, which are searched first anyway.
alter function launchpad_private.publish_realtime(regclass[]) set search_path = '';
