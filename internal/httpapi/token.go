package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
)

// Tokens follow authentik's owner rules rather than model permissions: every
// authenticated caller may list, create and manage its own tokens; superusers see and
// manage all. Another user's token is 404 to a caller who is not a superuser.

// tokenJSON is authentik's Token, keys in the schema's order.
type tokenJSON struct {
	PK          string   `json:"pk"`
	Managed     *string  `json:"managed"`
	Identifier  string   `json:"identifier"`
	Intent      string   `json:"intent"`
	User        int64    `json:"user"`
	UserObj     userJSON `json:"user_obj"`
	Description string   `json:"description"`
	Expires     *string  `json:"expires"`
	Expiring    bool     `json:"expiring"`
}

func toTokenJSON(t *racd.Token) tokenJSON {
	out := tokenJSON{PK: t.UUID, Managed: optStr(t.Managed), Identifier: t.Identifier, Intent: t.Intent, User: t.UserID,
		Description: t.Description, Expires: optTime(t.Expires), Expiring: t.Expiring}
	if t.User != nil {
		out.UserObj = toUserJSON(t.User)
	}
	return out
}

// tokenKeyLength is the length of a generated key, as authentik's default.
const tokenKeyLength = 60

// decodeToken reads a TokenRequest (PatchedTokenRequest when partial).
func decodeToken(c *call, partial bool) (*racd.TokenInput, error) {
	in := &racd.TokenInput{}
	f, err := readForm(c, &in.Errors, partial)
	if err != nil {
		return nil, err
	}
	if m, null := f.str("managed", false, true, true); m.Set {
		if !null && m.V == "" {
			in.Errors.Add("managed", racd.MsgBlank)
		} else {
			in.Managed = m
		}
	}
	in.Identifier, _ = f.str("identifier", true, false, true)
	in.Intent = f.choice("intent", false)
	in.User = f.intRef("user", false, false)
	in.Description, _ = f.str("description", false, false, false)
	in.Expires = f.datetime("expires")
	in.Expiring = f.boolean("expiring", false)
	return in, nil
}

// datetime decodes a nullable DRF DateTimeField (ISO 8601; naive times are UTC).
func (f *form) datetime(name string) racd.Opt[*time.Time] {
	raw, ok := f.get(name, false)
	if !ok {
		return racd.Opt[*time.Time]{}
	}
	if isNull(raw) {
		return racd.Some[*time.Time](nil)
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		f.errs.Add(name, racd.MsgBadDatetime)
		return racd.Opt[*time.Time]{}
	}
	t, ok := parseISOTime(strings.TrimSpace(s))
	if !ok {
		f.errs.Add(name, racd.MsgBadDatetime)
		return racd.Opt[*time.Time]{}
	}
	return racd.Some(&t)
}

// parseISOTime accepts what Django's parse_datetime does, in the common forms.
func parseISOTime(s string) (time.Time, bool) {
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}

// ownTokens applies the owner rule to a caller who is not a superuser: the token's user
// is always the caller and the token always expires (authentik's default for users
// without the token-expiring attribute).
func ownTokens(c *call, in *racd.TokenInput) {
	if c.p.Superuser {
		return
	}
	in.User = racd.Some(racd.IntRef{Raw: "", ID: c.p.User.ID})
	in.Errors = dropField(in.Errors, "user")
	if in.Expiring.Set {
		in.Expiring = racd.Some(true)
		in.Errors = dropField(in.Errors, "expiring")
	}
}

// dropField returns errs without field's messages.
func dropField(errs racd.FieldErrors, field string) racd.FieldErrors {
	var out racd.FieldErrors
	for _, f := range errs.Fields() {
		if f == field {
			continue
		}
		for _, m := range errs.Messages(f) {
			out.Add(f, m)
		}
	}
	return out
}

func listTokens(s *Server, c *call) error {
	qv := c.query()
	lq, err := listQuery(qv, racd.TokenOrderFields)
	if err != nil {
		return err
	}
	q := racd.TokenQuery{ListQuery: lq, Identifier: strFilter(qv, "identifier"), UserUsername: strFilter(qv, "user__username"),
		Description: strFilter(qv, "description"), Managed: strFilter(qv, "managed"), Expiring: boolFilter(qv, "expiring")}
	var fe racd.FieldErrors
	q.Intent = choiceFilter(qv, "intent", []string{racd.IntentAPI, racd.IntentAppPassword, racd.IntentRecovery, racd.IntentVerification}, &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	if !c.p.Superuser {
		id := c.p.User.ID
		q.OwnerID = &id
	}
	ts, count, err := s.store.Tokens().List(c.ctx, q)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(ts))
	for i, t := range ts {
		out[i] = toTokenJSON(t)
	}
	return s.writeJSON(c, http.StatusOK, newPage(lq, count, out))
}

func createToken(s *Server, c *call) error {
	in, err := decodeToken(c, false)
	if err != nil {
		return err
	}
	if !in.User.Set && !in.Errors.Has("user") {
		in.User = racd.Some(racd.IntRef{ID: c.p.User.ID})
	}
	ownTokens(c, in)
	key, err := keys.RandomKey(tokenKeyLength)
	if err != nil {
		return err
	}
	sealed, err := s.keys.Seal(key)
	if err != nil {
		return err
	}
	in.Key = racd.SealedKey{Hash: s.keys.Hash(key), Ciphertext: sealed}
	t, err := s.store.Tokens().Create(c.ctx, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusCreated, toTokenJSON(t))
}

// loadToken finds the token of the route; another user's token is 404 to a caller who
// is not a superuser.
func (s *Server) loadToken(c *call) (*racd.Token, error) {
	ident := c.param("identifier")
	if strings.ContainsRune(ident, 0) || !utf8.ValidString(ident) {
		return nil, errNotFound // no identifier holds these; PostgreSQL text cannot
	}
	t, err := s.store.Tokens().Get(c.ctx, ident)
	if err != nil {
		return nil, err
	}
	if !c.p.Superuser && t.UserID != c.p.User.ID {
		return nil, errNotFound
	}
	return t, nil
}

func getToken(s *Server, c *call) error {
	t, err := s.loadToken(c)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, toTokenJSON(t))
}

func updateToken(s *Server, c *call) error {
	t, err := s.loadToken(c)
	if err != nil {
		return err
	}
	in, err := decodeToken(c, c.r.Method == http.MethodPatch)
	if err != nil {
		return err
	}
	if !c.p.Superuser {
		ownTokens(c, in)
	}
	t, err = s.store.Tokens().Update(c.ctx, t.Identifier, in, c.audit())
	if err != nil {
		return err
	}
	s.auth.clear()
	return s.writeJSON(c, http.StatusOK, toTokenJSON(t))
}

func deleteToken(s *Server, c *call) error {
	t, err := s.loadToken(c)
	if err != nil {
		return err
	}
	if err := s.store.Tokens().Delete(c.ctx, t.Identifier, c.audit()); err != nil {
		return err
	}
	s.auth.clear()
	return noContent(c)
}

func tokenUsedBy(s *Server, c *call) error {
	if _, err := s.loadToken(c); err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, []usedByJSON{})
}

// viewTokenKey answers {"key": ...} to the token's owner or a superuser and records a
// secret_view event.
func viewTokenKey(s *Server, c *call) error {
	t, err := s.loadToken(c)
	if err != nil {
		return err
	}
	sealed, err := s.store.TokenKey(c.ctx, t.Identifier, c.audit())
	if err != nil {
		return err
	}
	key, err := s.keys.Open(sealed)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, map[string]string{"key": key})
}
