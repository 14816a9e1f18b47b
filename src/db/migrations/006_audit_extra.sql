-- Seal bookkeeping. A seal signs the head of one chain (see src/audit/seal.ts); this table indexes every
-- sealed position by chain, so that "what changed since the last seal", "which seals cover this export"
-- and "which ranges are sealed, hence purgeable" are index lookups instead of scans of audit_seals.heads.
CREATE TABLE audit_seal_heads (
  chain_id text NOT NULL,
  chain_seq bigint NOT NULL,
  hash text NOT NULL,
  seal_id text NOT NULL REFERENCES audit_seals (id),
  PRIMARY KEY (chain_id, chain_seq)
);

CREATE TRIGGER audit_seal_heads_append_only BEFORE UPDATE OR DELETE ON audit_seal_heads
  FOR EACH ROW EXECUTE FUNCTION tessera_reject_audit_change();
CREATE TRIGGER audit_seal_heads_no_truncate BEFORE TRUNCATE ON audit_seal_heads
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_reject_audit_change();
