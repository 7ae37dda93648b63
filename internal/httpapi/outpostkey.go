package httpapi

import (
	"github.com/racd/racd/internal/keys"
	"github.com/racd/racd/internal/racd"
)

// newServiceKey makes the key of an outpost's API token for a write of the outpost:
// the store uses it when it creates the outpost's service account and token (on
// create, or for an outpost that predates them), and drops it otherwise. The key is
// readable afterwards only through the token's view_key.
func (s *Server) newServiceKey() (*racd.SealedKey, error) {
	key, err := keys.RandomKey(tokenKeyLength)
	if err != nil {
		return nil, err
	}
	sealed, err := s.keys.Seal(key)
	if err != nil {
		return nil, err
	}
	return &racd.SealedKey{Hash: s.keys.Hash(key), Ciphertext: sealed}, nil
}
