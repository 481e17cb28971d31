-- The three record kinds of a user, one row per user each. updated_at is kept by a trigger so
-- every writer (the API, a psql session, a future job) bumps it.
CREATE TABLE users_personal (
  user_id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  phone text,
  address text,
  date_of_birth date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users_financial (
  user_id text PRIMARY KEY,
  account_number text,
  credit_score integer CHECK (credit_score BETWEEN 300 AND 850),
  annual_income numeric(15, 2) CHECK (annual_income >= 0),
  total_debt numeric(15, 2) CHECK (total_debt >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users_health (
  user_id text PRIMARY KEY,
  blood_type text CHECK (blood_type IN ('A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-')),
  conditions text[] NOT NULL DEFAULT '{}',
  medications text[] NOT NULL DEFAULT '{}',
  allergies text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TRIGGER users_personal_updated_at BEFORE UPDATE ON users_personal
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER users_financial_updated_at BEFORE UPDATE ON users_financial
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER users_health_updated_at BEFORE UPDATE ON users_health
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
