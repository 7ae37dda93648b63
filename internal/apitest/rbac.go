package apitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Resource describes one API resource for the RBAC matrix (RunMatrix): how to reach
// it, how to make objects of it and which permissions guard it. Adding a resource to
// the matrix is one value of this type.
type Resource struct {
	Name string
	// Model is the permission model, e.g. "authentik_providers_rac.racprovider";
	// permissions are <app>.<action>_<model>.
	Model string
	// ListPath is the collection route, e.g. /api/v3/providers/rac/.
	ListPath string
	// DetailPath builds the detail route of an object from its path key.
	DetailPath func(key string) string
	// Setup runs once per Env before the matrix (create the flows providers need, ...).
	Setup func(e *Env)
	// Seed creates the n-th object as the superuser and returns its primary key as
	// grants store it (object_pk) and the key its detail route uses (often the same).
	Seed func(e *Env, n int) (pk, key string)
	// CreateBody returns a valid POST body for the n-th object; UpdateBody a valid PUT
	// body for the object at key that keeps key (so later routes still reach it).
	CreateBody func(e *Env, n int) any
	UpdateBody func(e *Env, key string, n int) any
	// MissingKey is a well-formed key of no object.
	MissingKey string
	// Owned resources (tokens) follow owner rules instead of permissions: SeedFor
	// creates an object owned by user id. Every authenticated caller manages its own
	// objects; others' are 404; superusers manage all.
	Owned   bool
	SeedFor func(e *Env, userID int64, n int) (pk, key string)
	// Extra are more detail routes (suffix after the detail path, method) that behave
	// like retrieve, e.g. "view_key/".
	Extra []string
	// Skip lists the matrix routes the resource does not serve: a read-only resource
	// (events) skips RCreate, RPut, RPatch, RUsedBy and RDelete; one without a create
	// route (connection tokens) skips RCreate.
	Skip []string
	// OwnerOrView resources (connection tokens) are visible to their owner, to holders
	// of view (globally or on the object) and to superusers; other permissions work as
	// usual. Seed creates objects owned by the superuser (someone else's for every
	// other caller; grants go on them); SeedFor creates the caller's own object, which
	// the RGetOwn, RPatchOwn and RDeleteOwn routes reach. A caller without view sees
	// only its own: its list is 200, others' objects are 404 on every detail route.
	OwnerOrView bool
	// InvalidPatch is a PATCH body the resource refuses with 400 (e.g. a blank name).
	// When set, the matrix also sends it to the visible object (RPatchInvalid) and {}
	// to the collection (RCreateInvalid): SPEC orders the checks authentication →
	// visibility → permission → body, so only callers allowed to write see the 400.
	InvalidPatch map[string]any
	// RefGrant gives every caller but the anonymous one and the superuser view on the
	// objects CreateBody refers to: a reference is only as visible as its target
	// (issue 9 §3). nil: the bodies refer to nothing new.
	RefGrant func(e *Env, userID int64)
	// HiddenRef returns a PATCH body for the object at key that refers (on field) to
	// raw, an object only the superuser may view. The matrix sends it to the visible
	// object (RPatchHiddenRef): 400 `Invalid pk "raw" - object does not exist.` on field
	// wherever a PATCH would pass, except for the superuser, who may refer to it.
	HiddenRef func(e *Env, key string) (body any, field, raw string)
	// Retarget returns a PATCH body that moves the object at key to another target the
	// caller may view (a connection token to another endpoint of its provider), and
	// the field and message that refuse it to anyone but a superuser (issue 9 §2). The
	// matrix sends it to the visible object (RPatchRetarget) and, for OwnerOrView
	// resources, to the caller's own (RPatchRetargetOwn): 400 with that message
	// wherever a PATCH would pass, except for the superuser, whose move goes through.
	Retarget func(e *Env, key string) (body any, field, msg string)
}

// malformedKey is a detail key no resource holds: not a number, not a UUID, and a slug,
// identifier or username of nothing.
const malformedKey = "no-such-key-99999999999999999999999"

// Callers of the matrix.
const (
	Anonymous    = "anonymous"
	NoPerms      = "no permissions"
	GlobalView   = "global view"
	GlobalAdd    = "global add"
	ObjectView   = "object view"
	ObjectChange = "object view+change"
	RoleInGroup  = "view+change+delete through a group's role"
	// RoleDirect holds the same through a role given to the user directly
	// (rbac/roles/{uuid}/add_user/, authentik 2025.12).
	RoleDirect = "view+change+delete through a role given directly"
	Superuser  = "superuser"
)

// Callers lists every caller kind in the order the matrix runs them.
var Callers = []string{Anonymous, NoPerms, GlobalView, GlobalAdd, ObjectView, ObjectChange, RoleInGroup, RoleDirect, Superuser}

