-- The staff plane: partner suspension, four-eyes approval requests and staff console sessions.
-- Staff people live at the OpenID Provider; Tessera stores only who did what (subject, issuer, email).

ALTER TABLE partners ADD COLUMN suspended_at timestamptz;

-- One row per sensitive action a staff member asked for. It runs at most once: the UPDATE that moves a
-- row from 'pending' to 'approved' is the only way to execution, and it requires an unexpired request and
-- an approver who is not the requester (checked in code and again here).
CREATE TABLE staff_approvals (
  id text PRIMARY KEY,
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
  partner_id text REFERENCES partners (id),
  params jsonb NOT NULL,
  summary text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'failed')),
  requested_by_issuer text NOT NULL,
  requested_by_subject text NOT NULL,
  requested_by_email text,
  requested_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  decided_by_issuer text,
  decided_by_subject text,
  decided_by_email text,
  decided_at timestamptz,
  executed_at timestamptz,
  result jsonb,
  CHECK (decided_by_subject IS NULL OR decided_by_issuer <> requested_by_issuer
         OR decided_by_subject <> requested_by_subject)
);
CREATE INDEX staff_approvals_pending ON staff_approvals (status, requested_at DESC);

CREATE TABLE staff_sessions (
  id_sha256 text PRIMARY KEY,
  issuer text NOT NULL,
  subject text NOT NULL,
  email text,
  roles text[] NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  csrf_token text NOT NULL,
  client_ip text,
  user_agent text
);
CREATE INDEX staff_sessions_subject ON staff_sessions (issuer, subject, created_at DESC);
