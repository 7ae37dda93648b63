package racd

import "time"

// MsgInvalidIntent is authentik's message for a token intent the API may not create.
func MsgInvalidIntent(v string) string { return "Invalid intent " + v }

// Token is an authentik token (API tokens authenticate requests). Its key is never
// part of it: the store keeps only the keyed hash and the sealed key.
type Token struct {
	UUID        string
	Managed     string // "" for null
	Identifier  string
	Intent      string
	UserID      int64
	User        *User // the owner, for user_obj
	Description string
	Expires     *time.Time
	Expiring    bool
}

// Ref returns the token as events and used_by lists name it.
func (t *Token) Ref() ObjectRef {
	return TokenModel.Ref(t.UUID, TokenModel.Titled(t.Identifier))
}

// TokenFields is the token serializer's field order.
var TokenFields = []string{"managed", "identifier", "intent", "user", "description", "expires", "expiring"}

// DefaultTokenLifetime is how long an expiring token lives when created without expires.
const DefaultTokenLifetime = 30 * time.Minute

// TokenInput is a token create or update request after wire decoding.
type TokenInput struct {
	// Key is the new token's key as the store keeps it (create only; the API makes it).
	Key SealedKey

	Managed     Opt[string] `field:"managed" max:"500"` // "" with Set means null
	Identifier  Opt[string] `field:"identifier" max:"255"`
	Intent      Opt[string] `field:"intent" max:"500"`
	User        Opt[IntRef]
	Description Opt[string] `field:"description" max:"4096"`
	Expires     Opt[*time.Time]
	Expiring    Opt[bool]

	Decoding
}

// Apply implements Input.
func (in *TokenInput) Apply(t *Token, _ bool, errs *FieldErrors) {
	take(errs, "managed", in.Managed, &t.Managed)
	applySlug(errs, "identifier", in.Identifier, 255, &t.Identifier)
	if sent(errs, "intent", in.Intent) {
		switch in.Intent.V {
		case IntentAPI, IntentAppPassword:
			t.Intent = in.Intent.V
		case IntentVerification, IntentRecovery:
			errs.Add("intent", MsgInvalidIntent(in.Intent.V))
		default:
			errs.Add("intent", MsgInvalidChoice(in.Intent.V))
		}
	}
	if sent(errs, "user", in.User) {
		t.UserID = in.User.V.ID
	}
	take(errs, "description", in.Description, &t.Description)
	take(errs, "expires", in.Expires, &t.Expires)
	take(errs, "expiring", in.Expiring, &t.Expiring)
}

// TokenQuery is a token list request.
type TokenQuery struct {
	ListQuery
	OwnerID      *int64 // non-superusers see only their own tokens
	Identifier   *string
	Intent       *string
	UserUsername *string
	Description  *string
	Expiring     *bool
	Managed      *string
}
