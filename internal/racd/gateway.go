package racd

import (
	"context"
	"encoding/json"
	"time"
)

// GatewayToken is what the connection gateway needs of a connection token when a
// browser opens it: the token with its endpoint (and the endpoint's provider), the
// token's provider and user, the property mappings that apply at connect time, and to
// whom the token is bound.
type GatewayToken struct {
	Launch
	// ClaimHash is the keyed hash of the claim cookie of the browser that opened the
	// token first; nil until a browser claims it.
	ClaimHash []byte
	// BrowserSession is the signed-in browser session the token was launched from, or
	// "" for a token claimed by the first browser that opens it.
	BrowserSession string
}

// GatewayStore is the storage the connection gateway uses.
type GatewayStore interface {
	// GatewayToken returns the live (unexpired) connection token whose secret has the
	// keyed hash tokenHash, or ErrNotFound.
	GatewayToken(ctx context.Context, tokenHash []byte) (*GatewayToken, error)
	// ClaimConnectionToken binds the token to claimHash unless it is bound already, and
	// reports whether it is now bound to claimHash (false: another browser has it).
	// ErrNotFound when the token is gone.
	ClaimConnectionToken(ctx context.Context, uuid string, claimHash []byte) (bool, error)
	// StartConnectionSession records that a session of the token starts and returns
	// its generation, higher than any session of the token before it. It cancels a
	// pending deletion after a disconnect. ErrNotFound when the token is gone.
	StartConnectionSession(ctx context.Context, uuid string) (int64, error)
	// EndConnectionSession records that session gen ended at the current time, unless
	// a later session started since.
	EndConnectionSession(ctx context.Context, uuid string, gen int64) error
	// DeleteDisconnectedToken deletes the token when its provider deletes tokens on
	// disconnect, its session gen is still its last one and ended at or before
	// endedBy; it reports whether it did. The deletion is recorded as model_deleted.
	DeleteDisconnectedToken(ctx context.Context, uuid string, gen int64, endedBy time.Time, a Audit) (bool, error)
	// DeleteDisconnectedTokens deletes every such token whose last session ended at or
	// before endedBy (the sweep after a restart lost the in-memory timers).
	DeleteDisconnectedTokens(ctx context.Context, endedBy time.Time) (int64, error)
	// LiveConnectionTokens returns which of uuids are live connection tokens (not
	// deleted, not expired): the check a gateway makes before it cuts a session on a
	// deletion notice, so that a delete that rolled back never cuts one.
	LiveConnectionTokens(ctx context.Context, uuids []string) (map[string]bool, error)
	// Events records the audit events of sessions.
	Events() EventStore
}

// Notice kinds.
const (
	// NoticeConnectionTokenDeleted: the connection token ID is gone (deleted through
	// the API, by cascade from its endpoint, provider or user, or by the janitor).
	NoticeConnectionTokenDeleted = "connection_token_deleted"
	// NoticeSessionStarted: session Seq of the connection token ID started; a replica
	// holding an older session of the token ends it (one session per token).
	NoticeSessionStarted = "rac_session_started"
	// NoticeResync: notices may have been missed (the notifier reconnected); every
	// subscriber re-checks what it holds.
	NoticeResync = "resync"
)

// Notice is a small event every replica hears about.
type Notice struct {
	Kind string
	ID   string
	Seq  int64
}

// Notifier carries notices between the replicas that share a database: in-process on
// SQLite (one replica), LISTEN/NOTIFY on PostgreSQL. A notice about a change made in a
// transaction is delivered only once it committed; receivers still re-check the
// database before acting on one.
type Notifier interface {
	// Publish sends n to every subscriber on every replica, this one included.
	Publish(ctx context.Context, n Notice) error
	// Subscribe calls fn with every notice from now on, one at a time, until cancel is
	// called. fn must not block for long.
	Subscribe(fn func(Notice)) (cancel func())
}

// WithoutSecrets returns merged connection settings less their secret parameters
// (guacd's credential parameters and every name a layer listed under
// SecretKeysSetting, which MergeSettings gathers) and less the marker itself: what a
// launch's answer may show.
func WithoutSecrets(settings map[string]string) map[string]string {
	marked := map[string]bool{}
	for _, n := range markedSecret(json.RawMessage(settings[SecretKeysSetting])) {
		marked[n] = true
	}
	out := make(map[string]string, len(settings))
	for k, v := range settings {
		if !secretSettings[k] && !marked[k] && k != SecretKeysSetting {
			out[k] = v
		}
	}
	return out
}

// Audit event actions of gateway sessions. authentik 2024.6 has no action for a
// remote session (its EventActions enum is closed: clients refuse other values), so
// racd records the closest ones: a session's start is authorize_application (the
// user's access to the endpoint is exercised), its end custom_ (authentik's action for
// events outside its own list). Each event's context names the session, its token,
// endpoint, provider and user, client IP, start, end, bytes each way and end reason.
const (
	EventSessionStart = "authorize_application"
	EventSessionEnd   = "custom_"
)

// Where a connection token's session lives: the page, and the WebSocket it opens.
const (
	SessionPagePrefix      = "/if/rac/"
	SessionWebSocketPrefix = "/ws/rac/"
)

// SessionPagePath is the path of the session page of the token with secret.
func SessionPagePath(secret string) string { return SessionPagePrefix + secret + "/" }
