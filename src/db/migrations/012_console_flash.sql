-- The console's one-time flash: what a POST wants the next page to show (a new key's secret, a recovery
-- code list, a confirmation), kept on the session server-side so that Post/Redirect/Get never puts a
-- secret in a URL. Sealed with the console's secret box (AES-256-GCM, key id beside it) and cleared by
-- the read that shows it, so it is shown once.
ALTER TABLE console_sessions ADD COLUMN flash_ciphertext text;
ALTER TABLE console_sessions ADD COLUMN flash_key_id text;