// Routes of the matrix, in the order they run for each caller (DELETE last).
const (
	RList          = "list"
	RCreate        = "create"
	RCreateInvalid = "create invalid"
	RPatchInvalid  = "PATCH invalid"
	// RPatchHiddenRef refers to an object the caller cannot view (Resource.HiddenRef).
	RPatchHiddenRef = "PATCH hidden reference"
	// RPatchRetarget and RPatchRetargetOwn move an object elsewhere (Resource.Retarget).
	RPatchRetarget    = "PATCH retarget"
	RPatchRetargetOwn = "PATCH retarget own"
	RGetVisible       = "retrieve visible"
	RGetOther         = "retrieve other"
	RGetMissing       = "retrieve missing"
	// RGetMalformed asks for a key no resource can hold (not a number, not a UUID, a
	// slug of nothing); RPatchMissing patches MissingKey. Both answer as RGetMissing:
	// visibility comes before permission and body.
	RGetMalformed = "retrieve malformed"
	RPatchMissing = "PATCH missing"
	RPut          = "PUT"
	RPatch        = "PATCH"
	RUsedBy       = "used_by"
	RExtraVisible = "extra visible"
	RExtraOther   = "extra other"
	RGetOwn       = "retrieve own"
	RPatchOwn     = "PATCH own"
	RDeleteOwn    = "DELETE own"
	RDelete       = "DELETE"
)

var matrixRoutes = []string{RList, RCreateInvalid, RCreate, RGetVisible, RGetOther, RGetMissing, RGetMalformed, RPatchMissing, RPatchInvalid, RPatchHiddenRef, RPatchRetarget, RPut, RPatch, RUsedBy, RExtraVisible, RExtraOther, RGetOwn, RPatchOwn, RPatchRetargetOwn, RDeleteOwn, RDelete}

// Routes returns the matrix routes r runs, in order.
func (r Resource) Routes() []string {
	var out []string
	for _, route := range matrixRoutes {
		switch {
		case (route == RExtraVisible || route == RExtraOther) && len(r.Extra) == 0,
			(route == RGetOwn || route == RPatchOwn || route == RDeleteOwn) && !r.OwnerOrView,
			route == RCreateInvalid && (r.InvalidPatch == nil || slices.Contains(r.Skip, RCreate)),
			route == RPatchInvalid && (r.InvalidPatch == nil || slices.Contains(r.Skip, RPatch)),
			route == RPatchMissing && slices.Contains(r.Skip, RPatch),
			route == RPatchHiddenRef && r.HiddenRef == nil,
			route == RPatchRetarget && r.Retarget == nil,
			route == RPatchRetargetOwn && (r.Retarget == nil || !r.OwnerOrView),
			slices.Contains(r.Skip, route):
			continue
		}
		out = append(out, route)
	}
	return out
}

// Expected returns the status SPEC §1's permission table gives caller on route (for
// owned resources, the owner rules).
func (r Resource) Expected(caller, route string) int {
	const ok, created, gone, forbidden, missing = http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusForbidden, http.StatusNotFound
	if caller == Anonymous {
		return forbidden
	}
	switch route {
	case RGetMalformed, RPatchMissing:
		return r.Expected(caller, RGetMissing)
	}
	if route == RPatchHiddenRef || route == RPatchRetarget || route == RPatchRetargetOwn {
		patch := RPatch
		if route == RPatchRetargetOwn {
			patch = RPatchOwn
		}
		if want := r.Expected(caller, patch); want != ok || caller == Superuser {
			return want
		}
		return http.StatusBadRequest
	}
	switch route { // an invalid body is refused only where the valid one passes
	case RCreateInvalid, RPatchInvalid:
		valid := map[string]string{RCreateInvalid: RCreate, RPatchInvalid: RPatch}[route]
		if want := r.Expected(caller, valid); want != ok && want != created {
			return want
		}
		return http.StatusBadRequest
	}
	if r.Owned {
		switch route {
		case RCreate:
			return created
		case RGetMissing:
			return missing
		case RGetOther, RExtraOther:
			if caller == Superuser {
				return ok
			}
			return missing
		case RDelete:
			return gone
		}
		return ok
	}
	if caller == RoleDirect { // a role counts the same however the user holds it
		caller = RoleInGroup
	}
	view := map[string]string{GlobalView: "all", ObjectView: "one", ObjectChange: "one", RoleInGroup: "one", Superuser: "all"}[caller]
	if r.OwnerOrView {
		switch {
		case route == RGetOwn || route == RPatchOwn:
			return ok
		case route == RDeleteOwn:
			return gone
		case view == "" && route == RList:
			return ok
		case view == "" && route != RCreate:
			return missing
		}
	}
	switch route {
	case RCreate:
		if caller == GlobalAdd || caller == Superuser {
			return created
		}
		return forbidden
	case RList, RGetVisible, RUsedBy, RExtraVisible:
		if view == "" {
			return forbidden
		}
		return ok
	case RGetOther, RExtraOther:
		switch view {
		case "":
			return forbidden
		case "all":
			return ok
		}
		return missing
	case RGetMissing:
		if view == "" {
			return forbidden
		}
		return missing
	case RPut, RPatch:
		switch {
		case view == "":
			return forbidden
		case caller == ObjectChange || caller == RoleInGroup || caller == Superuser:
			return ok
		}
		return forbidden
	case RDelete:
		switch {
		case view == "":
			return forbidden
		case caller == RoleInGroup || caller == Superuser:
			return gone
		}
		return forbidden
	}
	panic("unknown route " + route)
}

