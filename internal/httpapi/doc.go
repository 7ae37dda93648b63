// Package httpapi serves authentik's RAC management API (wire-compatible with authentik
// 2024.6): one route table (pattern, permission, handler), handlers that return errors,
// authentik's JSON shapes and Django REST framework's messages, pagination, search and
// ordering, and token authentication.
//
// Every handler follows the same order: authenticate → visibility (403/404) → object
// permission (403) → decode and validate the body (400) → store → wire type.
package httpapi
