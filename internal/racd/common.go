package racd

import (
	"context"
	"strings"
)

// Opt is an optional input field: Set reports whether the client sent it.
type Opt[T any] struct {
	Set bool
	V   T
}

// Some returns a set Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, V: v} }

// Ref is a reference to another object by primary key, as the client wrote it (Raw,
// used in error messages) and in canonical form (ID). An empty ID is a null reference.
type Ref struct {
	Raw string
	ID  string
}

// IntRef is a reference to an object with an integer primary key.
type IntRef struct {
	Raw string
	ID  int64
}

// Key returns the primary key referred to.
func (r Ref) Key() string { return r.ID }

// Key returns the primary key referred to.
func (r IntRef) Key() int64 { return r.ID }

// ObjectRef names an object in events and used_by lists.
type ObjectRef struct {
	App       string
	ModelName string
	PK        string
	Name      string
}

// UsedBy actions, as authentik reports what happens to a dependent object on delete.
const (
	ActionCascade     = "cascade"
	ActionCascadeMany = "cascade_many"
	ActionSetNull     = "set_null"
	ActionSetDefault  = "set_default"
)

// UsedBy is one object that depends on another and what deleting the latter does to it.
type UsedBy struct {
	Object ObjectRef
	Action string
}

// Visibility restricts a read to the objects a caller may view. All lets everything
// through; otherwise only objects on which UserID holds Perm (directly or through a
// role) pass, and a global grant of Perm means All.
type Visibility struct {
	All    bool
	UserID int64
	Perm   string // full codename, e.g. authentik_providers_rac.view_racprovider
}

// Everything is the visibility of a superuser.
var Everything = Visibility{All: true}

// OrderTerm is one ordering key of a list; Field is the API's field name.
type OrderTerm struct {
	Field string
	Desc  bool
}

// ListQuery holds the parameters every list accepts.
type ListQuery struct {
	Page     int // 1-based; LastPage asks for the last page
	PageSize int
	Search   []string    // every term must match one search field, case-insensitively
	Ordering []OrderTerm // terms a store cannot order by are ignored
	Visible  Visibility
	// Related is what the caller may view of other models (per view permission): a
	// filter or search on a related field matches only objects it lets through. nil
	// lets everything through.
	Related func(perm string) Visibility
}

// LastPage is the Page value of ?page=last.
const LastPage = -1

// Offset returns the row offset of the requested page for a total of count rows, and
// false when the page does not exist.
func (q ListQuery) Offset(count int) (int, bool) {
	pages := TotalPages(count, q.PageSize)
	page := q.Page
	if page == LastPage {
		page = pages
	}
	if page < 1 || page > pages {
		return 0, false
	}
	return (page - 1) * q.PageSize, true
}

// ResolvedPage returns the 1-based page number q denotes for count rows.
func (q ListQuery) ResolvedPage(count int) int {
	if q.Page == LastPage {
		return TotalPages(count, q.PageSize)
	}
	return q.Page
}

// TotalPages is the number of pages of size for count rows; an empty list has one page.
func TotalPages(count, size int) int {
	if count <= 0 || size <= 0 {
		return 1
	}
	return (count + size - 1) / size
}

// ErrInvalidPage reports a page number outside the list.
var ErrInvalidPage = errorString("invalid page")

type errorString string

func (e errorString) Error() string { return string(e) }

// RequestInfo describes the HTTP request behind a change, for audit events.
type RequestInfo struct {
	Method    string
	Path      string
	Query     string
	UserAgent string
	ClientIP  string
	RequestID string
}

// Audit carries who changes something and through which request; every mutating store
// call records an event from it in the same transaction.
type Audit struct {
	User    UserRef
	Request RequestInfo
	// Superuser says the actor is a superuser (or the operator, through the command
	// line). The stores let only superusers do what decides who is one (group
	// membership, superuser groups, reserved and managed tokens) and hold other
	// actors' tokens to a lifetime. The zero value is the restricted one.
	Superuser bool
	// Visible, when set, is what the actor may view (per view permission): a change
	// that refers to an object the actor cannot view is refused as if the object did
	// not exist. nil lets the change refer to anything.
	Visible func(perm string) Visibility
}

// UserRef identifies the acting user in events.
type UserRef struct {
	ID       int64
	Username string
	Email    string
}

// IsBlank reports whether s is empty once surrounding whitespace is removed.
func IsBlank(s string) bool { return strings.TrimSpace(s) == "" }

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}
