package sqlstore

import (
	"testing"

	"github.com/racd/racd/internal/racd"
	"github.com/racd/racd/internal/storetest"
)

// TestApplicationConformance runs storetest's application and outpost suite on both
// databases (until the coordinator folds it into the whole suite).
func TestApplicationConformance(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			storetest.Applications(t, func(t *testing.T) racd.Store { return openTestStore(t, backend) })
		})
	}
}
