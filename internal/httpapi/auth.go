package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/racd/racd/internal/authz"
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
)

// authenticate resolves the Authorization header to a principal. Every refusal is a
// 403 (authentik never answers 401).
func (s *Server) authenticate(c *call, acc access) (*authz.Principal, error) {
	// authentik strips the value (Python's str.strip) and splits at the first space.
	h := strings.TrimFunc(c.r.Header.Get("Authorization"), isPySpace)
	scheme, key, ok := strings.Cut(h, " ")
	if h == "" && s.sessions != nil {
		if p, err := s.authenticateSession(c); p != nil || err != nil {
			return p, err
		}
	}
	if h == "" || !ok || key == "" {
		if acc == detail {
			return nil, errForbidden
		}
		return nil, errDetail(http.StatusForbidden, msgNotAuthenticated)
	}
	if !strings.EqualFold(scheme, "bearer") {
		return nil, errDetail(http.StatusForbidden, msgUnsupportedAuth)
	}
	hash := s.keys.Hash(key)
	now := s.now()
	e := s.auth.get(hash, now)
	s.obs.AuthCache(e != nil)
	if e != nil {
		if !e.cred.Live(now) {
			return nil, errDetail(http.StatusForbidden, msgTokenInvalid)
		}
		return e.p, nil
	}
	cred, err := s.store.CredentialByHash(c.ctx, hash)
	if errors.Is(err, racd.ErrNotFound) {
		return nil, errDetail(http.StatusForbidden, msgTokenInvalid)
	}
	if err != nil {
		return nil, err
	}
	if !keys.Equal(cred.KeyHash, hash) || !cred.Live(now) {
		return nil, errDetail(http.StatusForbidden, msgTokenInvalid)
	}
	var grants []racd.Grant
	if !cred.User.IsSuperuser {
		if grants, err = s.store.UserGrants(c.ctx, cred.User.ID); err != nil {
			return nil, err
		}
	}
	p := authz.NewPrincipal(cred.User, grants)
	s.auth.put(hash, &authEntry{cred: cred, p: p, at: now})
	return p, nil
}

// authCache remembers token lookups for a short time, so that a request costs no
// authentication query while the entry is fresh. Expiry is still checked on every
// request against the cached expiry time.
type authCache struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[string]*authEntry
}

type authEntry struct {
	cred *racd.Credential
	p    *authz.Principal
	at   time.Time
}

const authCacheMax = 10000

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, m: map[string]*authEntry{}}
}

func (a *authCache) get(hash []byte, now time.Time) *authEntry {
	if a.ttl <= 0 {
		return nil
	}
	a.mu.RLock()
	e := a.m[string(hash)]
	a.mu.RUnlock()
	if e == nil || now.Sub(e.at) > a.ttl || now.Before(e.at) {
		return nil
	}
	return e
}

func (a *authCache) put(hash []byte, e *authEntry) {
	if a.ttl <= 0 {
		return
	}
	a.mu.Lock()
	if len(a.m) >= authCacheMax {
		a.m = map[string]*authEntry{} // crude but bounded; entries are cheap to refetch
	}
	a.m[string(hash)] = e
	a.mu.Unlock()
}

// clear forgets every entry; called after any change to tokens, users, groups, roles
// or permissions through this process.
func (a *authCache) clear() {
	a.mu.Lock()
	a.m = map[string]*authEntry{}
	a.mu.Unlock()
}
