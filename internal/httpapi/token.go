package httpapi

import (
	"net/http"

	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
)

// tokens is /api/v3/core/tokens/, by identifier. Tokens follow authentik's owner
// rules rather than model permissions: every authenticated caller may list, create and
// manage its own tokens; superusers see and manage all. Another user's token is 404 to
// a caller who is not a superuser. Nothing depends on a token: its used_by is empty.
var tokens = &resource[*racd.Token, *racd.TokenInput, string, racd.TokenQuery, tokenJSON]{
	model: racd.TokenModel, path: "/api/v3/core/tokens/", param: "identifier", key: textKey,
	store: storeOf(racd.Store.Tokens),
	query: func(f *filters) racd.TokenQuery {
		q := racd.TokenQuery{ListQuery: f.lq, Identifier: f.str("identifier"), UserUsername: f.str("user__username"),
			Description: f.str("description"), Managed: f.str("managed"), Expiring: f.boolean("expiring")}
		q.Intent = f.choice("intent", []string{racd.IntentAPI, racd.IntentAppPassword, racd.IntentRecovery, racd.IntentVerification})
		if !f.c.p.Superuser {
			q.OwnerID = &f.c.p.User.ID
		}
		return q
	},
	decode: func(f *form) *racd.TokenInput {
		return &racd.TokenInput{
			Managed: f.text("managed", nullable|trim|notBlank), Identifier: f.text("identifier", required|trim),
			Intent: f.choice("intent", 0), User: f.intRef("user", 0), Description: f.text("description", 0),
			Expires: f.datetime("expires", nullable), Expiring: f.boolean("expiring", 0),
		}
	},
	wire:          func(c *call, t *racd.Token) tokenJSON { return toTokenJSON(c, t) },
	prepare:       prepareToken,
	rule:          ownerOnly,
	owner:         func(t *racd.Token) int64 { return t.UserID },
	changesAccess: true,
}

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

func toTokenJSON(c *call, t *racd.Token) tokenJSON {
	out := tokenJSON{PK: t.UUID, Managed: optStr(t.Managed), Identifier: t.Identifier, Intent: t.Intent, User: t.UserID,
		Description: t.Description, Expires: optTime(t.Expires), Expiring: t.Expiring}
	if t.User != nil {
		out.UserObj = toUserJSON(c, t.User)
	}
	return out
}

// tokenKeyLength is the length of a generated key, as authentik's default.
const tokenKeyLength = 60

// prepareToken gives a new token its key, and its caller as owner unless the body
// names one. The owner rules of callers who are not superusers (their own tokens
// only, always expiring, no managed key or reserved identifier) are the store's.
func prepareToken(s *Server, c *call, in *racd.TokenInput, cur *racd.Token) error {
	if cur != nil {
		return nil
	}
	if !in.User.Set && !in.Errors.Has("user") {
		in.User = racd.Some(racd.IntRef{ID: c.p.User.ID})
	}
	key, err := keys.RandomKey(tokenKeyLength)
	if err != nil {
		return err
	}
	sealed, err := s.keys.Seal(key)
	if err != nil {
		return err
	}
	in.Key = racd.SealedKey{Hash: s.keys.Hash(key), Ciphertext: sealed}
	return nil
}

// viewTokenKey answers {"key": ...} to the token's owner or a superuser and records a
// secret_view event.
func viewTokenKey(s *Server, c *call) error {
	sealed, err := s.store.TokenKey(c.ctx, c.target.obj.(*racd.Token).Identifier, c.audit())
	if err != nil {
		return err
	}
	key, err := s.keys.Open(sealed)
	if err != nil {
		return err
	}
	return s.writeJSON(c, http.StatusOK, map[string]string{"key": key})
}
