-- Per-partner IP allowlists. An entry with environment NULL applies to both environments. A partner (and
-- environment) with no entries accepts any address; with entries, only addresses inside one of them.
CREATE TABLE partner_allowlist_entries (
  partner_id text NOT NULL REFERENCES partners (id),
  environment text CHECK (environment IN ('test', 'live')),
  cidr cidr NOT NULL,
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_allowlist_entries_partner ON partner_allowlist_entries (partner_id);
