-- Audit ledger v2: ingestion apart from sequencing (docs/audit-ledger.md §2.1). An event is inserted
-- unsequenced — no position, recorded_at or hashes — in the write's own transaction or by the group commit,
-- so no request waits on a per-chain lock. The cluster's one sequencer (src/audit/sequencer.ts) later gives
-- each event its place in its chain, its recorded_at and its hashes, in batches.
ALTER TABLE audit_events
  ALTER COLUMN chain_seq DROP NOT NULL,
  ALTER COLUMN recorded_at DROP NOT NULL,
  ALTER COLUMN prev_hash DROP NOT NULL,
  ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_sequenced_whole CHECK (
  (chain_seq IS NULL AND recorded_at IS NULL AND prev_hash IS NULL AND hash IS NULL) OR
  (chain_seq IS NOT NULL AND recorded_at IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL));
CREATE INDEX audit_events_unsequenced ON audit_events (seq) WHERE chain_seq IS NULL;

-- The right edge of each chain's Merkle tree (the roots of its perfect subtrees, largest first, as
-- concatenated hex), so that a head's root costs O(log n) instead of a read of every leaf. NULL until the
-- sequencer first moves the chain; it then computes it once from the leaves.
ALTER TABLE audit_chain_heads ADD COLUMN frontier text;

-- Sequencing fills an unsequenced event's position, recorded_at and hashes once. Nothing else about an
-- event may ever change, and a sequenced event cannot be sequenced again.
CREATE FUNCTION tessera_check_audit_sequencing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
     AND (NEW.seq, NEW.id, NEW.chain_id, NEW.occurred_at, NEW.request_id, NEW.partner_id, NEW.environment,
          NEW.actor_type, NEW.actor_id, NEW.action, NEW.method, NEW.path, NEW.status, NEW.error_code,
          NEW.client_ip, NEW.user_agent, NEW.latency_ms, NEW.detail)
         IS NOT DISTINCT FROM
         (OLD.seq, OLD.id, OLD.chain_id, OLD.occurred_at, OLD.request_id, OLD.partner_id, OLD.environment,
          OLD.actor_type, OLD.actor_id, OLD.action, OLD.method, OLD.path, OLD.status, OLD.error_code,
          OLD.client_ip, OLD.user_agent, OLD.latency_ms, OLD.detail) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit events are append-only: only an unsequenced event may be sequenced, once'
    USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION tessera_reject_audit_change();
CREATE TRIGGER audit_events_sequence_once BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION tessera_check_audit_sequencing();

-- A sequencing statement moves heads and events together; this aborts it (nothing is written) when another
-- sequencer got there first: a head was no longer where this one saw it, or an event was already placed.
CREATE FUNCTION tessera_expect_sequenced(heads bigint, expected_heads integer, events bigint,
                                         expected_events integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF heads <> expected_heads OR events <> expected_events THEN
    RAISE EXCEPTION 'another sequencer moved an audit chain first' USING ERRCODE = 'TSA01';
  END IF;
  RETURN true;
END $$;
