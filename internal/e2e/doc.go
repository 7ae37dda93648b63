// Package e2e holds racd's end-to-end tests: they build the racd binary, start real
// `racd serve` processes on SQLite and PostgreSQL, and drive them with authentik's
// official Go client (goauthentik.io/api/v3), validating every response against that
// module's OpenAPI document.
package e2e
