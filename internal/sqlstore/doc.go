// Package sqlstore implements racd.Store on database/sql for SQLite (modernc.org/sqlite,
// pure Go) and PostgreSQL (pgx). Both dialects share every query: statements are written
// with $N placeholders, which SQLite reads as ?N, and the few places the dialects differ
// (JSON aggregation, case-insensitive matching, id lists) go through dialect.
//
// Every write runs in one transaction that validates references and uniqueness, writes
// and records the audit event; constraint violations caused by concurrent writers make
// the transaction run again, so clients always get the validation message instead of a
// database error.
package sqlstore
