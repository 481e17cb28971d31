-- One row per object seen in the bucket; status moves pending → processing → COMPLETED | FAILED.
create table file_processing_log (
  id integer generated always as identity primary key,
  file_name text not null,
  file_path text not null,
  s3_bucket text not null,
  s3_key text not null,
  file_size bigint,
  file_hash text,
  etag text,
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'COMPLETED', 'FAILED')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  lease_expires_at timestamptz,
  -- Set by each claim; only the holder of the current claim may complete or fail the file.
  claim_token text,
  record_count integer,
  processed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  error_message text,
  metadata jsonb not null default '{}'::jsonb,
  unique (s3_bucket, s3_key)
);

create index file_processing_log_status_idx on file_processing_log (status);
create index file_processing_log_created_at_idx on file_processing_log (created_at);

create function file_processing_log_touch() returns trigger
language plpgsql as $$
begin
  -- clock_timestamp, not now(): a file's load is one long transaction.
  new.updated_at := clock_timestamp();
  return new;
end
$$;

create trigger file_processing_log_touch
  before update on file_processing_log
  for each row execute function file_processing_log_touch();

create table processed_data (
  id bigint generated always as identity primary key,
  file_log_id integer not null references file_processing_log (id) on delete cascade,
  record_type text not null,
  record_data jsonb not null,
  created_at timestamptz not null default now()
);

create index processed_data_file_log_id_idx on processed_data (file_log_id);
create index processed_data_record_type_idx on processed_data (record_type);
