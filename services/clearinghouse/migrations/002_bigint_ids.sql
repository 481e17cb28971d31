-- An integer identity runs out after 2^31 ids, and ids are never reused: bigint for the log's id
-- and the column that references it. The identity's sequence becomes bigint with its column.
-- Both tables are rewritten under an exclusive lock: on a large processed_data, plan the pause.
alter table file_processing_log alter column id type bigint;
alter table processed_data alter column file_log_id type bigint;
