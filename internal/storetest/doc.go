// Package storetest is the conformance suite every racd.Store implementation must pass,
// and the helpers tests use to get a fresh database: a temporary SQLite file, or a
// PostgreSQL schema of its own when RACD_TEST_POSTGRES_URL is set. It is imported by
// tests only.
package storetest
