-- Secret connection parameters (passwords, passphrases, private keys, and what an
-- object marks secret) leave the settings columns: each value is sealed under
-- RACD_SECRET_KEY and kept, by name, in a JSON object of base64 ciphertexts. NULL
-- means the row predates this and its settings may still hold secrets in clear: racd
-- moves them when it starts (Store.SealStoredSecrets).
ALTER TABLE providers ADD COLUMN secrets TEXT;
ALTER TABLE endpoints ADD COLUMN secrets TEXT;
ALTER TABLE property_mappings ADD COLUMN static_secrets TEXT;
ALTER TABLE connection_tokens ADD COLUMN secrets TEXT;