// RunMatrix runs every caller against every route of r on a fresh API on backend and
// checks each status against Expected; list answers are also checked to hold exactly
// what the caller may view.
func RunMatrix(t *testing.T, backend string, r Resource) {
	e := New(t, backend)
	if r.Setup != nil {
		r.Setup(e)
	}
	n := 0
	next := func() int { n++; return n }
	perm := func(action string) string {
		app, model, _ := strings.Cut(r.Model, ".")
		return app + "." + action + "_" + model
	}
	for ci, caller := range Callers {
		t.Run(caller, func(t *testing.T) {
			e.T = t
			var key string
			var userID int64
			switch caller {
			case Anonymous:
			case Superuser:
				key = AdminToken
			default:
				userID, key = e.User(fmt.Sprintf("matrix-caller-%d", ci))
			}
			var visPK, visKey, ownPK, ownKey string
			if r.OwnerOrView {
				if userID != 0 {
					ownPK, ownKey = r.SeedFor(e, userID, next())
				} else if key != "" {
					ownPK, ownKey = r.Seed(e, next())
				}
			}
			if r.Owned {
				if userID != 0 {
					visPK, visKey = r.SeedFor(e, userID, next())
				} else {
					visPK, visKey = r.Seed(e, next())
				}
			} else {
				visPK, visKey = r.Seed(e, next())
			}
			otherPK, otherKey := r.Seed(e, next())
			if userID != 0 && r.RefGrant != nil {
				r.RefGrant(e, userID)
			}
			if !r.Owned {
				switch caller {
				case GlobalView:
					e.Grant(userID, "", "", perm("view"))
				case GlobalAdd:
					e.Grant(userID, "", "", perm("add"))
				case ObjectView:
					e.Grant(userID, r.Model, visPK, perm("view"))
				case ObjectChange:
					e.Grant(userID, r.Model, visPK, perm("view"), perm("change"))
				case RoleInGroup:
					e.GrantThroughRole(userID, fmt.Sprintf("matrix-%d", ci), r.Model, visPK, perm("view"), perm("change"), perm("delete"))
				case RoleDirect:
					e.GrantThroughDirectRole(userID, fmt.Sprintf("matrix-%d", ci), r.Model, visPK, perm("view"), perm("change"), perm("delete"))
				}
			}
			for _, route := range r.Routes() {
				var method, path, badWant string
				var body any
				switch route {
				case RList:
					method, path = "GET", r.ListPath
				case RCreate:
					method, path, body = "POST", r.ListPath, r.CreateBody(e, next())
				case RCreateInvalid:
					method, path, body = "POST", r.ListPath, map[string]any{}
				case RPatchInvalid:
					method, path, body = "PATCH", r.DetailPath(visKey), r.InvalidPatch
				case RPatchHiddenRef:
					var field, raw string
					method, path = "PATCH", r.DetailPath(visKey)
					body, field, raw = r.HiddenRef(e, visKey)
					badWant = fmt.Sprintf(`{%q:["Invalid pk \"%s\" - object does not exist."]}`, field, raw)
				case RPatchRetarget, RPatchRetargetOwn:
					k := visKey
					if route == RPatchRetargetOwn {
						if k = ownKey; k == "" { // anonymous: someone else's
							k = otherKey
						}
					}
					var field, msg string
					method, path = "PATCH", r.DetailPath(k)
					body, field, msg = r.Retarget(e, k)
					want, _ := json.Marshal(map[string][]string{field: {msg}})
					badWant = string(want)
				case RGetVisible:
					method, path = "GET", r.DetailPath(visKey)
				case RGetOther:
					method, path = "GET", r.DetailPath(otherKey)
				case RGetMissing:
					method, path = "GET", r.DetailPath(r.MissingKey)
				case RGetMalformed:
					method, path = "GET", r.DetailPath(malformedKey)
				case RPatchMissing:
					method, path, body = "PATCH", r.DetailPath(r.MissingKey), r.InvalidPatch
					if body == nil {
						body = map[string]any{}
					}
				case RPut:
					method, path, body = "PUT", r.DetailPath(visKey), r.UpdateBody(e, visKey, next())
				case RPatch:
					method, path, body = "PATCH", r.DetailPath(visKey), map[string]any{}
				case RUsedBy:
					method, path = "GET", r.DetailPath(visKey)+"used_by/"
				case RExtraVisible:
					method, path = "GET", r.DetailPath(visKey)+r.Extra[0]
				case RExtraOther:
					method, path = "GET", r.DetailPath(otherKey)+r.Extra[0]
				case RGetOwn, RPatchOwn, RDeleteOwn:
					k := ownKey
					if k == "" { // anonymous: someone else's
						k = otherKey
					}
					method, path = map[string]string{RGetOwn: "GET", RPatchOwn: "PATCH", RDeleteOwn: "DELETE"}[route], r.DetailPath(k)
					if route == RPatchOwn {
						body = map[string]any{}
					}
				case RDelete:
					method, path = "DELETE", r.DetailPath(visKey)
				}
				res := e.As(key, method, path, body)
				checkCell(t, r, caller, route, method, path, res)
				if badWant != "" && res.Status == http.StatusBadRequest && string(res.Body) != badWant {
					t.Errorf("%s: %s as %s = %s, want %s", r.Name, route, caller, res.Body, badWant)
				}
				if route == RList && res.Status == http.StatusOK {
					checkListed(t, r, caller, visPK, otherPK, ownPK, res)
				}
			}
		})
	}
}

