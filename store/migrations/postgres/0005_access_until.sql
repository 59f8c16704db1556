-- PostgreSQL twin of migrations/0005_access_until.sql.
-- End of a reseller's access (trial or paid period). NULL: no end (admins,
-- and resellers approved without a limit). Past it, the reseller is treated
-- as expired by every screen and by the scheduler: see Reseller.HasAccess.
ALTER TABLE resellers ADD COLUMN access_until BIGINT;
