-- Group commit appends a batch in one statement when it already knows the chain heads: the statement moves
-- each head only if it is still where the writer last saw it, and this check aborts the whole statement
-- (so nothing is written) when another writer moved one in the meantime.
CREATE FUNCTION tessera_expect_heads_moved(moved bigint, expected integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF moved <> expected THEN
    RAISE EXCEPTION 'an audit chain head moved under the writer' USING ERRCODE = 'TSA01';
  END IF;
  RETURN true;
END $$;