func checkCell(t *testing.T, r Resource, caller, route, method, path string, res *Resp) {
	t.Helper()
	want := r.Expected(caller, route)
	if res.Status != want {
		t.Errorf("%s: %s as %s (%s %s) = %s, want %d", r.Name, route, caller, method, path, res, want)
		return
	}
	if want == http.StatusBadRequest {
		var m map[string]any
		if json.Unmarshal(res.Body, &m) != nil || len(m) == 0 || m["detail"] != nil {
			t.Errorf("%s: %s as %s: 400 without field errors: %s", r.Name, route, caller, res.Body)
		}
	}
	if want == http.StatusForbidden {
		var m map[string]any
		if json.Unmarshal(res.Body, &m) != nil || m["detail"] == nil {
			t.Errorf("%s: %s as %s: 403 without detail: %s", r.Name, route, caller, res.Body)
		}
	}
}

// checkListed verifies that a list holds what the caller may view: object-level
// viewers exactly their object, owners their own objects but not others', global
// viewers and superusers both objects. For OwnerOrView resources, every caller's list
// also holds its own object (ownPK).
func checkListed(t *testing.T, r Resource, caller, visPK, otherPK, ownPK string, res *Resp) {
	t.Helper()
	var page struct {
		Pagination struct {
			Count int `json:"count"`
		} `json:"pagination"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(res.Body, &page); err != nil {
		t.Errorf("%s: list as %s: %v", r.Name, caller, err)
		return
	}
	has := map[string]bool{}
	for _, o := range page.Results {
		has[pkString(o["pk"])] = true
	}
	if caller == RoleDirect { // a role counts the same however the user holds it
		caller = RoleInGroup
	}
	switch {
	case r.OwnerOrView && caller != Superuser && caller != GlobalView:
		want := 1
		if caller == ObjectView || caller == ObjectChange || caller == RoleInGroup {
			want = 2
		}
		if !has[ownPK] || has[otherPK] || has[visPK] != (want == 2) || page.Pagination.Count != want {
			t.Errorf("%s: list as %s = %s, want own %s (and %d in all), not %s", r.Name, caller, res.Body, ownPK, want, otherPK)
		}
	case r.OwnerOrView:
		if !has[visPK] || !has[otherPK] || !has[ownPK] {
			t.Errorf("%s: list as %s = %s, want %s, %s and %s", r.Name, caller, res.Body, visPK, otherPK, ownPK)
		}
	case !r.Owned && (caller == ObjectView || caller == ObjectChange || caller == RoleInGroup):
		if page.Pagination.Count != 1 || len(page.Results) != 1 || !has[visPK] {
			t.Errorf("%s: list as %s = %s, want exactly %s", r.Name, caller, res.Body, visPK)
		}
	case r.Owned && caller != Superuser:
		if !has[visPK] || has[otherPK] || page.Pagination.Count != len(page.Results) {
			t.Errorf("%s: list as %s = %s, want %s and not %s", r.Name, caller, res.Body, visPK, otherPK)
		}
	default:
		if !has[visPK] || !has[otherPK] {
			t.Errorf("%s: list as %s = %s, want both %s and %s", r.Name, caller, res.Body, visPK, otherPK)
		}
	}
}

func pkString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatInt(int64(x), 10)
	}
	return fmt.Sprint(v)
}
