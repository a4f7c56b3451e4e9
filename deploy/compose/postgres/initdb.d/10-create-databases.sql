-- Executed by the postgres image's entrypoint ONCE, when the data directory is
-- empty (first start), as POSTGRES_USER (adpilot), which therefore owns them.
-- One database per service; services never share a schema. To add a database to
-- an existing installation, run the statement by hand with psql.
CREATE DATABASE adpilot_auth;
CREATE DATABASE adpilot_connectors;
CREATE DATABASE adpilot_ai_copy;
CREATE DATABASE adpilot_metrics;
CREATE DATABASE adpilot_notify;
