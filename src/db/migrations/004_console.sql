-- The partner console: users and roles, magic-link sign-in, sessions, second factors and throttles.
-- Nothing secret is stored in clear: link tokens and session ids as SHA-256, recovery codes as SHA-256,
-- TOTP secrets encrypted with AES-256-GCM under a key id kept next to each ciphertext (keys can rotate).

CREATE TABLE console_users (
  id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (id),
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  role text NOT NULL CHECK (role IN ('owner', 'developer', 'auditor')),
  created_at timestamptz NOT NULL,
  removed_at timestamptz
);
-- One live account per address, whatever its case; a removed user's address can be invited again.
CREATE UNIQUE INDEX console_users_email ON console_users (lower(email)) WHERE removed_at IS NULL;
CREATE INDEX console_users_partner ON console_users (partner_id, created_at);

-- user_id is NULL for the decoy rows written for unknown addresses (same work either way, so response
-- time does not reveal whether an address has an account); such rows are born used and can never sign in.
CREATE TABLE console_magic_links (
  token_sha256 text PRIMARY KEY,
  user_id text REFERENCES console_users (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  requested_ip text
);
CREATE INDEX console_magic_links_expiry ON console_magic_links (expires_at);

CREATE TABLE console_sessions (
  id_sha256 text PRIMARY KEY,
  user_id text NOT NULL REFERENCES console_users (id),
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  mfa_verified_at timestamptz,
  csrf_token text NOT NULL,
  client_ip text,
  user_agent text,
  webauthn_challenge text
);
CREATE INDEX console_sessions_user ON console_sessions (user_id, created_at DESC);

CREATE TABLE console_totp_factors (
  user_id text PRIMARY KEY REFERENCES console_users (id),
  secret_ciphertext text NOT NULL,
  key_id text NOT NULL,
  created_at timestamptz NOT NULL,
  confirmed_at timestamptz,
  -- The RFC 6238 time step of the last accepted code: a code is accepted only for a later step.
  last_used_step bigint
);

CREATE TABLE console_recovery_codes (
  user_id text NOT NULL REFERENCES console_users (id),
  code_sha256 text NOT NULL,
  created_at timestamptz NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_sha256)
);

CREATE TABLE console_webauthn_credentials (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES console_users (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  public_key text NOT NULL,
  counter bigint NOT NULL,
  transports text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX console_webauthn_credentials_user ON console_webauthn_credentials (user_id);

-- Fixed-window counters shared by every node: sign-in requests per address and per IP, wrong codes per user.
CREATE TABLE console_throttle (
  bucket text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  hits integer NOT NULL
);

-- The TOTP encryption key generated at first start when TESSERA_SECRETS_KEYS is unset (PostgreSQL only;
-- PGlite keeps it in a file under the data directory). Production should set TESSERA_SECRETS_KEYS.
CREATE TABLE console_secret_keys (
  id text PRIMARY KEY,
  key_base64 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
