// Package archtest holds the test that keeps racd's import rules (ARCHITECTURE.md):
// the domain imports only the standard library, dependencies point inward, and every
// package has a doc comment. It has no code of its own.
package archtest
