package racd

import (
	"crypto/rand"
	"encoding/json"
	"math/big"
	"time"
)

// ConnectionToken is a RAC connection token: the right of one user to open a
// connection to one endpoint until it expires or is deleted. The secret the gateway
// accepts is returned once, at launch; only its keyed hash is stored.
type ConnectionToken struct {
	UUID       string
	ProviderID int64
	Endpoint   *Endpoint // with its provider
	Provider   *Provider // the token's provider
	User       User
	Settings   json.RawMessage // the launch's per-connection settings, without secret parameters
	Secrets    Secrets         // their secret parameters
	Created    time.Time
	Expires    *time.Time // nil: no fixed expiry
}

// Ref returns the object reference used in events and used_by lists.
func (t *ConnectionToken) Ref() ObjectRef {
	ep := ""
	if t.Endpoint != nil {
		ep = t.Endpoint.UUID
	}
	return ConnectionTokenModel.Ref(t.UUID, ConnectionTokenModel.Titled(t.UUID+" to "+itoa(t.ProviderID)+"/"+ep))
}

// ConnectionTokenFields is the serializer's field order.
var ConnectionTokenFields = []string{"pk", "provider", "endpoint"}

// ConnectionTokenInput is a PUT or PATCH of a connection token after wire decoding.
type ConnectionTokenInput struct {
	Provider Opt[IntRef]
	Endpoint Opt[Ref]

	Decoding
}

// Apply implements Input: provider and endpoint may be changed (the store checks that
// both exist).
func (in *ConnectionTokenInput) Apply(t *ConnectionToken, _ bool, errs *FieldErrors) {
	if sent(errs, "provider", in.Provider) {
		t.ProviderID = in.Provider.V.ID
	}
	if sent(errs, "endpoint", in.Endpoint) {
		t.Endpoint = &Endpoint{UUID: in.Endpoint.V.ID}
	}
}

// ConnectionTokenVisibility restricts connection token reads: All, or the tokens of
// OwnerID plus those Visible lets through.
type ConnectionTokenVisibility struct {
	OwnerID int64
	Visible Visibility
}

// ConnectionTokenQuery is a connection token list request.
type ConnectionTokenQuery struct {
	ListQuery
	Endpoint *string
	Provider *int64
	User     *int64
	Tokens   ConnectionTokenVisibility
}

// LaunchRequest asks for a new connection token.
type LaunchRequest struct {
	EndpointUUID string
	UserID       int64
	TokenHash    []byte
	Settings     json.RawMessage // the launch body's settings object, {} when none
	// MayChooseTarget: the caller may change the endpoint, so its settings may also
	// choose where the connection goes (Validate).
	MayChooseTarget bool
	// BrowserSession binds the token to the signed-in browser session that launched
	// it (a launch link): only that browser opens it, and signing out deletes it. ""
	// leaves the token to be claimed by the first browser that opens it (the API).
	BrowserSession string
}

// Launch is what a launch returns: the new token (with endpoint, provider and user)
// and the property mappings whose settings apply, in the order they apply.
type Launch struct {
	Token            *ConnectionToken
	ProviderMappings []*PropertyMapping // the provider's, by name
	EndpointMappings []*PropertyMapping // the endpoint's, by name
}

// ExpiryFrom returns when a token issued at now under connection_expiry expiry ends,
// or nil for no fixed expiry (a zero duration). An unparsable expiry (never stored by
// racd) falls back to authentik's default of eight hours.
func ExpiryFrom(now time.Time, expiry string) *time.Time {
	d, err := ParseDuration(expiry)
	if err != nil {
		d = 8 * time.Hour
	}
	if d == 0 {
		return nil
	}
	t := now.Add(d).UTC()
	return &t
}

// connSecretAlphabet and connSecretLength describe a connection token's secret, as
// authentik's default_token_key makes it.
const (
	connSecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	connSecretLength   = 60
)

// NewConnectionSecret returns a connection token's secret: connSecretLength characters
// drawn uniformly from connSecretAlphabet (the API's launch and launch links).
func NewConnectionSecret() (string, error) {
	b := make([]byte, connSecretLength)
	max := big.NewInt(int64(len(connSecretAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = connSecretAlphabet[n.Int64()]
	}
	return string(b), nil
}
