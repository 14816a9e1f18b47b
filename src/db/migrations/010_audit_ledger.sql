-- Audit ledger v2 (docs/audit-ledger.md). Each chain is an RFC 9162 Merkle tree over its events' hashes,
-- and its signed tree heads are kept here; the signing key itself now lives outside the database.

-- Signed tree heads: (chain, size, root, time, key id) signed with Ed25519. Append-only.
CREATE TABLE audit_tree_heads (
  chain_id text NOT NULL,
  tree_size bigint NOT NULL CHECK (tree_size > 0),
  root_hash text NOT NULL,
  signed_at timestamptz NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL,
  PRIMARY KEY (chain_id, tree_size)
);
CREATE TRIGGER audit_tree_heads_append_only BEFORE UPDATE OR DELETE ON audit_tree_heads
  FOR EACH ROW EXECUTE FUNCTION tessera_reject_audit_change();
CREATE TRIGGER audit_tree_heads_no_truncate BEFORE TRUNCATE ON audit_tree_heads
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_reject_audit_change();

-- The hashes of purged events: a tree's later proofs still need its early leaves. Append-only.
CREATE TABLE audit_purged_leaves (
  chain_id text NOT NULL,
  chain_seq bigint NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (chain_id, chain_seq)
);
CREATE TRIGGER audit_purged_leaves_append_only BEFORE UPDATE OR DELETE ON audit_purged_leaves
  FOR EACH ROW EXECUTE FUNCTION tessera_reject_audit_change();

-- Private keys leave the database: v1 keys are retired (their seals still verify with the public half)
-- and their private halves erased; new keys are published here with the period in which they sign.
ALTER TABLE audit_signing_keys ALTER COLUMN private_key DROP NOT NULL;
ALTER TABLE audit_signing_keys ADD COLUMN valid_from timestamptz;
ALTER TABLE audit_signing_keys ADD COLUMN valid_until timestamptz;
UPDATE audit_signing_keys SET private_key = NULL, valid_from = created_at, valid_until = now();

-- Purge without a back door. v1 let any session delete events after SET LOCAL tessera.audit_purge = 'on';
-- now a DELETE passes the trigger only when it runs as tessera_audit_purger, the role that owns
-- tessera_audit_purge() and nothing else. Neither the application role nor the owner is a member of it.
DO $$ BEGIN
  CREATE ROLE tessera_audit_purger NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

CREATE OR REPLACE FUNCTION tessera_reject_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events' AND current_user = 'tessera_audit_purger' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit tables are append-only (% on %)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

-- Removes one chain's events up to `through`, only if a signed tree head covers that position (a whole,
-- signed range) and only events recorded before `before`. Their hashes are kept for later proofs.
CREATE FUNCTION tessera_audit_purge(p_chain_id text, p_through bigint, p_before timestamptz)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  removed integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_tree_heads WHERE chain_id = p_chain_id AND tree_size >= p_through)
     AND NOT EXISTS (SELECT 1 FROM audit_seal_heads WHERE chain_id = p_chain_id AND chain_seq >= p_through) THEN
    RAISE EXCEPTION 'no signed head covers % of %', p_through, p_chain_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM audit_events WHERE chain_id = p_chain_id AND chain_seq <= p_through
              AND recorded_at >= p_before) THEN
    RAISE EXCEPTION 'the range has not expired' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO audit_purged_leaves (chain_id, chain_seq, hash)
    SELECT chain_id, chain_seq, hash FROM audit_events WHERE chain_id = p_chain_id AND chain_seq <= p_through
    ON CONFLICT DO NOTHING;
  DELETE FROM audit_events WHERE chain_id = p_chain_id AND chain_seq <= p_through;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;

GRANT SELECT, DELETE ON audit_events TO tessera_audit_purger;
CREATE POLICY purge_expired ON audit_events FOR ALL TO tessera_audit_purger USING (true);
GRANT SELECT ON audit_tree_heads, audit_seal_heads TO tessera_audit_purger;
GRANT SELECT, INSERT ON audit_purged_leaves TO tessera_audit_purger;
ALTER FUNCTION tessera_audit_purge(text, bigint, timestamptz) OWNER TO tessera_audit_purger;
REVOKE ALL ON FUNCTION tessera_audit_purge(text, bigint, timestamptz) FROM PUBLIC;
-- The role that runs migrations is the one the application connects as: it may call the function (which
-- checks the range is signed and expired), and nothing else of the purger role's rights.
GRANT EXECUTE ON FUNCTION tessera_audit_purge(text, bigint, timestamptz) TO CURRENT_USER;
